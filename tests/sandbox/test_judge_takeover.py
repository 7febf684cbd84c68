"""A candidate cannot take over the judge, outlive its job or leave kernel objects behind.

Each attack is followed by victim jobs on the *same* runner (a one-runner pool): wrong programs
must still fail, correct ones pass, and nothing of the attack may be found by a later job.
"""

from __future__ import annotations

import pytest

from codetune.sandbox import ExecutionJob, SandboxConfig, SandboxPool

pytestmark = pytest.mark.docker

# Raw frames on the judge channel (fd 3), the way a hostile candidate would write them.
FRAMES = r'''
import json as _json, os as _os, struct as _struct
def _read(n):
    b = b""
    while len(b) < n:
        c = _os.read(3, n - len(b))
        if not c:
            raise EOFError
        b += c
    return b
def _send(message):
    data = _json.dumps(message).encode()
    _os.write(3, _struct.pack(">I", len(data)) + data)
def _jcall(target, args, kwargs=()):
    _send(["call", target, args, list(kwargs)])
    return _json.loads(_read(_struct.unpack(">I", _read(4))[0]))
'''
TYPE = ["g", "builtins", "type", 0, "type", "x"]
RIGHT = "def add(a, b):\n    return a + b\n"
ADD_TESTS = ["assert add(1, 2) == 3", "assert add(2, 2) == 4"]
VICTIMS = [
    (ExecutionJob(id="right", code=RIGHT, tests=ADD_TESTS), "passed"),
    (ExecutionJob(id="wrong", code="def add(a, b):\n    return a - b\n", tests=ADD_TESTS),
     "failed"),
    (ExecutionJob(id="syntax", code="def add(a, b)\n    return a + b\n", tests=ADD_TESTS),
     "syntax_error"),
    (ExecutionJob(id="exit", code="import sys\nsys.exit(0)\n" + RIGHT, tests=ADD_TESTS),
     "exit_called"),
    (ExecutionJob(id="loop", code="def add(a, b):\n    while True:\n        pass\n",
                  tests=ADD_TESTS, timeout_s=1), "timeout"),
    (ExecutionJob(id="clean", code="import os\ndef n():\n    return len([p for p in "
                  "os.listdir('/proc') if p.isdigit()]), os.listdir('/tmp')\n",
                  tests=["assert n() == (5, [])"]), "passed"),  # runner, 2 templates, judge, us
]


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(SandboxConfig(workers=1)) as p:
        yield p


def _attack(pool, code, tests=ADD_TESTS, timeout_s=5.0, **kw):
    """Run the attack, then every victim on the same runner; return the attack's result."""
    result = pool.run(ExecutionJob(id="attack", code=code, tests=tests, timeout_s=timeout_s,
                                   **kw))
    for job, expected in VICTIMS:
        victim = pool.run(job)
        assert victim.status == expected, (job.id, victim)
    return result


def test_the_red_team_false_pass_does_not_pass(pool):
    # Build type('X', (), {'__eq__': type, ...}) in the judge and return its instance by
    # handle, so that `x == expected` would be `type(expected)`: refused at the first call.
    code = FRAMES + f'''
_cls = _jcall({TYPE}, ["X", ["t", []], ["d", [["__eq__", {TYPE}], ["__call__", {TYPE}]]]])
_obj = _jcall(["R", _cls[1][1]], [])
def add(a, b):
    _send(["ok", ["R", _obj[1][1]]])
    import time
    time.sleep(30)
'''
    r = _attack(pool, code)
    assert (r.status, r.passed, r.tests_passed) == ("error", False, 0), r
    assert "protocol" in r.reason, r.reason


def test_a_value_naming_a_judge_side_object_is_refused(pool):
    # The tests hand over a lambda (judge handle 1); the candidate hands it back as its value.
    r = _attack(pool, "def add(a, b):\n    return a\n", ["assert add(lambda: 3, 0) == 3"])
    assert (r.status, r.passed) == ("error", False) and "protocol" in r.reason, r
    forged = FRAMES + '''
def add(a, b):
    _send(["ok", ["R", 1]])  # the same, as a forged reply frame
    import time
    time.sleep(30)
'''
    r = _attack(pool, forged, ["assert add(lambda: 3, 0) == 3"])
    assert (r.status, r.passed) == ("error", False) and "protocol" in r.reason, r


@pytest.mark.parametrize("target", [
    TYPE,                                                          # a builtin by name
    ["g", "typing", "operator.attrgetter", 0, "type", "x"],        # an attribute walk
    ["g", "builtins", "exec", 0, "builtin_function_or_method", "x"],
    ["g", "collections", "Counter", 0, "type", "x"],               # even a safe type
    ["R", 1], ["R", 0], ["L", 1, "x", "y"], "exec", 7,             # handles never handed over
])
def test_the_candidate_cannot_call_anything_in_the_judge_it_was_not_given(pool, target):
    code = FRAMES + f'''
_reply = _jcall({target!r}, ["print(1)"])
def add(a, b):
    return a + b
'''
    r = _attack(pool, code)
    assert (r.status, r.passed) == ("error", False), r
    assert "protocol" in r.reason, r.reason


