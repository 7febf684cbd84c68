"""Where codetune finds its packaged files, in a checkout and in an installed wheel alike.

The top-level ``sandbox/`` and ``datasets_recipes/`` folders of the repository ship in the wheel
as ``codetune/_sandbox`` and ``codetune/_recipes`` (see ``setup.py``); in a checkout they are
read where they are. Benchmark data is resolved by ``codetune.benchmark_data``.
"""

from __future__ import annotations

import os
from pathlib import Path

from codetune.errors import CodetuneError

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent


def _packaged(installed: str, checkout: str) -> Path:
    """``codetune/<installed>`` in a wheel, else ``<checkout>`` beside the package."""
    inside = PACKAGE_DIR / installed
    return inside if inside.is_dir() else REPO_ROOT / checkout


def sandbox_dir() -> Path:
    """The sandbox image's sources (``runner/``: what runs as PID 1 in every container)."""
    return _packaged("_sandbox", "sandbox")


def recipes_dir() -> Path:
    """The shipped recipes (``datasets_recipes/`` in the repository)."""
    return _packaged("_recipes", "datasets_recipes")


def resolve_recipe(path: str | os.PathLike) -> Path:
    """``path`` if it exists, else the shipped recipe of that name (``datasets_recipes/x.yaml``,
    ``x.yaml`` or ``x``), so the docs' recipe paths work from any folder and from a wheel."""
    given = Path(path)
    if given.exists() or given.is_absolute():
        return given
    name = given.name if given.parent.name in ("datasets_recipes", "") else None
    if name is not None:
        for candidate in (name, f"{name}.yaml"):
            if (recipes_dir() / candidate).is_file():
                return recipes_dir() / candidate
    return given


def shared_data_dir() -> Path:
    """The folder of ``$CODETUNE_DATA_DIR`` (a local mirror of benchmark files).

    Prefer ``codetune.benchmark_data.benchmark_file(name)``: it also finds files in installed
    packages and downloads them once from their official release.
    """
    if os.environ.get("CODETUNE_DATA_DIR"):
        return Path(os.environ["CODETUNE_DATA_DIR"])
    raise CodetuneError("CODETUNE_DATA_DIR is not set: point it at a folder of benchmark files "
                        "(or load them with codetune.benchmark_data.benchmark_file)")


def checkout_data_dir() -> Path | None:
    """The development mirror ``../shared/data`` beside a checkout, when there is one (tests
    and benchmarks export it as ``CODETUNE_DATA_DIR``; the library never looks there itself)."""
    path = REPO_ROOT.parent / "shared" / "data"
    return path if path.is_dir() else None
