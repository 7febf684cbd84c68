"""Prometheus metrics of one service (its own registry, so several apps can live in a process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class ServiceMetrics:
    """Queue depth, busy runners, verdict counts, request and job latency, refusals."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.queue_depth = Gauge("codetune_sandbox_queue_depth",
                                 "jobs waiting for a runner", registry=r)
        self.runners = Gauge("codetune_sandbox_runners", "warm runners in the pool", registry=r)
        self.runners_busy = Gauge("codetune_sandbox_runners_busy",
                                  "runners judging a job now", registry=r)
        self.verdicts = Counter("codetune_sandbox_verdicts", "jobs judged, by verdict",
                                ["verdict"], registry=r)
        self.requests = Counter("codetune_sandbox_requests", "HTTP requests answered",
                                ["endpoint", "code"], registry=r)
        self.refused = Counter("codetune_sandbox_refused",
                               "requests refused (busy, unauthorized, too_large, invalid)",
                               ["reason"], registry=r)
        self.request_seconds = Histogram("codetune_sandbox_request_seconds",
                                         "request latency", ["endpoint"],
                                         buckets=LATENCY_BUCKETS, registry=r)
        self.job_seconds = Histogram("codetune_sandbox_job_seconds",
                                     "time from a job's arrival to its verdict",
                                     buckets=LATENCY_BUCKETS, registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)
