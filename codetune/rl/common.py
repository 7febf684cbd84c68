"""Pieces every RL algorithm shares: device flags, the policy, metrics logging, resume, saving."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from codetune.artifacts import final_model_dir, read_jsonl
from codetune.console import log
from codetune.errors import CodetuneError
from codetune.rl.config import RLConfig, check_config  # noqa: F401 (re-exported)

METRICS_FILE = "metrics.jsonl"


def device_args() -> dict[str, Any]:
    """fp32 on CPU (bf16 autocast is 17-37x slower there); bf16 on a CUDA GPU that has it."""
    from codetune.models.device import trainer_flags

    return trainer_flags()


def deepspeed_config(spec: str | None) -> str | None:
    """The ZeRO config path (shipped zero2/zero3 or a file); a one-process world when no
    launcher set one up (as ``codetune sft --deepspeed`` does)."""
    from codetune.train.deepspeed import resolve_deepspeed, single_process_env

    path = resolve_deepspeed(spec)
    if path:
        single_process_env()
    return path


def load_policy(cfg: RLConfig):
    """(model, tokenizer): full, LoRA or QLoRA through codetune.models.loading."""
    from codetune.models.loading import load_model_for_training, load_tokenizer

    tokenizer = load_tokenizer(cfg.model)
    model = load_model_for_training(cfg.model, cfg.method, cfg.lora)
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


class MetricsLogger(TrainerCallback):
    """Appends every log record (rewards per component, pass rate, lengths, timing) to JSONL."""

    def __init__(self, path: Path, timer: Any = None) -> None:
        self.path = path
        self.timer = timer
        path.parent.mkdir(parents=True, exist_ok=True)

    def on_log(self, args: Any, state: Any, control: Any, logs: dict | None = None,
               **kwargs: Any) -> None:
        if not logs or not state.is_world_process_zero:  # one writer under accelerate launch
            return
        row = {"step": state.global_step, **{k: v for k, v in logs.items()
                                              if isinstance(v, int | float | str)}}
        if self.timer is not None and self.timer.history:
            row.update({f"timing/{k}": v for k, v in self.timer.history[-1].items()})
        row = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
        shown = {k: round(v, 4) for k, v in row.items() if k in (
            "loss", "reward", "rewards/execution/mean", "execution/pass_rate",
            "completions/mean_length") and isinstance(v, float)}
        log.info("step %d %s", state.global_step, shown)


def resume_checkpoint(cfg: RLConfig) -> str | None:
    """The last ``checkpoint-N`` in output_dir when resuming; an error when there is none."""
    if not cfg.resume:
        return None
    from transformers.trainer_utils import get_last_checkpoint

    out = Path(cfg.output_dir)
    last = get_last_checkpoint(str(out)) if out.is_dir() else None
    if last is None:
        raise CodetuneError(f"--resume: no checkpoint-N folder in {out}; run without --resume")
    log.info("resuming from %s", last)
    return last


def read_metrics(output_dir: str | Path) -> list[dict]:
    """The rows ``MetricsLogger`` wrote (one per logging step)."""
    path = Path(output_dir) / METRICS_FILE
    if not path.exists():
        return []
    return list(read_jsonl(path))


def save_final(trainer: Any, tokenizer: Any, out: Path) -> Path:
    """Save the trained policy (adapter for LoRA) and tokenizer to ``<out>/final``.

    Every rank calls ``save_model`` (ZeRO-3 gathers its shards) into one temp folder that rank 0
    renames into place, so several processes never race on ``final``.
    """
    import os
    import shutil

    final, tmp = final_model_dir(out), Path(out) / ".final-tmp"
    main = trainer.is_world_process_zero()
    if main:
        shutil.rmtree(tmp, ignore_errors=True)
    trainer.accelerator.wait_for_everyone()
    trainer.save_model(str(tmp))
    if main:
        tokenizer.save_pretrained(str(tmp))
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
    trainer.accelerator.wait_for_everyone()
    return final
