"""Weighted combinations of rewards.

For training, pass the components to TRL separately with ``reward_weights`` (TRL then logs each as
``rewards/<name>/mean`` and sums them weighted); :func:`build_rewards` returns exactly that.
:func:`combined_reward` gives the same weighted sum as one function (for mining, scoring, or a
trainer that takes one reward), logging each component through ``log_metric`` when given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from codetune.errors import CodetuneError
from codetune.rewards.registry import RewardFunc, build_reward, named


@dataclass
class RewardSpec:
    """One reward component: a registry name or ``pkg.mod:function``, its weight and arguments."""

    name: str = field(default="execution", metadata={
        "help": "execution, execution_binary, static, reward_model, or package.module:function."})
    weight: float = field(default=1.0, metadata={"help": "weight in the sum (TRL reward_weights)."})
    args: dict = field(default_factory=dict, metadata={"help": "keyword arguments for a factory."})
    label: str = field(default="", metadata={"help": "log name (default: the reward's name)."})


def build_rewards(specs: list[RewardSpec], **shared: Any) -> tuple[list[RewardFunc], list[float]]:
    """Reward functions and their weights; ``shared`` args (e.g. ``pool``) go to every factory
    that has a parameter of that name."""
    if not specs:
        raise CodetuneError("no rewards configured: give at least one in 'rewards:'")
    funcs, weights, seen = [], [], set()
    for spec in specs:
        fn = build_reward(spec.name, dict(spec.args), spec.label or None, shared=shared)
        if fn.__name__ in seen:
            raise CodetuneError(f"reward {fn.__name__!r} given twice: set 'label' on one of them")
        seen.add(fn.__name__)
        funcs.append(fn)
        weights.append(float(spec.weight))
    return funcs, weights


def score_components(funcs: list[RewardFunc], completions: list,
                     **columns: Any) -> dict[str, list[float | None]]:
    """Every component's rewards for one batch, by name."""
    out = {}
    for fn in funcs:
        values = fn(completions, **columns)
        if len(values) != len(completions):
            raise CodetuneError(f"reward {fn.__name__!r} returned {len(values)} values for "
                                f"{len(completions)} completions")
        out[fn.__name__] = list(values)
    return out


def weighted_sum(components: dict[str, list[float | None]], weights: list[float]) -> list[
        float | None]:
    """TRL's rule: components that are None for a row are skipped; all None gives None."""
    rows = list(zip(*components.values(), strict=True))
    total: list[float | None] = []
    for row in rows:
        vals = [(w, v) for w, v in zip(weights, row, strict=True) if v is not None]
        total.append(sum(w * v for w, v in vals) if vals else None)
    return total


def combined_reward(funcs: list[RewardFunc], weights: list[float],
                    name: str = "combined") -> RewardFunc:
    """One reward function returning the weighted sum of ``funcs``; logs each component."""
    if len(funcs) != len(weights):
        raise CodetuneError(f"{len(funcs)} rewards but {len(weights)} weights")

    def combined(completions: list, log_metric: Any = None, **columns: Any) -> list[float | None]:
        parts = score_components(funcs, completions, log_metric=log_metric, **columns)
        combined.last_components = parts  # type: ignore[attr-defined]
        if log_metric is not None:
            for key, values in parts.items():
                vals = [v for v in values if v is not None]
                if vals:
                    log_metric(f"rewards/{key}/mean", sum(vals) / len(vals))
        return weighted_sum(parts, weights)

    return named(combined, name)


def mask_grader_errors(funcs: list[RewardFunc]) -> list[RewardFunc]:
    """``funcs`` where every other component is ``None`` on a row the execution reward found a
    grader error on (the sandbox failed, not the policy), so TRL masks the whole row instead of
    scoring it by the remaining components. The execution reward must come first (the default
    order); TRL passes every component the same ``completions`` list."""
    from codetune.sandbox.types import SANDBOX_ERROR

    judges = [f for f in funcs if hasattr(getattr(f, "__wrapped__", f), "__name__")
              and getattr(f, "__wrapped__", f).__name__ == "execution"]
    if not judges:
        return funcs
    judge = getattr(judges[0], "__wrapped__", judges[0])

    def masked(fn: RewardFunc) -> RewardFunc:
        def reward(completions: list, **columns: Any) -> list[float | None]:
            values = list(fn(completions, **columns))
            if getattr(judge, "last_batch", None) == id(completions):
                values = [None if status == SANDBOX_ERROR else v
                          for v, status in zip(values, judge.last_statuses, strict=True)]
            return values

        reward.__name__ = reward.__qualname__ = fn.__name__
        return reward

    return [f if f in judges else masked(f) for f in funcs]
