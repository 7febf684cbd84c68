"""Where an RL step's time goes: generation, each reward component, the reward phase, the rest.

Measured through public hooks: a ``TrainerCallback`` times each optimizer step, and the reward
functions (ours, handed to TRL) time themselves; ``reward_s`` is the reward phase's wall time
(first reward start to last reward end, so concurrent rewards count once). Generation is the one
phase TRL exposes no hook for: :meth:`StepTimer.attach` times the trainer's ``_generate`` (TRL
1.16) and reports whether it could; ``tests/rl/test_timing.py`` fails when it cannot, and without
it ``generation_s`` is the time from the step's start to its first reward call.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import defaultdict
from typing import Any

from transformers import TrainerCallback

from codetune.console import log

GENERATE_METHOD = "_generate"  # TRL's private rollout method (GRPOTrainer, RLOOTrainer)


class StepTimer(TrainerCallback):
    """Accumulates seconds per phase for the current step; ``history`` keeps one dict per step."""

    def __init__(self) -> None:
        self.current: dict[str, float] = defaultdict(float)
        self.history: list[dict[str, float]] = []
        self.generation_hooked = False
        self._t0 = 0.0
        self._window: list[float] = []  # reward calls' starts and ends this step
        self._lock = threading.Lock()

    def timed(self, key: str, fn: Any, window: bool = False) -> Any:
        """``fn`` adding its wall time to ``key`` (``window``: and to the reward phase)."""
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                end = time.perf_counter()
                with self._lock:
                    self.current[key] += end - start
                    if window:
                        self._window += [start, end]

        return wrapper

    def attach(self, trainer: Any) -> bool:
        """Time the trainer's generation (an instance attribute, not the class); False (and a
        warning) when this TRL has no such method: generation time is then estimated."""
        method = getattr(trainer, GENERATE_METHOD, None)
        self.generation_hooked = callable(method)
        if self.generation_hooked:
            setattr(trainer, GENERATE_METHOD, self.timed("generation_s", method))
        else:
            log.warning("%s has no %s: generation time is estimated (step start to first reward)",
                        type(trainer).__name__, GENERATE_METHOD)
        return self.generation_hooked

    def wrap_rewards(self, funcs: list) -> list:
        """Reward functions that time themselves (``reward/<name>_s``) and the reward phase."""
        return [self.timed(f"reward/{fn.__name__}_s", fn, window=True) for fn in funcs]

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._t0 = time.perf_counter()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        with self._lock:
            step, window = dict(self.current), self._window
            self.current, self._window = defaultdict(float), []
        step["step_s"] = time.perf_counter() - self._t0
        if window:
            step["reward_s"] = max(window) - min(window)
            if not self.generation_hooked:
                step["generation_s"] = max(0.0, min(window) - self._t0)
        gen, rew = step.get("generation_s", 0.0), step.get("reward_s", 0.0)
        step["update_s"] = max(0.0, step["step_s"] - gen - rew)
        self.history.append(step)

    def summary(self, skip_first: int = 1) -> dict[str, float]:
        """Mean seconds per step for every phase, leaving out ``skip_first`` warm-up steps."""
        steps = self.history[skip_first:] or self.history
        keys = sorted({k for s in steps for k in s})
        return {k: sum(s.get(k, 0.0) for s in steps) / max(len(steps), 1) for k in keys}
