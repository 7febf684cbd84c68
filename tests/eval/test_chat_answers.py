"""Chat answers are graded by one rule (``codetune.code.assemble``) in ``eval run``, in
``eval samples`` raw rows and in the execution reward: the prompt's helpers are kept, syntax
errors are reported as such, only a tail cut by the token limit is dropped."""

from __future__ import annotations

import ast
import json

import pytest

from codetune.code.assemble import assemble
from codetune.eval.benchmark_catalog import load_tasks
from codetune.eval.config import SamplesEvalConfig
from codetune.eval.run import evaluate_samples
from codetune.eval.samples import read_samples, sample_from_output


@pytest.fixture(scope="module")
def humaneval():
    return load_tasks("humaneval")


@pytest.fixture(scope="module")
def mbpp():
    return load_tasks("mbpp", {"split": "test"})


def _entry_function(task, body: str) -> str:
    """The prompt's ``def entry_point`` (signature + docstring) alone, with ``body``: no imports,
    no helper functions."""
    tree = ast.parse(task.prompt)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef)
                and n.name == task.entry_point)
    lines = task.prompt.splitlines(keepends=True)
    return "".join(lines[node.lineno - 1:]).rstrip("\n") + "\n" + body


def _fenced(code: str) -> str:
    return f"```python\n{code.rstrip()}\n```"


def _shapes(task) -> dict[str, str]:
    body = task.canonical_solution[len(task.prompt):]
    func = _entry_function(task, body)
    whole = task.canonical_solution.rstrip() + (
        f'\n\n\nif __name__ == "__main__":\n    print({task.entry_point}.__name__)\n')
    usage = f"result = {task.entry_point}()\nprint(result)\n"
    return {
        "function": f"Here is the function:\n\n{_fenced(func)}\n\nIt solves the task.",
        "whole_with_main": _fenced(whole),
        "usage_first": f"Use it like this:\n{_fenced(usage)}\nThe implementation:\n"
                       f"{_fenced(func)}\n",
    }


