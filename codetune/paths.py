"""Where codetune finds its packaged files, in a checkout and in an installed wheel alike.

The top-level ``sandbox/`` and ``datasets_recipes/`` folders of the repository ship in the wheel
as ``codetune/_sandbox`` and ``codetune/_recipes`` (see ``setup.py``); in a checkout they are
read where they are. Benchmark data is resolved by ``codetune.benchmark_data``.
"""

from __future__ import annotations

import os
from pathlib import Path

from codetune.artifacts import final_model_dir
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


def is_local_path(path: str) -> bool:
    """True when ``path`` names a filesystem location rather than a hub id."""
    return (os.path.isabs(path) or path.startswith((".", "~")) or os.path.exists(path)
            or path.count("/") > 1)


def check_model_path(path: str | os.PathLike, what: str = "model") -> str:
    """Fail with one line when a local model path does not exist or is not a model dir."""
    path = str(path)
    if not path:
        raise CodetuneError(f"no {what} given: pass a model dir or hub id (e.g. --model DIR)")
    if is_local_path(path):
        p = Path(path).expanduser()
        if not p.exists():
            raise CodetuneError(f"{path}: {what} not found (give a model dir from "
                                "`codetune model init`, a training output dir, or a hub id)")
        markers = ("tokenizer_config.json", "tokenizer.json") if what == "tokenizer" else (
            "config.json", "adapter_config.json")
        if p.is_dir() and not any((p / m).exists() for m in markers) and any(
                (final_model_dir(p) / m).exists() for m in markers):
            p = final_model_dir(p)  # a training run's folder: its final model
        if p.is_dir() and not any((p / m).exists() for m in markers):
            raise CodetuneError(f"{path}: not a {what} dir (no {' or '.join(markers)})")
        return str(p)
    return path
