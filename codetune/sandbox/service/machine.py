"""One sandbox service per machine, shared by every process that asks for it.

``endpoints: [local]`` (with ``backend: remote``) means this machine's shared service: the first
process (say, rank 0 of an ``accelerate launch``) starts ``codetune sandbox serve`` under a file
lock, detached; the others find it through its ready file. So N ranks use one pool's worth of
containers, not N pools. The service exits after ``CODETUNE_SANDBOX_SERVICE_IDLE_S`` (600) seconds
without a job. ``CODETUNE_SANDBOX_SERVICE_DIR`` moves its state folder (default: the temp dir).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from codetune.artifacts import pid_alive
from codetune.errors import CodetuneError
from codetune.sandbox.config import SandboxConfig

LOCAL = "local"
REMOTE_ONLY = ("backend", "endpoints", "remote_token_env")


def state_dir() -> Path:
    root = os.environ.get("CODETUNE_SANDBOX_SERVICE_DIR") or tempfile.gettempdir()
    path = Path(root) / f"codetune-sandbox-service-{os.getuid()}"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _locked(path: Path):
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def machine_service_url(config: SandboxConfig, start_timeout_s: float = 180.0) -> str:
    """The URL of this machine's shared service, started now if none answers."""
    folder = state_dir()
    ready = folder / "service.json"
    with _locked(folder / "lock"):
        url = _live_url(ready)
        if url:
            return url
        ready.unlink(missing_ok=True)
        _start(config, ready, folder / "serve.log")
        deadline = time.monotonic() + start_timeout_s
        while time.monotonic() < deadline:
            url = _live_url(ready)
            if url:
                return url
            time.sleep(0.2)
    tail = (folder / "serve.log").read_text(errors="replace").strip().splitlines()[-2:]
    raise CodetuneError(f"this machine's sandbox service did not start ({folder / 'serve.log'}): "
                        + " | ".join(tail))


def _live_url(ready: Path) -> str | None:
    try:
        info = json.loads(ready.read_text())
    except (OSError, ValueError):
        return None
    if not pid_alive(int(info.get("pid", 0))):
        return None
    try:
        reply = httpx.get(f"{info['url']}/readyz", timeout=5.0)
    except httpx.HTTPError:
        return None
    return info["url"] if reply.status_code == 200 else None


def _start(config: SandboxConfig, ready: Path, log_path: Path) -> None:
    """``codetune sandbox serve`` on a free loopback port, in its own session (it outlives
    the process that started it, and serves the others)."""
    sets = []
    for f in dataclasses.fields(config):
        if f.name not in REMOTE_ONLY:
            sets += ["--set", f"sandbox.{f.name}={getattr(config, f.name)}"]
    idle = os.environ.get("CODETUNE_SANDBOX_SERVICE_IDLE_S", "600")
    cmd = [sys.executable, "-m", "codetune.cli", "sandbox", "serve", "--port", "0",
           "--backend", "docker", "--ready-file", str(ready), "--set", f"idle_exit_s={idle}",
           *sets]
    env = {k: v for k, v in os.environ.items() if k != "CODETUNE_SANDBOX_TOKEN"}
    with open(log_path, "ab") as log:
        subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         env=env, start_new_session=True)
