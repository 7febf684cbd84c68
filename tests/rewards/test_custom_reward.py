"""A user's own test-based reward, named by ``module:function`` in a YAML recipe."""

from pathlib import Path

import pytest

from codetune.config import load_config
from codetune.rewards import build_rewards, score_components
from codetune.rl.config import RLConfig
from codetune.rl.prompt_sets import load_task_rows

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "examples" / "rl_custom_reward.yaml"


def test_recipe_names_the_custom_reward_by_module_function():
    cfg = load_config(RLConfig, RECIPE)
    assert "examples.custom_reward:io_examples_reward" in [r.name for r in cfg.rewards]


@pytest.mark.docker
def test_custom_reward_from_recipe_scores_through_the_sandbox(sandbox_pool, monkeypatch):
    monkeypatch.chdir(ROOT)
    cfg = load_config(RLConfig, RECIPE)
    funcs, weights = build_rewards(cfg.rewards, pool=sandbox_pool)
    assert [f.__name__ for f in funcs] == ["execution", "io_examples", "static"]
    rows = load_task_rows(cfg.tasks)[:2]  # add(a, b) and double(x)
    completions = ["    return a + b\n", "    return x + x if x > 0 else 0\n"]
    columns = {k: [r[k] for r in rows] for k in rows[0] if k != "prompt"}
    parts = score_components(funcs, completions, prompts=[r["prompt"] for r in rows], **columns)
    assert parts["io_examples"] == [1.0, pytest.approx(2 / 3)]  # double(-3) != -6
    assert parts["execution"] == [1.0, 1.0]
