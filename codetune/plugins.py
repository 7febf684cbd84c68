"""The one way a plug-in named ``package.module:attribute`` is imported.

Rewards, benchmarks, data sources, SFT sources, augmentations, decontamination benchmarks and
tree-sitter grammars all accept such a name. The working directory is importable (as with
``python -m``), so a ``my_rewards.py`` next to the config works without installing it.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from codetune.errors import CodetuneError


def is_plugin_name(name: str) -> bool:
    """Whether ``name`` is a ``package.module:attribute`` reference, not a registered name."""
    return ":" in name


def import_object(spec: str, what: str = "plug-in", default_attr: str | None = None,
                  hint: str = "is it on PYTHONPATH or in the working directory?") -> Any:
    """The object ``spec`` (``package.module:attribute``) names; else a one-line error that says
    which ``what`` (``reward``, ``benchmark``, ``source kind``...) could not be loaded and why."""
    module_name, _, attr = spec.partition(":")
    attr = attr or default_attr or ""
    if not module_name or not attr:
        raise CodetuneError(f"{what} {spec!r}: expected 'package.module:function'")
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise CodetuneError(f"{what} {spec!r}: cannot import {module_name!r} ({exc}); {hint}"
                            ) from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise CodetuneError(f"{what} {spec!r}: module {module_name!r} has no {attr!r}") from None
