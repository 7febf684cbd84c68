"""The bounded job queue between HTTP requests and the pool: fair, pipelined, answering busy.

Requests put jobs on one queue; one dispatcher thread per runner takes a few of one request's
jobs at a time and runs them with ``SandboxPool.run_many``, resolving each job's future as its
verdict arrives (``on_result``), so a slow job never holds back another request's answer.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

from codetune.console import log
from codetune.sandbox.service.metrics import ServiceMetrics
from codetune.sandbox.types import SANDBOX_ERROR, ExecutionJob, ExecutionResult


class Busy(Exception):
    """The queue is full: the caller answers 503 and the client retries later."""


@dataclass
class _Queued:
    job: ExecutionJob  # with an internal id, unique in this service
    original_id: str
    future: Future
    request: int  # jobs of one request may share a runner; others' never queue behind them
    arrived: float = field(default_factory=time.monotonic)


class JobDispatcher:
    """``submit(jobs) -> futures``; ``close()`` finishes what is queued, then stops."""

    def __init__(self, pool, max_queue: int, chunk_jobs: int, metrics: ServiceMetrics):
        self.pool, self.max_queue, self.chunk_jobs = pool, max_queue, chunk_jobs
        self.metrics = metrics
        self._queue: deque[_Queued] = deque()
        self._cond = threading.Condition()
        self._ids = itertools.count()
        self._running = 0
        self._stopping = False
        self._threads = [threading.Thread(target=self._loop, name=f"sandbox-dispatch-{i}",
                                          daemon=True) for i in range(max(1, pool.size))]
        metrics.runners.set(pool.size)
        for thread in self._threads:
            thread.start()

    @property
    def queued(self) -> int:
        return len(self._queue)

    @property
    def running(self) -> int:
        return self._running

    def submit(self, jobs: list[ExecutionJob]) -> list[Future]:
        """Queue ``jobs`` (all or none); ``Busy`` when they would overflow the queue."""
        with self._cond:
            if self._stopping:
                raise Busy("the service is draining (shutting down)")
            if len(self._queue) + len(jobs) > self.max_queue:
                raise Busy(f"busy: {len(self._queue)} jobs queued, {len(jobs)} more would "
                           f"exceed max_queue {self.max_queue}; retry later")
            request = next(self._ids)
            items = [_Queued(replace(job, id=f"q{next(self._ids)}"), job.id, Future(), request)
                     for job in jobs]
            self._queue.extend(items)
            self.metrics.queue_depth.set(len(self._queue))
            self._cond.notify_all()
        return [item.future for item in items]

    def close(self, timeout_s: float = 60.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _take(self) -> list[_Queued] | None:
        with self._cond:
            while not self._queue:
                if self._stopping:
                    return None
                self._cond.wait()
            # The pool queues a job behind the running one on the same runner, so a chunk only
            # holds jobs of one request: another client's job never waits behind a slow one.
            chunk = [self._queue.popleft()]
            while (self._queue and len(chunk) < self.chunk_jobs
                   and self._queue[0].request == chunk[0].request):
                chunk.append(self._queue.popleft())
            chunk = [item for item in chunk if not item.future.cancelled()]
            self._running += len(chunk)
            self.metrics.queue_depth.set(len(self._queue))
            self.metrics.runners_busy.set(min(self._running, self.pool.size))
            return chunk

    def _loop(self) -> None:
        while (chunk := self._take()) is not None:
            if chunk:
                self._run(chunk)

    def _run(self, chunk: list[_Queued]) -> None:
        by_id = {item.job.id: item for item in chunk}

        def resolve(result: ExecutionResult) -> None:
            item = by_id.pop(result.id, None)
            if item is None:
                return
            self.metrics.verdicts.labels(result.verdict).inc()
            self.metrics.job_seconds.observe(time.monotonic() - item.arrived)
            if not item.future.done():
                item.future.set_result(replace(result, id=item.original_id))

        try:
            self.pool.run_many([item.job for item in chunk], on_result=resolve)
        except Exception as exc:  # the pool itself failed: never leave a request hanging
            log.warning("sandbox pool failed on a chunk of %d jobs: %s", len(chunk), exc)
        for item in list(by_id.values()):  # no verdict came back for these
            resolve(ExecutionResult(id=item.job.id, status=SANDBOX_ERROR, passed=False,
                                    reason="the sandbox pool returned no verdict"))
        with self._cond:
            self._running -= len(chunk)
            self.metrics.runners_busy.set(min(self._running, self.pool.size))
