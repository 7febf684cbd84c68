"""Problem loaders: the shared CodeContests/LiveCodeBench samples, APPS/TACO and plain JSONL rows,
and one-line errors naming file, line and field for every bad file."""

from __future__ import annotations

import base64
import json
import pickle
import zlib

import pytest

from codetune.benchmark_data import benchmark_file
from codetune.errors import CodetuneError
from codetune.problems import Problem, job_for, load_problems


def _write(tmp_path, rows, name="p.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_codecontests_sample_loads_as_stdio_problems():
    problems = load_problems(benchmark_file("stdio/code_contests_sample.jsonl"))
    assert len(problems) == 10 and {p.kind for p in problems} == {"stdio"}
    first = problems[0]
    assert first.id == "a3" and len(first.cases) == 101
    assert first.cases[0]["output"] == "0\n1\n2\n" and first.where.endswith(":1")


def test_the_livecodebench_sample_unpacks_stdin_and_call_problems():
    stdin, call = load_problems(benchmark_file("stdio/livecodebench_sample.jsonl"))
    assert (stdin.kind, len(stdin.cases), stdin.checker) == ("stdio", 5, "special")
    assert (call.kind, call.entry_point, len(call.cases)) == ("call", "countSeniors", 14)
    assert call.cases[0] == {"input": [["7868190130M7522", "5303914400F9211",
                                        "9273338290F4010"]], "output": 2}


def test_deepmind_code_contests_rows_merge_every_test_split(tmp_path):
    row = {"name": "x", "description": "add", "public_tests": {"input": ["1 2\n"],
                                                                "output": ["3\n"]},
           "private_tests": {"input": ["2 2\n"], "output": ["4\n"]},
           "generated_tests": {"input": [], "output": []},
           "time_limit": {"seconds": 2, "nanos": 500000000},
           "solutions": {"language": [2, 3], "solution": ["int main(){}", "print(3)"]}}
    (p,) = load_problems(_write(tmp_path, [row]))
    assert len(p.cases) == 2 and p.time_limit_s == 2.5 and p.reference == "print(3)"


def test_apps_rows_are_stdio_or_call_based_by_fn_name(tmp_path):
    rows = [{"problem_id": 1, "question": "q", "solutions": json.dumps(["print(1)"]),
             "input_output": json.dumps({"inputs": ["1\n"], "outputs": ["1\n"]})},
            {"problem_id": 2, "question": "q", "starter_code": "def f(x):",
             "input_output": json.dumps({"inputs": [[1]], "outputs": [[2]], "fn_name": "f"})}]
    stdio, call = load_problems(_write(tmp_path, rows), fmt="apps")
    assert stdio.kind == "stdio" and stdio.reference == "print(1)"
    assert call.kind == "call" and call.entry_point == "f" and "def f(x):" in call.prompt


def test_livecodebench_hub_rows_with_packed_private_cases(tmp_path):
    private = [{"input": "2\n", "output": "4\n", "testtype": "stdin"}]
    packed = base64.b64encode(zlib.compress(pickle.dumps(json.dumps(private)))).decode()
    row = {"question_id": "abc", "question_content": "double it", "starter_code": "",
           "public_test_cases": json.dumps([{"input": "1\n", "output": "2\n",
                                             "testtype": "stdin"}]),
           "private_test_cases": packed, "metadata": "{}"}
    (p,) = load_problems(_write(tmp_path, [row]))
    assert [c["input"] for c in p.cases] == ["1\n", "2\n"]


def test_packed_cases_never_unpickle_objects(tmp_path):
    evil = base64.b64encode(zlib.compress(pickle.dumps(Problem(id="x")))).decode()
    row = {"question_id": "q", "question_content": "x", "private_test_cases": evil}
    with pytest.raises(CodetuneError, match=r"p.jsonl:1: field 'private_test_cases'"):
        load_problems(_write(tmp_path, [row]))


def test_plain_jsonl_with_cases_and_a_checker(tmp_path):
    rows = [{"id": "sum", "prompt": "add two numbers", "cases": [{"input": "1 2", "output": "3"}],
             "checker": "float", "atol": 1e-6}]
    (p,) = load_problems(_write(tmp_path, rows))
    assert (p.kind, p.checker, p.atol) == ("stdio", "float", 1e-6)


@pytest.mark.parametrize("rows, message", [
    ([{"prompt": "x", "cases": [{"input": "1", "output": "1"}]},
      {"prompt": "y", "cases": [{"input": "1"}]}], r"p.jsonl:2: field 'cases\[0\].output'"),
    ([{"prompt": "x", "cases": [{"input": "1", "output": ""}], "checker": "special",
       "checker_code": "def check(:\n"}], r"p.jsonl:1: field 'checker_code': does not parse"),
    ([{"prompt": "x", "cases": [{"input": "1", "output": "1"}], "checker": "fuzzy"}],
     r"p.jsonl:1: field 'checker': 'fuzzy' is not one of"),
    ([{"statement": "x", "examples": []}], r"p.jsonl:1: unknown problem format"),
    ([{"name": "a", "description": "d", "public_tests": {"input": ["1"], "output": []}}],
     r"p.jsonl:1: field 'public_tests.output'"),
])
def test_every_bad_file_is_a_one_line_error_naming_file_line_and_field(tmp_path, rows, message):
    with pytest.raises(CodetuneError, match=message) as err:
        load_problems(_write(tmp_path, rows))
    assert "\n" not in str(err.value)


def test_a_line_that_is_not_json_names_its_line(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"prompt": "x", "cases": [{"input": "", "output": ""}]}\n{oops\n')
    with pytest.raises(CodetuneError, match=r"p.jsonl:2: not valid JSON"):
        load_problems(path)


def test_the_hub_is_not_tried_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(CodetuneError, match="hub is offline"):
        load_problems("hf:deepmind/code_contests")


def test_job_for_stdio_sets_per_case_limits_and_a_backstop():
    p = Problem(id="p", cases=[{"input": "", "output": "1"}] * 3, time_limit_s=2.0)
    job = job_for(p, "print(1)", stop_on_failure=False)
    assert (job.case_timeout_s, job.timeout_s, job.stop_on_failure) == (2.0, 11.0, False)
    assert job.tests == [] and job.entry_point is None


def test_job_for_asserts_appends_setup_after_the_program():
    p = Problem(id="p", tests=["assert K == 2"], setup="K = f()")
    assert job_for(p, "def f():\n    return 2\n").code.endswith("\n\nK = f()\n")


def test_job_for_calls_a_leetcode_solution_method():
    p = Problem(id="p", cases=[{"input": [1], "output": 2}], entry_point="double")
    code = "class Solution:\n    def double(self, x: List[int]) -> int:\n        return 2 * x\n"
    job = job_for(p, code)
    assert job.code.startswith("from typing import *") and "Solution().double(*args)" in job.code
