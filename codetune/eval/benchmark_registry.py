"""What a benchmark task is, and the registry that benchmark loaders add themselves to.

A benchmark is a loader ``(options: dict) -> list[Task]``; the prompt text for base and chat
models is part of each ``Task``, built by the loader. Register one with ``@register_benchmark``
or name your own as ``package.module:function`` wherever a benchmark name is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from codetune.problems.model import Problem, job_for
from codetune.sandbox.types import ExecutionJob


@dataclass
class Task:
    """One benchmark problem: how to prompt for it, how to judge it, what a reference is."""

    task_id: str
    prompt: str  # base models continue this text
    tests: list[str] | str  # assert lines, or a test program / HumanEval check() source
    chat_prompt: str = ""  # the user message for chat models ("" = built from ``prompt``)
    code_prefix: str = ""  # prepended to a completion to form the program (HumanEval: prompt)
    entry_point: str | None = None  # the function under test; set = HumanEval check(candidate)
    setup: str = ""  # run after the candidate, before the tests (MBPP test_setup_code)
    canonical_solution: str = ""  # a full reference program, for CodeBLEU
    stop: list[str] = field(default_factory=list)  # base-model stop sequences
    language: str = "python"  # codetune/languages.py name (MultiPL-E, HumanEval-X)

    def referenced_names(self) -> list[str]:
        """Names the tests and setup use: the sanitiser keeps their definitions (HumanEval/38's
        check() calls the prompt's ``encode_cyclic`` besides the candidate)."""
        text = (" ".join(self.tests) if isinstance(self.tests, list) else self.tests) + " " + \
            self.setup
        return sorted(set(re.findall(r"[A-Za-z_]\w*", text)))

    def problem(self) -> Problem:
        """This task as a ``codetune.problems.Problem`` (the job model every stage shares)."""
        return Problem(id=self.task_id, prompt=self.prompt, code_prefix=self.code_prefix,
                       tests=self.tests, entry_point=self.entry_point, setup=self.setup,
                       reference=self.canonical_solution, language=self.language)

    def job(self, job_id: str, program: str, timeout_s: float) -> ExecutionJob:
        """The sandbox job that judges ``program``: ``codetune.problems.job_for``'s one rule
        (``setup`` runs after the candidate, as MBPP's harness does)."""
        return job_for(self.problem(), program, job_id, timeout_s)


Loader = Callable[[dict[str, Any]], list[Task]]
_REGISTRY: dict[str, Loader] = {}


def register_benchmark(name: str) -> Callable[[Loader], Loader]:
    """Decorator: make ``loader`` available as ``--benchmark name``."""
    def wrap(loader: Loader) -> Loader:
        _REGISTRY[name] = loader
        return loader
    return wrap


def registered() -> dict[str, Loader]:
    """The loaders registered so far (``codetune.eval.benchmark_catalog`` imports the built-ins)."""
    return dict(_REGISTRY)
