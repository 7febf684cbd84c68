"""Run the service with uvicorn: a body-size cap in front, readiness off and a drain on SIGTERM."""

from __future__ import annotations

import json
import os

import uvicorn

from codetune.artifacts import atomic_write_text
from codetune.console import log
from codetune.errors import CodetuneError
from codetune.sandbox.service.app import create_app
from codetune.sandbox.service.config import ServiceConfig


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI wrapper: a body over ``max_bytes`` (declared or streamed) is answered 413."""

    def __init__(self, app, max_bytes: int, on_refused=None):
        self.app, self.max_bytes, self.on_refused = app, max_bytes, on_refused

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(send)
        seen = 0
        over = started = False

        async def limited_receive():
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    over = True
                    raise _TooLarge
            return message

        async def guarded_send(message):
            # The framework may turn the read error into its own 400: answer 413 instead.
            nonlocal started
            if over:
                if not started:
                    started = True
                    await self._refuse(send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send) -> None:
        if self.on_refused is not None:
            self.on_refused()
        limit = f"{self.max_bytes / (1 << 20):g} MiB"
        body = json.dumps({"detail": f"request body larger than this server's limit of "
                                     f"{limit} (max_body_mb)"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class _DrainingServer(uvicorn.Server):
    """uvicorn's server: readiness goes 503 at SIGTERM/SIGINT, requests in flight finish
    (``timeout_graceful_shutdown``), then the pool closes; the ready file names the real port."""

    def __init__(self, config: uvicorn.Config, state, service: ServiceConfig):
        super().__init__(config)
        self.state, self.service = state, service

    def handle_exit(self, sig, frame) -> None:
        if not self.state.draining:
            log.info("sandbox service: signal %s, draining (requests in flight finish)", sig)
        self.state.draining = True
        super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        if await super().on_tick(counter):
            return True
        idle_exit_s = self.service.idle_exit_s
        if idle_exit_s > 0 and counter % 10 == 0 and self.state.idle_for() > idle_exit_s:
            log.info("sandbox service: no job for %.0f s, exiting", idle_exit_s)
            self.state.draining = True
            return True
        return False

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        if self.should_exit or not self.servers:
            return
        port = self.servers[0].sockets[0].getsockname()[1]
        url = f"http://{_url_host(self.service.host)}:{port}"
        log.info("sandbox service listening on %s (token %s)", url,
                 "required" if self.service.token() else "off: loopback only")
        if self.service.ready_file:
            atomic_write_text(self.service.ready_file,
                              json.dumps({"url": url, "pid": os.getpid()}))


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def serve(config: ServiceConfig, pool_factory=None) -> None:
    """Serve until SIGTERM/SIGINT, then drain and close the pool."""
    config.validate()
    app = create_app(config, pool_factory)
    state = app.state.service
    wrapped = BodyLimit(app, config.max_body_bytes(),
                        on_refused=lambda: state.metrics.refused.labels("too_large").inc())
    uv_config = uvicorn.Config(wrapped, host=config.host, port=config.port, lifespan="on",
                               log_level="warning", access_log=False,
                               timeout_graceful_shutdown=int(config.drain_timeout_s),
                               limit_concurrency=None, timeout_keep_alive=30)
    state.start()  # before uvicorn: a pool that cannot start is the usual one-line error
    log.info("sandbox service: %s warm", state.describe())
    server = _DrainingServer(uv_config, state, config)
    try:
        server.run()
    finally:
        state.stop()  # also when the port could not be bound
    if not server.started:
        raise CodetuneError(f"sandbox service could not listen on {config.host}:{config.port} "
                            "(in use? try --port 0)")
