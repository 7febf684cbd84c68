"""Prompt sets with tests for RL: MBPP's train split, your own tasks (JSONL, HF dataset dir, or a
``codetune data tasks`` folder), or problems judged by cases (CodeContests, APPS/TACO,
LiveCodeBench, plain JSONL with ``cases``; files or the hub: ``codetune.problems``).

Every row becomes ``prompt`` (text, or a chat message list for chat policies) plus the columns
the execution reward reads: ``tests`` (assert lines or a test program), ``entry_point`` (the
function under test; the sandbox calls ``check(entry_point)`` only when ``tests`` is a program),
``setup`` (appended after the candidate, as MBPP's harness does) and ``code_prefix`` (prepended
to the completion to form the program). Other columns are kept for custom rewards.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codetune.artifacts import read_jsonl
from codetune.console import log
from codetune.errors import CodetuneError
from codetune.problems.formats import detect
from codetune.problems.loaders import load_problems, parse_row
from codetune.problems.model import Problem
from codetune.problems.timing import TimeLimitConfig, with_time_limits

KNOWN_COLUMNS = {"problem", "task_id", "prompt", "tests", "entry_point", "setup", "code_prefix",
                 "reference", "solution", "canonical_solution", "chat_prompt", "stop"}
PROGRAM_INSTRUCTION = ("\n\nWrite a Python 3 program that reads the input from standard input "
                       "and writes the answer to standard output.\n")
CHAT_PROGRAM_INSTRUCTION = PROGRAM_INSTRUCTION.strip() + " Answer with the whole program in a " \
    "```python code block."
CHAT_FUNCTION_INSTRUCTION = ("Complete the following Python function. Answer with the whole "
                             "function in a ```python code block.\n```python\n{prompt}```")


@dataclass
class TaskSetConfig:
    """Which prompts the policy practises on."""

    source: str = field(default="mbpp", metadata={
        "help": "mbpp (train split 601-974 from the shared data dir), or a path: a JSONL file, an "
                "HF dataset dir (save_to_disk), or a `codetune data tasks` output dir."})
    split: str = field(default="train", metadata={
        "help": "mbpp: train/validation/...; HF DatasetDict: split name; tasks dir: part name "
                "(default rl_train)."})
    prompt_format: str = field(default="completion", metadata={
        "help": "completion: the policy continues the prompt text (base/SFT models); chat: a user "
                "message through the tokenizer's chat template."})
    limit: int = field(default=0, metadata={"help": "keep the first N tasks (0 = all)."})
    format: str = field(default="auto", metadata={
        "help": "auto (from the first row's keys), tasks (prompt + tests), or a problem format: "
                "codecontests, apps, taco, livecodebench, jsonl (prompt + cases); a source that "
                "is not a path is a hub dataset id (hf:deepmind/code_contests)."})
    max_cases: int = field(default=0, metadata={
        "help": "problems with cases: keep the first N cases of each (0 = all; DeepCoder: 15)."})
    decontaminate: list[str] = field(default_factory=lambda: ["humaneval", "humaneval-x"],
                                     metadata={
        "help": "Benchmarks no practice task may share a 10-word n-gram with (its prompt or "
                "tests): humaneval, humaneval-x, mbpp, multipl-e or module:function; "
                "[] turns it off. MBPP is not a default: its train split is a task set."})
    time_limit: TimeLimitConfig = field(default_factory=TimeLimitConfig, metadata={
        "help": "per-case time limits of problems with cases (fixed, or calibrated on the "
                "reference solution in this sandbox)."})


def _mbpp_rows(cfg: TaskSetConfig) -> list[dict[str, Any]]:
    from codetune.eval.benchmark_catalog import load_tasks

    tasks = load_tasks("mbpp", {"split": cfg.split, "few_shot": 0})
    rows = []
    for t in tasks:
        chat = cfg.prompt_format == "chat"
        rows.append({"task_id": t.task_id, "prompt": t.chat_prompt if chat else t.prompt,
                     "tests": list(t.tests), "setup": t.setup, "code_prefix": "",
                     "entry_point": t.entry_point or "",
                     "reference": t.canonical_solution, "stop": list(t.stop)})
    return rows


def _file_rows(path: Path, cfg: TaskSetConfig) -> list[dict[str, Any]]:
    if path.is_dir() and (path / "rl_train.jsonl").exists():  # a `codetune data tasks` dir
        part = "rl_train" if cfg.split == "train" else cfg.split
        path = path / f"{part}.jsonl"
    if path.is_file():
        return list(read_jsonl(path))
    if path.is_dir():
        from datasets import DatasetDict, load_from_disk

        ds = load_from_disk(str(path))
        if isinstance(ds, DatasetDict):
            if cfg.split not in ds:
                raise CodetuneError(f"{path}: no split {cfg.split!r} (has {', '.join(ds)}); set "
                                    "tasks.split")
            ds = ds[cfg.split]
        return list(ds)
    raise CodetuneError(f"{path}: task set not found (give mbpp, a JSONL file or a dataset dir)")


def normalise_row(row: dict[str, Any], i: int, where: str, prompt_format: str) -> dict[str, Any]:
    """A row with the columns rewards read; errors name the row."""
    for key in ("prompt", "tests"):
        if key not in row:
            raise CodetuneError(f"{where} row {i + 1}: missing column {key!r} (needs prompt and "
                                "tests)")
    tests = row["tests"]
    if not (isinstance(tests, str) or (isinstance(tests, list) and
                                       all(isinstance(t, str) for t in tests))):
        raise CodetuneError(f"{where} row {i + 1}: 'tests' must be assert lines or a program")
    prompt = row["prompt"]
    prefix = row.get("code_prefix", prompt if isinstance(prompt, str) else "")
    if prompt_format == "chat" and isinstance(prompt, str):
        text = row.get("chat_prompt") or (CHAT_FUNCTION_INSTRUCTION.format(prompt=prompt)
                                          if prefix else prompt)
        prompt, prefix = [{"role": "user", "content": text}], ""
    extra = {k: v for k, v in row.items() if k not in KNOWN_COLUMNS}  # for custom rewards
    return {**extra, "task_id": str(row.get("task_id", i)), "prompt": prompt, "tests": tests,
            "entry_point": row.get("entry_point") or "",
            "setup": row.get("setup") or "", "code_prefix": prefix or "",
            "reference": row.get("reference") or row.get("solution") or
            row.get("canonical_solution") or ""}


def problem_prompt(problem: Problem, prompt_format: str) -> str | list[dict[str, str]]:
    """What the policy sees for a problem with cases: its statement and what to write."""
    if problem.kind == "call":
        ask = f"\n\nWrite a Python 3 function {problem.entry_point}() that solves it."
        ask_chat = ask.strip() + " Answer with the whole code in a ```python code block."
    else:
        ask, ask_chat = PROGRAM_INSTRUCTION, CHAT_PROGRAM_INSTRUCTION
    if prompt_format == "chat":
        return [{"role": "user", "content": problem.prompt.rstrip() + "\n\n" + ask_chat}]
    return problem.prompt.rstrip() + ask + "```python\n" + problem.code_prefix


def problem_row(problem: Problem, prompt_format: str) -> dict[str, Any]:
    """A problem as a task row: the ``problem`` column (JSON) is what the execution reward
    judges with; the other reward columns are empty so every row has the same types."""
    packed = problem.to_dict()
    packed.update(prompt="", reference="", where="")
    return {"task_id": problem.id, "prompt": problem_prompt(problem, prompt_format),
            "tests": [], "entry_point": problem.entry_point or "", "setup": "",
            "code_prefix": "", "problem": json.dumps(packed), "reference": problem.reference}


def _is_problem_set(cfg: TaskSetConfig, path: Path) -> bool:
    if cfg.format != "auto":
        return cfg.format != "tasks"
    if not path.is_file():
        return False
    first = next(iter(read_jsonl(path)), {}) if path.suffix != ".json" else {}
    kind = detect(first) if isinstance(first, dict) else None
    return kind is not None and (kind != "jsonl" or "cases" in first)


def _problem_rows(cfg: TaskSetConfig, pool: Any = None) -> list[dict[str, Any]]:
    path = Path(cfg.source).expanduser()
    if path.is_dir():
        fmt = "auto" if cfg.format in ("auto", "tasks") else cfg.format
        problems = [parse_row(r, f"{path} row {i + 1}", i, fmt)
                    for i, r in enumerate(_file_rows(path, cfg))]
    else:
        problems = load_problems(cfg.source, "auto" if cfg.format == "tasks" else cfg.format,
                                 split=cfg.split, limit=cfg.limit, max_cases=cfg.max_cases)
    if cfg.max_cases:
        for p in problems:
            p.cases = p.cases[:cfg.max_cases]
    problems = with_time_limits(problems[:cfg.limit or None], cfg.time_limit, pool)
    return [problem_row(p, cfg.prompt_format) for p in problems]


def load_task_rows(cfg: TaskSetConfig, pool: Any = None) -> list[dict[str, Any]]:
    """The task set as rows with ``prompt, tests, entry_point, setup, code_prefix, reference``
    (and ``problem`` for problems judged by cases); ``pool`` measures calibrated limits."""
    if cfg.prompt_format not in ("completion", "chat"):
        raise CodetuneError(f"tasks.prompt_format {cfg.prompt_format!r}: use completion or chat")
    source = Path(cfg.source).expanduser()
    if cfg.source != "mbpp" and (_is_problem_set(cfg, source) or (
            not source.exists() and "/" in cfg.source and cfg.format != "tasks")):
        rows = _problem_rows(cfg, pool)
    elif cfg.source == "mbpp":
        raw = _mbpp_rows(cfg)
        if cfg.prompt_format == "chat":
            for r in raw:
                r["prompt"] = [{"role": "user", "content": r["prompt"]}]
        rows = raw
    else:
        path = Path(cfg.source).expanduser()
        rows = [normalise_row(r, i, str(path), cfg.prompt_format)
                for i, r in enumerate(_file_rows(path, cfg))]
    rows = decontaminated(rows, cfg.decontaminate, cfg.source)
    if cfg.limit:
        rows = rows[:cfg.limit]
    if not rows:
        raise CodetuneError(f"task set {cfg.source!r} has no rows")
    return rows


@functools.cache
def _decontaminator(benchmarks: tuple[str, ...]):
    from codetune.data.decontaminate import Decontaminate

    return Decontaminate(benchmarks=benchmarks)


def _row_text(row: dict[str, Any]) -> str:
    prompt = row.get("prompt")
    if isinstance(prompt, list):  # chat messages
        prompt = "\n".join(str(m.get("content", "")) for m in prompt if isinstance(m, dict))
    tests = row.get("tests")
    tests = "\n".join(map(str, tests)) if isinstance(tests, list) else str(tests or "")
    # The problem is its statement and tests; a reference's generic loops (three nested index
    # loops: MBPP 601 and 747 ~ HumanEval/147) prove no leak.
    return "\n".join([str(prompt or ""), tests])


def decontaminated(rows: list[dict[str, Any]], benchmarks: list[str], source: str
                   ) -> list[dict[str, Any]]:
    """``rows`` without the tasks that share an n-gram with ``benchmarks`` (a warning names how
    many and the first); a policy must not practise on what it is evaluated on."""
    if not benchmarks:
        return rows
    step = _decontaminator(tuple(benchmarks))
    kept, dropped = [], []
    for row in rows:
        matched = step.matched_items(_row_text(row))
        (dropped if matched else kept).append((row, matched))
    if dropped:
        row, matched = dropped[0]
        log.warning("task set %s: %d of %d tasks share text with %s and were dropped (first: "
                    "%s ~ %s)", source, len(dropped), len(rows), ", ".join(benchmarks),
                    row.get("task_id", "row 0"), matched[0])
        if not kept:
            raise CodetuneError(f"task set {source!r}: every task shares text with "
                                f"{', '.join(benchmarks)}; set tasks.decontaminate=[] only if "
                                "that is intended")
    return [r for r, _ in kept]


def task_dataset(cfg: TaskSetConfig, pool: Any = None):
    """The rows as a ``datasets.Dataset`` (what TRL trainers take)."""
    from datasets import Dataset

    rows = load_task_rows(cfg, pool)
    drop = ("reference", "stop")  # the policy never sees references
    return Dataset.from_list([{k: v for k, v in r.items() if k not in drop} for r in rows])
