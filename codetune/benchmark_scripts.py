"""``codetune bench``: list and run the benchmark scripts in ``benchmarks/`` of a checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from codetune.commands import group
from codetune.errors import CodetuneError
from codetune.paths import REPO_ROOT, checkout_data_dir


def benchmarks_dir() -> Path:
    """``benchmarks/`` of the checkout (``$CODETUNE_BENCHMARKS`` overrides)."""
    path = Path(os.environ.get("CODETUNE_BENCHMARKS", REPO_ROOT / "benchmarks"))
    if not path.is_dir():
        raise CodetuneError(f"{path}: no benchmarks folder; run from a codetune checkout or set "
                            "CODETUNE_BENCHMARKS")
    return path


def available() -> dict[str, Path]:
    return {p.stem: p for p in sorted(benchmarks_dir().glob("*.py")) if not p.stem.startswith("_")}


def _first_doc_line(path: Path) -> str:
    import ast

    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except SyntaxError:
        return ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def list_benchmarks() -> None:
    """List the benchmarks and where their committed results are."""
    results = benchmarks_dir() / "results"
    for name, path in available().items():
        md = results / f"{name}.md"
        doc = _first_doc_line(path)
        print(f"{name:24s} {doc}  [{md.relative_to(REPO_ROOT) if md.exists() else 'no results'}]")


def run_benchmark(
    name: Annotated[str, typer.Argument(help="Benchmark name (see `codetune bench list`).")],
    args: Annotated[list[str] | None, typer.Argument(help="Arguments for the script.")] = None,
) -> None:
    """Run one benchmark script; it writes benchmarks/results/NAME.md and .json."""
    scripts = available()
    if name not in scripts:
        raise CodetuneError(f"unknown benchmark '{name}'; available: {', '.join(scripts)}")
    env = dict(os.environ)
    if "CODETUNE_DATA_DIR" not in env and checkout_data_dir() is not None:
        env["CODETUNE_DATA_DIR"] = str(checkout_data_dir())  # the development mirror
    rc = subprocess.call([sys.executable, str(scripts[name]), *(args or [])], cwd=REPO_ROOT,
                         env=env)
    if rc:
        raise typer.Exit(rc)


def register(app: typer.Typer) -> None:
    bench = group("bench", "Run the speed and quality benchmarks (results in benchmarks/results).")
    bench.command("list")(list_benchmarks)
    bench.command("run", context_settings={"allow_extra_args": True})(run_benchmark)
