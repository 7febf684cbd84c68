"""SandboxFusion's run_code contract (issue 24), through real HTTP with verl's request body."""

from __future__ import annotations

import base64
import json
import socket
import threading
from urllib.parse import urlparse

import pytest
import requests

pytestmark = pytest.mark.docker

RUN_STATUSES = {"Finished", "TimeLimitExceeded", "Error"}


def verl_body(code: str, stdin: str | None = "", **extra) -> dict:
    """The eight fields verl's sandbox_fusion client sends (utils.call_sandbox_api)."""
    return {"compile_timeout": 10, "run_timeout": 10, "code": code, "stdin": stdin,
            "memory_limit_MB": 1024, "language": "python", "files": {}, "fetch_files": [],
            **extra}


def run_code(service, body: dict, expect: int = 200) -> dict:
    reply = requests.post(f"{service.url}/run_code", json=body, timeout=60)
    assert reply.status_code == expect, reply.text
    answer = reply.json()
    if expect == 200:
        assert answer["status"] in ("Success", "Failed", "SandboxError")
        assert isinstance(answer["message"], str)
        run = answer["run_result"]
        if run is not None:
            assert run["status"] in RUN_STATUSES
            if run["status"] == "Finished":
                assert isinstance(run["stdout"], str) and isinstance(run["stderr"], str)
    return answer


def test_ping_answers_pong(service):
    reply = requests.get(f"{service.url}/v1/ping", timeout=10)
    assert reply.status_code == 200 and reply.json() == "pong"


@pytest.mark.parametrize("payload", [b"{not json", b'{"language": "python"}',
                                     b'{"code": 3, "language": "python"}', b"[]"])
def test_malformed_body_is_422_and_the_server_keeps_serving(service, payload):
    reply = requests.post(f"{service.url}/run_code", data=payload, timeout=10,
                          headers={"Content-Type": "application/json"})
    assert reply.status_code == 422
    assert run_code(service, verl_body("print('still here')"))["status"] == "Success"


def test_unknown_fields_are_ignored(service):
    answer = run_code(service, verl_body("print(1)", extra_field=True, cpu_limit=3))
    assert answer["status"] == "Success" and answer["run_result"]["stdout"] == "1\n"


def test_exit_code_decides_the_status(service):
    ok = run_code(service, verl_body("import sys\nprint('done')\nsys.exit(0)"))
    assert ok["status"] == "Success" and ok["run_result"]["return_code"] == 0
    bad = run_code(service, verl_body("import sys\nsys.exit(3)"))
    assert bad["status"] == "Failed"
    assert bad["run_result"] == {**bad["run_result"], "status": "Finished", "return_code": 3}
    assert "exit_called" not in json.dumps(ok) + json.dumps(bad)


def test_exception_is_failed_with_its_traceback(service):
    answer = run_code(service, verl_body("raise ValueError('boom')"))
    assert answer["status"] == "Failed" and answer["compile_result"] is None
    assert answer["run_result"]["return_code"] == 1
    assert "ValueError: boom" in answer["run_result"]["stderr"]


def test_timeout_is_failed_with_null_return_code(service):
    answer = run_code(service, verl_body("while True: pass", run_timeout=1))
    assert answer["status"] == "Failed"
    assert answer["run_result"]["status"] == "TimeLimitExceeded"
    assert answer["run_result"]["return_code"] is None


def test_null_stdin_is_eof_at_once(service):
    answer = run_code(service, verl_body("import sys\nprint(repr(sys.stdin.read()))",
                                         stdin=None, run_timeout=5))
    assert answer["status"] == "Success" and answer["run_result"]["stdout"] == "''\n"


def test_stdin_reaches_the_program(service):
    answer = run_code(service, verl_body("a, b = map(int, input().split())\nprint(a + b)",
                                         stdin="2 3\n"))
    assert answer["run_result"]["stdout"] == "5\n"


def test_code_runs_as_main(service):
    answer = run_code(service, verl_body("if __name__ == '__main__':\n    print('main')"))
    assert answer["run_result"]["stdout"] == "main\n"


def test_output_comes_back_whole(service):
    code = ("import sys\nfor i in range(10000):\n    sys.stdout.write(f'{i:09d}\\n')\n"
            "sys.stderr.write('e' * 5000)")
    answer = run_code(service, verl_body(code))
    expected = "".join(f"{i:09d}\n" for i in range(10000))  # 100,000 bytes
    assert answer["run_result"]["stdout"] == expected
    stderr = answer["run_result"]["stderr"]  # stderr: its first keep_output_bytes (4 KiB)
    assert stderr == "e" * len(stderr) and len(stderr) >= 4096


def test_600_mib_program_succeeds_under_verls_1024_mib_request(service):
    code = "x = bytearray(600 * 1024 * 1024)\nx[-1] = 1\nprint(len(x) >> 20)"
    answer = run_code(service, verl_body(code, run_timeout=20))
    assert answer["status"] == "Success", answer
    assert answer["run_result"]["stdout"] == "600\n"


