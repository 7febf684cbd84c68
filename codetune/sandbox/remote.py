"""``backend: remote``: the same ``run_many`` spread over ``codetune sandbox serve`` hosts.

Jobs go out in small chunks that every healthy host pulls from one queue (a slow host simply
takes fewer); a host that dies mid-batch is marked down and its unanswered chunk goes to another
host; every job's verdict is recorded once (the first that arrives), so nothing is judged twice
into a reward. ``sandbox_error`` (a masked, ``None`` reward) only when no host can answer.
"""

from __future__ import annotations

import asyncio
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import httpx

from codetune.console import log
from codetune.errors import CodetuneError
from codetune.sandbox.config import SandboxConfig
from codetune.sandbox.types import SANDBOX_ERROR, ExecutionJob, ExecutionResult

LOCAL = "local"  # endpoints: [local] = this machine's shared service (service/machine.py)
RECHECK_S = 5.0  # a host marked down is probed again after this long
BUSY_BACKOFF_S = 0.2


@dataclass
class Host:
    url: str
    workers: int = 0
    healthy: bool = False
    down_since: float = 0.0
    reason: str = ""


class RemotePool:
    """``SandboxPool``'s interface over remote hosts (``config.endpoints``)."""

    def __init__(self, config: SandboxConfig | None = None, **overrides):
        self.config = config or SandboxConfig(backend="remote")
        for key, value in overrides.items():
            if not hasattr(self.config, key):
                raise CodetuneError(f"SandboxConfig has no key {key!r}")
            setattr(self.config, key, value)
        if not self.config.endpoints:
            raise CodetuneError("sandbox backend 'remote' needs endpoints: [http://host:port, "
                                "...] (hosts running `codetune sandbox serve`)")
        self.hosts = [Host(url.rstrip("/")) for url in self.config.endpoints]
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> RemotePool:
        if self._client is None:
            token = os.environ.get(self.config.remote_token_env, "")
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(30.0),
                                        limits=httpx.Limits(max_connections=256))
        for host in self.hosts:
            if host.url == LOCAL:  # this machine's shared service, started once for all ranks
                from codetune.sandbox.service.machine import machine_service_url

                host.url = machine_service_url(self.config)
        self.check_health(force=True)
        if not any(h.healthy for h in self.hosts):
            raise CodetuneError("no sandbox host answered: " + "; ".join(
                f"{h.url}: {h.reason}" for h in self.hosts))
        return self

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> RemotePool:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def size(self) -> int:
        """Runners on the healthy hosts."""
        return sum(h.workers for h in self.hosts if h.healthy)

    def check_health(self, force: bool = False) -> None:
        """Probe ``/v1/info`` (readiness behind the token) of hosts that are down (after
        ``RECHECK_S``), or of all."""
        now = time.monotonic()
        for host in self.hosts:
            if force or (not host.healthy and now - host.down_since >= RECHECK_S):
                self._probe(host)

    def _probe(self, host: Host) -> None:
        try:
            reply = self._client.get(f"{host.url}/v1/info", timeout=5.0)
            body = reply.json() if reply.headers.get("content-type", "").startswith(
                "application/json") else {}
            if reply.status_code == 200 and body.get("ready"):
                host.workers, host.healthy, host.reason = int(body.get("workers", 1)), True, ""
                return
            reason = (f"HTTP {reply.status_code}" + (" (wrong token?)"
                      if reply.status_code == 401 else f": {str(body)[:120]}"))
        except (httpx.HTTPError, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}"[:200]
        self._mark_down(host, reason)

    def _mark_down(self, host: Host, reason: str) -> None:
        if host.healthy:
            log.warning("sandbox host %s is down (%s); its jobs go to the others",
                        host.url, reason)
        host.healthy, host.down_since, host.reason = False, time.monotonic(), reason

    # -- execution -----------------------------------------------------------------------------
    def run(self, job: ExecutionJob) -> ExecutionResult:
        return self.run_many([job])[0]

    async def arun_many(self, jobs: Sequence[ExecutionJob]) -> list[ExecutionResult]:
        return await asyncio.to_thread(self.run_many, jobs)

    def run_many(self, jobs: Iterable[ExecutionJob],
                 on_result: Callable[[ExecutionResult], None] | None = None
                 ) -> list[ExecutionResult]:
        """Run ``jobs`` on the hosts; results come back in the jobs' order."""
        if self._client is None:
            raise CodetuneError("RemotePool is not started: use `with open_pool(...)` "
                                "or .start()")
        jobs = list(jobs)
        batch = _Batch(jobs, on_result)
        self.check_health()
        per_chunk = max(1, min(16, math.ceil(len(jobs) / max(1, 4 * self.size))))
        batch.chunks.extend([list(range(i, min(i + per_chunk, len(jobs))))
                             for i in range(0, len(jobs), per_chunk)])
        for _attempt in range(2):  # a second round after re-probing hosts that went down
            healthy = [h for h in self.hosts if h.healthy]
            # enough requests in flight to keep each host's runners busy (twice their number)
            slots = [host for host in healthy
                     for _ in range(max(2, math.ceil(2 * host.workers / per_chunk)))]
            threads = [threading.Thread(target=self._feed, args=(host, batch), daemon=True)
                       for host in slots]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if not batch.chunks:
                break
            self.check_health(force=True)
        reasons = "; ".join(f"{h.url}: {h.reason}" for h in self.hosts) or "no endpoints"
        for chunk in batch.chunks:
            for index in chunk:
                batch.record(index, ExecutionResult(
                    id=jobs[index].id, status=SANDBOX_ERROR, passed=False,
                    reason=f"no sandbox host answered ({reasons})"[:1000]))
        return batch.results  # type: ignore[return-value]

    def _feed(self, host: Host, batch: _Batch) -> None:
        """One request at a time to ``host`` until the queue is empty or the host fails."""
        while host.healthy and (chunk := batch.take()) is not None:
            try:
                reply = self._client.post(
                    f"{host.url}/v1/jobs", timeout=self._timeout(batch.jobs, chunk, host),
                    json={"jobs": [batch.jobs[i].to_dict() for i in chunk]})
            except httpx.HTTPError as exc:
                batch.give_back(chunk)
                self._mark_down(host, f"{type(exc).__name__}: {exc}"[:200])
                return
            if reply.status_code == 503:  # busy or draining: elsewhere, or here a bit later
                batch.give_back(chunk)
                if "draining" in reply.text or "not ready" in reply.text:
                    self._mark_down(host, "draining")
                    return
                time.sleep(BUSY_BACKOFF_S)
                continue
            if reply.status_code != 200:
                detail = reply.text[:300]
                if reply.status_code >= 500 or reply.status_code == 401:
                    batch.give_back(chunk)
                    self._mark_down(host, f"HTTP {reply.status_code}: {detail}")
                    return
                for i in chunk:  # the host refused these jobs (422, 413): say why
                    batch.record(i, ExecutionResult(
                        id=batch.jobs[i].id, status=SANDBOX_ERROR, passed=False,
                        reason=f"{host.url} refused the job: HTTP {reply.status_code} {detail}"))
                continue
            rows = reply.json().get("results", [])
            for i, row in zip(chunk, rows, strict=False):
                batch.record(i, ExecutionResult.from_dict({**row, "id": batch.jobs[i].id}))
            batch.give_back([i for i in chunk[len(rows):]])

    def _timeout(self, jobs, chunk, host: Host) -> httpx.Timeout:
        """Long enough for the chunk's jobs run one after another on the host (a dead host
        resets the connection at once; only a hung one waits this out)."""
        total = sum(float(jobs[i].timeout_s or self.config.default_timeout_s) for i in chunk)
        read = total / max(1, min(host.workers, len(chunk))) + self.config.hang_grace_s + 30
        return httpx.Timeout(10.0, read=read)


class _Batch:
    """The jobs of one ``run_many``: chunks still to send, verdicts recorded once each."""

    def __init__(self, jobs: list[ExecutionJob], on_result):
        self.jobs, self.on_result = jobs, on_result
        self.results: list[ExecutionResult | None] = [None] * len(jobs)
        self.chunks: deque[list[int]] = deque()
        self._lock = threading.Lock()

    def take(self) -> list[int] | None:
        with self._lock:
            return self.chunks.popleft() if self.chunks else None

    def give_back(self, chunk: list[int]) -> None:
        with self._lock:
            left = [i for i in chunk if self.results[i] is None]
            if left:
                self.chunks.appendleft(left)

    def record(self, index: int, result: ExecutionResult) -> None:
        with self._lock:
            if self.results[index] is not None:
                return  # already judged (by a host that answered first): never twice
            self.results[index] = result
        if self.on_result is not None:
            self.on_result(result)
