"""One decision of device and dtype for generation, mining, the reward model and trainers."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest
import torch

from codetune.errors import CodetuneError
from codetune.models.device import placement, trainer_flags


@pytest.fixture
def fake_cuda(monkeypatch):
    """CUDA reported present (2 GPUs, bf16-capable); ``.to(cuda...)`` recorded, not done."""
    moved: list[str] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    real_to = torch.nn.Module.to

    def to(self, *args, **kwargs):
        target = str(args[0] if args else kwargs.get("device", ""))
        if target.startswith("cuda"):
            moved.append(target)
            return self
        return real_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.nn.Module, "to", to)
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    return moved


def test_without_cuda_everything_is_fp32_on_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    where = placement()
    assert (where.device, where.dtype) == ("cpu", torch.float32)
    assert trainer_flags() == {"use_cpu": True, "bf16": False}
    assert trainer_flags(bf16=True) == {"use_cpu": True, "bf16": False}  # never bf16 on a CPU


def test_with_cuda_each_rank_uses_its_local_gpu_in_bf16(fake_cuda, monkeypatch):
    assert (placement().device, placement().dtype) == ("cuda:0", torch.bfloat16)
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert placement().device == "cuda:1"
    assert trainer_flags() == {"use_cpu": False, "bf16": True}
    assert trainer_flags(bf16=False)["bf16"] is False


def test_a_gpu_without_bf16_gets_fp32(fake_cuda, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert (placement().device, placement().dtype) == ("cuda:0", torch.float32)


def test_eval_and_mining_model_goes_to_the_gpu_in_bf16(fake_cuda, tiny_model_dir):
    from codetune.eval.generate import load_model_and_tokenizer  # mining loads through it too

    model, _ = load_model_and_tokenizer(tiny_model_dir)
    assert fake_cuda == ["cuda:0"]
    assert {p.dtype for p in model.parameters()} == {torch.bfloat16}


def test_reward_model_goes_to_the_gpu_in_bf16(fake_cuda, tiny_model_dir):
    from codetune.rewards.reward_model import load_reward_model

    load_reward_model.cache_clear()
    try:
        model, _ = load_reward_model(str(tiny_model_dir))
    finally:
        load_reward_model.cache_clear()
    assert fake_cuda == ["cuda:0"]
    assert {p.dtype for p in model.parameters()} == {torch.bfloat16}


def test_on_this_cpu_eval_generates_in_fp32(tiny_model_dir):
    from codetune.eval.generate import (
        GenerationSettings,
        generate_with_info,
        load_model_and_tokenizer,
    )

    if torch.cuda.is_available():
        pytest.skip("checks the CPU path")
    model, tokenizer = load_model_and_tokenizer(tiny_model_dir)
    assert model.device.type == "cpu"
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    out = generate_with_info(model, tokenizer, ["def f():"], [["\n"]],
                             GenerationSettings(n=1, max_new_tokens=4, batch_size=1))
    assert len(out[0]) == 1 and out[0][0].new_tokens >= 1


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed")
def test_eval_backend_vllm_without_the_extra_is_a_one_line_error(tiny_model_dir, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "codetune.cli", "eval", "run", "--model",
                           str(tiny_model_dir), "--backend", "vllm", "--limit", "1",
                           "-o", str(tmp_path / "ev")], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "codetune[vllm]" in lines[0], proc.stderr
    assert not (tmp_path / "ev" / "samples.jsonl").exists()


def test_unknown_eval_backend_is_refused():
    from codetune.eval.vllm_backend import check_backend

    with pytest.raises(CodetuneError, match="choose hf"):
        check_backend("tgi")


def test_rl_use_vllm_reaches_trl_and_needs_the_extra():
    from codetune.rl.config import RLConfig, check_config
    from codetune.rl.grpo import trainer_args

    cfg = RLConfig(model="m", use_vllm=True, vllm_mode="server")
    args = trainer_args(cfg, [1.0, 0.1])
    assert (args.use_vllm, args.vllm_mode) == (True, "server")
    if importlib.util.find_spec("vllm") is None:
        with pytest.raises(CodetuneError, match=r"codetune\[vllm\]"):
            check_config(cfg)


def test_rl_and_rm_take_the_shipped_deepspeed_configs():
    from codetune.rl.config import RLConfig
    from codetune.rl.grpo import trainer_args
    from codetune.train.deepspeed import SHIPPED

    pytest.importorskip("deepspeed")
    # A config with deepspeed set initialises torch.distributed (and accelerate's state) in the
    # process that builds it: build it in a child so this test process stays a plain one.
    code = ("from codetune.rl.config import RLConfig; from codetune.rl.grpo import trainer_args; "
            "print(trainer_args(RLConfig(model='m', deepspeed='zero3'), [1.0, 0.1]).deepspeed)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == str(SHIPPED["zero3"])
    with pytest.raises(CodetuneError, match="no such file"):
        trainer_args(RLConfig(model="m", deepspeed="zero9.json"), [1.0])
