"""Execution reward against the real sandbox: verdicts, hacking attempts, batching, penalties."""

import pytest

from codetune.rewards.execution import make_execution_reward

pytestmark = pytest.mark.docker

TESTS = ["assert add(1, 2) == 3", "assert add(2, 2) == 4", "assert add(5, 5) == 10",
         "assert add(-1, 4) == 3"]
CORRECT = "```python\ndef add(a, b):\n    return a + b\n```"
WRONG = "def add(a, b):\n    return a - b - 100\n"
PARTIAL = "def add(a, b):\n    return 4 if a == 2 else a + b + (a == 1)\n"  # passes 2, 3 and 4
SYS_EXIT = "import sys\ndef add(a, b):\n    return -999\nsys.exit(0)\n"
ALWAYS_EQUAL = ("class E:\n    def __eq__(self, other):\n        return True\n"
                "def add(a, b):\n    return E()\n")
PATCHED_ASSERT = ("import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})\n"
                  "def add(a, b):\n    return -999\n")


def score(pool, completions, **cfg):
    return make_execution_reward(pool=pool, timeout_s=3.0, **cfg)(
        completions, tests=[TESTS] * len(completions))


def test_correct_scores_one_wrong_zero_partial_the_fraction(sandbox_pool):
    assert score(sandbox_pool, [CORRECT, WRONG, PARTIAL]) == [1.0, 0.0, 0.75]


@pytest.mark.parametrize("code", [SYS_EXIT, ALWAYS_EQUAL, PATCHED_ASSERT],
                         ids=["sys_exit", "always_equal", "patched_assert"])
def test_hacking_attempt_scores_zero_from_the_sandbox_verdict(sandbox_pool, code):
    # reject_hacking=False: the code runs, and only the sandbox's trusted side decides.
    assert score(sandbox_pool, [code], reject_hacking=False) == [0.0]


def test_hacking_attempt_is_not_even_run_with_static_rejection(sandbox_pool):
    fn = make_execution_reward(pool=sandbox_pool, hacking_reward=-1.0)
    assert fn([SYS_EXIT, ALWAYS_EQUAL], tests=[TESTS, TESTS]) == [-1.0, -1.0]
    assert fn.last_results == []


def test_rows_without_tests_get_none(sandbox_pool):
    fn = make_execution_reward(pool=sandbox_pool)
    assert fn([CORRECT, CORRECT], tests=[TESTS, []]) == [1.0, None]


def test_binary_mode_gives_no_credit_for_partial(sandbox_pool):
    assert score(sandbox_pool, [PARTIAL, CORRECT], mode="binary") == [0.0, 1.0]


def test_syntax_error_and_timeout_penalties(sandbox_pool):
    loop = "def add(a, b):\n    while True:\n        pass\n"
    out = make_execution_reward(pool=sandbox_pool, timeout_s=1.0, syntax_error_reward=-0.5,
                                timeout_reward=-0.25)(["def add(a, b:\n", loop],
                                                      tests=[TESTS, TESTS])
    assert out == [-0.5, -0.25]


def test_whole_batch_goes_to_the_pool_in_one_call(sandbox_pool):
    calls = []

    class Counting:
        def run_many(self, jobs):
            calls.append(len(jobs))
            return sandbox_pool.run_many(jobs)

    fn = make_execution_reward(pool=Counting())
    fn([CORRECT, WRONG, PARTIAL, "def add(:"], tests=[TESTS] * 4)
    assert calls == [3]  # the syntax error never reaches the sandbox


def test_completion_is_prefixed_and_mbpp_setup_runs_after_it(sandbox_pool):
    fn = make_execution_reward(pool=sandbox_pool)
    out = fn(["    return a + b\n"], tests=[["assert add(1, 2) == K"]],
             code_prefix=["def add(a, b):\n"], setup=["K = add(1, 1) + 1"])
    assert out == [1.0]


def test_pass_rate_is_logged(sandbox_pool):
    logged = {}
    make_execution_reward(pool=sandbox_pool)([CORRECT, WRONG], tests=[TESTS, TESTS],
                                             log_metric=logged.__setitem__)
    assert logged["execution/pass_rate"] == 0.5
