"""The one trainer runtime: pretrain, SFT, the reward model, GRPO, RLOO and DPO all run through it.

Every run dir has the same layout::

    config.yaml      the resolved config
    run.log          the full log
    metrics.jsonl    one row per logging step (loss, rewards, timing, ...)
    checkpoint-N/    every save_steps steps and on SIGTERM (model, optimizer, scheduler, RNG)
    final/           the model (or LoRA adapter) + tokenizer: what `codetune eval`, `merge`,
                     `rl --model` and `reward_model` read
    summary.json     written last: marks the run finished (steps, loss, the trainer's metrics)

A dir with checkpoints needs ``--resume`` (continue) or ``--force`` (start over); a finished run
is never trained over without one of them. The config is built in :mod:`trainer_config`.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from codetune.artifacts import atomic_write_json, atomic_write_text, final_model_dir, read_jsonl
from codetune.config import save_config
from codetune.console import add_log_file, log
from codetune.errors import CodetuneError

METRICS_FILE = "metrics.jsonl"
SUMMARY_FILE = "summary.json"


class TrainingInterrupted(CodetuneError):
    """Training stopped on SIGTERM after saving a checkpoint."""


def is_main_process() -> bool:
    """Rank 0 (or no launcher): the one process that writes shared files."""
    return int(os.environ.get("RANK", "0") or 0) == 0


def last_checkpoint(output_dir: str | os.PathLike) -> str | None:
    """The newest complete ``checkpoint-N`` in ``output_dir`` (one with trainer_state.json)."""
    out = Path(output_dir)
    if not out.is_dir():
        return None
    done = [p for p in out.glob("checkpoint-*")
            if p.name.split("-")[-1].isdigit() and (p / "trainer_state.json").exists()]
    return str(max(done, key=lambda p: int(p.name.split("-")[-1]))) if done else None


def resolve_resume(output_dir: str | os.PathLike, resume: bool, force: bool = False) -> str | None:
    """Checkpoint to resume from; refuse to silently restart over checkpoints or a finished run."""
    out = Path(output_dir)
    if resume and force:
        raise CodetuneError("--resume and --force: pass one (continue the run, or start over)")
    ckpt = last_checkpoint(out)
    if force:
        if (ckpt or (out / SUMMARY_FILE).exists()) and is_main_process():
            log.warning("--force: removing the previous run's checkpoints and outputs in %s", out)
            clear_run(out)
        return None
    if resume:
        if ckpt is None:
            log.warning("--resume: no checkpoint in %s yet, starting from step 0", out)
        else:
            log.info("resuming from %s", ckpt)
            if is_main_process():
                _drop_metrics_after(out, int(Path(ckpt).name.split("-")[-1]))
        return ckpt
    if (out / SUMMARY_FILE).exists():
        raise CodetuneError(f"{out} holds a finished run ({SUMMARY_FILE}, final/): pass --force "
                            "to train again over it, --resume to continue it, or choose another "
                            "--output-dir")
    if ckpt is not None:
        raise CodetuneError(f"{out} already holds checkpoints ({Path(ckpt).name}): pass --resume "
                            "to continue that run, --force to start over, or choose another "
                            "--output-dir")
    return None


def clear_run(out: Path) -> None:
    """Remove what a previous run wrote (checkpoints, final model, metrics, summary)."""
    for path in [*out.glob("checkpoint-*"), final_model_dir(out), out / ".final-tmp"]:
        shutil.rmtree(path, ignore_errors=True)
    for name in (METRICS_FILE, SUMMARY_FILE, "metrics.json"):
        (out / name).unlink(missing_ok=True)


def _drop_metrics_after(out: Path, step: int) -> None:
    """Resuming at ``step``: forget rows logged after it (a kill lost those steps)."""
    path = out / METRICS_FILE
    if path.exists():
        rows = [r for r in read_jsonl(path) if r.get("step", 0) <= step]
        atomic_write_text(path, "".join(json.dumps(r) + "\n" for r in rows))


def start_run(config: Any, output_dir: str | os.PathLike, resume: bool,
              force: bool = False) -> str | None:
    """Check the run dir (resume/force rules), create it, start ``run.log``, write
    ``config.yaml``; return the checkpoint to resume from."""
    if not str(output_dir):
        raise CodetuneError("no output dir: pass -o DIR")
    out = Path(output_dir)
    ckpt = resolve_resume(out, resume, force)
    out.mkdir(parents=True, exist_ok=True)
    add_log_file(out / "run.log")
    if is_main_process():
        save_config(config, out)
    return ckpt


class GracefulStop(TrainerCallback):
    """On SIGTERM: finish the current step, save a checkpoint, stop (spot/preemptible jobs)."""

    def __init__(self) -> None:
        self.requested = False
        self.stopped_at: int | None = None
        self._previous: Any = None

    def _handle(self, signum, frame) -> None:  # noqa: ARG002 - signal handler signature
        self.requested = True

    def on_train_begin(self, args, state, control, **kwargs):
        import threading

        if threading.current_thread() is threading.main_thread():
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


class MetricsLogger(TrainerCallback):
    """Every log record to ``metrics.jsonl`` (rank 0) and a line in the log; ``timer`` (an RL
    ``StepTimer``) adds the step's ``timing/*``; ``show`` limits the keys in the log line."""

    def __init__(self, path: Path, timer: Any = None, show: tuple[str, ...] | None = None) -> None:
        self.path, self.timer, self.show = Path(path), timer, show

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not logs or not state.is_world_process_zero:  # one writer under accelerate launch
            return
        row = {"step": state.global_step, **{k: v for k, v in logs.items()
                                              if isinstance(v, int | float | str)}}
        if self.timer is not None and self.timer.history:
            row.update({f"timing/{k}": v for k, v in self.timer.history[-1].items()})
        row = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
        shown = {k: (round(v, 5) if isinstance(v, float) else v) for k, v in logs.items()
                 if self.show is None or k in self.show}
        log.info("step %d %s", state.global_step, json.dumps(shown))


