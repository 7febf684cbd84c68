"""Run samples in the sandbox (one job per sample) and turn verdicts into result rows."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from codetune.console import log, progress
from codetune.eval.samples import Sample
from codetune.eval.tasks import Task


@dataclass
class SampleResult:
    task_id: str
    completion_id: int
    passed: bool
    status: str
    reason: str
    tests_passed: int
    tests_total: int
    duration_s: float

    def row(self) -> dict:
        return dict(self.__dict__)


@contextlib.contextmanager
def sandbox_pool(pool=None, config=None) -> Iterator[object]:
    """``pool`` as given, or a ``SandboxPool`` started from ``config`` for this block."""
    if pool is not None:
        yield pool
        return
    from codetune.sandbox import SandboxConfig, SandboxPool

    with SandboxPool(config or SandboxConfig()) as own:
        yield own


def execute(samples: Sequence[Sample], tasks: dict[str, Task], timeout_s: float,
            pool=None, sandbox_config=None) -> tuple[list[SampleResult], float]:
    """Verdicts for ``samples`` in order, and the wall time the sandbox took (pool start
    excluded when the pool is given)."""
    jobs = [tasks[s.task_id].job(f"{s.task_id}#{s.completion_id}", s.program, timeout_s)
            for s in samples]
    with sandbox_pool(pool, sandbox_config) as active, progress() as bar:
        task = bar.add_task("executing", total=len(jobs))
        start = time.perf_counter()
        verdicts = active.run_many(jobs, on_result=lambda _: bar.advance(task, 1))
        elapsed = time.perf_counter() - start
    if len(verdicts) != len(jobs):
        raise RuntimeError(f"sandbox returned {len(verdicts)} verdicts for {len(jobs)} jobs")
    results = []
    for sample, job, v in zip(samples, jobs, verdicts, strict=True):
        if v.id != job.id:
            raise RuntimeError(f"sandbox verdict {v.id!r} out of order (expected {job.id!r})")
        results.append(SampleResult(sample.task_id, sample.completion_id, bool(v.passed),
                                    v.status, v.reason, v.tests_passed, v.tests_total,
                                    round(v.duration_s, 4)))
    log.info("executed %d samples in %.1f s (%.1f samples/s)", len(jobs), elapsed,
             len(jobs) / max(elapsed, 1e-9))
    return results, elapsed
