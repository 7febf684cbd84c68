"""Honest programs get the reference harness's verdict, with per-test granularity (real Docker)."""

from __future__ import annotations

import pytest

from codetune.sandbox import ExecutionJob

pytestmark = pytest.mark.docker

ADD = "def add(a, b):\n    return a + b\n"


def _run(pool, code, tests, **kw):
    return pool.run(ExecutionJob(id="t", code=code, tests=tests, **kw))


def test_all_asserts_passing_is_a_pass(sandbox_pool):
    r = _run(sandbox_pool, ADD, ["assert add(1, 2) == 3", "assert add(-1, 1) == 0"])
    assert (r.status, r.passed, r.tests_passed, r.tests_total) == ("passed", True, 2, 2)


def test_each_assert_counts_separately(sandbox_pool):
    r = _run(sandbox_pool, ADD, ["assert add(1, 2) == 3", "assert add(1, 2) == 4",
                                 "assert add(2, 2) == 4"])
    assert (r.status, r.passed, r.tests_passed, r.tests_total) == ("failed", False, 2, 3)
    assert r.fraction_passed == pytest.approx(2 / 3)
    assert "test 1" in r.reason


def test_humaneval_check_with_entry_point(sandbox_pool):
    check = ("def check(candidate):\n    for i in range(20):\n"
             "        assert candidate(i, 1) == i + 1\n"
             "    assert abs(candidate(0.1, 0.2) - 0.3) < 1e-6\n")
    assert _run(sandbox_pool, ADD, check, entry_point="add").passed
    wrong = "def add(a, b):\n    return a - b\n"
    r = _run(sandbox_pool, wrong, check, entry_point="add")
    assert (r.status, r.passed) == ("failed", False)


def test_plain_data_types_round_trip(sandbox_pool):
    code = ("def f():\n    return {'t': (1, 2.5), 's': {1, 2}, 'fs': frozenset('ab'), 'b': b'x',"
            " 'c': 1+2j, 'n': None, 'big': 10**50, 'nested': [[{}]], 2: 'int key'}\n")
    tests = ["assert f() == {'t': (1, 2.5), 's': {1, 2}, 'fs': frozenset('ab'), 'b': b'x', "
             "'c': 1+2j, 'n': None, 'big': 10**50, 'nested': [[{}]], 2: 'int key'}",
             "assert type(f()['t']) is tuple and type(f()['s']) is set"]
    r = _run(sandbox_pool, code, tests)
    assert r.passed, r.reason


def test_honest_subclasses_compare_like_their_base(sandbox_pool):
    code = ("from collections import Counter, namedtuple, OrderedDict\nP = namedtuple('P', 'x y')\n"
            "def f():\n    return Counter('aab'), P(1, 2), OrderedDict(a=1)\n")
    r = _run(sandbox_pool, code, ["assert f() == ({'a': 2, 'b': 1}, (1, 2), {'a': 1})"])
    assert r.passed, r.reason


def test_candidate_objects_work_through_proxies(sandbox_pool):
    code = ("class Node:\n    def __init__(self, v):\n        self.v, self.next = v, None\n"
            "def length(n):\n    return 0 if n is None else 1 + length(n.next)\n")
    tests = ["a = Node(1); a.next = Node(2); assert length(a) == 2", "assert Node(7).v == 7"]
    assert _run(sandbox_pool, code, tests).passed


def test_test_side_callables_are_called_back(sandbox_pool):
    code = "def apply(fn, xs):\n    return [fn(x) for x in xs]\n"
    r = _run(sandbox_pool, code, ["assert apply(lambda v: v * 2, [1, 2]) == [2, 4]",
                                  "assert apply(str, [1]) == ['1']"])
    assert r.passed, r.reason


def test_types_passed_as_arguments_are_real_types(sandbox_pool):
    code = "def drop(xs, t):\n    return [x for x in xs if not isinstance(x, t)]\n"
    assert _run(sandbox_pool, code, ["assert drop((1, 2.5, 'a'), int) == [2.5, 'a']"]).passed


def test_setup_runs_before_the_candidate(sandbox_pool):
    r = _run(sandbox_pool, ADD, ["assert add(X, 1) == 11"], setup="X = 10")
    assert r.passed, r.reason
    r = _run(sandbox_pool, ADD, ["assert add(1, 1) == 2"], setup="root = add(1, 2)")
    assert (r.status, r.passed) == ("error", False)  # setup cannot see candidate names


def test_entry_point_may_shadow_a_builtin(sandbox_pool):
    code = "def sum(a, b):\n    return a * b\n"
    assert _run(sandbox_pool, code, ["assert sum(3, 4) == 12"], entry_point="sum").passed


def test_stdout_is_captured_and_capped(sandbox_pool):
    code = "def f():\n    print('hello')\n    print('x' * 10000)\n    return 1\n"
    r = _run(sandbox_pool, code, ["assert f() == 1"])
    assert r.passed and r.stdout.startswith("hello\n") and len(r.stdout) <= 4096


def test_syntax_error_is_reported(sandbox_pool):
    r = _run(sandbox_pool, "def f(:\n", ["assert f() == 1"])
    assert (r.status, r.passed, r.tests_passed) == ("syntax_error", False, 0)


def test_candidate_exception_is_an_error(sandbox_pool):
    r = _run(sandbox_pool, "def f():\n    raise ValueError('boom')\n", ["assert f() == 1"])
    assert (r.status, r.passed) == ("error", False) and "ValueError: boom" in r.reason


def test_tests_catching_candidate_exceptions_work(sandbox_pool):
    code = "def f(x):\n    if x < 0:\n        raise ValueError(x)\n    return x\n"
    test = "try:\n    f(-1)\n    raise AssertionError('no raise')\nexcept ValueError:\n    pass\n"
    assert _run(sandbox_pool, code, test).passed


def test_no_tests_is_never_a_pass(sandbox_pool):
    r = _run(sandbox_pool, ADD, [])
    assert not r.passed and r.status == "error"


def test_run_many_keeps_order(sandbox_pool):
    jobs = [ExecutionJob(id=str(i), code=f"def f():\n    return {i}\n",
                         tests=[f"assert f() == {i}"]) for i in range(12)]
    results = sandbox_pool.run_many(jobs)
    assert [r.id for r in results] == [str(i) for i in range(12)]
    assert all(r.passed for r in results)


def test_humaneval_check_reports_each_top_level_assert(sandbox_pool):
    check = ("def check(candidate):\n    assert True, 'padding is not a test'\n"
             "    assert candidate(1, 1) == 2\n    assert candidate(2, 2) == 5\n"
             "    for i in range(3):\n        assert candidate(i, 0) == i\n")
    r = _run(sandbox_pool, ADD, check, entry_point="add")
    assert (r.status, r.passed, r.tests_passed, r.tests_total) == ("failed", False, 2, 3)
    assert "candidate(2, 2) == 5" in r.reason


def test_unknown_language_is_a_sandbox_error_not_a_pass_or_a_zero(sandbox_pool):
    r = sandbox_pool.run(ExecutionJob(id="c", code="x", tests=["assert 1"], language="cobol"))
    assert (r.status, r.passed) == ("sandbox_error", False) and "unknown language" in r.reason
