"""Faults for benchmarks/sandbox_service.py (not a benchmark of its own): a host killed
mid-batch, a slow host, a wrong token, an oversized request -- what happened to each batch."""

from __future__ import annotations

import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from codetune.errors import CodetuneError
from codetune.sandbox import ExecutionJob, SandboxConfig, open_pool
from codetune.sandbox.service.launch import LocalService
from codetune.sandbox.types import PASSED


def _jobs(n: int, sleep_s: float) -> list[ExecutionJob]:
    code = f"import time\ndef sq(x):\n    time.sleep({sleep_s})\n    return x * x\n"
    return [ExecutionJob(id=f"f{i}", code=code, tests=[f"assert sq({i}) == {i * i}"])
            for i in range(n)]


def _remote(*urls: str):
    return open_pool(SandboxConfig(backend="remote", endpoints=list(urls)))


def killed_mid_batch(n: int = 60) -> str:
    with LocalService(workers=1) as doomed, LocalService(workers=1) as survivor:
        seen: list[str] = []

        def on_result(result) -> None:
            seen.append(result.id)
            if len(seen) == n // 6:
                doomed.signal(signal.SIGKILL)

        start = time.perf_counter()
        with _remote(doomed.url, survivor.url) as pool:
            results = pool.run_many(_jobs(n, 0.1), on_result=on_result)
        seconds = time.perf_counter() - start
    lost = sum(r.status != PASSED for r in results)
    twice = len(seen) - len(set(seen))
    return (f"{n} jobs, one of two hosts SIGKILLed after {n // 6} verdicts: batch done in "
            f"{seconds:.1f} s, {lost} lost, {twice} judged twice")


class _Slow(BaseHTTPRequestHandler):
    upstream, delay_s = "", 1.0

    def do_POST(self) -> None:  # noqa: N802
        self._forward("POST")

    def do_GET(self) -> None:  # noqa: N802
        self._forward("GET")

    def _forward(self, method: str) -> None:
        time.sleep(self.delay_s)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        reply = requests.request(method, self.upstream + self.path, data=body or None,
                                 headers={"Content-Type": "application/json"}, timeout=300)
        self.send_response(reply.status_code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply.content)))
        self.end_headers()
        self.wfile.write(reply.content)

    def log_message(self, *args) -> None:
        pass


def slow_host(n: int = 80) -> str:
    with LocalService(workers=1) as fast, LocalService(workers=1) as slow:
        proxy = ThreadingHTTPServer(("127.0.0.1", 0),
                                    type("P", (_Slow,), {"upstream": slow.url}))
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        try:
            url = f"http://127.0.0.1:{proxy.server_address[1]}"
            start = time.perf_counter()
            with _remote(fast.url, url) as pool:
                results = pool.run_many(_jobs(n, 0.02))
            seconds = time.perf_counter() - start
            text = requests.get(f"{slow.url}/metrics", timeout=10).text
            on_slow = sum(float(x.rsplit(" ", 1)[1]) for x in text.splitlines()
                          if x.startswith("codetune_sandbox_verdicts_total{"))
        finally:
            proxy.shutdown()
    ok = sum(r.status == PASSED for r in results)
    return (f"{n} jobs, one host answering 1 s late: {ok}/{n} passed in {seconds:.1f} s; the "
            f"slow host judged {on_slow:.0f}")


def wrong_token() -> str:
    with LocalService(workers=1, token="right") as secured:
        before = os.environ.get("CODETUNE_SANDBOX_TOKEN")
        os.environ["CODETUNE_SANDBOX_TOKEN"] = "wrong"
        try:
            _remote(secured.url).start()
            outcome = "accepted (WRONG)"
        except CodetuneError as exc:
            outcome = f"refused: {str(exc)[:90]}"
        finally:
            os.environ.pop("CODETUNE_SANDBOX_TOKEN")
            if before is not None:
                os.environ["CODETUNE_SANDBOX_TOKEN"] = before
        status = requests.post(f"{secured.url}/v1/job", timeout=10,
                               json={"id": "x", "code": "pass"}).status_code
    return f"RemotePool {outcome}; a POST without the token: HTTP {status}"


def oversized() -> str:
    with LocalService(workers=1) as service:
        reply = requests.post(f"{service.url}/run_code", timeout=60, json={
            "code": "print(1)", "language": "python", "stdin": "x" * (17 << 20)})
        ok = requests.get(f"{service.url}/v1/ping", timeout=10).json()
    return f"17 MiB body: HTTP {reply.status_code} {reply.json()['detail']!r}; then ping: {ok}"


def measure_faults() -> dict:
    return {"host killed mid-batch": killed_mid_batch(), "slow host": slow_host(),
            "wrong token": wrong_token(), "request over the size limit": oversized()}
