"""Run samples in the sandbox (one job per sample) and turn verdicts into result rows."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from codetune.console import log, progress
from codetune.errors import CodetuneError
from codetune.eval.benchmark_registry import Task
from codetune.eval.samples import Sample


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
    finish_reason: str | None = None  # stop | length | unknown; None for given programs
    truncated: bool = False  # the program lost a tail cut off by max_new_tokens

    def row(self) -> dict:
        return dict(self.__dict__)


@contextlib.contextmanager
def sandbox_pool(pool=None, config=None) -> Iterator[object]:
    """``pool`` as given, or a ``SandboxPool`` started from ``config`` for this block."""
    if pool is not None:
        yield pool
        return
    from codetune.sandbox import SandboxConfig, open_pool

    with open_pool(config or SandboxConfig()) as own:  # backend remote: the serve hosts
        yield own


def check_judge(sandbox_config=None, pool=None, before: str = "generating") -> None:
    """Fail within seconds -- before a model is loaded -- unless the sandbox judges a probe
    program as passed. ``before`` names the work that would otherwise be wasted."""
    from codetune.sandbox import SandboxConfig
    from codetune.sandbox.types import ExecutionJob

    probe = ExecutionJob(id="judge-probe", code="def probe():\n    return 1\n",
                         tests=["assert probe() == 1"], timeout_s=10.0)
    config = dataclasses.replace(sandbox_config or SandboxConfig(), workers=1)
    start = time.perf_counter()
    try:
        with sandbox_pool(pool, config) as active:
            verdict = active.run(probe)
    except CodetuneError as exc:
        raise CodetuneError(f"the judge (sandbox) is not available, so nothing was started: "
                            f"{exc}") from None
    if not verdict.passed:
        raise CodetuneError(f"the judge (sandbox) failed its probe program ({verdict.status}: "
                            f"{verdict.reason[:120]}); run `codetune sandbox check` before "
                            f"{before}")
    log.info("judge answers (%s backend, probe passed in %.1f s)", config.backend,
             time.perf_counter() - start)


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
        reason = ("truncated at max_new_tokens (tail dropped); " + v.reason) \
            if sample.truncated and not v.passed else v.reason
        results.append(SampleResult(sample.task_id, sample.completion_id, bool(v.passed),
                                    v.status, reason, v.tests_passed, v.tests_total,
                                    round(v.duration_s, 4), sample.finish_reason,
                                    sample.truncated))
    log.info("executed %d samples in %.1f s (%.1f samples/s)", len(jobs), elapsed,
             len(jobs) / max(elapsed, 1e-9))
    return results, elapsed
