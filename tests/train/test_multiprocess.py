"""``codetune sft`` as two processes (``accelerate launch``, CPU ranks, gloo): checkpoint, then
``--resume`` under two processes."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.launch import accelerate_launch

pytestmark = pytest.mark.slow


def _sft(model, data, out, steps: int, *extra: str) -> list[str]:
    return ["sft", "--model", str(model), "--dataset", str(data), "-o", str(out),
            "--max-steps", str(steps), "--set", "train.save_steps=2",
            "--set", "train.per_device_train_batch_size=2", "--set", "train.logging_steps=1",
            "--set", "max_length=128", "--set", "eval_fraction=0", *extra]


def test_two_process_sft_checkpoints_and_resumes(tiny_model_dir, prompt_completion_jsonl,
                                                 tmp_path):
    out = tmp_path / "sft"
    first, _ = accelerate_launch(_sft(tiny_model_dir, prompt_completion_jsonl, out, 2), tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    ckpt = out / "checkpoint-2"
    state = json.loads((ckpt / "trainer_state.json").read_text())
    assert state["global_step"] == 2
    assert state["train_batch_size"] == 2  # per device; two ranks make a global batch of 4
    assert {p.name for p in ckpt.glob("rng_state_*.pth")} == {"rng_state_0.pth",
                                                               "rng_state_1.pth"}
    again, _ = accelerate_launch(_sft(tiny_model_dir, prompt_completion_jsonl, out, 4,
                                      "--resume"), tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "resuming from" in again.stderr and "checkpoint-2" in again.stderr
    metrics = json.loads((out / "summary.json").read_text())
    assert metrics["steps"] == 4
    assert (out / "final" / "config.json").exists()
    assert not list(out.glob(".final*"))  # rank 0 renamed the one temp folder into place