def read_metrics(output_dir: str | os.PathLike) -> list[dict]:
    """The rows of a run's ``metrics.jsonl`` (one per logging step)."""
    path = Path(output_dir) / METRICS_FILE
    return list(read_jsonl(path)) if path.exists() else []


def run_trainer(trainer, resume_from: str | None, timer: Any = None,
                show: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Train with SIGTERM checkpointing and ``metrics.jsonl``; return the train metrics
    (``steps``, ``train_loss``, ``train_wall_s``, ...) or raise ``TrainingInterrupted``."""
    stop = GracefulStop()
    trainer.add_callback(stop)
    trainer.add_callback(MetricsLogger(Path(trainer.args.output_dir) / METRICS_FILE, timer,
                                       show))
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
    metrics.update(steps=trainer.state.global_step, train_loss=result.training_loss,
                   train_wall_s=round(time.perf_counter() - started, 2))
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


def save_final(trainer, tokenizer, output_dir: str | os.PathLike) -> Path:
    """Write the model/adapter + tokenizer into ``<output_dir>/final``.

    Every rank saves (ZeRO-3 gathers its shards) into one temp dir that rank 0 renames into
    place, so a kill never leaves a half-written model and ranks never race on ``final``.
    """
    out = Path(output_dir)
    final, tmp = final_model_dir(out), out / ".final-tmp"
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


def finish_run(trainer, tokenizer, output_dir: str | os.PathLike, name: str,
               summary: dict[str, Any]) -> dict[str, Any]:
    """Save ``final/``, then ``summary.json`` (rank 0; last, so it marks a finished run).
    Returns the summary with ``trainer``, ``steps`` and ``final_model`` filled in."""
    final = save_final(trainer, tokenizer, output_dir)
    summary = {"trainer": name, "steps": trainer.state.global_step, **summary,
               "final_model": str(final)}
    if trainer.is_world_process_zero():
        atomic_write_json(Path(output_dir) / SUMMARY_FILE, summary)
    log.info("%s done: %d steps, model in %s", name, summary["steps"], final)
    return summary
