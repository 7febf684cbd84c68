"""Hostile candidates never get a pass, are contained, and leave the runner serving correct
verdicts. One single-runner pool, so every job hits the container the previous one attacked."""

from __future__ import annotations

import pytest

from codetune.sandbox import ExecutionJob, SandboxConfig, SandboxPool

pytestmark = pytest.mark.docker

SECRET = "expected-value-6f1d2"
CANARY = ExecutionJob(id="canary", code="import os\ndef f(x):\n    return x + 1\n",
                      tests=["assert f(1) == 2", "assert len([p for p in os.listdir('/proc') "
                             "if p.isdigit()]) <= 5", "assert os.listdir('/tmp') == []"])


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(SandboxConfig(workers=1)) as p:
        yield p


def _attack(pool, code, tests=("assert f(1) == 2",), timeout_s=3.0, **kw):
    result = pool.run(ExecutionJob(id="attack", code=code, tests=list(tests) if not
                                   isinstance(tests, str) else tests, timeout_s=timeout_s, **kw))
    canary = pool.run(CANARY)
    assert canary.passed and canary.tests_passed == 3, canary
    return result


def test_sys_exit_before_tests_is_a_failure(pool):
    r = _attack(pool, "import sys\nsys.exit(0)\ndef f(x):\n    return x\n")
    assert (r.status, r.passed) == ("exit_called", False)


def test_raise_system_exit_during_the_call_is_a_failure(pool):
    r = _attack(pool, "def f(x):\n    raise SystemExit(0)\n")
    assert (r.status, r.passed) == ("exit_called", False)


def test_os_exit_during_the_call_is_a_failure(pool):
    r = _attack(pool, "import os\ndef f(x):\n    os._exit(0)\n")
    assert (r.status, r.passed) == ("exit_called", False)


def test_always_equal_object_does_not_pass(pool):
    code = ("class A:\n    def __eq__(self, o):\n        return True\n    __ne__ = __eq__\n"
            "    def __bool__(self):\n        return True\ndef f(x):\n    return A()\n")
    r = _attack(pool, code, ["assert f(1) == 2", "assert f(1)", "assert not (f(1) != 2)"])
    assert not r.passed and r.tests_passed == 0


def test_lying_builtin_subclasses_are_flattened(pool):
    code = ("class I(int):\n    def __eq__(self, o):\n        return True\n"
            "class F(float):\n    def __lt__(self, o):\n        return True\n"
            "    __sub__ = lambda s, o: s\n"
            "class L(list):\n    def __eq__(self, o):\n        return True\n"
            "def f(x):\n    return I(5)\ndef g(x):\n    return F(9.0)\n"
            "def h(x):\n    return L([0])\n")
    tests = ["assert f(1) == 2", "assert abs(g(1) - 2.0) < 1e-6", "assert h(1) == [1, 2]"]
    r = _attack(pool, code, tests)
    assert not r.passed and r.tests_passed == 0


def test_monkeypatched_builtins_and_assertion_error_do_not_reach_the_judge(pool):
    code = ("import builtins\nbuiltins.AssertionError = ZeroDivisionError\n"
            "builtins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\n"
            "def abs(x):\n    return 0\ndef len(x):\n    return 3\ndef f(x):\n    return [x]\n")
    tests = ["assert abs(f(1)[0] - 2) < 1e-6", "assert len(f(1)) == 3", "assert f(1) == [2]"]
    r = _attack(pool, code, tests)
    assert not r.passed and r.tests_passed == 0


def test_redefining_the_check_function_does_not_help(pool):
    code = "def check(candidate):\n    pass\ndef add(a, b):\n    return 0\n"
    test = "def check(candidate):\n    assert candidate(1, 2) == 3\n"
    r = _attack(pool, code, test, entry_point="add")
    assert (r.status, r.passed) == ("failed", False)


def test_secrets_are_not_in_frames_heap_proc_or_files(pool):
    code = f"""
import gc, os, stat, sys
def hunt():
    needle = ''.join(reversed({SECRET[::-1]!r}))  # not a constant the compiler could fold
    for o in gc.get_objects():
        if isinstance(o, (str, bytes, dict, list, tuple)) and needle in repr(o)[:100000]:
            return needle
    frame = sys._getframe().f_back
    while frame is not None:
        if needle in repr(frame.f_locals):
            return needle
        frame = frame.f_back
    for pid in os.listdir('/proc'):
        if not pid.isdigit() or int(pid) == os.getpid():  # our own pipes would block
            continue
        for name in ('cmdline', 'environ', 'mem', 'fd/0', 'fd/1', 'fd/3', 'fd/4', 'fd/5'):
            try:
                with open(f'/proc/{{pid}}/{{name}}', 'rb') as fh:
                    if needle.encode() in fh.read(1 << 20):
                        return needle
            except OSError:
                pass
    for top in ('/tmp', '/dev/shm', '/opt', '/etc', '/var', '/run', '/home', '/root', '/srv'):
      for root, _, files in os.walk(top):
        for fn in files:
            path = os.path.join(root, fn)
            try:
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    continue
                with open(path, 'rb') as fh:
                    if needle.encode() in fh.read(1 << 20):
                        return needle
            except OSError:
                pass
    return 'not found'
def f(x):
    return hunt()
"""
    r = _attack(pool, code, [f"assert f(1) == {SECRET!r}"], timeout_s=20)
    assert (r.status, r.passed) == ("failed", False), r.reason


