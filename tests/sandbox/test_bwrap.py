"""The process backend inside bubblewrap: real ``bwrap`` namespaces, correct verdicts, no network,
no host files, private and wiped /tmp; each attack is followed by a canary job."""

from __future__ import annotations

import pytest

from codetune.errors import CodetuneError
from codetune.sandbox import ExecutionJob, SandboxConfig, SandboxPool, backends

CANARY = ExecutionJob(id="canary", code="import os\ndef f(x):\n    return x + 1\n",
                      tests=["assert f(1) == 2", "assert os.listdir('/tmp') == []"])


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    config = SandboxConfig(backend="process", process_isolation="bwrap", workers=1)
    try:
        started = SandboxPool(config).start()
    except CodetuneError as exc:
        pytest.fail(f"{exc} (scripts/ensure_docker.sh installs bubblewrap)", pytrace=False)
    yield started
    started.close()


def _run(pool, code, tests, timeout_s=5.0):
    result = pool.run(ExecutionJob(id="job", code=code, tests=tests, timeout_s=timeout_s))
    canary = pool.run(CANARY)
    assert canary.passed and canary.tests_passed == 2, canary
    return result


def test_the_runner_really_is_in_bubblewrap(pool):
    assert backends.resolve_process_isolation(pool.config) == "bwrap"
    assert "bwrap" in pool.workers[0].proc.args[0]
    code = "import os, socket\ndef f():\n    return socket.gethostname(), os.getpid() < 20\n"
    assert _run(pool, code, ["assert f() == ('codetune-sandbox', True)"]).passed


def test_verdicts_match_plain_python(pool):
    good = "def add(a, b):\n    return a + b\n"
    bad = "def add(a, b):\n    return a - b\n"
    tests = ["assert add(1, 2) == 3", "assert add(0, 0) == 0", "assert add(-1, 1) == 0"]
    ok, wrong = _run(pool, good, tests), _run(pool, bad, tests)
    assert (ok.status, ok.tests_passed) == ("passed", 3)
    assert (wrong.status, wrong.tests_passed) == ("failed", 1)  # 0 - 0 == 0 passes


def test_no_network(pool):
    code = ("import socket\ndef f():\n    s = socket.socket()\n    s.settimeout(2)\n"
            "    try:\n        s.connect(('1.1.1.1', 53))\n        return 'open'\n"
            "    except OSError as e:\n        return 'blocked'\n")
    r = _run(pool, code, ["assert f() == 'open'"])
    assert not r.passed
    assert _run(pool, code, ["assert f() == 'blocked'"]).passed


def test_host_files_are_invisible_and_system_dirs_read_only(pool, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2")
    code = (f"import os\ndef seen():\n    return os.path.exists({str(secret)!r}) or "
            "os.path.exists('/etc/hostname') or os.path.exists('/home')\n"
            "def write():\n    try:\n        open('/usr/x', 'w')\n        return 'wrote'\n"
            "    except OSError:\n        return 'refused'\n")
    r = _run(pool, code, ["assert not seen()", "assert write() == 'refused'"])
    assert r.passed, r


def test_candidates_run_as_nobody_and_tmp_is_wiped(pool):
    import os

    uid = 65534 if os.geteuid() == 0 else os.geteuid()
    code = ("import os\nopen('/tmp/left.txt', 'w').write('x')\nos.mkdir('/tmp/d')\n"
            "open('/tmp/d/f', 'w').write('y')\ndef f():\n    return os.getuid()\n")
    assert _run(pool, code, [f"assert f() == {uid}"]).passed  # the canary checks /tmp is empty


def test_processes_left_behind_are_killed(pool):
    code = ("import os, time\nif os.fork() == 0:\n    time.sleep(60)\n    os._exit(0)\n"
            "def f():\n    return 1\n")
    assert _run(pool, code, ["assert f() == 1"]).passed
    count = ("import os\ndef n():\n    return len([p for p in os.listdir('/proc') "
             "if p.isdigit()])\n")
    # bwrap's init, the runner, two templates, the judge and the candidate itself
    assert _run(pool, count, ["assert n() <= 6"]).passed


def test_infinite_loop_times_out(pool):
    r = _run(pool, "def f():\n    while True:\n        pass\n", ["assert f()"], timeout_s=1.0)
    assert (r.status, r.passed) == ("timeout", False)


def test_bwrap_asked_for_but_missing_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(backends, "_bwrap_works", lambda: False)
    config = SandboxConfig(backend="process", process_isolation="bwrap")
    with pytest.raises(CodetuneError, match="apt-get install bubblewrap"):
        SandboxPool(config).start()
    assert backends.resolve_process_isolation(SandboxConfig(backend="process")) == "rlimit"
