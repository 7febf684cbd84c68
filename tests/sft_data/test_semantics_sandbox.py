"""Semantics-preserving augmentations of real MBPP solutions still pass their tests (sandbox)."""

from __future__ import annotations

import random

import pytest

from codetune.data.augment import AUGMENTATIONS, augment
from codetune.data.sft.verify import make_job

pytestmark = pytest.mark.docker


def test_augmented_mbpp_solutions_pass_their_tests(sandbox_pool, mbpp_train):
    rows = mbpp_train[20:60]
    jobs = []
    for row in rows:
        item = {"tests": row["test_list"], "setup": row["test_setup_code"]}
        tests = "\n".join(row["test_list"])
        for k, name in enumerate(AUGMENTATIONS):
            out = augment(row["code"], name, random.Random(k), tests=tests)
            if out.code is not None:
                jobs.append(make_job(f"{name}-{row['task_id']}", out.code, item, 10.0))
    assert len(jobs) >= 100
    assert any(j.id.startswith("rename_identifiers") for j in jobs)
    failed = [r.id for r in sandbox_pool.run_many(jobs) if not r.passed]
    assert failed == []


def test_renamed_mbpp_solutions_pass_their_tests(sandbox_pool, mbpp_train):
    rows = mbpp_train[60:120]
    jobs = []
    for row in rows:
        out = augment(row["code"], "rename_identifiers", random.Random(row["task_id"]),
                      tests="\n".join(row["test_list"]))
        if out.code is not None:
            item = {"tests": row["test_list"], "setup": row["test_setup_code"]}
            jobs.append(make_job(str(row["task_id"]), out.code, item, 10.0))
    assert len(jobs) >= 40
    assert [r.id for r in sandbox_pool.run_many(jobs) if not r.passed] == []
