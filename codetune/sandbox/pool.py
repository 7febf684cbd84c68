"""``SandboxPool``: K warm runners executing jobs concurrently, with replace-and-retry-once."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

from codetune.console import log
from codetune.errors import CodetuneError
from codetune.sandbox import backends
from codetune.sandbox.config import SandboxConfig
from codetune.sandbox.types import ERROR, SANDBOX_ERROR, ExecutionJob, ExecutionResult
from codetune.sandbox.worker import RunnerDied, Worker


class SandboxPool:
    """Run untrusted code in a pool of warm sandboxes; every verdict is decided on trusted ground.

    Use as a context manager (``with SandboxPool(SandboxConfig()) as pool``) or call
    ``start()``/``close()``. ``run_many`` keeps every runner busy and returns results in order.
    """

    def __init__(self, config: SandboxConfig | None = None, **overrides):
        self.config = config or SandboxConfig()
        for key, value in overrides.items():
            if not hasattr(self.config, key):
                raise CodetuneError(f"SandboxConfig has no key {key!r}")
            setattr(self.config, key, value)
        self.workers: list[Worker] = []
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._started = False
        self._lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> SandboxPool:
        if self._started:
            return self
        backends.validate_backend(self.config)
        if self.config.backend == "process":
            log.warning(backends.PROCESS_WARNING)
        else:
            backends.remove_stale_containers()
        count = self.config.resolved_workers()
        self.workers = [Worker(self.config, i) for i in range(count)]
        with ThreadPoolExecutor(count) as ex:
            errors = [f.exception() for f in [ex.submit(w.start) for w in self.workers]]
        if any(errors):
            self.close()
            raise CodetuneError(f"sandbox runners failed to start: {next(e for e in errors if e)}")
        for worker in self.workers:
            self._idle.put(worker)
        self._started = True
        log.debug("sandbox pool started: %d %s runners", count, self.config.backend)
        return self

    def close(self) -> None:
        workers, self.workers = self.workers, []
        if workers:
            with ThreadPoolExecutor(len(workers)) as ex:
                list(ex.map(lambda w: w.close(), workers))
        self._idle = queue.Queue()
        self._started = False

    def __enter__(self) -> SandboxPool:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def size(self) -> int:
        return len(self.workers)

    # -- execution -----------------------------------------------------------------------------
    def run(self, job: ExecutionJob) -> ExecutionResult:
        """Run one job (blocking)."""
        return self.run_many([job])[0]

    def run_many(self, jobs: Iterable[ExecutionJob],
                 on_result: Callable[[ExecutionResult], None] | None = None
                 ) -> list[ExecutionResult]:
        """Run ``jobs`` concurrently on every runner; results come back in the jobs' order."""
        if not self._started:
            raise CodetuneError("SandboxPool is not started: use `with SandboxPool(...)` "
                                "or .start()")
        jobs = list(jobs)
        results: list[ExecutionResult | None] = [None] * len(jobs)
        cursor = iter(range(len(jobs)))

        def drain() -> None:
            while True:
                with self._lock:
                    index = next(cursor, None)
                if index is None:
                    return
                results[index] = self._execute(jobs[index])
                if on_result is not None:
                    on_result(results[index])

        threads = min(self.size, len(jobs))
        if threads <= 1:
            drain()
        else:
            with ThreadPoolExecutor(threads) as ex:
                for f in [ex.submit(drain) for _ in range(threads)]:
                    f.result()
        return results  # type: ignore[return-value]

    async def arun_many(self, jobs: Sequence[ExecutionJob]) -> list[ExecutionResult]:
        """``run_many`` for asyncio code (runs in a thread; the event loop stays free)."""
        return await asyncio.to_thread(self.run_many, jobs)

    def _execute(self, job: ExecutionJob) -> ExecutionResult:
        payload = self._payload(job)
        started = time.monotonic()
        failures = []
        while len(failures) < 2:  # a runner dying under the job: replace it, retry the job once
            worker = self._idle.get()
            try:
                if not worker.alive():  # died between jobs (daemon restart): not this job's fault
                    if worker.unavailable():
                        return _failed(job, SANDBOX_ERROR, "sandbox unavailable (runner could "
                                       "not be restarted; is the Docker engine up?)", started)
                    worker.restart()
                row = worker.run(payload)
                return ExecutionResult.from_dict({**row, "id": job.id})
            except RunnerDied as exc:
                failures.append(str(exc))
                log.warning("sandbox runner %d died (%s); replacing it", worker.index, exc)
                try:
                    worker.restart()
                except RunnerDied as start_exc:
                    return _failed(job, SANDBOX_ERROR, f"sandbox unavailable: {start_exc}", started)
            finally:
                self._idle.put(worker)
        return _failed(job, ERROR, "the sandbox died twice while running this job (the candidate "
                       f"killed or exhausted it?): {failures[-1]}", started)

    def _payload(self, job: ExecutionJob) -> dict:
        row = job.to_dict()
        row["timeout_s"] = float(job.timeout_s or self.config.default_timeout_s)
        row["limits"] = self.config.job_limits()
        return row


def _failed(job: ExecutionJob, status: str, reason: str, started: float) -> ExecutionResult:
    tests = job.tests if isinstance(job.tests, list) else [job.tests]
    return ExecutionResult(id=job.id, status=status, passed=False, tests_passed=0,
                           tests_total=len(tests), reason=reason[:1000],
                           duration_s=round(time.monotonic() - started, 4))
