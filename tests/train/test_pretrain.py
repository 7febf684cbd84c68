"""Pretraining: loss falls, perplexity reported, SIGTERM checkpoints, SIGKILL resume."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from transformers import TrainerCallback

from codetune.errors import CodetuneError
from codetune.paths import REPO_ROOT
from codetune.train import PretrainConfig, TrainSettings, run_pretrain
from codetune.train.runtime import TrainingInterrupted


def _config(model, data, out, **train) -> PretrainConfig:
    settings = dict(learning_rate=3e-3, max_steps=8, per_device_train_batch_size=2,
                    warmup_steps=0, logging_steps=1, save_steps=100, seed=7)
    settings.update(train)
    return PretrainConfig(model=str(model), dataset=str(data), output_dir=str(out),
                          train=TrainSettings(**settings))


def _losses(out: Path) -> dict[int, float]:
    import json

    ckpts = sorted(out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    state = json.loads((ckpts[-1] / "trainer_state.json").read_text())
    return {h["step"]: h["loss"] for h in state["log_history"] if "loss" in h}


def test_pretrain_loss_falls_and_reports_perplexity(tiny_model_dir, packed_dataset_dir, tmp_path):
    out = run_pretrain(_config(tiny_model_dir, packed_dataset_dir, tmp_path / "run",
                               max_steps=12, per_device_train_batch_size=4, save_steps=12))
    losses = list(_losses(out).values())
    assert sum(losses[-3:]) / 3 < losses[0] - 0.3
    import json

    metrics = json.loads((out / "summary.json").read_text())
    assert math.isclose(metrics["eval_perplexity"], math.exp(metrics["eval_loss"]), rel_tol=1e-6)
    assert metrics["eval_perplexity"] < 3000  # below a uniform guess over the 3k vocabulary
    assert (out / "final" / "model.safetensors").exists() and (out / "config.yaml").exists()


def test_dataset_without_input_ids_is_a_one_line_error(tiny_model_dir, tmp_path):
    import datasets

    data = tmp_path / "text_only"
    datasets.Dataset.from_dict({"text": ["a", "b"]}).save_to_disk(str(data))
    with pytest.raises(CodetuneError, match="lacks column.*input_ids.*codetune data pretrain"):
        run_pretrain(_config(tiny_model_dir, data, tmp_path / "run"))


def test_existing_checkpoints_need_resume(tiny_model_dir, packed_dataset_dir, tmp_path):
    (tmp_path / "run" / "checkpoint-3").mkdir(parents=True)
    (tmp_path / "run" / "checkpoint-3" / "trainer_state.json").write_text("{}")
    with pytest.raises(CodetuneError, match="--resume"):
        run_pretrain(_config(tiny_model_dir, packed_dataset_dir, tmp_path / "run"))


class SignalAt(TrainerCallback):
    """Send ``sig`` to this process at the end of optimizer step ``step``."""

    def __init__(self, step: int, sig: int) -> None:
        self.step, self.sig = step, sig

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            os.kill(os.getpid(), self.sig)


def test_sigterm_saves_a_checkpoint_and_stops(tiny_model_dir, packed_dataset_dir, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(TrainingInterrupted, match="step 2.*--resume"):
        run_pretrain(_config(tiny_model_dir, packed_dataset_dir, out),
                     callbacks=[SignalAt(2, signal.SIGTERM)])
    assert (out / "checkpoint-2" / "optimizer.pt").exists()
    assert not (out / "final").exists()  # no final model: the run is not complete
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


class OptimizerSnapshot(TrainerCallback):
    """Copy AdamW's first moments just before optimizer step ``step + 1`` runs."""

    def __init__(self, step: int) -> None:
        self.step, self.exp_avg = step, None

    def on_step_begin(self, args, state, control, optimizer=None, **kwargs):
        if state.global_step == self.step and self.exp_avg is None:
            self.exp_avg = [s["exp_avg"].clone() for s in optimizer.state.values()]


KILLED_RUN = """
import os, signal, sys
from tests.train.test_pretrain import SignalAt, _config
from codetune.train import run_pretrain
run_pretrain(_config(*sys.argv[1:4], save_steps=3), callbacks=[SignalAt(5, signal.SIGKILL)])
"""


@pytest.mark.slow
def test_sigkill_resume_continues_the_same_loss_curve(tiny_model_dir, packed_dataset_dir,
                                                      tmp_path):
    import torch

    ref = OptimizerSnapshot(3)
    run_pretrain(_config(tiny_model_dir, packed_dataset_dir, tmp_path / "ref", save_steps=8),
                 callbacks=[ref])
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", KILLED_RUN, str(tiny_model_dir),
                           str(packed_dataset_dir), str(out)], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-3"]

    resumed = OptimizerSnapshot(3)
    cfg = _config(tiny_model_dir, packed_dataset_dir, out, save_steps=8)
    cfg.resume = True
    run_pretrain(cfg, callbacks=[resumed])
    assert resumed.exp_avg is not None, "resumed run did not start at step 3"
    for a, b in zip(resumed.exp_avg, ref.exp_avg, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)
    ref_losses, resumed_losses = _losses(tmp_path / "ref"), _losses(out)
    assert sorted(resumed_losses) == list(range(1, 9))
    for step in range(4, 9):
        assert math.isclose(resumed_losses[step], ref_losses[step], rel_tol=1e-4), step
