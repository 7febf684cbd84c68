"""Execution reward: run each completion's code against its row's tests in the sandbox.

The whole batch goes to ``SandboxPool.run_many`` at once, so every container is busy; nothing is
executed in this process. The reward is the fraction of tests the sandbox's trusted side confirmed
(or 1/0 with ``mode="binary"``); rows without tests get ``None`` (TRL skips them). Code that does
not parse, is too long, or tries to hack the reward (``sys.exit``, patched builtins ...) is not run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from codetune.rewards.extraction import DEFAULT_STOP_SEQUENCES, extract_code
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
        "help": "fraction: tests passed / total (open-r1 code_reward); binary: 1 if all pass."})
    syntax_error_reward: float = field(default=0.0, metadata={
        "help": "reward for code that does not parse (negative = penalty)."})
    timeout_reward: float = field(default=0.0, metadata={"help": "reward for a timeout."})
    hacking_reward: float = field(default=0.0, metadata={
        "help": "reward for code with reward-hacking patterns; it is not run."})
    reject_hacking: bool = field(default=True, metadata={
        "help": "score hacking patterns statically (defence in depth; the sandbox decides too)."})
    max_code_chars: int = field(default=8000, metadata={"help": "longer code scores 0, not run."})
    timeout_s: float = field(default=5.0, metadata={"help": "per-program time limit, seconds."})
    language: str = field(default="python", metadata={"help": "language of the code."})
    stop_sequences: list[str] = field(default_factory=lambda: list(DEFAULT_STOP_SEQUENCES),
                                      metadata={"help": "cut unfenced completions here."})


def _row(value: Any, i: int) -> Any:
    return value[i] if isinstance(value, list | tuple) else value


def build_jobs(codes: list[str], tests: list, cfg: ExecutionRewardConfig,
               entry_point: Any = None, setup: Any = None) -> tuple[list[ExecutionJob], dict]:
    """Sandbox jobs for the rows worth running; ``{row: pre-decided status}`` for the rest."""
    jobs, decided = [], {}
    for i, code in enumerate(codes):
        row_tests = tests[i]
        if row_tests is None or (isinstance(row_tests, list | tuple | str) and not row_tests):
            decided[i] = None
            continue
        if len(code) > cfg.max_code_chars:
            decided[i] = TOO_LONG
            continue
        if cfg.language == "python":
            try:
                ast.parse(code)
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                decided[i] = SYNTAX_ERROR
                continue
            if cfg.reject_hacking and hacking_findings(code):
                decided[i] = HACKING
                continue
        # Setup runs after the candidate, as MBPP's harness does (it builds the candidate's
        # classes, task 367); the same rule as codetune.eval's Task.job.
        row_setup = _row(setup, i) or ""
        program = code + ("\n\n" + row_setup + "\n" if row_setup.strip() else "")
        jobs.append(ExecutionJob(
            id=str(i), code=program, tests=list(row_tests) if isinstance(row_tests, tuple)
            else row_tests, entry_point=(_row(entry_point, i) or None)
            if isinstance(row_tests, str) else None,
            timeout_s=cfg.timeout_s, language=cfg.language))
    return jobs, decided


def reward_from_result(result: ExecutionResult, cfg: ExecutionRewardConfig) -> float | None:
    """The reward for one verdict; ``None`` when the sandbox itself failed (not the policy)."""
    if result.status == SANDBOX_ERROR:
        return None
    if result.status == EXIT_CALLED:  # an early exit earns nothing, whatever ran before it
        return cfg.hacking_reward
    if result.status == SYNTAX_ERROR:
        return cfg.syntax_error_reward
    if result.status == TIMEOUT:
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

    def execution(completions: list, tests: list | None = None, entry_point: Any = None,
                  setup: Any = None, code_prefix: Any = None, log_metric: Any = None,
                  **columns: Any) -> list[float | None]:
        n = len(completions)
        tests = tests if tests is not None else columns.get("test_list", [None] * n)
        setup = setup if setup is not None else columns.get("test_setup_code")
        codes = [(_row(code_prefix, i) or "") + extract_code(
                     c, cfg.language, cfg.stop_sequences, entry_point=_row(entry_point, i))
                 for i, c in enumerate(completions)]
        jobs, decided = build_jobs(codes, tests, cfg, entry_point, setup)
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
        if log_metric is not None:
            _log_rates(log_metric, statuses)
        return rewards

    return execution


def _log_rates(log_metric: Any, statuses: list[str | None]) -> None:
    scored = [s for s in statuses if s is not None]
    if not scored:
        return
    log_metric("execution/pass_rate", sum(s == PASSED for s in scored) / len(scored))
    log_metric("execution/syntax_error_rate", sum(s == SYNTAX_ERROR for s in scored) / len(scored))
    log_metric("execution/timeout_rate", sum(s == TIMEOUT for s in scored) / len(scored))
    log_metric("execution/hacking_rate", sum(s == HACKING for s in scored) / len(scored))


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
