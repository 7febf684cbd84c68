"""`codetune sandbox serve`: job endpoints, metrics, token, busy answers, drain on SIGTERM."""

from __future__ import annotations

import base64
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from codetune.errors import CodetuneError
from codetune.sandbox.service.config import ServiceConfig, is_loopback

ADD = "def add(a, b):\n    return a + b\n"


def job(job_id: str, code: str = ADD, tests=("assert add(1, 2) == 3",), **extra) -> dict:
    return {"id": job_id, "code": code, "tests": list(tests), **extra}


@pytest.mark.docker
def test_batch_endpoint_returns_verdicts_in_order(service):
    jobs = [job("ok"), job("wrong", ADD.replace("+", "-")), job("exit", "import sys\nsys.exit(0)"),
            job("ok-again")]
    reply = requests.post(f"{service.url}/v1/jobs", json={"jobs": jobs}, timeout=60)
    assert reply.status_code == 200
    results = reply.json()["results"]
    assert [r["id"] for r in results] == ["ok", "wrong", "exit", "ok-again"]
    assert [r["passed"] for r in results] == [True, False, False, True]
    assert results[2]["status"] == "exit_called"


@pytest.mark.docker
def test_single_job_endpoint_runs_stdio_cases(service):
    body = {"id": "cases", "code": "print(int(input()) * 2)",
            "cases": [{"input": "2\n", "output": "4\n"}, {"input": "5\n", "output": "11\n"}],
            "stop_on_failure": False}
    result = requests.post(f"{service.url}/v1/job", json=body, timeout=60).json()
    assert result["id"] == "cases" and not result["passed"]
    assert [c["status"] for c in result["cases"]] == ["accepted", "wrong_answer"]


@pytest.mark.docker
def test_invalid_job_is_422(service):
    reply = requests.post(f"{service.url}/v1/jobs", json={"jobs": [{"code": "x = 1"}]},
                          timeout=10)
    assert reply.status_code == 422 and "id" in reply.text


@pytest.mark.docker
def test_metrics_count_verdicts_queue_and_latency(service):
    requests.post(f"{service.url}/v1/jobs", json={"jobs": [job("m1"), job("m2", "x = (")]},
                  timeout=60)
    text = requests.get(f"{service.url}/metrics", timeout=10).text
    for name in ("codetune_sandbox_queue_depth ", "codetune_sandbox_runners_busy ",
                 "codetune_sandbox_runners 2.0",
                 'codetune_sandbox_verdicts_total{verdict="accepted"}',
                 'codetune_sandbox_verdicts_total{verdict="compile_error"}',
                 'codetune_sandbox_request_seconds_bucket{endpoint="/v1/jobs"'):
        assert name in text, name


@pytest.mark.docker
def test_readiness_reports_the_pool(service):
    body = requests.get(f"{service.url}/readyz", timeout=10).json()
    assert body["ready"] and body["workers"] == 2 and not body["draining"]


@pytest.mark.docker
def test_token_is_required_when_set(start_service):
    secured = start_service("secured", token="s3cret", workers=1)
    url = secured.url
    assert requests.post(f"{url}/v1/job", json=job("t"), timeout=10).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert requests.post(f"{url}/v1/job", json=job("t"), headers=wrong,
                         timeout=10).status_code == 401
    assert requests.get(f"{url}/metrics", headers=wrong, timeout=10).status_code == 401
    right = {"Authorization": "Bearer s3cret"}
    assert requests.post(f"{url}/v1/job", json=job("t"), headers=right,
                         timeout=60).json()["passed"]
    # verl's client sends no headers: the token travels as the URL's password (Basic auth)
    basic_url = url.replace("http://", "http://codetune:s3cret@")
    answer = requests.post(f"{basic_url}/run_code", timeout=60,
                           json={"code": "print(1)", "language": "python"}).json()
    assert answer["status"] == "Success"
    basic_wrong = "Basic " + base64.b64encode(b"codetune:nope").decode()
    assert requests.post(f"{url}/run_code", headers={"Authorization": basic_wrong}, timeout=10,
                         json={"code": "print(1)", "language": "python"}).status_code == 401
    assert requests.get(f"{url}/v1/ping", timeout=10).json() == "pong"  # open for probes


def test_refuses_to_listen_beyond_loopback_without_a_token(monkeypatch):
    monkeypatch.delenv("CODETUNE_SANDBOX_TOKEN", raising=False)
    with pytest.raises(CodetuneError, match="without a token"):
        ServiceConfig(host="0.0.0.0").validate()
    ServiceConfig(host="127.0.0.1").validate()
    monkeypatch.setenv("CODETUNE_SANDBOX_TOKEN", "x" * 32)
    ServiceConfig(host="0.0.0.0").validate()
    assert is_loopback("localhost") and not is_loopback("0.0.0.0")


def test_serve_command_refuses_a_public_address_without_a_token():
    env = {k: v for k, v in __import__("os").environ.items() if k != "CODETUNE_SANDBOX_TOKEN"}
    proc = subprocess.run([sys.executable, "-m", "codetune.cli", "sandbox", "serve", "--host",
                           "0.0.0.0", "--backend", "process"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0
    assert "refusing to listen on 0.0.0.0 without a token" in proc.stdout + proc.stderr


@pytest.mark.docker
def test_full_queue_answers_busy(start_service):
    small = start_service("small-queue", "--set", "max_queue=2", workers=1)
    reply = requests.post(f"{small.url}/v1/jobs", json={"jobs": [job(str(i)) for i in range(3)]},
                          timeout=10)
    assert reply.status_code == 503 and "busy" in reply.json()["detail"]
    assert reply.headers["Retry-After"] == "1"
    assert requests.post(f"{small.url}/v1/jobs", json={"jobs": [job("a"), job("b")]},
                         timeout=60).status_code == 200
    assert 'codetune_sandbox_refused_total{reason="busy"} 1.0' in requests.get(
        f"{small.url}/metrics", timeout=10).text


@pytest.mark.docker
def test_sigterm_drains_requests_in_flight(start_service):
    draining = start_service("draining", workers=1)
    answers = []
    slow = {"code": "import time\ntime.sleep(3)\nprint('finished')", "language": "python"}
    client = threading.Thread(target=lambda: answers.append(
        requests.post(f"{draining.url}/run_code", json=slow, timeout=60)))
    client.start()
    while "codetune_sandbox_runners_busy 1.0" not in requests.get(
            f"{draining.url}/metrics", timeout=10).text:
        time.sleep(0.05)
    draining.signal(signal.SIGTERM)
    client.join()
    # uvicorn re-raises the signal once the drain is over: the exit is SIGTERM's, not a crash
    assert draining.proc.wait(60) in (0, -signal.SIGTERM)
    assert answers[0].status_code == 200
    assert answers[0].json()["run_result"]["stdout"] == "finished\n"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{draining.url}/v1/ping", timeout=5)