def _write(path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def _grade(tmp_path, name, rows, benchmark, pool, **kw):
    cfg = SamplesEvalConfig(samples=_write(tmp_path / f"{name}.jsonl", rows), benchmark=benchmark,
                            k=[1], codebleu=False, output_dir=str(tmp_path / name), timeout_s=20,
                            **kw)
    evaluate_samples(cfg, pool=pool)
    return [json.loads(x) for x in (tmp_path / name / "results.jsonl").read_text().splitlines()]


def test_helper_only_answer_keeps_the_prompts_helpers(humaneval):
    task = humaneval[38]  # check() calls the prompt's encode_cyclic; the answer writes decode only
    answer = _fenced(_entry_function(task, task.canonical_solution[len(task.prompt):]))
    program = assemble(answer, task.code_prefix, task.entry_point, "chat", finish_reason="stop",
                       roots=task.referenced_names()).program
    assert "def encode_cyclic" in program and program.count("def decode_cyclic") == 1
    assert "return encode_cyclic(encode_cyclic(s))" in program  # the answer's body, not the stub


def test_the_answers_definitions_win_over_the_prompts(humaneval):
    task = humaneval[10]  # the prompt defines is_palindrome and make_palindrome's stub
    answer = _fenced("def is_palindrome(string: str) -> bool:\n    return False\n\n"
                     "def make_palindrome(string: str) -> str:\n"
                     "    return string if is_palindrome(string) else string[::-1]\n")
    program = assemble(answer, task.code_prefix, task.entry_point, "chat",
                       roots=task.referenced_names()).program
    assert program.count("def is_palindrome") == 1 and "return False" in program


def test_raw_rows_and_eval_run_build_the_same_programs(tmp_path, humaneval):
    rows = [{"task_id": t.task_id, "raw": answer}
            for t in humaneval for answer in _shapes(t).values()]
    read = read_samples(_write(tmp_path / "raw.jsonl", rows), humaneval).samples
    by_id = {t.task_id: t for t in humaneval}
    direct = [sample_from_output(by_id[r["task_id"]], 0, r["raw"], "chat").program for r in rows]
    assert [s.program for s in read] == direct
    assert [s.completion_id for s in read[:3]] == [0, 1, 2]  # a task's rows in file order


@pytest.mark.docker
@pytest.mark.slow
def test_every_humaneval_canonical_passes_in_three_chat_shapes(tmp_path, humaneval,
                                                               sandbox_pool):
    rows = [{"task_id": t.task_id, "raw": answer, "shape": shape}
            for t in humaneval for shape, answer in _shapes(t).items()]
    results = _grade(tmp_path, "shapes", rows, "humaneval", sandbox_pool)
    failed = [(r["shape"], res["task_id"], res["status"], res["reason"][:80])
              for r, res in zip(rows, results, strict=True) if not res["passed"]]
    assert len(results) == 3 * len(humaneval) and not failed


@pytest.mark.docker
@pytest.mark.slow
def test_wrong_chat_answers_still_fail(tmp_path, humaneval, sandbox_pool):
    rows = [{"task_id": t.task_id, "raw": _fenced(_entry_function(t, "    return None\n"))}
            for t in humaneval]
    results = _grade(tmp_path, "wrong", rows, "humaneval", sandbox_pool)
    assert len(results) == len(humaneval) and not any(r["passed"] for r in results)


@pytest.mark.docker
@pytest.mark.slow
def test_mbpp_references_as_chat_answers_get_the_solution_rows_verdicts(tmp_path, mbpp,
                                                                         sandbox_pool):
    solution_rows = [{"task_id": t.task_id, "solution": t.canonical_solution} for t in mbpp]
    raw_rows = [{"task_id": t.task_id, "raw": "Here you go:\n" + _fenced(t.canonical_solution)}
                for t in mbpp]
    as_solution = _grade(tmp_path, "solution", solution_rows, "mbpp", sandbox_pool)
    as_raw = _grade(tmp_path, "raw", raw_rows, "mbpp", sandbox_pool)
    # A timeout is the machine's load, not the rule (MBPP 123's brute force nears the limit on
    # a busy 2-core machine): those rows are left out of the comparison, and must stay rare.
    timed_out = {a["task_id"] for a, b in zip(as_solution, as_raw, strict=True)
                 if "timeout" in (a["status"], b["status"])}
    differ = [(a["task_id"], a["status"], b["status"]) for a, b in
              zip(as_solution, as_raw, strict=True)
              if a["passed"] != b["passed"] and a["task_id"] not in timed_out]
    assert len(as_raw) == 500 and not differ and len(timed_out) <= 3
    assert sum(r["passed"] for r in as_raw) >= 490  # the references pass their own tests


@pytest.mark.docker
def test_syntax_error_inside_the_function_is_a_syntax_error(tmp_path, humaneval, sandbox_pool):
    task = humaneval[48]  # is_palindrome
    answer = _fenced(_entry_function(task, "    return text == text[::-1)\n"))
    results = _grade(tmp_path, "syntax", [{"task_id": task.task_id, "raw": answer,
                                           "finish_reason": "stop"}], "humaneval", sandbox_pool)
    assert results[0]["status"] == "syntax_error" and not results[0]["truncated"]


@pytest.mark.docker
def test_a_tail_cut_at_the_token_limit_is_dropped_and_reported(tmp_path, humaneval,
                                                               sandbox_pool):
    task = humaneval[48]
    good = _entry_function(task, "    return text == text[::-1]\n")
    answer = "```python\n" + good + "\n\ndef helper(x):\n    return [x,"  # cut mid-line
    rows = [{"task_id": task.task_id, "raw": answer, "finish_reason": "length"},
            {"task_id": task.task_id, "raw": answer, "finish_reason": "stop"}]
    cut, strict = _grade(tmp_path, "cut", rows, "humaneval", sandbox_pool)
    assert cut["passed"] and cut["truncated"] and cut["finish_reason"] == "length"
    assert strict["status"] == "syntax_error" and not strict["truncated"]


def test_bad_finish_reason_names_the_line(tmp_path, humaneval):
    from codetune.errors import CodetuneError

    path = _write(tmp_path / "s.jsonl", [{"task_id": "HumanEval/0", "raw": "x",
                                          "finish_reason": "eos"}])
    with pytest.raises(CodetuneError, match=r"s\.jsonl:1: finish_reason 'eos'"):
        read_samples(path, humaneval)


@pytest.mark.docker
def test_execution_reward_keeps_the_prompts_helpers(humaneval, sandbox_pool):
    from codetune.rewards.execution import make_execution_reward

    task = humaneval[38]
    answer = _fenced(_entry_function(task, task.canonical_solution[len(task.prompt):]))
    reward = make_execution_reward(pool=sandbox_pool)
    assert reward([answer], tests=[task.tests], entry_point=[task.entry_point],
                  code_prefix=[task.code_prefix]) == [1.0]


CHAT_ANSWERS = [
    "```python\ndef add(a, b):\n    return a + b\n```\nThis adds.\n"
    "```python\nprint(add(1, 2))\n```",
    "Here is a helper first:\n```python\ndef helper(x):\n    return x\n```\nand the function:\n"
    "```python\nimport math\n\ndef add(a, b):\n    return helper(a) + b\n```\nDone. ```python\n"
    "def add(a, b):\n    return 0\n```",
    "```\ndef add(a, b):\n    return a - b\n```\nbut also```python\ndef add(a, b): pass\n```",
    "```python\ndef add(a, b):\n    return a +",  # never closed: never stops early
]


@pytest.mark.parametrize("text", CHAT_ANSWERS)
def test_stopping_a_chat_answer_at_its_closed_block_extracts_the_same_code(text):
    """``AnswerBlockStop`` fires on the shortest prefix after which the grader's choice of code
    cannot change: extracting from that prefix gives what the whole answer gives."""
    from codetune.code.extraction import AnswerBlockStop, extract_code

    stop = AnswerBlockStop("add")
    cut = next((i for i in range(1, len(text) + 1) if stop(text[:i])), None)
    if cut is None:
        assert text.endswith("a +")
        return
    assert cut < len(text)
    assert extract_code(text[:cut], entry_point="add") == extract_code(text, entry_point="add")
