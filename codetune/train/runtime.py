"""Pieces shared by pretraining and SFT: trainer arguments, resume, SIGTERM, logging, output."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from codetune.artifacts import atomic_write_json, final_model_dir
from codetune.config import convert_fields
from codetune.console import log
from codetune.errors import CodetuneError
from codetune.train.config import TrainSettings


class TrainingInterrupted(CodetuneError):
    """Training stopped on SIGTERM after saving a checkpoint."""


def device_defaults(bf16: bool | None) -> dict[str, Any]:
    """fp32 + ``use_cpu`` without CUDA; bf16 on CUDA when supported (and not turned off)."""
    from codetune.models.device import cuda_bf16, trainer_flags

    if bf16 and not cuda_bf16():
        log.warning("bf16 requested without a bf16-capable CUDA device: training in fp32")
    return trainer_flags(bf16)


def training_arguments(cls: type, settings: TrainSettings, output_dir: str | os.PathLike,
                       has_eval: bool, deepspeed: str | None = None, **stage: Any):
    """Build ``cls`` (TrainingArguments or SFTConfig) from ``settings`` plus stage fields."""
    from codetune.train.deepspeed import resolve_deepspeed, single_process_env

    extra = convert_fields(cls, settings.extra, "train.extra")  # typed like cls's fields
    kw = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)
          if f.name not in ("extra", "bf16")}
    kw.update(device_defaults(settings.bf16))
    # transformers 5 renamed it; the old name (SFTConfig defaults it to True) only warns.
    kw["activation_checkpointing"] = kw.pop("gradient_checkpointing")
    kw["gradient_checkpointing"] = None
    kw.update(output_dir=str(output_dir), save_strategy="steps", logging_first_step=True,
              eval_strategy="steps" if (has_eval and settings.eval_steps) else "no",
              deepspeed=resolve_deepspeed(deepspeed), dataloader_pin_memory=False)
    if settings.eval_steps is None:
        kw.pop("eval_steps")
    kw.update(stage)
    kw.update(extra)
    if kw.get("deepspeed"):
        single_process_env()
    try:
        return cls(**kw)
    except (ValueError, TypeError) as exc:
        first = str(exc).splitlines()[0]
        raise CodetuneError(f"train: invalid training settings ({first})") from None


def last_checkpoint(output_dir: str | os.PathLike) -> str | None:
    """The newest complete ``checkpoint-N`` in ``output_dir`` (one with trainer_state.json)."""
    out = Path(output_dir)
    if not out.is_dir():
        return None
    done = [p for p in out.glob("checkpoint-*")
            if p.name.split("-")[-1].isdigit() and (p / "trainer_state.json").exists()]
    return str(max(done, key=lambda p: int(p.name.split("-")[-1]))) if done else None


def resolve_resume(output_dir: str | os.PathLike, resume: bool) -> str | None:
    """Checkpoint to resume from; refuse to silently restart over existing checkpoints."""
    ckpt = last_checkpoint(output_dir)
    if resume:
        if ckpt is None:
            log.warning("--resume: no checkpoint in %s yet, starting from step 0", output_dir)
        else:
            log.info("resuming from %s", ckpt)
        return ckpt
    if ckpt is not None:
        raise CodetuneError(f"{output_dir} already holds checkpoints ({Path(ckpt).name}): pass "
                            "--resume to continue that run or choose another --output-dir")
    return None


class GracefulStop(TrainerCallback):
    """On SIGTERM: finish the current step, save a checkpoint, stop (spot/preemptible jobs)."""

    def __init__(self) -> None:
        self.requested = False
        self.stopped_at: int | None = None
        self._previous: Any = None

    def _handle(self, signum, frame) -> None:  # noqa: ARG002 - signal handler signature
        self.requested = True

    def on_train_begin(self, args, state, control, **kwargs):
        if _in_main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._handle)

    def on_step_end(self, args, state, control, **kwargs):
        if self.requested and self.stopped_at is None:
            self.stopped_at = state.global_step
            control.should_save = True
            control.should_training_stop = True
        return control

    def on_train_end(self, args, state, control, **kwargs):
        self.restore()

    def restore(self) -> None:
        """Put back the SIGTERM handler that was there before training."""
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)
            self._previous = None


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


class LogToCodetune(TrainerCallback):
    """Mirror the trainer's log records into codetune's log (and so into ``run.log``)."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and state.is_world_process_zero:
            shown = {k: (round(v, 5) if isinstance(v, float) else v) for k, v in logs.items()}
            log.info("step %d %s", state.global_step, json.dumps(shown))


def run_trainer(trainer, resume_from: str | None) -> dict[str, Any]:
    """Train with SIGTERM handling; return train metrics or raise ``TrainingInterrupted``."""
    stop = GracefulStop()
    trainer.add_callback(stop)
    trainer.add_callback(LogToCodetune())
    started = time.perf_counter()
    try:
        result = trainer.train(resume_from_checkpoint=resume_from)
    finally:
        stop.restore()
    if stop.stopped_at is not None:
        ckpt = Path(trainer.args.output_dir) / f"checkpoint-{stop.stopped_at}"
        raise TrainingInterrupted(f"stopped by SIGTERM at step {stop.stopped_at}; checkpoint saved "
                                  f"to {ckpt}; rerun with --resume to continue")
    metrics = dict(result.metrics)
    metrics["global_step"] = trainer.state.global_step
    metrics["train_wall_s"] = round(time.perf_counter() - started, 2)
    return metrics


def eval_metrics(trainer) -> dict[str, float]:
    """Held-out loss and perplexity (exp of mean token cross-entropy)."""
    step = trainer.state.global_step
    done = [h for h in trainer.state.log_history if "eval_loss" in h and h.get("step") == step]
    metrics = dict(done[-1]) if done else trainer.evaluate()
    loss = metrics.get("eval_loss")
    if loss is not None:
        metrics["eval_perplexity"] = math.exp(min(loss, 50.0))
    return metrics


def save_final(trainer, tokenizer, output_dir: str | os.PathLike, metrics: dict) -> Path:
    """Write the final model/adapter + tokenizer into ``<output_dir>/final``, then metrics.

    Every rank saves (ZeRO-3 gathers its shards) into a temp dir that rank 0 renames into place,
    so a kill never leaves a half-written model; ``metrics.json`` comes last and marks the run
    complete. Returns the final model's folder.
    """
    out = Path(output_dir)
    final, tmp = final_model_dir(out), out / ".final-tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    trainer.save_model(str(tmp))
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(str(tmp))
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        atomic_write_json(out / "metrics.json", metrics)
    return final
