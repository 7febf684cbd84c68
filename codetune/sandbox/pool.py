"""``SandboxPool``: K warm runners executing jobs concurrently, with replace-and-retry-once."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from codetune.console import log
from codetune.errors import CodetuneError
from codetune.languages import get_language
from codetune.sandbox import backends
from codetune.sandbox.config import SandboxConfig
from codetune.sandbox.remote import RemotePool
from codetune.sandbox.toolchains import identical_programs, is_supported, program_payload
from codetune.sandbox.types import ERROR, SANDBOX_ERROR, ExecutionJob, ExecutionResult
from codetune.sandbox.worker import RunnerDied, Worker


class SandboxPool:
    """Run untrusted code in a pool of warm sandboxes; every verdict is decided on trusted ground.

    Use as a context manager (``with SandboxPool(SandboxConfig()) as pool``) or call
    ``start()``/``close()``. ``run_many`` keeps every runner busy and returns results in order.
    """

    def __new__(cls, config: SandboxConfig | None = None, **overrides):
        backend = overrides.get("backend", config.backend if config is not None else "docker")
        if cls is SandboxPool and backend == "remote":  # the same interface over HTTP hosts
            return RemotePool(config, **overrides)
        return super().__new__(cls)

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
            bwrap = backends.resolve_process_isolation(self.config) == "bwrap"
            log.warning(backends.BWRAP_WARNING if bwrap else backends.PROCESS_WARNING)
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
        twins = identical_programs(jobs)  # compiled once, judged once (GRPO groups repeat)
        repeats = {i for later in twins.values() for i in later}
        cursor = iter([i for i in range(len(jobs)) if i not in repeats])

        def next_job() -> int | None:
            with self._lock:
                return next(cursor, None)

        def done(index: int, result: ExecutionResult) -> None:
            copies = [(i, dataclasses.replace(result, id=jobs[i].id))
                      for i in twins.get(index, ())]
            for i, twin in [(index, result), *copies]:
                results[i] = twin
                if on_result is not None:
                    on_result(twin)

        def drain() -> None:
            worker = self._idle.get()
            try:
                _Feeder(self, worker, jobs, next_job, done).run()
            finally:
                self._idle.put(worker)

        threads = min(self.size, len(jobs) - len(repeats))
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

    def _payload(self, job: ExecutionJob) -> dict:
        row = job.to_dict()
        row["timeout_s"] = float(job.timeout_s or self.config.default_timeout_s)
        row["limits"] = self.config.job_limits()
        if job.memory_mb:
            row["limits"]["memory_mb"] = int(job.memory_mb)
        if get_language(job.language).name != "python":  # compile + run (docs/sandbox.md)
            row["program"] = program_payload(job, row["limits"])
        return row


def _failed(job: ExecutionJob, status: str, reason: str, started: float) -> ExecutionResult:
    tests = job.tests if isinstance(job.tests, list) else [job.tests]
    return ExecutionResult(id=job.id, status=status, passed=False, tests_passed=0,
                           tests_total=len(tests), reason=reason[:1000],
                           duration_s=round(time.monotonic() - started, 4))


@dataclass
class _InFlight:
    index: int
    line: bytes
    deadline_s: float
    failures: int = 0
    started: float = field(default_factory=time.monotonic)


class _Feeder:
    """Feeds one runner, keeping a second small job queued behind the running one so the
    runner never waits on the host; a dead runner is replaced and its jobs re-sent (the job
    that was running counts one failure; two failures give that job ``error``)."""

    DEPTH = 2
    PIPELINE_MAX_BYTES = 32 * 1024  # larger jobs are sent only once the runner is free

    def __init__(self, pool: SandboxPool, worker: Worker, jobs, next_job, done):
        self.pool, self.worker, self.jobs = pool, worker, jobs
        self.next_job, self.done = next_job, done
        self.queue: deque[_InFlight] = deque()  # sent, in order
        self.retry: deque[_InFlight] = deque()  # to be (re)sent first

    def run(self) -> None:
        while True:
            self._fill()
            if not self.queue:
                return
            head = self.queue[0]
            try:
                row = self.worker.receive(head.started + head.deadline_s)
                if str(row.get("id", "")) != str(self.jobs[head.index].id):
                    raise RunnerDied(f"result for {row.get('id')!r} out of order")
            except RunnerDied as exc:
                self._runner_died(str(exc))
                continue
            self.queue.popleft()
            self.done(head.index, ExecutionResult.from_dict({**row,
                                                             "id": self.jobs[head.index].id}))
            if self.queue:
                self.queue[0].started = time.monotonic()

    def _fill(self) -> None:
        while len(self.queue) < self.DEPTH:
            if self.queue and len(self.queue[-1].line) > self.PIPELINE_MAX_BYTES:
                return
            item = self.retry.popleft() if self.retry else self._new()
            if item is None:
                return
            if self.queue and len(item.line) > self.PIPELINE_MAX_BYTES:
                self.retry.appendleft(item)
                return
            if not self._ensure_runner(item):
                continue
            try:
                self.worker.send(item.line)
            except RunnerDied as exc:
                self.queue.append(item)
                self._runner_died(str(exc))
                continue
            if not self.queue:
                item.started = time.monotonic()
            self.queue.append(item)

    def _new(self) -> _InFlight | None:
        while True:
            index = self.next_job()
            if index is None:
                return None
            job = self.jobs[index]
            if is_supported(job.language):
                break
            try:
                get_language(job.language, f"job {job.id}: language")
            except CodetuneError as exc:  # the caller's mistake, never a reward of 0
                self.done(index, _failed(job, SANDBOX_ERROR, str(exc), time.monotonic()))
        payload = self.pool._payload(job)
        return _InFlight(index, json.dumps(payload).encode(),
                         self.worker.job_deadline(payload))

    def _ensure_runner(self, item: _InFlight) -> bool:
        if self.worker.alive():
            return True
        if not self.worker.unavailable():  # died between jobs (daemon restart): restart it
            try:
                self.worker.restart()
                return True
            except RunnerDied:
                pass
        self._give_up(item, SANDBOX_ERROR, "sandbox unavailable (runner could not be "
                      "restarted; is the Docker engine up?)")
        return False

    def _runner_died(self, reason: str) -> None:
        log.warning("sandbox runner %d died (%s); replacing it", self.worker.index, reason)
        lost = list(self.queue)
        self.queue.clear()
        if lost:
            lost[0].failures += 1  # only the job that was running is held responsible
        for item in reversed(lost):
            if item.failures >= 2:
                self._give_up(item, ERROR, "the sandbox died twice while running this job "
                              f"(the candidate killed or exhausted it?): {reason}")
            else:
                self.retry.appendleft(item)
        try:
            self.worker.restart()
        except RunnerDied:
            pass  # _ensure_runner fails the remaining jobs fast

    def _give_up(self, item: _InFlight, status: str, reason: str) -> None:
        self.done(item.index, _failed(self.jobs[item.index], status, reason, item.started))


def open_pool(config: SandboxConfig | None = None):
    """A pool for ``config``: a ``RemotePool`` for backend remote, else a local
    ``SandboxPool`` (not started: use it as a context manager or call ``start()``)."""
    config = config or SandboxConfig()
    if config.backend == "remote":
        return RemotePool(config)
    return SandboxPool(config)
