"""Every RL recipe in the repo loads into its config (names, types, keys checked)."""

from pathlib import Path

import pytest

from codetune.config import load_config
from codetune.rewards.registry import available_rewards
from codetune.rl.config import RLConfig
from codetune.rl.rm import RMConfig

ROOT = Path(__file__).resolve().parents[2]
RL_RECIPES = sorted((ROOT / "datasets_recipes").glob("rl_*.yaml")) + [
    ROOT / "examples" / "rl_custom_reward.yaml"]


@pytest.mark.parametrize("path", [p for p in RL_RECIPES if p.name != "rl_rm.yaml"],
                         ids=lambda p: p.name)
def test_rl_recipe_loads_with_known_rewards(path):
    cfg = load_config(RLConfig, path)
    for spec in cfg.rewards:
        assert spec.name in available_rewards() or ":" in spec.name


def test_rm_recipe_loads():
    assert load_config(RMConfig, ROOT / "datasets_recipes" / "rl_rm.yaml").heldout_fraction == 0.2
