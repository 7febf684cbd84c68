"""Bug injection: operators produce parsable, different code; the sandbox shows bugs break tests."""

from __future__ import annotations

import random

import pytest

from codetune.data.augment import MUTATIONS, mutate, parses
from codetune.data.sft.verify import make_job

CODE = ("def clip_sum(xs, lo, hi):\n    total = 0\n    for x in xs:\n        if x < lo:\n"
        "            total += lo\n        elif x > hi:\n            total += hi\n        else:\n"
        "            total = total + x * 1\n    return max(total, lo)\n")
TESTS = ["assert clip_sum([1, 5, 9], 2, 8) == 15", "assert clip_sum([], 0, 3) == 0",
         "assert clip_sum([4], 1, 3) == 3"]


@pytest.mark.parametrize("operator", sorted(MUTATIONS))
def test_operator_changes_code_and_keeps_it_parsable(operator):
    out = mutate(CODE, operator, random.Random(0))
    assert out.code is not None and out.code != CODE and parses(out.code)


def test_inverted_condition_after_parenthesis_keeps_a_space():
    out = mutate("def f(i):\n    while(i < 3):\n        i += 1\n    return i\n",
                 "inverted_condition", random.Random(0)).code
    assert out is not None and "while not (" in out


def test_missing_return_drops_the_value():
    out = mutate(CODE, "missing_return", random.Random(0)).code
    assert "return" not in out and "max(total, lo)" in out


@pytest.mark.docker
def test_injected_bugs_break_mbpp_tests_in_the_sandbox(sandbox_pool, mbpp_train):
    rows = mbpp_train[:20]
    jobs, kinds = [], []
    for row in rows:
        item = {"tests": row["test_list"], "setup": row["test_setup_code"]}
        jobs.append(make_job(f"orig-{row['task_id']}", row["code"], item, 10.0))
        kinds.append("orig")
        for k, op in enumerate(sorted(MUTATIONS)):
            out = mutate(row["code"], op, random.Random(k))
            if out.code is not None:
                jobs.append(make_job(f"{op}-{row['task_id']}", out.code, item, 10.0))
                kinds.append("mutant")
    results = sandbox_pool.run_many(jobs)
    originals = [r for r, k in zip(results, kinds, strict=True) if k == "orig"]
    mutants = [r for r, k in zip(results, kinds, strict=True) if k == "mutant"]
    assert sum(r.passed for r in originals) >= 19
    caught = sum(not r.passed for r in mutants) / len(mutants)
    assert len(mutants) >= 60 and caught >= 0.8


def test_wrong_variable_never_touches_global_declarations():
    code = ("def f(name):\n    global G\n    x = name\n    G = x\n    return G\n")
    for seed in range(20):
        out = mutate(code, "wrong_variable", random.Random(seed)).code
        assert out is None or "global G" in out
