"""Execution checks through ``codetune.sandbox``: batched, each distinct program run once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from codetune.console import log, progress
from codetune.problems.model import Problem, job_for
from codetune.sandbox.types import ExecutionJob, ExecutionResult

MAX_FAILURE_CHARS = 600


def job_key(code: str, item: dict) -> str:
    """Identity of one execution: the program and everything that judges it."""
    blob = json.dumps([code, item.get("tests"), item.get("setup", ""), item.get("entry_point")])
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()


def make_job(key: str, code: str, item: dict, timeout_s: float) -> ExecutionJob:
    """``codetune.problems.job_for``'s rule, as evaluation and rewards judge (setup after the
    candidate, as MBPP's harness runs it)."""
    problem = Problem(id=key, tests=item.get("tests") or [], entry_point=item.get("entry_point"),
                      setup=item.get("setup", "") or "", language=item.get("language", "python"))
    return job_for(problem, code, key, timeout_s)


def run_jobs(pool, jobs: Iterable[ExecutionJob], batch_size: int = 64,
             ) -> dict[str, ExecutionResult]:
    """Run distinct jobs on ``pool`` (a ``SandboxPool``) in batches; results by job id."""
    unique: dict[str, ExecutionJob] = {}
    for job in jobs:
        unique.setdefault(job.id, job)
    pending = list(unique.values())
    results: dict[str, ExecutionResult] = {}
    with progress() as bar:
        task = bar.add_task("sandbox checks", total=len(pending))
        for start in range(0, len(pending), batch_size):
            batch = pending[start:start + batch_size]
            for res in pool.run_many(batch):
                results[res.id] = res
            bar.advance(task, len(batch))
    log.debug("ran %d sandbox jobs", len(pending))
    return results


def failure_text(result: ExecutionResult) -> str:
    """What a developer would see from the failing run: status, reason and stderr tail."""
    parts = [f"{result.status}: {result.tests_passed}/{result.tests_total} tests passed"]
    if result.reason:
        parts.append(result.reason.strip())
    tail = "\n".join(result.stderr.strip().splitlines()[-8:])
    if tail and tail not in result.reason:
        parts.append(tail)
    return "\n".join(parts)[:MAX_FAILURE_CHARS]
