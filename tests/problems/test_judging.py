"""Problems judged in the real sandbox: loaders' checkers, the one program builder, calibrated
time limits, and the execution reward on stdin/stdout and call problems."""

from __future__ import annotations

import json
import logging

import pytest

from codetune.benchmark_data import benchmark_file
from codetune.problems import Problem, TimeLimitConfig, job_for, load_problems, program_for
from codetune.problems.formats import APPS_CALL_CHECKER
from codetune.rewards.execution import make_execution_reward

pytestmark = pytest.mark.docker

ABC = ("t = int(input())\nfor _ in range(t):\n    s = input().strip()\n"
       "    print('YES' if sum(a != b for a, b in zip(s, 'abc')) in (0, 2) else 'NO')\n")
SENIORS = ("class Solution:\n    def countSeniors(self, details: List[str]) -> int:\n"
           "        return sum(int(d[11:13]) > 60 for d in details)\n")
SUM = Problem(id="sum", cases=[{"input": "1 2\n", "output": "3\n"},
                               {"input": "2 2\n", "output": "4\n"},
                               {"input": "5 1\n", "output": "6\n"},
                               {"input": "0 7\n", "output": "7\n"}])
ANSWER = "```python\na, b = map(int, input().split())\nprint(a + b)\n```"
HALF = "```python\na, b = map(int, input().split())\nprint(a + b if a < 2 else 0)\n```"


def test_livecodebench_sample_solutions_are_accepted_and_wrong_ones_rejected(sandbox_pool):
    stdin, call = load_problems(benchmark_file("stdio/livecodebench_sample.jsonl"))
    jobs = [job_for(stdin, ABC), job_for(stdin, ABC.replace("(0, 2)", "(0,)")),
            job_for(call, SENIORS), job_for(call, SENIORS.replace("> 60", ">= 60"))]
    verdicts = [r.verdict for r in sandbox_pool.run_many(jobs)]
    assert verdicts == ["accepted", "wrong_answer", "accepted", "wrong_answer"]


def test_apps_call_outputs_wrapped_in_a_list_accept_the_bare_value(sandbox_pool):
    p = Problem(id="a", entry_point="f", checker="special", checker_code=APPS_CALL_CHECKER,
                cases=[{"input": [1], "output": [2]}, {"input": [2], "output": [[4, 4]]}])
    assert sandbox_pool.run(job_for(p, "def f(x):\n    return 2 * x if x == 1 else (4, 4)\n"))\
        .passed


def test_stdin_programs_keep_their_top_level_code_function_programs_are_sanitised():
    assert "print(a + b)" in program_for(SUM, ANSWER).program
    func = Problem(id="f", tests=["assert add(1, 1) == 2"], entry_point="add")
    built = program_for(func, "def add(a, b):\n    return a + b\n\nprint(add(1, 1))\n")
    assert "print" not in built.program and "def add" in built.program


def test_reward_and_evaluation_judge_the_same_program(sandbox_pool):
    from codetune.eval.benchmark_registry import Task
    from codetune.eval.samples import sample_from_output

    task = Task(task_id="t", prompt="def add(a, b):\n", tests=["assert add(1, 2) == 3"],
                code_prefix="def add(a, b):\n", entry_point="add")
    text = "    return a + b\n\nassert add(1, 1) == 3  # a stray example\n"
    assert sample_from_output(task, 0, text).program == program_for(task.problem(), text).program
    fn = make_execution_reward(pool=sandbox_pool)
    assert fn([text], tests=[task.tests], code_prefix=[task.code_prefix],
              entry_point=["add"]) == [1.0]  # the stray assert is sanitised away, as in eval


