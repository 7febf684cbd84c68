"""``codetune rm`` as two processes (``accelerate launch``, CPU ranks, gloo) on a pairs file."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.launch import accelerate_launch

pytestmark = pytest.mark.slow


def test_two_process_reward_model_trains_and_saves_once(tiny_model_dir, tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    rows = [{"task_id": f"t{i}", "prompt": f"def add_{i}(a, b):\n",
             "chosen": "    return a + b\n", "rejected": "    return a -\n",
             "chosen_source": "sample", "rejected_source": "sample"} for i in range(10)]
    pairs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "rm"
    run, _ = accelerate_launch(["rm", "--model", str(tiny_model_dir), "--pairs", str(pairs),
                                "-o", str(out), "--set", "max_steps=2", "--set", "batch_size=2",
                                "--set", "max_length=64"], tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    metrics = json.loads((out / "summary.json").read_text())
    assert metrics["train_pairs"] == 8 and metrics["heldout_pairs"] == 2
    assert (out / "final" / "config.json").exists()
    assert not list(out.glob(".final*"))
    assert 0.0 <= metrics["heldout_accuracy"] <= 1.0
    assert "Traceback" not in run.stderr