def test_a_forged_call_during_a_test_ends_the_job(pool):
    code = FRAMES + f'''
def add(a, b):
    _jcall({TYPE}, [3])
    return a + b
'''
    r = _attack(pool, code)
    assert (r.status, r.passed) == ("error", False) and "protocol" in r.reason, r


def test_callables_the_tests_hand_over_still_work(pool):
    code = "def apply(f, xs):\n    return [f(x) for x in xs]\n"
    r = _attack(pool, code, ["assert apply(lambda x: x * 2, [1, 2]) == [2, 4]",
                             "assert apply(str.upper, ['a']) == ['A']"])
    assert r.passed, r


def test_a_global_outside_the_value_types_stays_an_opaque_candidate_object(pool):
    code = FRAMES + '''
def add(a, b):
    _send(["ok", ["g", "typing", "operator.attrgetter", 0, "type", "x"]])
    import time
    time.sleep(30)
'''
    r = _attack(pool, code, ["assert add(1, 2)('__class__')(3) == int"])
    assert not r.passed and r.tests_passed == 0, r


def test_judge_side_exec_cannot_read_the_tests(pool):
    secret = "hidden-expected-4411"
    code = FRAMES + '''
_getter = ["g", "typing", "operator.attrgetter", 0, "type", "x"]
_r = _jcall(_getter, ["__init__.__builtins__"])
print("GOT", _r)
def add(a, b):
    return a + b
'''
    r = _attack(pool, code, [f"assert str(add(1, 2)) + '' != {secret!r}"])
    assert not r.passed and secret not in r.stdout, r


def _heap_scan(mark: str) -> str:
    """A test (it runs in the judge) asserting that no container in the judge's heap holds
    ``mark`` (the needle is built at run time, so the test's own source does not count)."""
    return ("def scan():\n    import gc\n    needle = " + repr(mark[::-1]) + "[::-1]\n"
            "    return [o for o in gc.get_objects() if isinstance(o, (dict, list, tuple)) "
            "and needle in repr(o)[:100000]]\nassert not scan()\n")


def test_the_judge_never_receives_the_candidates_code(pool):
    mark = "code-only-mark-9d2e"
    code = f"# {mark}\ndef add(a, b):\n    return a + b\n"
    r = _attack(pool, code, [_heap_scan(mark), "assert add(1, 2) == 3"])
    assert r.passed, r


def test_a_judge_sees_only_its_own_jobs_tests(pool):
    mark = "earlier-test-mark-51c0"
    assert pool.run(ExecutionJob(id="a", code=RIGHT, tests=[f"assert add(1, 2) == 3  # {mark}"]))
    assert pool.run(ExecutionJob(id="b", code=RIGHT, tests=[_heap_scan(mark)])).passed


def test_the_candidate_can_signal_no_other_process(pool):
    code = ("import os\ndef targets():\n    hits = []\n"
            "    for p in os.listdir('/proc'):\n"
            "        if p.isdigit() and int(p) != os.getpid():\n"
            "            try:\n                os.kill(int(p), 0)\n                hits.append(p)\n"
            "            except OSError:\n                pass\n    return hits\n")
    r = _attack(pool, code, ["assert targets() == []"])
    assert r.passed, r  # runner, templates and judge run under uids it cannot signal


STASH = r'''
import ctypes, os, socket, time
_libc = ctypes.CDLL(None, use_errno=True)
_libc.shmat.restype = ctypes.c_void_p
_libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
_libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
KEY, DATA, CREATE = 0x5EED, b"stolen-tests", 0o1000 | 0o666
'''


