"""The FastAPI app: job endpoints, SandboxFusion's ``run_code``, health, metrics, auth."""

from __future__ import annotations

import asyncio
import base64
import binascii
import secrets
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from codetune.sandbox.service import run_code as rc
from codetune.sandbox.service.config import ServiceConfig
from codetune.sandbox.service.dispatch import Busy, JobDispatcher
from codetune.sandbox.service.metrics import ServiceMetrics
from codetune.sandbox.types import ExecutionJob, ExecutionResult

OPEN_PATHS = ("/healthz", "/readyz", "/v1/ping")  # answered without a token


class BatchRequest(BaseModel):
    jobs: list[ExecutionJob] = Field(min_length=1)


class ServiceState:
    """What the endpoints share: the pool, its dispatcher, metrics and the drain flag."""

    def __init__(self, config: ServiceConfig, pool_factory):
        self.config, self.pool_factory = config, pool_factory
        self.metrics = ServiceMetrics()
        self.pool = None
        self.dispatcher: JobDispatcher | None = None
        self.draining = False
        self.last_request = time.monotonic()

    def idle_for(self) -> float:
        """Seconds since the last job request, 0 while jobs are queued or running."""
        if self.dispatcher is None or self.dispatcher.queued or self.dispatcher.running:
            return 0.0
        return time.monotonic() - self.last_request

    def start(self) -> None:
        if self.dispatcher is not None:
            return
        self.pool = self.pool_factory(self.config.pool_config()).start()
        self.dispatcher = JobDispatcher(self.pool, self.config.max_queue,
                                        self.config.chunk_jobs, self.metrics)
        self.last_request = time.monotonic()  # the idle clock starts once warm

    def stop(self) -> None:
        self.draining = True
        if self.dispatcher is not None:
            self.dispatcher.close(self.config.drain_timeout_s)
        if self.pool is not None:
            self.pool.close()
        self.dispatcher = self.pool = None

    def ready(self) -> bool:
        return self.dispatcher is not None and not self.draining

    def describe(self) -> str:
        return f"{self.pool.size} {self.config.sandbox.backend} runners"


def create_app(config: ServiceConfig, pool_factory=None) -> FastAPI:
    """The service app; the pool starts with the app's lifespan and closes after the drain."""
    if pool_factory is None:
        from codetune.sandbox.pool import SandboxPool as pool_factory
    state = ServiceState(config, pool_factory)
    token = config.token()

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        await asyncio.to_thread(state.start)  # a no-op when serve() started it already
        try:
            yield
        finally:
            await asyncio.to_thread(state.stop)

    app = FastAPI(title="codetune sandbox", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.service = state

    @app.middleware("http")
    async def observe(request: Request, call_next):
        started = time.monotonic()
        path = request.url.path
        if token and path not in OPEN_PATHS and not _authorized(request, token):
            state.metrics.refused.labels("unauthorized").inc()
            response = JSONResponse({"detail": "missing or wrong token (send Authorization: "
                                               "Bearer TOKEN)"}, status_code=401,
                                    headers={"WWW-Authenticate": "Bearer"})
        else:
            if path not in OPEN_PATHS and path != "/metrics":
                state.last_request = time.monotonic()
            response = await call_next(request)
        state.metrics.requests.labels(path, str(response.status_code)).inc()
        state.metrics.request_seconds.labels(path).observe(time.monotonic() - started)
        return response

    async def judge(jobs: list[ExecutionJob]) -> list[ExecutionResult]:
        if not state.ready():
            raise HTTPException(503, "the service is not ready (starting or draining)",
                                headers={"Retry-After": "1"})
        try:
            futures = state.dispatcher.submit(jobs)
        except Busy as exc:
            state.metrics.refused.labels("busy").inc()
            raise HTTPException(503, str(exc), headers={"Retry-After": "1"}) from None
        return list(await asyncio.gather(*(asyncio.wrap_future(f) for f in futures)))

    def check_jobs(jobs: list[ExecutionJob]) -> None:
        if len(jobs) > config.max_batch_jobs:
            raise HTTPException(422, f"{len(jobs)} jobs exceed max_batch_jobs "
                                     f"{config.max_batch_jobs}; split the batch")
        for job in jobs:
            if job.memory_mb and job.memory_mb > config.max_memory_mb:
                raise HTTPException(422, f"job {job.id!r}: memory_mb {job.memory_mb} exceeds "
                                         f"this server's maximum {config.max_memory_mb}")

    @app.post("/v1/jobs")
    async def run_batch(body: BatchRequest) -> dict:
        """A whole batch (a GRPO step's completions); results in the jobs' order."""
        check_jobs(body.jobs)
        return {"results": [r.to_dict() for r in await judge(body.jobs)]}

    @app.post("/v1/job")
    async def run_one(job: ExecutionJob) -> dict:
        check_jobs([job])
        return (await judge([job]))[0].to_dict()

    @app.post("/run_code", response_model=rc.RunCodeResponse)
    async def run_code(body: rc.RunCodeRequest) -> rc.RunCodeResponse:
        """SandboxFusion's endpoint (verl's and SandboxFusion's SDK clients work unchanged)."""
        language = rc.resolve_language(body.language)
        if language is None:
            return rc.unsupported_language(body.language)
        try:
            job = rc.to_job(body, config.max_memory_mb, language)
        except rc.RequestRefused as exc:
            state.metrics.refused.labels("invalid").inc()
            raise HTTPException(422, str(exc)) from None
        return rc.to_response((await judge([job]))[0])

    @app.get("/v1/ping")
    async def ping() -> str:
        return "pong"

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"ok": True}

    def readiness() -> JSONResponse:
        ready = state.ready()
        body = {"ready": ready, "draining": state.draining,
                "workers": state.pool.size if state.pool else 0,
                "queued": state.dispatcher.queued if state.dispatcher else 0,
                "max_queue": config.max_queue, "max_memory_mb": config.max_memory_mb,
                "max_body_mb": config.max_body_mb}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        return readiness()

    @app.get("/v1/info")
    async def info() -> JSONResponse:
        """Readiness behind the token: what remote pools probe (a wrong token shows here)."""
        return readiness()

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(state.metrics.render(), media_type="text/plain; version=0.0.4")

    return app


def _authorized(request: Request, token: str) -> bool:
    """``Bearer TOKEN``, or Basic auth with TOKEN as the password (a URL such as
    ``http://codetune:TOKEN@host:8080`` makes clients that send no headers, like verl's, work)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return secrets.compare_digest(value.strip().encode(), token.encode())
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        return secrets.compare_digest(decoded.partition(":")[2].encode(), token.encode())
    return False
