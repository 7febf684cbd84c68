"""Reward functions as TRL async reward functions, so TRL gathers them concurrently: the sandbox
batch (the execution reward) overlaps the static and reward-model scores instead of running
before them. Each function runs in a worker thread; a grader error that the execution reward
reports still masks the row in every component (as ``mask_grader_errors`` does for sync ones).
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from codetune.sandbox.types import SANDBOX_ERROR


def trainer_supports_async(trainer_cls: type) -> bool:
    """True when this TRL trainer gathers async reward functions (TRL >= 0.22 GRPO/RLOO)."""
    return hasattr(sys.modules.get(trainer_cls.__module__), "is_async_callable")


def _base(fn: Any) -> Any:
    return getattr(fn, "__wrapped__", fn)


def concurrent_rewards(funcs: list, timed: list | None = None) -> list:
    """``funcs`` (unmasked; the execution reward among them is the judge) as async functions.

    ``timed``: the same functions wrapped by a ``StepTimer`` (called instead of ``funcs``).
    Calls of one batch share TRL's ``prompts`` list; the non-judge components wait for the
    judge's statuses of that batch before masking.
    """
    calls = timed or funcs
    judge_at = next((i for i, f in enumerate(funcs) if _base(f).__name__ == "execution"), None)
    judge = _base(funcs[judge_at]) if judge_at is not None else None
    batches: dict[int, list] = {}  # id(prompts) -> [future of the judge's statuses, calls left]

    def entry(key: int) -> list:
        if key not in batches:
            batches[key] = [asyncio.get_running_loop().create_future(), len(funcs)]
        return batches[key]

    def release(key: int, slot: list) -> None:
        slot[1] -= 1
        if slot[1] <= 0:
            batches.pop(key, None)

    def make(index: int, fn: Any) -> Any:
        async def reward(completions: list, **columns: Any) -> list[float | None]:
            if judge is None:
                return await asyncio.to_thread(fn, completions, **columns)
            key = id(columns.get("prompts", completions))
            slot = entry(key)
            statuses = None
            try:
                values = await asyncio.to_thread(fn, completions, **columns)
                if index == judge_at:
                    if getattr(judge, "last_batch", None) == id(completions):
                        statuses = list(judge.last_statuses)
                    return values
                statuses = await slot[0]
                if statuses is None:
                    return values
                return [None if s == SANDBOX_ERROR else v
                        for v, s in zip(values, statuses, strict=True)]
            finally:
                if index == judge_at and not slot[0].done():
                    slot[0].set_result(statuses)
                release(key, slot)

        reward.__name__ = reward.__qualname__ = funcs[index].__name__
        return reward

    return [make(i, fn) for i, fn in enumerate(calls)]
