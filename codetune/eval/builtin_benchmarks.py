"""Built-in benchmarks: HumanEval, MBPP (test split, Austin et al. 2021 prompt) and any JSONL.

Prompt formats (documented in docs/eval.md, because harnesses differ here):
- HumanEval, base: the problem's ``prompt`` verbatim (no stripping); stop sequences of
  bigcode-evaluation-harness. Chat: evalplus's instruction wrapping the prompt in a fence.
- MBPP, base: "You are an expert Python programmer, and here is your task: {text} Your code
  should pass these tests:\\n\\n{tests}\\n[BEGIN]\\n", preceded by ``few_shot`` solved examples
  from the prompt split (tasks 2, 3, 4 first, as in the paper); stops at ``[DONE]``.
"""

from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path
from typing import Any

from codetune.artifacts import read_jsonl
from codetune.benchmark_data import benchmark_file
from codetune.errors import CodetuneError
from codetune.eval.benchmark_registry import Task, register_benchmark

# bigcode-evaluation-harness's HumanEval stop sequences (column-0 tokens that end a function).
HUMANEVAL_STOP = ["\nclass", "\ndef", "\n#", "\n@", "\nprint", "\nif", "\n```"]
CHAT_INSTRUCTION = ("Please provide a self-contained Python script that solves the following "
                    "problem in a markdown code block:\n```\n{prompt}\n```")
MBPP_SPLITS = {"prompt": (1, 10), "test": (11, 510), "validation": (511, 600),
               "train": (601, 974), "all": (1, 974)}
MBPP_FEW_SHOT_ORDER = [2, 3, 4, 1, 5, 6, 7, 8, 9, 10]
MBPP_HEADER = ("You are an expert Python programmer, and here is your task: {text} "
               "Your code should pass these tests:\n\n{tests}\n")


def _data_file(options: dict[str, Any], name: str) -> Path:
    if not options.get("path"):
        return benchmark_file(name)  # data dir, installed package, or a cached download
    path = Path(options["path"])
    if not path.exists():
        raise CodetuneError(f"{path}: benchmark data not found")
    return path


def _unknown_options(options: dict[str, Any], allowed: set[str], bench: str) -> None:
    extra = set(options) - allowed
    if extra:
        raise CodetuneError(f"benchmark {bench}: unknown option(s) {', '.join(sorted(extra))} "
                            f"(allowed: {', '.join(sorted(allowed))})")


@register_benchmark("humaneval")
def load_humaneval(options: dict[str, Any]) -> list[Task]:
    """OpenAI HumanEval (164 tasks); ``path`` overrides the data file."""
    _unknown_options(options, {"path"}, "humaneval")
    tasks = []
    for row in read_jsonl(_data_file(options, "HumanEval.jsonl.gz")):
        tasks.append(Task(
            task_id=row["task_id"], prompt=row["prompt"], tests=row["test"],
            chat_prompt=CHAT_INSTRUCTION.format(prompt=row["prompt"].strip()),
            code_prefix=row["prompt"], entry_point=row["entry_point"],
            canonical_solution=row["prompt"] + row["canonical_solution"],
            stop=list(HUMANEVAL_STOP)))
    return tasks


