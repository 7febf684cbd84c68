"""RL task sets: MBPP's train split, JSONL files, task-family dirs, bad rows."""

import json

import pytest

from codetune.errors import CodetuneError
from codetune.rl.prompt_sets import TaskSetConfig, load_task_rows, task_dataset


def test_mbpp_train_split_is_tasks_601_to_974():
    rows = load_task_rows(TaskSetConfig(source="mbpp"))
    ids = [int(r["task_id"].split("/")[1]) for r in rows]
    assert (len(rows), min(ids), max(ids)) == (374, 601, 974)
    assert all(r["tests"] and r["code_prefix"] == "" for r in rows)


def test_jsonl_rows_default_the_code_prefix_to_the_prompt(comment_tasks):
    row = load_task_rows(TaskSetConfig(source=str(comment_tasks), limit=1))[0]
    assert row["code_prefix"] == row["prompt"]


def test_chat_format_wraps_the_prompt_in_a_user_message(comment_tasks):
    row = load_task_rows(TaskSetConfig(source=str(comment_tasks), prompt_format="chat"))[0]
    assert row["prompt"][0]["role"] == "user" and row["code_prefix"] == ""


def test_task_family_dir_reads_its_rl_train_part(tmp_path):
    row = {"task_id": "x", "prompt": "def f():\n", "tests": ["assert f() is None"],
           "solution": "def f():\n    return None\n", "entry_point": "f"}
    (tmp_path / "rl_train.jsonl").write_text(json.dumps(row) + "\n")
    rows = load_task_rows(TaskSetConfig(source=str(tmp_path)))
    assert rows[0]["reference"] == row["solution"]
    assert "reference" not in task_dataset(TaskSetConfig(source=str(tmp_path))).column_names


def test_row_without_tests_is_an_error_naming_the_row(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"prompt": "x"}) + "\n")
    with pytest.raises(CodetuneError, match="row 1: missing column 'tests'"):
        load_task_rows(TaskSetConfig(source=str(path)))


def test_tasks_copied_from_a_benchmark_are_dropped_before_practice(tmp_path, caplog):
    """A task whose prompt is a HumanEval prompt or a HumanEval-X one (C++) never reaches
    the policy; ``decontaminate=[]`` keeps it; a set with nothing left is an error."""
    from codetune.artifacts import read_jsonl
    from codetune.benchmark_data import benchmark_file

    human = next(iter(read_jsonl(benchmark_file("HumanEval.jsonl.gz"))))
    hx = list(read_jsonl(benchmark_file("humaneval-x/humaneval_cpp.jsonl.gz")))[5]
    rows = [{"task_id": "own", "prompt": "def twice(x):\n    \"\"\"Double x.\"\"\"\n",
             "tests": ["assert twice(2) == 4"]},
            {"task_id": "leak", "prompt": human["prompt"], "tests": ["assert True"]},
            {"task_id": "leak-x", "prompt": hx["prompt"], "tests": ["assert f(1) == 1"]}]
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with caplog.at_level("WARNING", logger="codetune"):
        kept = load_task_rows(TaskSetConfig(source=str(path)))
    assert [r["task_id"] for r in kept] == ["own"]
    assert "2 of 3 tasks share text with humaneval, humaneval-x" in caplog.text
    assert len(load_task_rows(TaskSetConfig(source=str(path), decontaminate=[]))) == 3
    path.write_text(json.dumps(rows[1]) + "\n")
    with pytest.raises(CodetuneError, match="every task shares text with humaneval"):
        load_task_rows(TaskSetConfig(source=str(path)))
