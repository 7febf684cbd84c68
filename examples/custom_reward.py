"""A custom test-based reward: build tests from dataset columns, run them in the sandbox.

Plug-in contract (docs/rewards-rl.md): a reward function takes ``completions`` plus every dataset
column as keyword arguments and returns one ``float`` (or ``None`` to skip the row) per
completion. A *factory* marked with ``@reward_factory`` takes the YAML ``args`` and returns it.
Name it in a recipe as ``examples.custom_reward:io_examples_reward``.

This one reads an ``io_examples`` column (JSON text ``[[args, expected], ...]``: a string keeps
the Arrow column type simple) and the ``entry_point`` column, writes one assert per example, and
asks the sandbox for the fraction that pass, so the verdict comes from the sandbox's trusted side
like the built-in execution reward.
"""

from __future__ import annotations

import json
from typing import Any

from codetune.rewards import extract_code, reward_factory
from codetune.sandbox.types import ExecutionJob


def asserts_from_examples(entry_point: str, examples: list) -> list[str]:
    """``assert f(*args) == expected`` for each ``[args, expected]`` pair."""
    lines = []
    for args, expected in examples:
        call = ", ".join(repr(a) for a in (args if isinstance(args, list) else [args]))
        lines.append(f"assert {entry_point}({call}) == {expected!r}")
    return lines


@reward_factory
def io_examples_reward(timeout_s: float = 5.0, pool: Any = None):
    """Fraction of the row's input/output examples the completion gets right."""

    def io_examples(completions: list, entry_point: list, io_examples: list,
                    code_prefix: list | None = None, **columns: Any) -> list[float | None]:
        jobs, rows = [], []
        prefixes = code_prefix or [""] * len(completions)
        for i, (completion, name, examples) in enumerate(
                zip(completions, entry_point, io_examples, strict=True)):
            pairs = json.loads(examples) if isinstance(examples, str) else examples
            if not pairs:
                continue  # no examples: this reward does not apply (None)
            # The program is the task's code prefix (a function header) + the completion.
            code = (prefixes[i] or "") + extract_code(completion)
            jobs.append(ExecutionJob(id=str(i), code=code,
                                     tests=asserts_from_examples(name, pairs),
                                     timeout_s=timeout_s))
            rows.append(i)
        if pool is None:
            from codetune.rewards.pool import shared_pool

            runner = shared_pool()
        else:
            runner = pool
        results = runner.run_many(jobs)  # the whole batch at once: every container busy
        rewards: list[float | None] = [None] * len(completions)
        for i, result in zip(rows, results, strict=True):
            rewards[i] = result.fraction_passed if result.status != "sandbox_error" else None
        return rewards

    return io_examples
