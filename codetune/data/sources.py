"""Corpus sources: local trees, git checkouts, JSONL/Parquet files, HF datasets, the stdlib.

``kind`` picks one (``make_source``); ``kind`` may also name a user's source as
``package.module:function`` taking the ``SourceConfig`` and yielding records. The record shape and
the ``Source`` base live in ``codetune.data.source_base``.
"""

from __future__ import annotations

import os
import subprocess
import sysconfig
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from codetune.data.source_base import LANGUAGE_BY_EXT, Source, SourceConfig, language_of
from codetune.data.source_tables import HFSource, TableSource
from codetune.errors import CodetuneError
from codetune.plugins import import_object

__all__ = ["LANGUAGE_BY_EXT", "DirSource", "FunctionSource", "GitSource", "Source",
           "SourceConfig", "StdlibSource", "language_of", "make_source"]


class DirSource(Source):
    """Files under a local folder matching ``include`` globs."""

    def root(self) -> Path:
        root = Path(self.cfg.path).expanduser()
        if not self.cfg.path or not root.is_dir():
            raise CodetuneError(f"source {self.cfg.label!r}: {self.cfg.path!r} is not a folder")
        return root

    def files(self) -> list[tuple[str, Path]]:
        root = self.root()
        out = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames
                                 if not d.startswith(".") and d != "__pycache__")
            for fn in filenames:
                path = Path(dirpath) / fn
                rel = path.relative_to(root).as_posix()
                if path.is_file() and self._wanted(rel):
                    out.append((rel, path))
        return sorted(out)


class GitSource(DirSource):
    """Tracked files of a git checkout (``git ls-files``), so build outputs are left out."""

    def files(self) -> list[tuple[str, Path]]:
        root = self.root()
        try:
            out = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], check=True,
                                 capture_output=True, timeout=120).stdout
        except (subprocess.CalledProcessError, FileNotFoundError) as exc:
            raise CodetuneError(f"source {self.cfg.label!r}: {root} is not a git checkout "
                                f"({getattr(exc, 'stderr', b'') or exc!s})") from None
        rels = sorted(r for r in out.decode("utf-8", "replace").split("\0") if r)
        return [(r, root / r) for r in rels if self._wanted(r) and (root / r).is_file()]


class StdlibSource(Source):
    """The running interpreter's standard library (and optionally site-packages)."""

    def files(self) -> list[tuple[str, Path]]:
        from codetune.data.source_base import stdlib_python_files

        roots = [Path(sysconfig.get_paths()[k]) for k in ("stdlib", "purelib")]
        out = []
        for path in stdlib_python_files(include_tests=self.cfg.include_tests,
                                        include_site_packages=self.cfg.include_site_packages):
            root = roots[1] if path.is_relative_to(roots[1]) else roots[0]
            rel = path.relative_to(root).as_posix()
            if self._wanted(rel):
                out.append((rel, path))
        return out


def _resolve_kind(kind: str) -> Callable[[SourceConfig], Source] | None:

    kinds: dict[str, Callable[[SourceConfig], Source]] = {
        "dir": DirSource, "git": GitSource, "stdlib": StdlibSource,
        "jsonl": TableSource, "parquet": TableSource, "hf": HFSource}
    return kinds.get(kind)


class FunctionSource(Source):
    """A user's ``package.module:function(cfg)`` yielding records (ids default to row numbers)."""

    def records(self) -> Iterator[dict]:
        fn = import_object(self.cfg.kind, "source kind")
        for i, row in enumerate(fn(self.cfg)):
            rel = str(row.get("path") or i)
            yield self.record(rel, str(row["text"]), str(row.get("language") or ""))

    def fingerprint(self) -> list[Any]:
        return [self.cfg.kind]


def make_source(cfg: SourceConfig) -> Source:
    """The source for a config; an unknown ``kind`` names the valid ones."""
    if ":" in cfg.kind:
        return FunctionSource(cfg)
    factory = _resolve_kind(cfg.kind)
    if factory is None:
        raise CodetuneError(f"source kind {cfg.kind!r}: use dir, git, jsonl, parquet, hf, stdlib "
                            "or package.module:function")
    return factory(cfg)
