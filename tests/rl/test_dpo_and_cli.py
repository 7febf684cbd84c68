"""DPO on mined pairs, and the `codetune rl` / `codetune rm` command lines."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from codetune.config import load_config
from codetune.rl.config import RLConfig
from codetune.rl.dpo import run_dpo


def _codetune(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codetune.cli", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.slow
def test_dpo_trains_on_pairs_file(tiny_model_dir, tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    rows = [{"task_id": f"t{i}", "prompt": f"def f{i}(a, b):\n",
             "chosen": "    return a + b\n", "rejected": "    return a -\n"} for i in range(4)]
    pairs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = load_config(RLConfig, overrides=[f"model={tiny_model_dir}", "algo=dpo",
                                           f"pairs={pairs}", f"output_dir={tmp_path / 'dpo'}",
                                           "max_steps=2", "prompts_per_step=2",
                                           "learning_rate=1e-3"])
    summary = run_dpo(cfg)
    assert summary["steps"] == 2
    assert (tmp_path / "dpo" / "final" / "config.json").exists()


def test_rl_show_config_applies_set_overrides():
    out = _codetune("rl", "--model", "m", "--show-config", "--set", "num_generations=8")
    assert out.returncode == 0, out.stderr
    assert "num_generations: 8" in out.stdout


def test_rl_unknown_key_is_a_one_line_error():
    out = _codetune("rl", "--model", "m", "--set", "num_generation=8")
    assert out.returncode == 2
    assert "did you mean 'num_generations'" in out.stderr
    assert "Traceback" not in out.stderr


def test_rl_bad_algo_is_a_one_line_error(tmp_path):
    out = _codetune("rl", "--model", "m", "--algo", "ppo", "-o", str(tmp_path / "x"))
    assert out.returncode == 2 and "choose one of grpo, rloo, dpo" in out.stderr


def test_rewards_list_names_the_builtins():
    out = _codetune("rewards", "list")
    assert out.returncode == 0 and "execution" in out.stdout and "static" in out.stdout
