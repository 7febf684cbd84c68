"""The shell commands of README.md and docs/*.md, as argument lists (for tests/test_docs.py).

Every fenced block tagged bash/sh/shell or untagged is read; ``\\``-continued lines are joined,
``#`` comments dropped, ``;`` splits commands, a leading ``$ `` prompt is removed, and
``accelerate launch ... -m codetune.cli ARGS`` counts as ``codetune ARGS``. Schematic commands
(a ``...`` argument, dropped; multi-GPU launches) are parsed but never run.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from codetune.paths import REPO_ROOT

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
SHELL_TAGS = ("bash", "sh", "shell", "console", "")


@dataclass(frozen=True)
class DocCommand:
    source: str  # file:line
    args: list[str]  # after "codetune"
    schematic: bool
    line: str = ""  # the whole shell line, continuation lines joined

    def __str__(self) -> str:
        return f"{self.source}: codetune {shlex.join(self.args)}"


def doc_files() -> list[Path]:
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]


def doc_commands(files: list[Path] | None = None) -> list[DocCommand]:
    out = []
    for path in files or doc_files():
        text = path.read_text(encoding="utf-8")
        for block in FENCE.finditer(text):
            if block.group(1) not in SHELL_TAGS:
                continue
            first = text.count("\n", 0, block.start(2)) + 1
            out += _block_commands(block.group(2), f"{path.relative_to(REPO_ROOT)}", first)
    return out


def _block_commands(body: str, name: str, first_line: int) -> list[DocCommand]:
    commands, pending, start = [], "", first_line
    for offset, line in enumerate(body.splitlines()):
        if not pending:
            start = first_line + offset
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        full, pending = pending + line, ""
        for part in full.split(" ; "):
            cmd = _codetune_args(part)
            if cmd is not None:
                args = [a for a in cmd if a != "..."]
                schematic = len(args) != len(cmd) or part.strip().startswith("accelerate")
                commands.append(DocCommand(f"{name}:{start}", args, schematic, part.strip()))
    return commands


def _codetune_args(line: str) -> list[str] | None:
    line = line.strip()
    if line.startswith("$ "):
        line = line[2:]
    try:
        words = shlex.split(line, comments=True)
    except ValueError:
        return None
    if words[:1] == ["codetune"]:
        return words[1:]
    if words[:2] == ["accelerate", "launch"]:
        for name in ("codetune.cli", "codetune"):  # a bare `codetune` is caught by the tests
            if name in words:
                return words[words.index(name) + 1:]
    return None
