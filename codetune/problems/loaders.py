"""Load problem sets from files (JSONL / JSON / .gz) or, with network, the Hugging Face hub.

``load_problems("code_contests.jsonl")`` detects the format from the first row's keys
(``codetune.problems.formats``); ``fmt`` forces one. A source that is not a file is a hub
dataset id (``deepmind/code_contests``, ``codeparrot/apps``, ``BAAI/TACO``,
``livecodebench/code_generation_lite``), optionally ``hf:``-prefixed. Every bad row is a one-line
error naming the file, the line and the field.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codetune.errors import CodetuneError
from codetune.problems import formats
from codetune.problems.model import Problem

FORMATS = ("auto", *formats.PARSERS)


def _rows_from_file(path: Path) -> Iterator[tuple[str, Any]]:
    """(``file:line``, parsed row) for a JSONL file, or (``file:item N``) for a JSON list."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        if path.name.endswith((".json", ".json.gz")):
            try:
                data = json.load(fh)
            except json.JSONDecodeError as exc:
                raise CodetuneError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
            if not isinstance(data, list):
                raise CodetuneError(f"{path}: a JSON problem file holds a list of problems")
            yield from ((f"{path}: item {i + 1}", row) for i, row in enumerate(data))
            return
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield f"{path}:{lineno}", json.loads(line)
            except json.JSONDecodeError as exc:
                raise CodetuneError(f"{path}:{lineno}: not valid JSON ({exc.msg}); fix or remove "
                                    "that line") from None


def _rows_from_hub(name: str, split: str) -> Iterator[tuple[str, Any]]:
    offline = any(os.environ.get(k, "").lower() in ("1", "true", "yes", "on")
                  for k in ("CODETUNE_OFFLINE", "HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"))
    if offline:
        raise CodetuneError(f"problem set {name!r}: not a file here and the hub is offline "
                            "(HF_HUB_OFFLINE/CODETUNE_OFFLINE); give a local JSONL/JSON file")
    from datasets import load_dataset

    try:
        ds = load_dataset(name, split=split)
    except Exception as exc:  # the hub's errors are many and its own
        raise CodetuneError(f"problem set {name!r} (split {split!r}): cannot load from the hub "
                            f"({type(exc).__name__}: {str(exc)[:160]}); give a local file") \
            from None
    yield from ((f"{name}[{split}] row {i}", dict(row)) for i, row in enumerate(ds))


def parse_row(row: Any, where: str, index: int, fmt: str = "auto") -> Problem:
    """One row as a checked ``Problem``; errors name ``where`` and the field."""
    if not isinstance(row, dict):
        raise CodetuneError(f"{where}: expected a JSON object (one problem per line)")
    name = fmt if fmt != "auto" else formats.detect(row)
    if name is None:
        raise CodetuneError(f"{where}: unknown problem format (keys: "
                            f"{', '.join(sorted(row)[:8])}); give a known one "
                            f"({', '.join(formats.PARSERS)}) or set the format explicitly")
    if name not in formats.PARSERS:
        raise CodetuneError(f"format {name!r}: unknown; use one of {', '.join(FORMATS)}")
    try:
        problem = formats.PARSERS[name](row, index)
    except formats.RowError as exc:
        raise CodetuneError(f"{where}: field {exc.field!r}: {exc}") from None
    problem.where = where
    return problem.check()


def load_problems(source: str | os.PathLike, fmt: str = "auto", split: str = "test",
                  limit: int = 0, max_cases: int = 0) -> list[Problem]:
    """Problems from a file or a hub dataset; ``max_cases`` keeps each problem's first N cases
    (0 = all; RL kits cap them, DeepCoder at 15)."""
    if fmt not in FORMATS:
        raise CodetuneError(f"format {fmt!r}: unknown; use one of {', '.join(FORMATS)}")
    text = str(source)
    path = Path(text.removeprefix("file:")).expanduser()
    if path.is_file():
        rows = _rows_from_file(path)
    elif text.startswith("hf:") or ("/" in text and not path.exists() and
                                    not text.startswith((".", "/", "~"))):
        rows = _rows_from_hub(text.removeprefix("hf:"), split)
    else:
        raise CodetuneError(f"problem set {text!r}: no such file (give a JSONL/JSON file or "
                            "a hub dataset id such as hf:deepmind/code_contests)")
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for index, (where, row) in enumerate(rows):
        problem = parse_row(row, where, index, fmt)
        if max_cases and len(problem.cases) > max_cases:
            problem.cases = problem.cases[:max_cases]
        if problem.id in seen:
            raise CodetuneError(f"{where}: field 'id': {problem.id!r} already used at "
                                f"{seen[problem.id]}")
        seen[problem.id] = where
        problems.append(problem)
        if limit and len(problems) >= limit:
            break
    if not problems:
        raise CodetuneError(f"problem set {text!r} has no problems")
    return problems