def test_nothing_a_job_stashes_reaches_the_next_job(pool):
    stash = STASH + r'''
def stash():
    done = []
    for path in ("/tmp/stash", "/dev/shm/stash"):
        with open(path, "wb") as f:
            f.write(DATA)
        done.append(path)
    shm = _libc.shmget(KEY, 4096, CREATE)
    if shm >= 0:
        addr = _libc.shmat(shm, None, 0)
        ctypes.memmove(addr, DATA, len(DATA))
        done.append("sysv_shm")
    q = _libc.msgget(KEY, CREATE)
    buf = ctypes.create_string_buffer(8 + len(DATA))
    ctypes.memmove(ctypes.addressof(buf), (1).to_bytes(8, "little") + DATA, 8 + len(DATA))
    if q >= 0 and _libc.msgsnd(q, buf, len(DATA), 0) == 0:
        done.append("sysv_msg")
    if _libc.semget(KEY, 1, CREATE) >= 0:
        done.append("sysv_sem")
    if _libc.mq_open(b"/stash", os.O_CREAT | os.O_RDWR, 0o666, None) >= 0:
        done.append("mqueue")
    if os.fork() == 0:  # a process holding an abstract socket, waiting for the next job
        os.setsid()
        s = socket.socket(socket.AF_UNIX)
        s.bind("\0codetune-stash")
        s.listen()
        time.sleep(60)
        os._exit(0)
    time.sleep(0.2)
    done.append("process")
    return done
'''
    expected = ["/tmp/stash", "/dev/shm/stash", "sysv_shm", "sysv_msg", "sysv_sem", "mqueue",
                "process"]
    r = _attack(pool, stash, [f"assert stash() == {expected!r}"])
    assert r.passed, r  # every stash was made: the look below is not vacuous
    look = STASH + r'''
def found():
    hits = [p for p in ("/tmp/stash", "/dev/shm/stash") if os.path.exists(p)]
    if _libc.shmget(KEY, 0, 0) >= 0:
        hits.append("sysv_shm")
    if _libc.msgget(KEY, 0) >= 0:
        hits.append("sysv_msg")
    if _libc.semget(KEY, 0, 0) >= 0:
        hits.append("sysv_sem")
    if _libc.mq_open(b"/stash", os.O_RDONLY, 0, None) >= 0:
        hits.append("mqueue")
    try:
        socket.socket(socket.AF_UNIX).connect("\0codetune-stash")
        hits.append("process")
    except OSError:
        pass
    hits += os.listdir("/dev/mqueue") if os.path.isdir("/dev/mqueue") else []
    return hits
'''
    r = pool.run(ExecutionJob(id="look", code=look, tests=["assert found() == []"]))
    assert r.passed, r


def test_sysv_shared_memory_left_behind_does_not_starve_the_next_job(pool):
    leak = STASH + r'''
def leak():
    made = 0
    for i in range(8):  # 8 x 64 MB, each touched so it really holds memory, then detached
        shm = _libc.shmget(KEY + 1 + i, 64 << 20, CREATE)
        if shm < 0:
            break
        addr = _libc.shmat(shm, None, 0)
        ctypes.memset(addr, 1, 64 << 20)
        _libc.shmdt(ctypes.c_void_p(addr))
        made += 1
    return made
'''
    r = _attack(pool, leak, ["assert leak() == 8"], timeout_s=30)
    assert r.passed, r
    big = "def big():\n    b = b'x' * (300 << 20)\n    return len(b)\n"
    r = pool.run(ExecutionJob(id="big", code=big, tests=["assert big() == 300 << 20"],
                              timeout_s=30))
    assert r.passed, r  # 512 MB leaked + 300 MB would pass the container's 768 MB cap


def test_a_zombie_leader_with_a_live_thread_is_killed(pool):
    # The child's main thread exits with the raw syscall while another thread keeps running:
    # /proc shows it as a zombie, but its thread goes on killing later candidates (which the
    # sandbox used to record as `memory`, blaming the victim).
    code = r'''
import ctypes, os, platform, signal, threading, time
SYS_EXIT = {"x86_64": 60, "aarch64": 93}[platform.machine()]
if os.fork() == 0:
    def hunt():  # kill every process newer than us: the later candidates
        me = os.getpid()
        while True:
            for p in os.listdir("/proc"):
                if p.isdigit() and int(p) > me:
                    try:
                        os.kill(int(p), signal.SIGKILL)
                    except OSError:
                        pass
            time.sleep(0.001)
    threading.Thread(target=hunt).start()
    ctypes.CDLL(None).syscall(SYS_EXIT, 0)
time.sleep(0.5)
def add(a, b):
    return a + b
'''
    r = _attack(pool, code)
    assert r.passed, r  # an honest add; what matters is that no victim above was killed


def test_one_poisoned_sample_changes_no_later_verdict_in_a_two_runner_pool():
    poison = FRAMES + f'''
try:
    _jcall({TYPE}, ["X", ["t", []], ["d", []]])
except Exception:
    pass
def add(a, b):
    return a + b
'''
    jobs = [ExecutionJob(id=f"poison-{i}", code=poison, tests=ADD_TESTS) for i in range(4)]
    wrong = [ExecutionJob(id=f"wrong-{i}", code=f"def add(a, b):\n    return a + b + {i + 1}\n",
                          tests=ADD_TESTS) for i in range(30)]
    right = [ExecutionJob(id=f"right-{i}", code=RIGHT, tests=ADD_TESTS) for i in range(10)]
    with SandboxPool(SandboxConfig(workers=2)) as two:
        results = two.run_many(jobs + wrong + right)
    statuses = [r.status for r in results]
    assert statuses == ["error"] * 4 + ["failed"] * 30 + ["passed"] * 10, statuses
