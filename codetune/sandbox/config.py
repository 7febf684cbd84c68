"""Sandbox configuration: backend, pool size, container flags and per-job limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from codetune import __version__

IMAGE_REPO = "codetune-sandbox"
BACKENDS = ("docker", "process")
PROCESS_ISOLATIONS = ("auto", "bwrap", "rlimit")


@dataclass
class SandboxConfig:
    """How untrusted code runs; the defaults are the hardened docker pool (docs/sandbox.md)."""

    backend: str = field(default="docker", metadata={
        "help": "docker (isolated containers) or process (host subprocesses, in bubblewrap "
                "namespaces when available, else rlimits only: WEAKER isolation, explicit "
                "opt-in only)"})
    process_isolation: str = field(default="auto", metadata={
        "help": "process backend only: bwrap (bubblewrap namespaces: no network, private /tmp, "
                "read-only system dirs, own pid space), rlimit (rlimits only), or auto (bwrap "
                "when it is installed and works, else rlimit)"})
    workers: int = field(default=0, metadata={
        "help": "warm runners in the pool (containers for docker); 0 = one per CPU core"})
    image: str = field(default=f"{IMAGE_REPO}:{__version__}", metadata={
        "help": "docker image built by `codetune sandbox build`"})
    container_memory_mb: int = field(default=768, metadata={
        "help": "memory+swap cap of each container (MiB); the kernel OOM-kills beyond it"})
    job_memory_mb: int = field(default=512, metadata={
        "help": "address-space limit (RLIMIT_AS, MiB) of each candidate process"})
    cpus: float = field(default=1.0, metadata={"help": "CPU share of each container (--cpus)"})
    pids_limit: int = field(default=64, metadata={
        "help": "max processes per container (--pids-limit): stops fork bombs"})
    tmpfs_mb: int = field(default=64, metadata={
        "help": "size of the writable /tmp tmpfs (MiB); the rest of the filesystem is read-only"})
    file_size_mb: int = field(default=16, metadata={
        "help": "largest file a candidate may write (RLIMIT_FSIZE, MiB)"})
    open_files: int = field(default=64, metadata={
        "help": "open file descriptors per candidate process (RLIMIT_NOFILE)"})
    max_output_bytes: int = field(default=1 << 20, metadata={
        "help": "stdout+stderr a job may print before it is killed with status output_limit"})
    keep_output_bytes: int = field(default=4096, metadata={
        "help": "bytes of stdout and of stderr kept in each result"})
    start_timeout_s: float = field(default=60.0, metadata={
        "help": "how long to wait for a runner (and, after a daemon restart, the daemon) to start"})
    hang_grace_s: float = field(default=10.0, metadata={
        "help": "seconds past a job's timeout before the host declares its runner hung and "
                "replaces it"})
    default_timeout_s: float = field(default=10.0, metadata={
        "help": "wall-clock limit for jobs that do not set timeout_s (seconds)"})

    def resolved_workers(self) -> int:
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)

    def job_limits(self) -> dict:
        """The per-job limits the runner enforces inside the sandbox."""
        return {"memory_mb": self.job_memory_mb, "file_size_mb": self.file_size_mb,
                "open_files": self.open_files, "max_output_bytes": self.max_output_bytes,
                "keep_output_bytes": self.keep_output_bytes}
