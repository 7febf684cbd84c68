"""GRPO/RLOO on a tiny random-init model with TRL, on CPU: rewards, logging, checkpoints."""

from __future__ import annotations

import math

import pytest

from codetune.config import load_config
from codetune.rewards import build_rewards
from codetune.rl.config import RLConfig
from codetune.rl.grpo import build_trainer, run_grpo
from codetune.train.runtime import read_metrics

pytestmark = pytest.mark.slow


def tiny_config(model_dir, tasks, out, *sets: str, **values) -> RLConfig:
    base = [f"model={model_dir}", f"output_dir={out}", f"tasks.source={tasks}",
            "num_generations=4", "prompts_per_step=2", "max_completion_length=6",
            "learning_rate=1e-3", "max_steps=2", "save_steps=1"]
    return load_config(RLConfig, overrides=base + list(sets), **values)


def _nanmean(values):
    vals = [v for v in values if v is not None and not math.isnan(v)]
    return sum(vals) / len(vals) if vals else float("nan")


@pytest.mark.docker
def test_combined_reward_components_logged_match_direct_calls(
        tiny_model_dir, comment_tasks, sandbox_pool, tmp_path):
    cfg = tiny_config(tiny_model_dir, comment_tasks, tmp_path / "run")
    trainer, _, funcs = build_trainer(cfg, pool=sandbox_pool)
    calls: list[tuple[str, list, dict, list]] = []

    def recording(fn):  # the rewards are async (TRL gathers them concurrently)
        async def wrapper(completions, **kw):
            out = await fn(completions, **kw)
            calls.append((fn.__name__, completions, kw, out))
            return out
        wrapper.__name__ = fn.__name__
        return wrapper

    trainer.reward_funcs = [recording(f) for f in trainer.reward_funcs]
    trainer.train()
    logged = [r for r in trainer.state.log_history if "rewards/execution/mean" in r]
    assert len(logged) == 2
    fresh = dict(zip(["execution", "static"], build_rewards(cfg.rewards, pool=sandbox_pool)[0],
                     strict=True))
    for step, row in enumerate(logged):
        for name in ("execution", "static"):
            _, completions, kw, out = [c for c in calls if c[0] == name][step]
            columns = {k: v for k, v in kw.items() if k not in ("trainer_state", "log_extra",
                                                                 "log_metric")}
            assert fresh[name](completions, **columns) == out  # same verdicts when re-scored
            assert row[f"rewards/{name}/mean"] == pytest.approx(_nanmean(out), abs=1e-6)
        assert "execution/pass_rate" in row and "completions/mean_length" in row
    rewards = [v for name, _, _, out in calls if name == "execution" for v in out]
    assert len(set(rewards)) > 1  # non-constant rewards: the test exercises a real signal


def test_checkpoint_resumes_to_the_next_step(tiny_model_dir, comment_tasks, tmp_path):
    out = tmp_path / "run"
    static_only = {"rewards": [{"name": "static"}]}
    first = run_grpo(tiny_config(tiny_model_dir, comment_tasks, out, "max_steps=1", **static_only))
    assert first["steps"] == 1 and (out / "checkpoint-1").is_dir()
    second = run_grpo(tiny_config(tiny_model_dir, comment_tasks, out, "max_steps=2",
                                  "resume=true", **static_only))
    assert second["steps"] == 2 and (out / "checkpoint-2").is_dir()
    assert (out / "final" / "config.json").exists() and (out / "config.yaml").exists()
    assert [r["step"] for r in read_metrics(out) if "reward" in r] == [1, 2]


def test_lora_policy_with_rloo_saves_an_adapter(tiny_model_dir, comment_tasks, tmp_path):
    cfg = tiny_config(tiny_model_dir, comment_tasks, tmp_path / "run", "max_steps=1",
                      "method=lora", "algo=rloo", rewards=[{"name": "static"}])
    summary = run_grpo(cfg)
    assert summary["steps"] == 1
    assert (tmp_path / "run" / "final" / "adapter_config.json").exists()
