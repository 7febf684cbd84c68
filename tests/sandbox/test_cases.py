"""Jobs judged by cases: stdin/stdout programs (one fresh process per case) and call cases."""

from __future__ import annotations

import base64

import pytest

from codetune.sandbox import ExecutionJob

pytestmark = pytest.mark.docker

SUM = "n = int(input())\nprint(sum(map(int, input().split()[:n])))\n"
CASES = [{"input": "3\n1 2 3\n", "output": "6\n"}, {"input": "2\n5 5\n", "output": "10"},
         {"input": "1\n-4\n", "output": "-4\n"}]


def _stdio(pool, code, cases=CASES, **kw):
    kw.setdefault("case_timeout_s", 2)
    return pool.run(ExecutionJob(id="p", code=code, cases=cases, **kw))


def test_a_correct_program_is_accepted_on_every_case(sandbox_pool):
    r = _stdio(sandbox_pool, SUM)
    assert (r.status, r.verdict, r.tests_passed, r.tests_total) == ("passed", "accepted", 3, 3)
    assert [c["status"] for c in r.cases] == ["accepted"] * 3


def test_a_wrong_answer_stops_at_the_first_failing_case_with_an_excerpt(sandbox_pool):
    r = _stdio(sandbox_pool, "n = int(input())\nprint(n if n != 2 else 0)\n")
    assert (r.status, r.verdict, r.tests_passed) == ("failed", "wrong_answer", 0)
    assert len(r.cases) == 1 and r.cases[0]["excerpt"] == {
        "input": "3\n1 2 3\n", "expected": "6\n", "got": "3\n"}


def test_without_stop_on_failure_every_case_runs_and_the_fraction_counts(sandbox_pool):
    code = "n = int(input())\nprint(sum(map(int, input().split())) if n > 1 else 0)\n"
    r = _stdio(sandbox_pool, code, stop_on_failure=False)
    assert [c["status"] for c in r.cases] == ["accepted", "accepted", "wrong_answer"]
    assert (r.tests_passed, r.fraction_passed) == (2, 2 / 3)


@pytest.mark.parametrize("code, verdict", [
    ("import sys\nsys.exit(3)\n", "runtime_error"),
    ("print(1 // 0)\n", "runtime_error"),
    ("while True:\n    pass\n", "time_limit"),
    ("x = bytearray(1 << 34)\n", "memory_limit"),
    ("import os\nos.kill(os.getpid(), 11)\n", "runtime_error"),
    ("print('x' * (3 << 20))\n", "output_limit"),
])
def test_failures_get_the_verdicts_users_expect(sandbox_pool, code, verdict):
    r = _stdio(sandbox_pool, code, case_timeout_s=1)
    assert (r.verdict, r.cases[0]["status"], r.passed) == (verdict, verdict, False), r


def test_exiting_zero_after_printing_the_answer_is_accepted(sandbox_pool):
    code = "import sys\nn = int(input())\nprint(sum(map(int, input().split())))\nsys.exit(0)\n"
    assert _stdio(sandbox_pool, code).passed


def test_a_traceback_names_the_solution_not_the_runner(sandbox_pool):
    r = _stdio(sandbox_pool, "x = 1\nraise ValueError('bad input')\n")
    assert "<solution>" in r.stderr and "line 2" in r.stderr and "runner" not in r.stderr


@pytest.mark.parametrize("checker, expected, got, ok", [
    ("exact", "1 2\n", "1 2\n", True), ("exact", "1 2\n", "1 2", False),
    ("tokens", "1 2\n", " 1\n2 ", True), ("tokens", "1 2", "1 3", False),
    ("lines", "a b\nc\n", "a b  \nc\n\n", True), ("lines", "a b\n", "a  b\n", False),
    ("float", "0.3333333 2", "0.33333334 2.0", True), ("float", "0.3", "0.31", False),
    ("unordered", "a\nb\n", "b\na\n", True), ("unordered", "a\nb\n", "a\na\n", False),
])
def test_checkers(sandbox_pool, checker, expected, got, ok):
    code = f"import sys\nsys.stdout.write({got!r})\n"
    r = _stdio(sandbox_pool, code, cases=[{"input": "", "output": expected}], checker=checker,
               atol=1e-6)
    assert r.passed is ok, r


def test_a_special_judge_checks_outside_the_candidate(sandbox_pool):
    checker = ("def check(input, expected, actual):\n"
               "    a, b = map(int, actual.split())\n"
               "    return a + b == int(input), 'the two numbers must add up to the input'\n")
    cases = [{"input": "10", "output": ""}, {"input": "7", "output": ""}]
    good = "n = int(input())\nprint(1, n - 1)\n"
    assert _stdio(sandbox_pool, good, cases=cases, checker="special",
                  checker_code=checker).passed
    r = _stdio(sandbox_pool, "print(1, 1)\n", cases=cases, checker="special",
               checker_code=checker)
    assert r.verdict == "wrong_answer" and "add up" in r.reason


