"""Shipped DeepSpeed configs fill and validate (DeepSpeedConfig) without launching anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from transformers import LlamaConfig, TrainingArguments

from codetune.errors import CodetuneError
from codetune.paths import REPO_ROOT
from codetune.train.deepspeed import validate_deepspeed


def _args(tmp_path, **kw) -> TrainingArguments:
    return TrainingArguments(output_dir=str(tmp_path), use_cpu=True, max_steps=10,
                             per_device_train_batch_size=4, gradient_accumulation_steps=2, **kw)


@pytest.mark.parametrize("stage", ["zero2", "zero3"])
def test_shipped_config_validates_with_every_auto_filled(stage, tmp_path):
    config = validate_deepspeed(stage, _args(tmp_path, max_grad_norm=0.5),
                                LlamaConfig(hidden_size=128))
    assert config["zero_optimization"]["stage"] == int(stage[-1])
    assert config["train_batch_size"] == 8 and config["gradient_clipping"] == 0.5
    assert "auto" not in json.dumps(config)


def test_inconsistent_batch_sizes_are_rejected(tmp_path):
    bad = tmp_path / "ds.json"
    bad.write_text(json.dumps({"train_batch_size": 7, "train_micro_batch_size_per_gpu": 4,
                               "gradient_accumulation_steps": 1,
                               "zero_optimization": {"stage": 2}}))
    with pytest.raises(CodetuneError, match="ds.json"):
        validate_deepspeed(str(bad), _args(tmp_path), LlamaConfig(hidden_size=128))


def test_unknown_config_name_is_a_one_line_error(tmp_path):
    with pytest.raises(CodetuneError, match="use zero2, zero3 or a JSON file"):
        validate_deepspeed("zero4", _args(tmp_path), LlamaConfig(hidden_size=128))


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("CODETUNE_TEST_DEEPSPEED") != "1",
                    reason="CODETUNE_TEST_DEEPSPEED=1 (make test sets it): the first run compiles "
                           "DeepSpeed ops (~1.5 min on 2 cores)")
def test_zero2_sft_runs_in_one_cpu_process(tiny_model_dir, prompt_completion_jsonl, tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "codetune.cli", "sft", "--model", str(tiny_model_dir), "--dataset",
         str(prompt_completion_jsonl), "-o", str(out), "--max-steps", "3", "--deepspeed", "zero2",
         "--set", "max_length=128", "--set", "train.per_device_train_batch_size=2"],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "checkpoint-3" / "global_step3" / "zero_pp_rank_0_mp_rank_00_optim_states.pt"
            ).exists()
    assert json.loads((out / "summary.json").read_text())["steps"] == 3


def test_one_process_world_gets_a_free_port_not_a_fixed_one(monkeypatch):
    import socket

    from codetune.train.deepspeed import single_process_env

    for key in ("RANK", "OMPI_COMM_WORLD_RANK", "MASTER_PORT", "MASTER_ADDR"):
        monkeypatch.delenv(key, raising=False)
    with socket.socket() as busy:  # another one-process run already holds a port
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        monkeypatch.setenv("MASTER_PORT", "")
        single_process_env()
        port = int(os.environ["MASTER_PORT"])
        assert port != busy.getsockname()[1]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))  # free: a rendezvous can listen on it
    assert os.environ["RANK"] == "0" and os.environ["WORLD_SIZE"] == "1"
