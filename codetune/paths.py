"""Where codetune finds shared benchmark data and its packaged files."""

from __future__ import annotations

import os
from pathlib import Path

from codetune.errors import CodetuneError

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent


def shared_data_dir() -> Path:
    """HumanEval/MBPP data: ``$CODETUNE_DATA_DIR``, else ``../shared/data`` beside the checkout."""
    candidates = []
    if os.environ.get("CODETUNE_DATA_DIR"):
        candidates.append(Path(os.environ["CODETUNE_DATA_DIR"]))
    candidates += [REPO_ROOT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data",
                   Path.cwd() / "shared" / "data"]
    for c in candidates:
        if (c / "mbpp.jsonl").exists() or (c / "HumanEval.jsonl.gz").exists():
            return c
    raise CodetuneError(
        "benchmark data not found: set CODETUNE_DATA_DIR to the folder holding "
        "HumanEval.jsonl.gz and mbpp.jsonl (default: ../shared/data beside the checkout)")