def test_a_broken_special_judge_is_a_grader_error_not_a_zero(sandbox_pool):
    r = _stdio(sandbox_pool, SUM, checker="special", checker_code="def check(:\n")
    assert (r.status, r.verdict) == ("sandbox_error", "grader_error"), r


def test_run_only_cases_return_the_whole_output_and_files(sandbox_pool):
    code = ("import sys\ndata = sys.stdin.read()\nprint(open('in.txt').read() + data)\n"
            "print('x' * 100000)\nprint('warn', file=sys.stderr)\n"
            "open('out/res.txt', 'w').write('done')\n")
    files = {"in.txt": base64.b64encode(b"file:").decode(), "out/keep": ""}
    r = sandbox_pool.run(ExecutionJob(id="run", code=code, cases=[{"input": "abc"}],
                                      files=files, fetch_files=["out/res.txt", "../etc/passwd",
                                                                "/etc/passwd", "missing"]))
    case = r.cases[0]
    assert r.passed and case["exit_code"] == 0 and case["stderr"] == "warn\n"
    assert case["stdout"] == "file:abc\n" + "x" * 100000 + "\n"
    assert r.files == {"out/res.txt": base64.b64encode(b"done").decode()}


def test_stdin_none_is_end_of_file_at_once(sandbox_pool):
    code = "import sys\nprint(repr(sys.stdin.read()))\n"
    r = sandbox_pool.run(ExecutionJob(id="eof", code=code, cases=[{"input": None}]))
    assert r.cases[0]["stdout"] == "''\n"


def test_no_case_sees_another_cases_files_or_processes(sandbox_pool):
    code = ("import os, time\nif os.listdir('/tmp'):\n    print('leftover')\n"
            "open('/tmp/mark', 'w').write('1')\nif os.fork() == 0:\n    time.sleep(30)\n"
            "print('ok')\n")
    r = _stdio(sandbox_pool, code, cases=[{"input": "", "output": "ok"}] * 3)
    assert r.passed, r


def test_call_cases_compare_return_values(sandbox_pool):
    cases = [{"input": [1, 2], "output": 3}, {"input": [0.1, 0.2], "output": 0.3},
             {"input": [[1], [2]], "output": [1, 2]}]
    code = "def f(a, b):\n    return a + b\n"
    r = sandbox_pool.run(ExecutionJob(id="c", code=code, entry_point="f", cases=cases, atol=1e-9))
    assert r.passed and [c["status"] for c in r.cases] == ["accepted"] * 3, r
    r = sandbox_pool.run(ExecutionJob(id="c", code=code, entry_point="f", cases=cases))
    assert r.verdict == "wrong_answer" and r.cases[-1]["index"] == 1, r  # 0.1 + 0.2 != 0.3


def test_call_cases_tuples_equal_lists_and_unordered_compares_as_multisets(sandbox_pool):
    code = "def f(xs):\n    return tuple(sorted(xs, reverse=True))\n"
    cases = [{"input": [[1, 3, 2]], "output": [3, 2, 1]}]
    assert sandbox_pool.run(ExecutionJob(id="t", code=code, entry_point="f", cases=cases)).passed
    code = "def f(xs):\n    return list(xs)\n"
    cases = [{"input": [[1, 3, 2]], "output": [3, 2, 1]}]
    assert sandbox_pool.run(ExecutionJob(id="u", code=code, entry_point="f", cases=cases,
                                         checker="unordered")).passed
    assert not sandbox_pool.run(ExecutionJob(id="o", code=code, entry_point="f",
                                             cases=cases)).passed


def test_a_call_case_past_its_limit_is_a_time_limit(sandbox_pool):
    code = "def f(x):\n    while x:\n        pass\n    return 0\n"
    cases = [{"input": [0], "output": 0}, {"input": [1], "output": 0}]
    r = sandbox_pool.run(ExecutionJob(id="t", code=code, entry_point="f", cases=cases,
                                      case_timeout_s=0.5, timeout_s=10))
    assert [c["status"] for c in r.cases] == ["accepted", "time_limit"]
    assert (r.status, r.tests_passed) == ("timeout", 1)


def test_a_call_case_raising_is_a_runtime_error(sandbox_pool):
    r = sandbox_pool.run(ExecutionJob(id="e", code="def f(x):\n    return 1 / x\n",
                                      entry_point="f", cases=[{"input": [0], "output": 0}]))
    assert r.verdict == "runtime_error" and "ZeroDivisionError" in r.reason, r


def test_a_program_ending_with_os_exit_is_judged_by_its_exit_code(sandbox_pool):
    flush = "import os, sys\nn = int(input())\nprint(sum(map(int, input().split())))\n" \
            "sys.stdout.flush()\nos._exit({})\n"
    assert _stdio(sandbox_pool, flush.format(0)).passed
    r = _stdio(sandbox_pool, flush.format(3))
    assert (r.verdict, r.cases[0]["exit_code"]) == ("runtime_error", 3), r
