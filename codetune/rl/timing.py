"""Where an RL step's time goes: generation, each reward component, and the rest (the update).

Wall time per optimizer step comes from a ``TrainerCallback``; generation and reward time from
wrapping the trainer's ``_generate`` and ``_calculate_rewards`` on the instance (TRL 1.16 method
names), and each reward function, so the split is measured inside the real trainer.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from typing import Any

from transformers import TrainerCallback


class StepTimer(TrainerCallback):
    """Accumulates seconds per phase for the current step; ``history`` keeps one dict per step."""

    def __init__(self) -> None:
        self.current: dict[str, float] = defaultdict(float)
        self.history: list[dict[str, float]] = []
        self._t0 = 0.0

    def timed(self, key: str, fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.current[key] += time.perf_counter() - start

        return wrapper

    def attach(self, trainer: Any) -> None:
        """Wrap the trainer's generation and reward methods (instance attributes, not the class)."""
        if hasattr(trainer, "_generate"):
            trainer._generate = self.timed("generation_s", trainer._generate)
        if hasattr(trainer, "_calculate_rewards"):
            trainer._calculate_rewards = self.timed("reward_s", trainer._calculate_rewards)

    def wrap_rewards(self, funcs: list) -> list:
        """Reward functions that also time themselves under ``reward/<name>_s``."""
        out = []
        for fn in funcs:
            wrapped = self.timed(f"reward/{fn.__name__}_s", fn)
            wrapped.__name__ = fn.__name__
            out.append(wrapped)
        return out

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._t0 = time.perf_counter()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        step = dict(self.current)
        step["step_s"] = time.perf_counter() - self._t0
        gen, rew = step.get("generation_s", 0.0), step.get("reward_s", 0.0)
        step["update_s"] = max(0.0, step["step_s"] - gen - rew)
        self.history.append(step)
        self.current = defaultdict(float)

    def summary(self, skip_first: int = 1) -> dict[str, float]:
        """Mean seconds per step for every phase, leaving out ``skip_first`` warm-up steps."""
        steps = self.history[skip_first:] or self.history
        keys = sorted({k for s in steps for k in s})
        return {k: sum(s.get(k, 0.0) for s in steps) / max(len(steps), 1) for k in keys}
