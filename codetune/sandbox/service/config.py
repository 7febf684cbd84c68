"""``ServiceConfig``: where ``codetune sandbox serve`` listens and what it accepts."""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass, field

from codetune.errors import CodetuneError
from codetune.sandbox.config import SandboxConfig

MIB = 1 << 20


@dataclass
class ServiceConfig:
    """The sandbox service; ``sandbox`` is the pool it serves (docs/sandbox-service.md)."""

    host: str = field(default="127.0.0.1", metadata={
        "help": "address to listen on; anything beyond loopback needs a token "
                "(the variable named by token_env)"})
    port: int = field(default=8080, metadata={
        "help": "TCP port (SandboxFusion's default is 8080); 0 = any free port"})
    token_env: str = field(default="CODETUNE_SANDBOX_TOKEN", metadata={
        "help": "environment variable holding the bearer token clients must send "
                "(Authorization: Bearer TOKEN, or Basic auth with TOKEN as password); "
                "unset or empty = no token (loopback only)"})
    max_queue: int = field(default=1024, metadata={
        "help": "jobs waiting for a runner before new requests are answered 503 busy"})
    max_body_mb: float = field(default=16.0, metadata={
        "help": "largest request body (MiB; 8-64); a larger one is answered 413"})
    max_memory_mb: int = field(default=2048, metadata={
        "help": "largest per-job memory limit a request may ask for (run_code "
                "memory_limit_MB, job memory_mb; MiB); containers are capped above it"})
    max_batch_jobs: int = field(default=4096, metadata={
        "help": "most jobs in one batch request"})
    chunk_jobs: int = field(default=4, metadata={
        "help": "jobs of one request a runner takes at a time (pipelined on it; jobs of "
                "different requests never share a chunk)"})
    drain_timeout_s: float = field(default=120.0, metadata={
        "help": "on SIGTERM: how long requests in flight may take to finish before exit"})
    idle_exit_s: float = field(default=0.0, metadata={
        "help": "exit (draining first) after this many seconds without a job request; "
                "0 = never (a machine's shared service uses it to go away after training)"})
    ready_file: str = field(default="", metadata={
        "help": "write {url, pid} here (JSON) once the pool is warm and the port listens"})
    sandbox: SandboxConfig = field(default_factory=SandboxConfig, metadata={
        "help": "the pool behind the service (docs/sandbox.md)"})

    def token(self) -> str:
        return os.environ.get(self.token_env, "") if self.token_env else ""

    def max_body_bytes(self) -> int:
        return int(self.max_body_mb * MIB)

    def validate(self) -> None:
        """One-line errors for settings that cannot be served safely."""
        if not 8 <= self.max_body_mb <= 64:
            raise CodetuneError(f"max_body_mb {self.max_body_mb} is outside 8-64 MiB")
        if self.sandbox.backend == "remote":
            raise CodetuneError("sandbox.backend 'remote' cannot be served: a service runs "
                                "its own pool (docker or process)")
        if self.max_queue < 1 or self.chunk_jobs < 1:
            raise CodetuneError("max_queue and chunk_jobs must be at least 1")
        if not self.token() and not is_loopback(self.host):
            raise CodetuneError(
                f"refusing to listen on {self.host} without a token: set "
                f"{self.token_env or 'token_env'} (e.g. export {self.token_env or 'X'}="
                "$(openssl rand -hex 32)) or listen on 127.0.0.1")

    def pool_config(self) -> SandboxConfig:
        """The pool's config with each container capped above the largest job it may run."""
        cfg = SandboxConfig(**vars(self.sandbox))
        headroom = 256  # the runner, the judge and the interpreter besides the job
        cfg.container_memory_mb = max(cfg.container_memory_mb, self.max_memory_mb + headroom)
        return cfg


def is_loopback(host: str) -> bool:
    """True when ``host`` resolves only to loopback addresses (``localhost``, 127.x, ::1)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    addrs = {info[4][0] for info in infos}
    return bool(addrs) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback
                               for a in addrs)
