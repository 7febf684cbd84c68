"""Sandbox configuration: backend, pool size, container flags and per-job limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from codetune import __version__

IMAGE_REPO = "codetune-sandbox"
BACKENDS = ("docker", "process", "remote")
PROCESS_ISOLATIONS = ("auto", "bwrap", "rlimit")
DOCKER_IO = ("fifo", "attach")


@dataclass
class SandboxConfig:
    """How untrusted code runs; the defaults are the hardened docker pool (docs/sandbox.md)."""

    backend: str = field(default="docker", metadata={
        "help": "docker (isolated containers) or process (host subprocesses, in bubblewrap "
                "namespaces when available, else rlimits only: WEAKER isolation, explicit "
                "opt-in only), or remote (`codetune sandbox serve` hosts in `endpoints`)"})
    endpoints: list[str] = field(default_factory=list, metadata={
        "help": "backend remote only: URLs of `codetune sandbox serve` hosts "
                "(http://host:port), or `local`: this machine's shared service, started once "
                "by the first process (rank) that needs it; jobs spread over the hosts that "
                "answer their health check, and a dead host's jobs go to another "
                "(docs/sandbox-service.md)"})
    remote_token_env: str = field(default="CODETUNE_SANDBOX_TOKEN", metadata={
        "help": "backend remote only: environment variable holding the hosts' bearer token "
                "(never put the token itself in a config file)"})
    process_isolation: str = field(default="auto", metadata={
        "help": "process backend only: bwrap (bubblewrap namespaces: no network, private /tmp, "
                "read-only system dirs, own pid space), rlimit (rlimits only), or auto (bwrap "
                "when it is installed and works, else rlimit)"})
    docker_io: str = field(default="fifo", metadata={
        "help": "docker backend: how jobs reach a container's runner. fifo (a pair of named "
                "pipes in a host folder bind-mounted into the container: no docker CLI, daemon "
                "or shim on the path of a job, ~1.7 ms less CPU a job) or attach (the container's "
                "stdin/stdout through `docker run -i`: for a remote DOCKER_HOST or a daemon "
                "with user-namespace remapping, where a host folder cannot be shared)"})
    workers: int = field(default=0, metadata={
        "help": "warm runners in the pool (containers for docker); 0 = one per CPU core"})
    image: str = field(default_factory=lambda: os.environ.get(
        "CODETUNE_SANDBOX_IMAGE", f"{IMAGE_REPO}:{__version__}"), metadata={
        "help": "docker image built by `codetune sandbox build` (default: "
                "$CODETUNE_SANDBOX_IMAGE, else codetune-sandbox:<version>)"})
    container_memory_mb: int = field(default=768, metadata={
        "help": "memory+swap cap of each container (MiB); the kernel OOM-kills beyond it"})
    job_memory_mb: int = field(default=512, metadata={
        "help": "address-space limit (RLIMIT_AS, MiB) of each candidate process"})
    cpus: float = field(default=1.0, metadata={"help": "CPU share of each container (--cpus)"})
    pids_limit: int = field(default=64, metadata={
        "help": "max processes per container (--pids-limit): stops fork bombs"})
    tmpfs_mb: int = field(default=64, metadata={
        "help": "size of the writable /tmp tmpfs (MiB); the rest of the filesystem is read-only"})
    build_tmpfs_mb: int = field(default=256, metadata={
        "help": "size of the /build tmpfs (MiB) where other languages' compilers write; unlike "
                "/tmp it allows exec, and it is wiped after every job"})
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