def test_calibrated_limits_follow_the_reference_and_are_cached(sandbox_pool, tmp_path,
                                                               monkeypatch):
    from codetune.problems import with_time_limits

    monkeypatch.setenv("CODETUNE_CACHE_DIR", str(tmp_path))
    slow = Problem(id="s", reference="import time\ntime.sleep(0.4)\nprint(1)\n",
                   cases=[{"input": "", "output": "1"}])
    cfg = TimeLimitConfig(mode="calibrated", factor=4.0, floor_s=0.5)
    (limited,) = with_time_limits([slow], cfg, sandbox_pool)
    assert limited.time_limit_s >= 1.6 and limited.time_limit_s > cfg.floor_s

    class NoRuns:
        config = sandbox_pool.config

        def run_many(self, jobs):
            raise AssertionError("a cached limit must not run the reference again")

    assert with_time_limits([slow], cfg, NoRuns())[0].time_limit_s == limited.time_limit_s


def test_a_reference_that_fails_is_an_error_naming_the_field(sandbox_pool, tmp_path,
                                                             monkeypatch):
    from codetune.errors import CodetuneError
    from codetune.problems import with_time_limits

    monkeypatch.setenv("CODETUNE_CACHE_DIR", str(tmp_path))
    bad = Problem(id="b", reference="print(2)\n", cases=[{"input": "", "output": "1"}])
    with pytest.raises(CodetuneError, match="field 'reference'"):
        with_time_limits([bad], TimeLimitConfig(mode="calibrated"), sandbox_pool)


def test_reward_on_stdio_problems_is_the_fraction_of_cases(sandbox_pool):
    fn = make_execution_reward(pool=sandbox_pool)
    column = [json.dumps(SUM.to_dict())] * 3
    assert fn([ANSWER, HALF, "print(0)"], problem=column) == [1.0, 0.5, 0.0]
    binary = make_execution_reward(pool=sandbox_pool, mode="binary")
    assert binary([ANSWER, HALF], problem=column[:2]) == [1.0, 0.0]


def test_reward_reads_a_cases_column(sandbox_pool):
    fn = make_execution_reward(pool=sandbox_pool)
    cases = json.dumps(SUM.cases)
    assert fn([ANSWER, HALF], cases=[cases, cases]) == [1.0, 0.5]


def test_a_grader_error_is_none_and_counted_never_a_zero(sandbox_pool):
    broken = Problem(id="b", cases=SUM.cases, checker="special",
                     checker_code="def check(input, expected, actual):\n    return 1 / 0\n")
    logged = {}
    fn = make_execution_reward(pool=sandbox_pool)
    out = fn([ANSWER, ANSWER], problem=[json.dumps(broken.to_dict()),
                                        json.dumps(SUM.to_dict())],
             log_metric=logged.__setitem__)
    assert out == [None, 1.0]
    assert logged["execution/grader_error_rate"] == 0.5


def test_a_batch_failing_for_the_data_logs_one_loud_warning(sandbox_pool, caplog):
    fn = make_execution_reward(pool=sandbox_pool)
    tests = [["assert add(1, 2) == 3"]] * 2
    with caplog.at_level(logging.WARNING, logger="codetune"):
        # chat prompts (no code prefix to continue) and body-only completions: never defined
        fn(["    return a + b\n"] * 2, tests=tests, entry_point=["add"] * 2,
           prompts=[[{"role": "user", "content": "add"}]] * 2)
        fn(["    return a + b\n"] * 2, tests=tests, entry_point=["add"] * 2,
           prompts=[[{"role": "user", "content": "add"}]] * 2)
        fn(["x = 1"], tests=[[]])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len([w for w in warnings if "entry point 'add'" in w]) == 1, warnings
    assert any("no row has tests" in w for w in warnings), warnings


def test_in_rl_a_grader_error_masks_every_component_of_the_row(sandbox_pool):
    from codetune.rewards.combined import RewardSpec, build_rewards, mask_grader_errors

    funcs, _ = build_rewards([RewardSpec("execution"), RewardSpec("static")], pool=sandbox_pool)
    funcs = mask_grader_errors(funcs)
    broken = Problem(id="b", cases=SUM.cases, checker="special",
                     checker_code="def check(input, expected, actual):\n    return 1 / 0\n")
    completions = [ANSWER, ANSWER]
    column = [json.dumps(broken.to_dict()), json.dumps(SUM.to_dict())]
    scores = [fn(completions, problem=column) for fn in funcs]
    assert scores[0] == [None, 1.0]
    assert scores[1][0] is None and scores[1][1] is not None
