"""The template: a freshly exec'd process that only forks candidate processes.

It never receives a job's tests, so a candidate forked from it cannot find them in its memory
(frames, heap, gc) the way it could if it were forked from the runner.
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import subprocess
import sys

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PREIMPORTS = ("array", "bisect", "collections", "copy", "datetime", "decimal", "fractions",
              "functools", "hashlib", "heapq", "itertools", "math", "operator", "random", "re",
              "statistics", "string", "typing", "unicodedata", "cmath", "dataclasses", "enum")


def harden(subreaper: bool = False) -> None:
    """Non-dumpable: same-uid processes cannot ptrace us or open /proc/<pid>/{mem,fd,environ}."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")
    if subreaper:  # orphans come back to the runner, which reaps and kills them
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def preimport() -> None:
    for name in PREIMPORTS:
        try:
            __import__(name)
        except ImportError:
            pass
    extra = "/opt/codetune/site-packages"
    if os.path.isdir(extra) and extra not in sys.path:
        sys.path.append(extra)


def spawn(scratch: str) -> tuple[int, socket.socket]:
    """Start a fresh template (fork + exec, so no job data survives in it)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    main = os.path.join(os.path.dirname(os.path.abspath(__file__)), "main.py")
    proc = subprocess.Popen([sys.executable, "-I", "-S", main, "--template",
                             str(theirs.fileno()), scratch],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, pass_fds=[theirs.fileno()])
    theirs.close()
    if ours.recv(16) != b"ready":
        raise RuntimeError("template process did not start")
    return proc.pid, ours


def fork_candidate(ctl: socket.socket, fds: list[int], limits: dict) -> int:
    """Ask the template for a candidate process holding ``fds``; return its pid."""
    socket.send_fds(ctl, [json.dumps(limits).encode()], fds)
    reply = ctl.recv(32)
    if not reply:
        raise EOFError("template process is gone")
    return int(reply)


def serve(ctl_fd: int, scratch: str) -> None:
    """Template main loop: fork a candidate per request, reply with its pid."""
    harden()
    preimport()
    import candidate  # noqa: F401  (pre-imported before any fork)

    ctl = socket.socket(fileno=ctl_fd)
    ctl.sendall(b"ready")
    while True:
        msg, fds, _, _ = socket.recv_fds(ctl, 65536, 8)
        if not msg:
            os._exit(0)
        limits = json.loads(msg)
        ctl.sendall(str(_double_fork(fds, limits, scratch)).encode())
        for fd in fds:
            os.close(fd)


def _double_fork(fds: list[int], limits: dict, scratch: str) -> int:
    """Fork twice so the candidate is re-parented to the runner, which then reaps and kills it."""
    import candidate

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        grandchild = os.fork()
        if grandchild == 0:
            os.close(w)
            candidate.run(fds[0], fds[1], fds[2], limits, scratch)
        os.write(w, str(grandchild).encode())
        os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    data = os.read(r, 32)
    os.close(r)
    return int(data)
