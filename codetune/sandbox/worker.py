"""One warm runner (a container or a host subprocess) speaking line-delimited JSON."""

from __future__ import annotations

import itertools
import json
import os
import select
import shutil
import subprocess
import time

from codetune.console import log
from codetune.sandbox import backends
from codetune.sandbox.channel import FifoChannel
from codetune.sandbox.config import SandboxConfig

_generation = itertools.count()


class RunnerDied(Exception):
    """The runner stopped answering: its container died, hung, or the daemon went away."""


class Worker:
    """A long-lived runner process; ``run(job)`` sends one job and waits for its result line."""

    def __init__(self, config: SandboxConfig, index: int):
        self.config, self.index = config, index
        self.proc: subprocess.Popen | None = None
        self.name = ""
        self.scratch = ""
        self._buffer = b""
        self.channel: FifoChannel | None = None  # docker_io fifo: the job and result pipes
        self.restarts = 0
        self.failed_at: float | None = None  # when a (re)start last failed

    def start(self) -> None:
        """Start the runner and wait for its ready line; retries while the daemon comes back."""
        deadline = time.monotonic() + self.config.start_timeout_s
        while True:
            try:
                self._start_once(deadline)
                self.failed_at = None
                return
            except (RunnerDied, OSError) as exc:
                self.close()
                if time.monotonic() >= deadline:
                    self.failed_at = time.monotonic()
                    raise RunnerDied(f"runner {self.index} did not start: {exc}") from None
                log.debug("runner %d failed to start (%s); retrying", self.index, exc)
                time.sleep(0.5)

    def _start_once(self, deadline: float) -> None:
        if self.config.backend == "docker":
            self.name = f"codetune-sbx-{os.getpid()}-{self.index}-{next(_generation)}"
            if self.config.docker_io == "fifo":
                self.channel = FifoChannel()
            cmd = backends.docker_command(self.config, self.name,
                                          self.channel.folder if self.channel else None)
        else:
            self.scratch = backends.make_scratch()
            cmd = backends.process_command(self.scratch, self.config)
        self._buffer = b""
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL if self.channel else
                                     subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        line = self._read_line(deadline)
        if not line.startswith(b"{") or b'"ready"' not in line:
            raise RunnerDied(f"unexpected first line {line[:200]!r}")
        if self.channel:
            self.channel.connected()

    def run(self, job: dict) -> dict:
        """Send one job and wait for its result (``RunnerDied`` if gone or hung)."""
        self.send(json.dumps(job).encode())
        return self.receive(time.monotonic() + self.job_deadline(job))

    def job_deadline(self, job: dict) -> float:
        """Seconds after a job starts before its runner counts as hung."""
        compile_s = float((job.get("program") or {}).get("compile_timeout_s") or 0.0)
        return float(job.get("timeout_s") or self.config.default_timeout_s) \
            + compile_s + self.config.hang_grace_s

    def send(self, line: bytes) -> None:
        """Queue one encoded job line (the runner runs jobs in order, one at a time)."""
        if self.proc is None or self.proc.poll() is not None:
            raise RunnerDied("runner is not running")
        try:
            if self.channel:
                self.channel.write(line + b"\n")
            else:
                self.proc.stdin.write(line + b"\n")
                self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as exc:
            raise RunnerDied(f"could not send the job: {exc}") from None

    def receive(self, deadline: float) -> dict:
        """The next result line, decoded."""
        line = self._read_line(deadline)
        try:
            row = json.loads(line)
        except ValueError:
            raise RunnerDied(f"unreadable result line {line[:200]!r}") from None
        if not isinstance(row, dict):
            raise RunnerDied(f"unexpected result line {line[:200]!r}")
        return row

    def _read_line(self, deadline: float) -> bytes:
        fd = self.channel.read_fd if self.channel else self.proc.stdout.fileno()
        # With pipes, the docker client's stdout still tells when the container is gone
        # before its runner ever opened them (a failed start).
        watched = [fd, self.proc.stdout.fileno()] if self.channel else [fd]
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RunnerDied("no answer before the deadline (hung)")
            ready, _, _ = select.select(watched, [], [], left)
            if not ready:
                continue
            if fd not in ready:  # only the client spoke: it printed something or exited
                if not os.read(watched[1], 1 << 16):
                    raise RunnerDied(f"runner exited{self._stderr_tail()}")
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                raise RunnerDied(f"runner exited{self._stderr_tail()}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def _stderr_tail(self) -> str:
        try:
            self.proc.wait(timeout=2)
            err = self.proc.stderr.read().decode(errors="replace").strip()
        except Exception:
            return ""
        return f": {err.splitlines()[-1][:300]}" if err else ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def unavailable(self, retry_after_s: float = 30.0) -> bool:
        """True shortly after a failed restart (jobs then fail fast instead of each waiting)."""
        return (self.proc is None and self.failed_at is not None
                and time.monotonic() - self.failed_at < retry_after_s)

    def restart(self) -> None:
        self.close()
        self.restarts += 1
        self.start()

    def close(self) -> None:
        """Stop the runner (the container is removed: --rm, plus rm -f in case the client died)."""
        proc, self.proc = self.proc, None
        if self.channel is not None:
            self.channel.close()  # the runner reads EOF and exits
            self.channel = None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
            if proc.poll() is None:
                proc.kill()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.config.backend == "docker" and self.name:
            subprocess.run([backends.docker_binary(), "rm", "-f", self.name],
                           capture_output=True, timeout=30)
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = ""
