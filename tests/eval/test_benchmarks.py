"""Benchmark loaders and prompt formats: HumanEval, MBPP (paper prompt), user JSONL, registry."""

from __future__ import annotations

import json

import pytest

from codetune.errors import CodetuneError
from codetune.eval.benchmark_catalog import get_benchmark, load_tasks
from codetune.eval.benchmark_registry import Task, register_benchmark


def test_humaneval_has_164_tasks_with_prompt_as_code_prefix():
    tasks = load_tasks("humaneval")
    assert len(tasks) == 164
    t = tasks[0]
    assert t.task_id == "HumanEval/0" and t.prompt == t.code_prefix
    assert t.canonical_solution.startswith(t.prompt)
    job = t.job("x", t.canonical_solution, 3.0)
    assert job.entry_point == "has_close_elements" and "def check(candidate)" in job.tests


def test_mbpp_test_split_is_tasks_11_to_510():
    ids = [int(t.task_id.split("/")[1]) for t in load_tasks("mbpp")]
    assert ids == list(range(11, 511))


def test_mbpp_base_prompt_is_three_shot_paper_format_ending_in_begin():
    t = load_tasks("mbpp")[0]
    assert t.prompt.count("[BEGIN]") == 4 and t.prompt.count("[DONE]") == 3
    assert t.prompt.endswith('assert remove_Occ("PHP","P") == "H"\n[BEGIN]\n')
    assert "[DONE]" in t.stop and t.code_prefix == ""
    assert isinstance(t.tests, list) and len(t.tests) == 3


def test_mbpp_few_shot_zero_has_no_examples():
    t = load_tasks("mbpp", {"few_shot": 0})[0]
    assert t.prompt.count("[BEGIN]") == 1 and t.prompt.startswith("You are an expert")


def test_mbpp_chat_prompt_has_description_and_asserts_only():
    t = load_tasks("mbpp")[0]
    assert "[BEGIN]" not in t.chat_prompt and "remove_Occ(" in t.chat_prompt


def test_mbpp_setup_code_runs_after_the_candidate():
    t = next(t for t in load_tasks("mbpp") if t.task_id == "Mbpp/367")
    job = t.job("x", "class Node: pass", 3.0)
    assert job.code.index("class Node") < job.code.index("root = Node(1)")
    assert job.setup == "" and "Node" in t.referenced_names()


def test_mbpp_rejects_few_shot_outside_the_prompt_split():
    with pytest.raises(CodetuneError, match="few_shot must be 0-10"):
        load_tasks("mbpp", {"few_shot": 11})


def test_unknown_benchmark_suggests_the_nearest():
    with pytest.raises(CodetuneError, match="did you mean 'humaneval'"):
        get_benchmark("humaneva")


def test_unknown_loader_option_is_an_error():
    with pytest.raises(CodetuneError, match="unknown option"):
        load_tasks("humaneval", {"few_shot": 3})


def _write(tmp_path, rows):
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_jsonl_benchmark_reads_asserts_and_references(tmp_path):
    path = _write(tmp_path, [{"task_id": "t1", "prompt": "def add(a, b):\n",
                              "tests": ["assert add(1, 2) == 3"], "entry_point": "add",
                              "canonical_solution": "    return a + b\n"}])
    (t,) = load_tasks("jsonl", {"path": str(path)})
    assert t.code_prefix == "def add(a, b):\n"
    assert t.canonical_solution == "def add(a, b):\n    return a + b\n"
    assert t.job("j", "x", 1.0).tests == ["assert add(1, 2) == 3"]


def test_jsonl_row_without_tests_names_the_row(tmp_path):
    path = _write(tmp_path, [{"task_id": "t1", "prompt": "p", "tests": ["assert 1"]},
                             {"task_id": "t2", "prompt": "p"}])
    with pytest.raises(CodetuneError, match=r"task 2\): missing key\(s\) tests"):
        load_tasks("jsonl", {"path": str(path)})


def test_jsonl_duplicate_task_ids_are_an_error(tmp_path):
    row = {"task_id": "t1", "prompt": "p", "tests": ["assert 1"]}
    path = _write(tmp_path, [row, row])
    with pytest.raises(CodetuneError, match="'t1' appears more than once"):
        load_tasks("jsonl", {"path": str(path)})


def test_jsonl_needs_a_path():
    with pytest.raises(CodetuneError, match="benchmark_options.path"):
        load_tasks("jsonl")


def my_tasks(options):
    return [Task(task_id="mine/0", prompt="def one():\n", tests=["assert one() == 1"])]


def test_a_users_loader_by_module_function_name():
    (t,) = load_tasks("tests.eval.test_benchmarks:my_tasks")
    assert t.task_id == "mine/0"


def test_registered_loader_is_found_by_name():
    register_benchmark("tiny-test-bench")(my_tasks)
    assert load_tasks("tiny-test-bench")[0].task_id == "mine/0"


def test_limit_keeps_the_first_tasks():
    assert [t.task_id for t in load_tasks("humaneval", {"limit": 2})] == \
        ["HumanEval/0", "HumanEval/1"]
