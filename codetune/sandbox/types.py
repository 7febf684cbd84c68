"""The sandbox's contract: what a job is and what a verdict says. Every stage codes against it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# Verdict statuses. Only PASSED means the trusted side confirmed every test.
PASSED = "passed"
FAILED = "failed"  # ran, at least one test did not pass
TIMEOUT = "timeout"  # wall or CPU time limit
ERROR = "error"  # candidate/setup raised, or did not compile
SYNTAX_ERROR = "syntax_error"  # candidate code does not parse
EXIT_CALLED = "exit_called"  # sys.exit/os._exit/SystemExit before the tests finished
MEMORY = "memory"  # address-space / container memory limit
OUTPUT_LIMIT = "output_limit"  # printed more than the output cap
SANDBOX_ERROR = "sandbox_error"  # the sandbox itself failed (not the candidate's fault)
STATUSES = (PASSED, FAILED, TIMEOUT, ERROR, SYNTAX_ERROR, EXIT_CALLED, MEMORY, OUTPUT_LIMIT,
            SANDBOX_ERROR)


@dataclass
class ExecutionJob:
    """One candidate program and the tests that judge it.

    ``tests`` is either a list of assert-style lines (``assert f(1) == 2``; one test each, so a
    verdict can report the fraction passed) or one string: a test program, or, when
    ``entry_point`` is set, a HumanEval-style ``def check(candidate): ...`` called with the
    candidate's ``entry_point`` function.
    """

    id: str
    code: str
    tests: list[str] | str = field(default_factory=list)
    entry_point: str | None = None
    setup: str = ""  # trusted code run before the candidate (imports, MBPP test_setup_code)
    timeout_s: float = 10.0
    language: str = "python"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> ExecutionJob:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in row.items() if k in names})


@dataclass
class ExecutionResult:
    """The verdict for one job, decided on the trusted side."""

    id: str
    status: str
    passed: bool
    tests_passed: int = 0
    tests_total: int = 0
    reason: str = ""
    stdout: str = ""
    stderr: str = ""
    duration_s: float = 0.0

    @property
    def fraction_passed(self) -> float:
        return self.tests_passed / self.tests_total if self.tests_total else float(self.passed)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> ExecutionResult:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in row.items() if k in names})
