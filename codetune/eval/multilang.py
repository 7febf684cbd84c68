"""MultiPL-E and HumanEval-X: HumanEval in other languages, judged as their harnesses do.

A program is ``prompt + completion + tests`` (MultiPL-E) or ``prompt + completion + test``
(HumanEval-X); it passes when it runs to its end with no failed assertion (the sandbox's
completion marker, docs/sandbox.md "Other languages"), never on its exit code alone.

* ``multipl-e-<lang>`` (cpp, java, js, ts, go, rs, sh): base-model continuation of ``prompt``,
  cut at the task's own ``stop_tokens``; no reference solutions ship with MultiPL-E. Its licence
  forbids training on it: **evaluation only** (codetune's decontamination lists it).
* ``humaneval-x-<lang>`` (cpp, java, js, go, rust): CodeGeeX's release, with canonical
  solutions. Go programs start with ``test_setup`` (``package main`` and testify, from Debian's
  golang-github-stretchr-testify-dev); the Rust declarations' ``use rand/regex/md5`` lines are
  dropped (the sandbox has no crates.io), so solutions that need those crates fail as published.
"""

from __future__ import annotations

import re
from typing import Any

from codetune.artifacts import read_jsonl
from codetune.benchmark_data import benchmark_file
from codetune.errors import CodetuneError
from codetune.eval.benchmark_registry import Task, register_benchmark

# MultiPL-E's file suffix -> codetune language; HumanEval-X's folder -> codetune language.
MULTIPL_E = {"cpp": "cpp", "java": "java", "js": "javascript", "ts": "typescript",
             "go": "go", "rs": "rust", "sh": "bash"}
HUMANEVAL_X = {"cpp": "cpp", "java": "java", "js": "javascript", "go": "go", "rust": "rust"}
_CRATES = re.compile(r"^\s*use\s+(?:rand|regex|md5)\b[^;]*;\s*$", re.MULTILINE)
CHAT_INSTRUCTION = ("Complete the following {language} code. Answer with the whole program in "
                    "a markdown code block:\n```{tag}\n{prompt}\n```")


def _options(options: dict[str, Any], bench: str) -> str | None:
    extra = set(options) - {"path"}
    if extra:
        raise CodetuneError(f"benchmark {bench}: unknown option(s) {', '.join(sorted(extra))} "
                            "(allowed: path)")
    return options.get("path")


def load_multipl_e(suffix: str, options: dict[str, Any]) -> list[Task]:
    """MultiPL-E HumanEval in one language (``humaneval-<suffix>.jsonl.gz``)."""
    bench = f"multipl-e-{suffix}"
    path = _options(options, bench) or benchmark_file(f"multipl-e/humaneval-{suffix}.jsonl.gz")
    language = MULTIPL_E[suffix]
    tasks = []
    for row in read_jsonl(path):
        stops = row.get("stop_tokens") or []
        if isinstance(stops, str):  # some releases store the list's repr
            stops = re.findall(r"'((?:\\.|[^'\\])*)'", stops)
            stops = [s.encode().decode("unicode_escape") for s in stops]
        tasks.append(Task(
            task_id=str(row.get("name") or row["task_id"]), prompt=row["prompt"],
            tests=row["tests"], code_prefix=row["prompt"], stop=list(stops),
            chat_prompt=CHAT_INSTRUCTION.format(language=language, tag=suffix,
                                                prompt=row["prompt"].strip()),
            language=language))
    return tasks


def load_humaneval_x(folder: str, options: dict[str, Any]) -> list[Task]:
    """HumanEval-X in one language (``humaneval_<folder>.jsonl.gz``), with canonical solutions."""
    bench = f"humaneval-x-{folder}"
    path = _options(options, bench) or benchmark_file(f"humaneval-x/humaneval_{folder}.jsonl.gz")
    language = HUMANEVAL_X[folder]
    tasks = []
    for row in read_jsonl(path):
        prefix = humaneval_x_prefix(row, folder)
        tasks.append(Task(
            task_id=row["task_id"], prompt=prefix, tests=row["test"], code_prefix=prefix,
            canonical_solution=prefix + row["canonical_solution"],
            chat_prompt=CHAT_INSTRUCTION.format(language=language, tag=folder,
                                                prompt=prefix.strip()),
            stop=["\n}\n"] if folder != "go" else ["\n}\n"], language=language))
    return tasks


def humaneval_x_prefix(row: dict[str, Any], folder: str) -> str:
    """What a completion continues: the prompt (Go: after ``test_setup``; Rust: the docstring
    and the declaration, without the crates the sandbox does not have)."""
    if folder == "go":
        return f"{row.get('test_setup', '')}\n{row['prompt']}"
    if folder == "rust":
        return row["prompt"] + _CRATES.sub("", row["declaration"])
    return row["prompt"]


for _suffix in MULTIPL_E:
    register_benchmark(f"multipl-e-{_suffix}")(
        lambda options, _s=_suffix: load_multipl_e(_s, options))
for _folder in HUMANEVAL_X:
    register_benchmark(f"humaneval-x-{_folder}")(
        lambda options, _f=_folder: load_humaneval_x(_f, options))
