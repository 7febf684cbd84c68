"""Start ``codetune sandbox serve`` as a child process and wait until its pool is warm."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from codetune.errors import CodetuneError


class LocalService:
    """A service on 127.0.0.1 (any free port): ``url`` once ready; ``stop()`` drains it.

    ``args`` are extra ``serve`` options (``--set max_queue=8``, ``--set sandbox.cpus=1``);
    ``token`` goes to the child's environment only."""

    def __init__(self, *args: str, backend: str = "docker", workers: int = 0, token: str = "",
                 log_path: str | os.PathLike | None = None, start_timeout_s: float = 180.0):
        self._dir = tempfile.mkdtemp(prefix="codetune-service-")
        self.ready_file = Path(self._dir) / "ready.json"
        self.log_path = Path(log_path) if log_path else Path(self._dir) / "serve.log"
        env = {**os.environ, "CODETUNE_SANDBOX_TOKEN": token}
        cmd = [sys.executable, "-m", "codetune.cli", "sandbox", "serve", "--port", "0",
               "--backend", backend, "--workers", str(workers),
               "--ready-file", str(self.ready_file), *args]
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.url = self._wait_ready(start_timeout_s)

    def _wait_ready(self, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.proc.poll() is None:
            if self.ready_file.exists():
                return json.loads(self.ready_file.read_text())["url"]
            time.sleep(0.1)
        self.stop()
        tail = self.log_path.read_text(errors="replace").strip().splitlines()[-3:]
        raise CodetuneError(f"sandbox service did not start ({self.log_path}): "
                            + " | ".join(tail))

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def kill(self) -> None:
        """SIGKILL (a host dying mid-batch), then remove the containers it leaves behind."""
        self.signal(signal.SIGKILL)
        self.proc.wait()
        remove_containers_of(self.proc.pid)

    def stop(self, timeout_s: float = 60.0) -> None:
        """SIGTERM (requests in flight finish), then SIGKILL after ``timeout_s``."""
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()

    def __enter__(self) -> LocalService:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def remove_containers_of(pid: int) -> None:
    """``docker rm -f`` the pool containers a (dead) service process started."""
    from codetune.sandbox.backends import docker_binary

    listed = subprocess.run([docker_binary(), "ps", "-a", "--filter", "label=codetune.sandbox=1",
                             "--format", '{{.ID}} {{.Label "codetune.owner_pid"}}'],
                            capture_output=True, text=True).stdout.split("\n")
    ids = [row.split()[0] for row in listed
           if len(row.split()) == 2 and row.split()[1].split(":")[0] == str(pid)]
    if ids:
        subprocess.run([docker_binary(), "rm", "-f", *ids], capture_output=True)