def test_memory_limit_is_honoured_below_the_request(service):
    code = "x = bytearray(600 * 1024 * 1024)\nprint('allocated')"
    answer = run_code(service, verl_body(code, memory_limit_MB=256))
    assert answer["status"] == "Failed"
    assert "allocated" not in answer["run_result"]["stdout"]


def test_memory_request_over_the_maximum_is_refused_clearly(service):
    reply = requests.post(f"{service.url}/run_code", timeout=10,
                          json=verl_body("print(1)", memory_limit_MB=1 << 20))
    assert reply.status_code == 422
    assert "exceeds this server's maximum" in reply.json()["detail"]


def test_4_mib_stdin_is_accepted(service):
    answer = run_code(service, verl_body("import sys\nprint(len(sys.stdin.read()))",
                                         stdin="x" * (4 << 20)))
    assert answer["status"] == "Success" and answer["run_result"]["stdout"] == f"{4 << 20}\n"


def test_body_over_the_cap_is_413(service):
    reply = requests.post(f"{service.url}/run_code", timeout=30,
                          json=verl_body("print(1)", stdin="x" * (17 << 20)))
    assert reply.status_code == 413
    assert "limit of 16 MiB" in reply.json()["detail"]


def test_streamed_body_over_the_cap_is_413(service):
    def chunks():  # no Content-Length: the cap counts what arrives
        yield b'{"code": "print(1)", "language": "python", "stdin": "'
        for _ in range(18):
            yield b"x" * (1 << 20)
        yield b'"}'

    reply = requests.post(f"{service.url}/run_code", data=chunks(), timeout=30,
                          headers={"Content-Type": "application/json"})
    assert reply.status_code == 413


def test_files_are_written_and_fetched(service):
    code = ("data = open('data/in.txt').read()\nprint(data)\n"
            "open('out.txt', 'w').write(data.upper())")
    files = {"data/in.txt": base64.b64encode(b"hello").decode()}
    answer = run_code(service, verl_body(code, files=files, fetch_files=["out.txt"]))
    assert answer["status"] == "Success" and answer["run_result"]["stdout"] == "hello\n"
    assert base64.b64decode(answer["files"]["out.txt"]) == b"HELLO"


def test_unsupported_language_is_failed_with_a_message(service):
    answer = run_code(service, verl_body("int main() { return 0; }", language="cobol"))
    assert answer["status"] == "Failed" and "not supported" in answer["message"]


def test_syntax_error_is_failed_not_a_sandbox_error(service):
    answer = run_code(service, verl_body("def f(:\n"))
    assert answer["status"] == "Failed"
    assert "SyntaxError" in answer["run_result"]["stderr"]


def test_concurrent_requests_are_answered_independently(start_service):
    """A slow program and a client that dies mid-request hold back no one else."""
    service = start_service("concurrency", workers=2)
    url = urlparse(service.url)
    dead = socket.create_connection((url.hostname, url.port))
    body = json.dumps(verl_body("import time\ntime.sleep(3)")).encode()
    dead.sendall(b"POST /run_code HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:len(body) // 2])
    dead.close()  # killed client: half a body, then gone
    slow_answer = {}

    def slow_client() -> None:
        try:
            slow_answer.update(run_code(service, verl_body("import time\ntime.sleep(120)",
                                                           run_timeout=150)))
        except requests.ConnectionError:  # the service is killed at the end of the test
            pass
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            slow_answer["error"] = repr(exc)

    slow = threading.Thread(target=slow_client, daemon=True)
    slow.start()
    answers = {}

    def fast(i: int) -> None:
        answers[i] = run_code(service, verl_body(f"print({i} * {i})"))

    threads = [threading.Thread(target=fast, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert slow.is_alive(), slow_answer  # every fast answer came while it still ran
    assert {i: a["run_result"]["stdout"] for i, a in answers.items()} == {
        i: f"{i * i}\n" for i in range(8)}
    service.kill()  # no drain: the slow program would hold it for minutes


def test_sandbox_fusion_sdk_calls_the_endpoint(service):
    from sandbox_fusion import RunCodeRequest, RunStatus
    from sandbox_fusion import run_code as sdk_run_code

    answer = sdk_run_code(RunCodeRequest(code="print(input()[::-1])", stdin="abc",
                                         language="python"),
                          endpoint=service.url, max_attempts=1)
    assert answer.status == RunStatus.Success
    assert answer.run_result.stdout == "cba\n"
    failed = sdk_run_code(RunCodeRequest(code="import sys; sys.exit(2)", language="python"),
                          endpoint=service.url, max_attempts=1)
    assert failed.status == RunStatus.Failed and failed.run_result.return_code == 2
