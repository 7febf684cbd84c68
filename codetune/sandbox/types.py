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

# The verdicts of judges in the field (per case, and ``ExecutionResult.verdict`` for a whole job).
ACCEPTED = "accepted"
WRONG_ANSWER = "wrong_answer"
TIME_LIMIT = "time_limit"
MEMORY_LIMIT = "memory_limit"
RUNTIME_ERROR = "runtime_error"
COMPILE_ERROR = "compile_error"
GRADER_ERROR = "grader_error"  # the sandbox failed, not the program: never a reward of 0
VERDICTS = (ACCEPTED, WRONG_ANSWER, TIME_LIMIT, MEMORY_LIMIT, RUNTIME_ERROR, COMPILE_ERROR,
            OUTPUT_LIMIT, GRADER_ERROR)
VERDICT_OF_STATUS = {PASSED: ACCEPTED, FAILED: WRONG_ANSWER, TIMEOUT: TIME_LIMIT,
                     ERROR: RUNTIME_ERROR, SYNTAX_ERROR: COMPILE_ERROR,
                     EXIT_CALLED: RUNTIME_ERROR, MEMORY: MEMORY_LIMIT,
                     OUTPUT_LIMIT: OUTPUT_LIMIT, SANDBOX_ERROR: GRADER_ERROR}
CHECKERS = ("exact", "tokens", "lines", "float", "unordered", "special")


@dataclass
class ExecutionJob:
    """One candidate program and what judges it: assert tests, or cases.

    ``tests`` is either a list of assert-style lines (``assert f(1) == 2``; one test each, so a
    verdict can report the fraction passed) or one string: a test program, or, when
    ``entry_point`` is set, a HumanEval-style ``def check(candidate): ...`` called with the
    candidate's ``entry_point`` function.

    ``cases`` (each ``{"input": ..., "output": ...}``) instead: without ``entry_point`` the code
    runs as a script (``__main__``) once per case with ``input`` as stdin (None: EOF at once)
    and its stdout is compared with ``output`` by ``checker`` (``output`` None: run only, the
    case result carries the whole stdout); with ``entry_point`` it is called with each ``input``
    argument list and its return value compared with ``output``. Expected outputs never enter
    a process that runs candidate code.
    """

    id: str
    code: str
    tests: list[str] | str = field(default_factory=list)
    entry_point: str | None = None
    setup: str = ""  # trusted code run before the candidate (imports, MBPP test_setup_code)
    timeout_s: float = 10.0  # the whole job (with cases: the backstop over all of them)
    language: str = "python"
    cases: list[dict[str, Any]] = field(default_factory=list)
    checker: str = "tokens"  # exact | tokens | lines | float | unordered | special
    checker_code: str = ""  # special judge: defines check(input, expected, actual) -> bool
    atol: float = 0.0  # float checker / call cases: absolute tolerance
    rtol: float = 0.0  # float checker: relative tolerance
    case_timeout_s: float | None = None  # per case (None: the job's timeout_s)
    stop_on_failure: bool = True  # stop at the first failing case (False: the fraction counts)
    memory_mb: int | None = None  # per-job memory limit (None: the pool's job_memory_mb)
    files: dict[str, str] = field(default_factory=dict)  # relative path -> base64, written first
    fetch_files: list[str] = field(default_factory=list)  # returned base64 in result.files

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
    cases: list[dict[str, Any]] = field(default_factory=list)  # per case: index, status, ...
    files: dict[str, str] = field(default_factory=dict)  # fetch_files, base64

    @property
    def verdict(self) -> str:
        """The job's verdict in the field's words (accepted, wrong_answer, time_limit, ...)."""
        return VERDICT_OF_STATUS.get(self.status, RUNTIME_ERROR)

    @property
    def fraction_passed(self) -> float:
        return self.tests_passed / self.tests_total if self.tests_total else float(self.passed)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> ExecutionResult:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in row.items() if k in names})