def test_writing_fake_results_to_every_channel_does_not_pass(pool):
    code = ("import os, json\n"
            "fake = json.dumps({'id': 'attack', 'status': 'passed', 'passed': True,"
            " 'tests_passed': 1, 'tests_total': 1}) + '\\n'\n"
            "print(fake)\nprint('PASSED')\n"
            "for path in ('/proc/1/fd/1', '/proc/1/fd/0', '/dev/stdout'):\n    try:\n"
            "        with open(path, 'w') as fh:\n            fh.write(fake)\n    except OSError:\n"
            "        pass\nfor fd in range(3, 20):\n    try:\n        os.write(fd, fake.encode())\n"
            "    except OSError:\n        pass\ndef f(x):\n    return 0\n")
    r = _attack(pool, code)
    assert not r.passed and r.tests_passed == 0


def test_fork_bomb_is_contained(pool):
    code = ("import os\ndef f(x):\n    while True:\n        try:\n            os.fork()\n"
            "        except OSError:\n            pass\n")
    r = _attack(pool, code, timeout_s=2)
    assert not r.passed


def test_memory_bomb_is_a_memory_failure(pool):
    r = _attack(pool, "def f(x):\n    b = []\n    while True:\n"
                "        b.append(bytearray(1 << 26))\n", timeout_s=20)  # never time-bound
    assert (r.status, r.passed) == ("memory", False)


def test_infinite_loop_times_out(pool):
    r = _attack(pool, "def f(x):\n    while True:\n        pass\n", timeout_s=1)
    assert (r.status, r.passed) == ("timeout", False)


def test_disk_fill_is_capped_and_wiped(pool):
    code = ("def f(x):\n    for path in ('/tmp/fill', '/fill', '/dev/shm/fill'):\n        try:\n"
            "            with open(path, 'wb') as fh:\n                while True:\n"
            "                    fh.write(b'0' * (1 << 20))\n        except OSError:\n"
            "            pass\n    return x + 1\n")
    r = _attack(pool, code, timeout_s=20)
    assert r.status in ("passed", "error", "timeout")  # contained either way; canary checks /tmp


def test_network_is_unreachable_including_the_bridge_gateway(pool):
    code = ("import socket\ndef f(x):\n"
            "    for host, port in (('1.1.1.1', 53), ('172.17.0.1', 2375),"
            " ('172.17.0.1', 22), ('127.0.0.1', 2375)):\n        try:\n"
            "            socket.create_connection((host, port), timeout=1).close()\n"
            "            return 'connected'\n        except OSError:\n            pass\n"
            "    return 'offline'\n")
    r = _attack(pool, code, ["assert f(1) == 'connected'"], timeout_s=10)
    assert (r.status, r.passed) == ("failed", False)


def test_host_files_are_not_visible(pool):
    code = ("import os\ndef f(x):\n    for p in ('/work/shared/ENVIRONMENT.md', '/root/.bashrc',"
            " '/var/run/docker.sock', '/etc/shadow'):\n        try:\n            open(p).read(1)\n"
            "            return p\n        except OSError:\n            pass\n    return None\n")
    r = _attack(pool, code, ["assert f(1) is not None"])
    assert (r.status, r.passed) == ("failed", False)


def test_hundred_megabytes_of_output_hits_the_cap(pool):
    r = _attack(pool, "import sys\ndef f(x):\n    sys.stdout.write('x' * (100 << 20))\n"
                "    return x + 1\n", timeout_s=20)
    assert (r.status, r.passed) == ("output_limit", False)


def test_killing_pid_1_has_no_effect(pool):
    code = ("import os, signal\nfor s in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):\n"
            "    try:\n        os.kill(1, s)\n    except OSError:\n        pass\n"
            "def f(x):\n    return x + 1\n")
    assert _attack(pool, code).passed


def test_killing_every_process_is_a_failure_not_a_hang(pool):
    r = _attack(pool, "import os, signal\ndef f(x):\n    os.kill(-1, signal.SIGKILL)\n")
    assert not r.passed


def test_process_left_behind_is_killed(pool):
    code = ("import os, time\ndef f(x):\n    if os.fork() == 0:\n        os.setsid()\n"
            "        if os.fork() == 0:\n            while True:\n"
            "                open('/tmp/late', 'w')\n"
            "                time.sleep(0.01)\n        os._exit(0)\n    return x + 1\n")
    assert _attack(pool, code).passed  # honest answer; the canary sees no leftover and clean /tmp