def _mbpp_entry_point(row: dict[str, Any]) -> str | None:
    """The reference's function that the first test calls (used to sanitise completions)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in the published code
            tree = ast.parse(row["code"])
    except SyntaxError:
        return None
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    called = set(re.findall(r"([A-Za-z_]\w*)\s*\(", " ".join(row["test_list"])))
    return next((n for n in names if n in called), names[-1] if names else None)


def mbpp_example(row: dict[str, Any]) -> str:
    return MBPP_HEADER.format(text=row["text"], tests="\n".join(row["test_list"]))


@register_benchmark("mbpp")
def load_mbpp(options: dict[str, Any]) -> list[Task]:
    """Google MBPP; options: ``split`` (test = 11-510), ``few_shot`` (0-10, default 3), ``path``."""
    _unknown_options(options, {"path", "split", "few_shot"}, "mbpp")
    split = str(options.get("split", "test"))
    if split not in MBPP_SPLITS:
        raise CodetuneError(f"mbpp: unknown split {split!r} (one of {', '.join(MBPP_SPLITS)})")
    few_shot = int(options.get("few_shot", 3))
    if not 0 <= few_shot <= 10:
        raise CodetuneError(f"mbpp: few_shot must be 0-10 (examples come from tasks 1-10), got "
                            f"{few_shot}")
    rows = {int(r["task_id"]): r for r in read_jsonl(_data_file(options, "mbpp.jsonl"))}
    shots = "".join(mbpp_example(rows[i]) + "[BEGIN]\n" + rows[i]["code"].replace("\r\n", "\n")
                    + "\n[DONE]\n" for i in MBPP_FEW_SHOT_ORDER[:few_shot])
    lo, hi = MBPP_SPLITS[split]
    tasks = []
    for task_id in sorted(i for i in rows if lo <= i <= hi):
        row = rows[task_id]
        spec = mbpp_example(row)
        tasks.append(Task(
            task_id=f"Mbpp/{task_id}", prompt=shots + spec + "[BEGIN]\n", tests=row["test_list"],
            chat_prompt=spec + "Write the Python function in a ```python code block.",
            entry_point=_mbpp_entry_point(row),
            # Runs after the candidate (it builds objects of the candidate's classes, task 367).
            setup=row["test_setup_code"].replace("\r\n", "\n"),
            canonical_solution=row["code"].replace("\r\n", "\n"),
            stop=["[DONE]", "\n[BEGIN]", "\nYou are an expert"]))
    return tasks


@register_benchmark("jsonl")
def load_jsonl_tasks(options: dict[str, Any]) -> list[Task]:
    """Your own tasks: one JSON object a line with ``task_id, prompt, tests`` and optionally
    ``entry_point, canonical_solution, setup, chat_prompt, code_prefix, stop``.

    ``tests`` is a list of assert lines, or a string (a test program; with ``entry_point`` a
    HumanEval ``check(candidate)``). As in HumanEval the program is ``code_prefix`` (default:
    the prompt) + completion, and the reference is ``code_prefix + canonical_solution``.
    """
    _unknown_options(options, {"path"}, "jsonl")
    if not options.get("path"):
        raise CodetuneError("benchmark jsonl needs a task file: --set benchmark_options.path=FILE"
                            " (or --tasks FILE)")
    path = Path(options["path"])
    tasks = []
    for lineno, row in enumerate(read_jsonl(path), 1):
        tasks.append(_jsonl_task(row, f"{path} (task {lineno})"))
    return tasks


def _jsonl_task(row: dict[str, Any], where: str) -> Task:
    missing = [k for k in ("task_id", "prompt", "tests") if k not in row]
    if missing:
        raise CodetuneError(f"{where}: missing key(s) {', '.join(missing)}")
    tests = row["tests"]
    if not (isinstance(tests, str) or (isinstance(tests, list)
                                       and all(isinstance(t, str) for t in tests))):
        raise CodetuneError(f"{where}: 'tests' must be a list of assert lines or a string")
    if not tests:
        raise CodetuneError(f"{where}: 'tests' is empty; a task without tests cannot fail")
    prefix = row.get("code_prefix", row["prompt"])
    canonical = row.get("canonical_solution") or ""
    stop = row.get("stop", HUMANEVAL_STOP if prefix else ["\n```"])
    return Task(task_id=str(row["task_id"]), prompt=row["prompt"], tests=tests,
                chat_prompt=row.get("chat_prompt") or CHAT_INSTRUCTION.format(
                    prompt=row["prompt"].strip()),
                code_prefix=prefix, entry_point=row.get("entry_point"),
                setup=row.get("setup", ""),
                canonical_solution=(prefix + canonical) if canonical else "", stop=list(stop))
