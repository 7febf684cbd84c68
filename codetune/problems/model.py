"""What a code problem is, and the one rule that turns a problem + a program into a sandbox job.

A :class:`Problem` is judged one of three ways (``kind``):

* ``asserts`` -- ``tests`` are assert lines or a test program (``check(candidate)`` when
  ``entry_point`` is set); ``setup`` runs after the candidate, before the tests (MBPP);
* ``stdio`` -- ``cases`` of ``{"input": stdin, "output": expected stdout}``: the program runs as a
  script once per case and ``checker`` compares its stdout;
* ``call`` -- ``cases`` of ``{"input": [args...], "output": value}`` with ``entry_point``: the
  function is called with each argument list and its return value compared.

Rewards, evaluation, SFT verification and benchmarks all build their jobs with :func:`job_for`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from codetune.errors import CodetuneError
from codetune.sandbox.types import CHECKERS, ExecutionJob

KINDS = ("asserts", "stdio", "call")
BACKSTOP_SLACK_S = 5.0  # added to cases x per-case limit for the whole-job backstop
_SOLUTION_CLASS = re.compile(r"^class\s+Solution\b", re.MULTILINE)


@dataclass
class Problem:
    """One code problem: the text a model sees, the code its answer continues, how it is judged."""

    id: str
    prompt: str = ""  # what a model is asked (statement, or a function signature + docstring)
    code_prefix: str = ""  # prepended to a completion to form the program (HumanEval: prompt)
    tests: list[str] | str = field(default_factory=list)  # assert lines or a test program
    cases: list[dict[str, Any]] = field(default_factory=list)  # {"input", "output"}
    entry_point: str | None = None  # function under test (call cases, check(candidate))
    setup: str = ""  # asserts only: run after the candidate, before the tests (MBPP)
    checker: str = "tokens"  # exact | tokens | lines | float | unordered | special
    checker_code: str = ""  # special: defines check(input, expected, actual)
    atol: float = 0.0
    rtol: float = 0.0
    time_limit_s: float | None = None  # per case, as the dataset states it (None: the caller's)
    reference: str = ""  # a correct program, when known (time-limit calibration, CodeBLEU)
    language: str = "python"
    where: str = ""  # file:line it came from, for error messages

    @property
    def kind(self) -> str:
        if self.cases:
            return "call" if self.entry_point else "stdio"
        return "asserts"

    def referenced_names(self) -> list[str]:
        """Names the tests and setup use (the sanitiser keeps their definitions)."""
        if self.kind != "asserts":
            return [self.entry_point] if self.entry_point else []
        text = (" ".join(self.tests) if isinstance(self.tests, list) else self.tests) + " " + \
            self.setup
        return sorted(set(re.findall(r"[A-Za-z_]\w*", text)))

    def check(self) -> Problem:
        """``self`` when it can be judged; else a one-line error naming where and the field."""
        where = self.where or f"problem {self.id!r}"
        if not self.cases and not self.tests:
            raise CodetuneError(f"{where}: field 'cases' (or 'tests'): the problem has nothing "
                                "to judge a program with")
        if self.checker not in CHECKERS:
            raise CodetuneError(f"{where}: field 'checker': {self.checker!r} is not one of "
                                f"{', '.join(CHECKERS)}")
        if self.checker == "special":
            _check_special(self.checker_code, where)
        for i, case in enumerate(self.cases):
            if not isinstance(case, dict) or "input" not in case:
                raise CodetuneError(f"{where}: field 'cases[{i}]': needs an 'input'")
            if case.get("output") is None and self.checker != "special":
                raise CodetuneError(f"{where}: field 'cases[{i}].output': missing (only a "
                                    "'special' checker may judge without expected outputs)")
            if self.kind == "call" and not isinstance(case["input"], list):
                raise CodetuneError(f"{where}: field 'cases[{i}].input': call cases take a list "
                                    f"of arguments for {self.entry_point}()")
            if self.kind == "stdio" and not isinstance(case["input"], str | None):
                raise CodetuneError(f"{where}: field 'cases[{i}].input': stdin must be a string")
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Problem:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in row.items() if k in names})


def _check_special(code: str, where: str) -> None:
    import ast

    try:
        tree = ast.parse(code or "")
    except SyntaxError as exc:
        raise CodetuneError(f"{where}: field 'checker_code': does not parse (line {exc.lineno}: "
                            f"{exc.msg})") from None
    if not any(isinstance(n, ast.FunctionDef) and n.name == "check" for n in tree.body):
        raise CodetuneError(f"{where}: field 'checker_code': defines no "
                            "check(input, expected, actual)")


def job_for(problem: Problem, program: str, job_id: str | None = None, timeout_s: float = 10.0,
            case_timeout_s: float | None = None, stop_on_failure: bool = True,
            memory_mb: int | None = None) -> ExecutionJob:
    """The sandbox job judging ``program`` on ``problem``: the one rule of every stage.

    Asserts: ``setup`` is appended after the program (MBPP's harness runs test_setup_code after
    the candidate: it builds objects of the candidate's classes), and the problem's limit (else
    ``timeout_s``) limits the whole program. Cases: each case gets ``case_timeout_s`` (else the
    problem's own limit, else ``timeout_s``); the whole job is backstopped at cases x that + a
    few seconds. Call cases on a LeetCode ``class Solution`` call its method.
    """
    job_id = job_id or problem.id
    if problem.kind == "asserts":
        code = program + ("\n\n" + problem.setup + "\n" if problem.setup.strip() else "")
        tests = list(problem.tests) if isinstance(problem.tests, tuple) else problem.tests
        return ExecutionJob(id=job_id, code=code, tests=tests, entry_point=problem.entry_point,
                            timeout_s=problem.time_limit_s or timeout_s,
                            language=problem.language, memory_mb=memory_mb)
    if problem.kind == "call":
        program = leetcode_shim(program, problem.entry_point or "")
    per_case = case_timeout_s or problem.time_limit_s or timeout_s
    backstop = per_case * len(problem.cases) + BACKSTOP_SLACK_S
    return ExecutionJob(
        id=job_id, code=program, cases=problem.cases, entry_point=problem.entry_point,
        checker=problem.checker, checker_code=problem.checker_code, atol=problem.atol,
        rtol=problem.rtol, case_timeout_s=per_case, timeout_s=backstop,
        stop_on_failure=stop_on_failure, language=problem.language, memory_mb=memory_mb)


def leetcode_shim(program: str, entry_point: str) -> str:
    """LeetCode-style answers (``class Solution`` with the entry point as a method, type hints
    from ``typing``, as LiveCodeBench's harness allows) as a top-level function to call."""
    if not _SOLUTION_CLASS.search(program) or \
            re.search(rf"^(async\s+)?def\s+{re.escape(entry_point)}\s*\(", program, re.MULTILINE):
        return program
    return (f"from typing import *\n{program.rstrip()}\n\n\n"
            f"def {entry_point}(*args):\n    return Solution().{entry_point}(*args)\n")
