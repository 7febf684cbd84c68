"""A clone of this working tree in a fresh folder, the way a newcomer gets one.

``git clone`` of the repository would miss uncommitted work under test, so the clone is the
files git tracks plus the untracked ones it does not ignore (``git ls-files -co
--exclude-standard``): no ``.venv``, no ``runs/``, no ``../shared`` beside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from codetune.paths import REPO_ROOT

# What a newcomer's shell does not have: the development data mirror and our caches.
PRIVATE_ENV = ("CODETUNE_DATA_DIR", "CODETUNE_CACHE_DIR", "PYTHONPATH", "CODETUNE_BENCHMARKS",
               "CODETUNE_SANDBOX_IMAGE")


def clone_checkout(dest: Path) -> Path:
    """Copy the working tree's files into ``dest`` (created); returns ``dest``."""
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"],
                            cwd=REPO_ROOT, capture_output=True, check=True).stdout
    dest.mkdir(parents=True)
    for rel in filter(None, listed.decode().split("\0")):
        src = REPO_ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def newcomer_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh shell: no data mirror, an empty cache, offline hub, and a
    sandbox image tag of its own (``codetune sandbox build`` from a copy must not replace the
    image the rest of the suite is using; remove it with ``remove_image``)."""
    env = {k: v for k, v in os.environ.items() if k not in PRIVATE_ENV}
    env.update(CODETUNE_CACHE_DIR=str(home / "cache"), HF_HUB_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false",
               CODETUNE_SANDBOX_IMAGE=f"codetune-sandbox-newcomer:{os.getpid()}-{home.name}"[:128],
               **extra)
    return env


def remove_image(env: dict[str, str]) -> None:
    subprocess.run(["docker", "rmi", "-f", env["CODETUNE_SANDBOX_IMAGE"]], capture_output=True)


def run_logged(cmd: list[str], cwd: Path, env: dict[str, str], log: Path,
               timeout: float) -> subprocess.CompletedProcess:
    """Run ``cmd``, its output into ``log`` (read it back on failure)."""
    with open(log, "ab") as fh:
        fh.write(f"$ {' '.join(cmd)}\n".encode())
        fh.flush()
        return subprocess.run(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT,
                              timeout=timeout)


def tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:]


PYTHON = sys.executable
