"""Rewards for code RL: execution in the sandbox, static analysis, a learned reward model, and
weighted combinations, each a TRL reward function ``(completions, **columns) -> list[float|None]``.
"""

from codetune.code.extraction import extract_code
from codetune.rewards.combined import (
    RewardSpec,
    build_rewards,
    combined_reward,
    score_components,
    weighted_sum,
)
from codetune.rewards.registry import (
    available_rewards,
    build_reward,
    register_reward,
    reward_factory,
)

__all__ = ["RewardSpec", "available_rewards", "build_reward", "build_rewards", "combined_reward",
           "extract_code", "register_reward", "reward_factory", "score_components", "weighted_sum"]
