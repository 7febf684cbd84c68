"""``backend: remote``: run_many over two real services, dead and slow hosts, tokens."""

from __future__ import annotations

import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from codetune.errors import CodetuneError
from codetune.sandbox import (
    ExecutionJob,
    RemotePool,
    SandboxConfig,
    SandboxPool,
    open_pool,
)
from codetune.sandbox.types import PASSED, SANDBOX_ERROR

pytestmark = pytest.mark.docker


def jobs(n: int, sleep_s: float = 0.0) -> list[ExecutionJob]:
    code = f"import time\ndef sq(x):\n    time.sleep({sleep_s})\n    return x * x\n"
    return [ExecutionJob(id=f"j{i}", code=code, tests=[f"assert sq({i}) == {i * i}"])
            for i in range(n)]


def remote(*urls: str, **kw) -> RemotePool:
    return open_pool(SandboxConfig(backend="remote", endpoints=list(urls), **kw))


def judged(url: str) -> float:
    text = requests.get(f"{url}/metrics", timeout=10).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("codetune_sandbox_verdicts_total{"))


@pytest.fixture(scope="module")
def two_hosts(start_service):
    return start_service("host-a", workers=1), start_service("host-b", workers=1)


def test_open_pool_and_sandbox_pool_give_a_remote_pool_for_backend_remote():
    config = SandboxConfig(backend="remote", endpoints=["http://127.0.0.1:9"])
    assert isinstance(open_pool(config), RemotePool)
    assert isinstance(SandboxPool(config), RemotePool)  # every call site works with hosts
    assert isinstance(SandboxPool(SandboxConfig(backend="process")), SandboxPool)
    with pytest.raises(CodetuneError, match="needs endpoints"):
        open_pool(SandboxConfig(backend="remote"))


def test_a_batch_spreads_over_both_hosts(two_hosts):
    a, b = two_hosts
    before = judged(a.url), judged(b.url)
    with remote(a.url, b.url) as pool:
        assert pool.size == 2
        results = pool.run_many(jobs(24, 0.05))
    assert [r.id for r in results] == [f"j{i}" for i in range(24)]
    assert all(r.status == PASSED for r in results)
    assert judged(a.url) > before[0] and judged(b.url) > before[1]


def test_a_host_killed_mid_batch_loses_nothing_and_judges_nothing_twice(start_service):
    doomed, survivor = start_service("doomed", workers=1), start_service("survivor", workers=1)
    seen: list[str] = []

    def on_result(result) -> None:
        seen.append(result.id)
        if len(seen) == 4:
            doomed.signal(signal.SIGKILL)

    with remote(doomed.url, survivor.url) as pool:
        results = pool.run_many(jobs(30, 0.2), on_result=on_result)
        assert not pool.hosts[0].healthy and pool.hosts[1].healthy
    assert doomed.proc.wait(30) == -signal.SIGKILL
    assert [r.status for r in results] == [PASSED] * 30
    assert sorted(seen) == sorted(f"j{i}" for i in range(30))  # each verdict exactly once


class _SlowProxy(BaseHTTPRequestHandler):
    """Forwards to ``upstream`` after ``delay_s``: a host that answers slowly."""

    upstream = ""
    delay_s = 1.5

    def _forward(self, method: str) -> None:
        time.sleep(self.delay_s)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        reply = requests.request(method, self.upstream + self.path, data=body or None,
                                 headers={"Content-Type": "application/json"}, timeout=120)
        self.send_response(reply.status_code)
        self.send_header("Content-Type", reply.headers.get("content-type", "application/json"))
        self.send_header("Content-Length", str(len(reply.content)))
        self.end_headers()
        self.wfile.write(reply.content)

    def do_GET(self) -> None:  # noqa: N802 - http.server's names
        self._forward("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._forward("POST")

    def log_message(self, *args) -> None:
        pass


def test_a_slow_host_does_not_hold_the_batch_back(two_hosts):
    a, b = two_hosts
    handler = type("Proxy", (_SlowProxy,), {"upstream": b.url})
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        slow_url = f"http://127.0.0.1:{proxy.server_address[1]}"
        slow_before = judged(b.url)
        with remote(a.url, slow_url) as pool:
            results = pool.run_many(jobs(40))
        assert all(r.status == PASSED for r in results)
        assert judged(b.url) - slow_before < 40  # the fast host took its share
    finally:
        proxy.shutdown()


def test_no_host_answering_is_a_grader_error_not_a_zero(start_service):
    lonely = start_service("lonely", workers=1)
    with remote(lonely.url) as pool:
        lonely.kill()
        results = pool.run_many(jobs(3))
    assert [r.status for r in results] == [SANDBOX_ERROR] * 3
    assert all("no sandbox host answered" in r.reason for r in results)


def test_no_host_at_start_is_a_clear_error():
    with pytest.raises(CodetuneError, match="no sandbox host answered: http://127.0.0.1:9"):
        remote("http://127.0.0.1:9").start()


def test_wrong_token_is_refused(start_service, monkeypatch):
    secured = start_service("remote-secured", token="right-token", workers=1)
    monkeypatch.setenv("CODETUNE_SANDBOX_TOKEN", "wrong-token")
    with pytest.raises(CodetuneError, match="wrong token"):
        remote(secured.url).start()
    monkeypatch.setenv("CODETUNE_SANDBOX_TOKEN", "right-token")
    with remote(secured.url) as pool:
        assert pool.run(jobs(1)[0]).status == PASSED


def test_execution_reward_through_remote_hosts_masks_a_dead_sandbox(start_service):
    from codetune.rewards.execution import make_execution_reward

    host = start_service("reward-host", workers=1)
    tests = ["assert add(1, 2) == 3", "assert add(2, 2) == 4"]
    right, wrong = "def add(a, b):\n    return a + b\n", "def add(a, b):\n    return a * b\n"
    with remote(host.url) as pool:
        reward = make_execution_reward(pool=pool)
        assert reward([right, wrong], tests=[tests, tests]) == [1.0, 0.5]
        host.kill()
        assert reward([right], tests=[tests]) == [None]  # a grader error, never a 0

