"""Samples (one model output per row) and reading sample files from any model or harness.

A row is one of (the first field present wins, in this order):

* evalplus: ``task_id, solution`` -- the full program;
* human-eval: ``task_id, completion`` -- appended to the task's code prefix (the prompt);
* raw: ``task_id, raw`` -- a model's whole answer, extracted and assembled exactly as
  ``eval run --prompt-format chat`` does (``codetune.code.assemble``); an optional
  ``finish_reason`` (``stop``/``length``, as the OpenAI and vLLM APIs report it) lets a tail cut
  by the token limit be dropped.

Bad rows are errors that name ``file:line``, or, with ``on_bad_sample="skip"``, counted skips.
"""

from __future__ import annotations

import difflib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from codetune.code.assemble import FINISH_REASONS
from codetune.code.sanitize import sanitize
from codetune.errors import CodetuneError
from codetune.eval.benchmark_registry import Task
from codetune.problems.program import program_for

SOURCES = ("auto", "raw")  # which field a row is graded from: the first present, or raw only
RAW_FORMATS = ("chat", "base")


@dataclass
class Sample:
    task_id: str
    completion_id: int
    completion: str  # human-eval field: appended to the task's code prefix
    program: str  # what runs in the sandbox
    raw: str | None = None  # the model's raw output, when known
    finish_reason: str | None = None  # stop | length | unknown, for generated/raw samples
    truncated: bool = False  # a tail cut off by max_new_tokens was dropped
    new_tokens: int | None = None  # generated tokens, when we generated it

    def row(self) -> dict:
        out = {"task_id": self.task_id, "completion": self.completion,
               "completion_id": self.completion_id, "solution": self.program}
        if self.raw is not None:
            out["raw"] = self.raw
        if self.finish_reason is not None:
            out["finish_reason"] = self.finish_reason
            out["truncated"] = self.truncated
        if self.new_tokens is not None:
            out["new_tokens"] = self.new_tokens
        return out


def sample_from_output(task: Task, completion_id: int, text: str, mode: str = "chat",
                       finish_reason: str = "unknown", do_sanitize: bool = True,
                       new_tokens: int | None = None) -> Sample:
    """A model's raw output for ``task`` assembled into the program the judge runs."""
    out = program_for(task.problem(), text, mode, finish_reason, do_sanitize, task.stop)
    return Sample(task.task_id, completion_id, out.completion, out.program, raw=text,
                  finish_reason=finish_reason, truncated=out.truncated, new_tokens=new_tokens)


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


def _check_row(row: dict, tasks: dict[str, Task], where: str, source: str
               ) -> tuple[str, str] | None:
    """None when usable, else (reason, message)."""
    task_id = row.get("task_id")
    if task_id is None:
        return "missing task_id", f"{where}: no 'task_id'"
    if str(task_id) not in tasks:
        near = difflib.get_close_matches(str(task_id), list(tasks), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        return "unknown task_id", f"{where}: unknown task id {task_id!r} for this benchmark{hint}"
    fields = ("raw",) if source == "raw" else ("solution", "completion", "raw")
    if not any(isinstance(row.get(f), str) for f in fields):
        return ("missing completion",
                f"{where}: no {' / '.join(repr(f) for f in fields)} string for task {task_id!r}")
    reason = row.get("finish_reason")
    if reason is not None and reason not in FINISH_REASONS:
        return ("bad finish_reason", f"{where}: finish_reason {reason!r} is not one of "
                f"{', '.join(FINISH_REASONS)}")
    return None


def read_samples(path: str | os.PathLike, tasks: list[Task], on_bad_sample: str = "error",
                 do_sanitize: bool = False, source: str = "auto",
                 raw_format: str = "chat") -> SampleFile:
    """Samples in ``path`` for ``tasks``; completion ids count per task in file order.

    ``source="raw"`` grades every row from its ``raw`` answer (re-grading an ``eval run``);
    raw answers are always sanitised, as ``eval run`` does; ``do_sanitize`` is for the others.
    """
    if on_bad_sample not in ("error", "skip"):
        raise CodetuneError(f"on_bad_sample: {on_bad_sample!r} is not 'error' or 'skip'")
    if source not in SOURCES:
        raise CodetuneError(f"source: {source!r} is not one of {', '.join(SOURCES)}")
    if raw_format not in RAW_FORMATS:
        raise CodetuneError(f"raw_format: {raw_format!r} is not one of {', '.join(RAW_FORMATS)}")
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
            for row in multipl_e_rows(_parse_line(line, where)):
                problem = _check_row(row, by_id, where, source)
                if problem:
                    if on_bad_sample == "error":
                        raise CodetuneError(problem[1] + " (or pass --skip-bad-samples to count "
                                            "and skip such rows)")
                    out.skipped[problem[0]] += 1
                    out.first_skip.setdefault(problem[0], where)
                    continue
                task = by_id[str(row["task_id"])]
                cid = next_id[task.task_id]
                next_id[task.task_id] += 1
                out.samples.append(_sample_from_row(row, task, cid, do_sanitize, source,
                                                    raw_format))
    if not out.samples:
        raise CodetuneError(f"{path}: no usable samples (skipped: {dict(out.skipped) or 'none'})")
    return out


def multipl_e_rows(row: dict) -> list[dict]:
    """MultiPL-E's completion format (one row per problem: ``name``, ``completions`` list, as its
    ``completions.json`` files hold) as one row per completion; any other row as itself."""
    if "task_id" in row or not isinstance(row.get("completions"), list) or "name" not in row:
        return [row]
    return [{"task_id": row["name"], "completion": c} for c in row["completions"]]


def _sample_from_row(row: dict, task: Task, cid: int, do_sanitize: bool, source: str,
                     raw_format: str) -> Sample:
    completion = row.get("completion")
    if source == "auto" and isinstance(row.get("solution"), str):
        program = row["solution"]
        completion = completion if isinstance(completion, str) else program
    elif source == "auto" and isinstance(completion, str):
        if task.language != "python" and task.stop:  # MultiPL-E: cut at the stop tokens
            from codetune.code.extraction import cut_at_stop

            completion = cut_at_stop(completion, task.stop)
        program = task.code_prefix + completion
    else:
        return sample_from_output(task, cid, row["raw"], raw_format,
                                  row.get("finish_reason") or "unknown", True)
    if do_sanitize:
        program = sanitize(program, [n for n in (task.entry_point, *task.referenced_names())
                                     if n]) or program
    return Sample(task.task_id, cid, completion, program)
