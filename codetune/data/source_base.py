"""What a corpus source is: its config, the ``Source`` base (file walking, binary sniffing,
include/exclude globs, fingerprints) and the language of a path. Kinds: ``sources.py`` (trees,
git, the stdlib, plug-ins) and ``source_tables.py`` (JSONL/Parquet, HF datasets).

Each source yields records ``{"id", "path", "source", "language", "text", "size_bytes"}``,
counts what it read and skipped (binary, undecodable, unreadable), and gives a fingerprint of
its inputs (paths, sizes, mtimes) for cache reuse. ``kind`` may also name a user's source as
``package.module:function`` taking the ``SourceConfig`` and yielding such records.
"""

from __future__ import annotations

import fnmatch
import os
import sysconfig
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LANGUAGE_BY_EXT = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".mjs": "javascript",
    ".cjs": "javascript", ".jsx": "javascript", ".ts": "typescript", ".java": "java",
    ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp",
    ".hh": "cpp", ".go": "go", ".rs": "rust", ".rb": "ruby", ".sh": "shell",
}
_SNIFF_BYTES = 8192


@dataclass
class SourceConfig:
    """One input of a recipe."""

    kind: str = field(default="dir", metadata={
        "help": "dir | git | jsonl | parquet | hf | stdlib, or package.module:function."})
    path: str = field(default="", metadata={
        "help": "Folder (dir/git), file or glob (jsonl/parquet), dataset dir or hub name (hf)."})
    name: str = field(default="", metadata={"help": "Label in ids and the report (default: kind)."})
    include: list[str] = field(default_factory=lambda: ["**/*.py"], metadata={
        "help": "Glob patterns (relative paths) of files to read, for dir and git."})
    exclude: list[str] = field(default_factory=list, metadata={
        "help": "Glob patterns of files to skip, e.g. '**/test/**'."})
    languages: list[str] = field(default_factory=list, metadata={
        "help": "Keep only these languages (by file extension); empty keeps all."})
    text_field: str = field(default="content", metadata={
        "help": "Column with the file text (jsonl/parquet/hf)."})
    path_field: str = field(default="path", metadata={
        "help": "Column with the file path (jsonl/parquet/hf); row number when absent."})
    language_field: str = field(default="", metadata={
        "help": "Column with the language; empty: guessed from the path's extension."})
    split: str = field(default="train", metadata={"help": "Split of an HF dataset."})
    streaming: bool = field(default=False, metadata={
        "help": "Stream an HF hub dataset instead of downloading it whole."})
    include_tests: bool = field(default=False, metadata={
        "help": "stdlib: also read test packages (test/, idle_test/, tests/)."})
    include_site_packages: bool = field(default=False, metadata={
        "help": "stdlib: also read the interpreter's site-packages."})
    max_files: int = field(default=0, metadata={"help": "Read at most this many files (0: all)."})
    max_read_bytes: int = field(default=10_000_000, metadata={
        "help": "Files larger than this are skipped unread (bytes)."})

    @property
    def label(self) -> str:
        return self.name or (self.kind if ":" not in self.kind else self.kind.split(":")[-1])


def language_of(path: str) -> str:
    return LANGUAGE_BY_EXT.get(os.path.splitext(path)[1].lower(), "unknown")


def _matches(rel: str, patterns: list[str]) -> bool:
    # "**/" also matches at the top level, as users expect from globs.
    return any(fnmatch.fnmatchcase(rel, p) or
               (p.startswith("**/") and fnmatch.fnmatchcase(rel, p[3:])) for p in patterns)


class Source:
    """Base: turns a ``SourceConfig`` into records and counts skips in ``stats``."""

    def __init__(self, cfg: SourceConfig) -> None:
        self.cfg = cfg
        self.stats: Counter = Counter()

    def files(self) -> list[tuple[str, Path]]:
        """(relative path, absolute path) of the files to read, sorted."""
        return []

    def fingerprint(self) -> list[Any]:
        out = []
        for rel, path in self.files():
            try:
                st = path.stat()
                out.append([rel, st.st_size, st.st_mtime_ns])
            except OSError:
                out.append([rel, None, None])
        return out

    def _wanted(self, rel: str) -> bool:
        c = self.cfg
        if not _matches(rel, c.include) or (c.exclude and _matches(rel, c.exclude)):
            return False
        return not c.languages or language_of(rel) in c.languages

    def records(self) -> Iterator[dict]:
        files = self.files()
        if self.cfg.max_files:
            files = files[: self.cfg.max_files]
        for rel, path in files:
            text = self._read(path)
            if text is not None:
                yield self.record(rel, text)

    def record(self, rel: str, text: str, language: str = "") -> dict:
        self.stats["read"] += 1
        return {"id": f"{self.cfg.label}:{rel}", "path": rel, "source": self.cfg.label,
                "language": language or language_of(rel), "text": text,
                "size_bytes": len(text.encode("utf-8", "surrogatepass"))}

    def _read(self, path: Path) -> str | None:
        """UTF-8 text of ``path``, or None (counted) when binary, undecodable or unreadable."""
        try:
            if path.stat().st_size > self.cfg.max_read_bytes:
                self.stats["skipped:too_large_to_read"] += 1
                return None
            data = path.read_bytes()
        except OSError:
            self.stats["skipped:unreadable"] += 1
            return None
        if b"\0" in data[:_SNIFF_BYTES]:
            self.stats["skipped:binary"] += 1
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.stats["skipped:undecodable"] += 1
            return None


def stdlib_python_files(include_tests: bool = False, include_site_packages: bool = False,
                        ) -> list[Path]:
    """The running interpreter's standard-library ``.py`` files (real code on every machine)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    roots = [stdlib]
    if include_site_packages:
        roots.append(Path(sysconfig.get_paths()["purelib"]))
    files: list[Path] = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root).parts
            if root == stdlib and rel and rel[0] == "site-packages":
                continue
            if not include_tests and any(p in ("test", "tests", "idle_test") for p in rel):
                continue
            files.append(path)
    return files


def read_texts(paths: Iterable[str | os.PathLike]) -> Iterator[str]:
    """Yield the UTF-8 text of each file, skipping undecodable ones (tokenizers rejects them)."""
    for path in paths:
        try:
            yield Path(path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
