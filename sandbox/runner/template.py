"""Templates: freshly exec'd processes that only fork per-job processes (and reap them).

There are two, one per role: the *candidate* template forks the process that runs a job's code,
the *judge* template forks a fresh judge for every job. Neither ever receives a job, so nothing
forked from them finds an earlier job's code or tests in its memory (frames, heap, gc), and a
judge a candidate somehow influenced is gone with its job.
"""

from __future__ import annotations

import ctypes
import gc
import os
import socket
import sys
import time

from procs import reap

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PREIMPORTS = ("array", "bisect", "collections", "copy", "datetime", "decimal", "fractions",
              "functools", "hashlib", "heapq", "itertools", "math", "operator", "random", "re",
              "statistics", "string", "typing", "unicodedata", "cmath", "dataclasses", "enum")


_libc = ctypes.CDLL(None, use_errno=True)  # once: forked children reuse it (dlopen costs)


def harden(subreaper: bool = False) -> None:
    """Non-dumpable: same-uid processes cannot ptrace us or open /proc/<pid>/{mem,fd,environ}."""
    if _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")
    if subreaper:  # orphans come back to the runner, which reaps and kills them
        _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def preimport() -> None:
    for name in PREIMPORTS:
        try:
            __import__(name)
        except ImportError:
            pass
    extra = "/opt/codetune/site-packages"
    if os.path.isdir(extra) and extra not in sys.path:
        sys.path.append(extra)


ROLES = ("candidate", "judge")


def spawn(role: str, scratch: str) -> tuple[int, socket.socket]:
    """Start a fresh template for ``role`` (fork + exec, so no job data survives in it)."""
    import subprocess  # here, not at the top: it imports threading, and a process that has
    # imported threading pays ~0.8 ms more CPU for every fork (templates fork once per job)

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    main = os.path.join(os.path.dirname(os.path.abspath(__file__)), "main.py")
    proc = subprocess.Popen([sys.executable, "-I", "-S", main, "--template", role,
                             str(theirs.fileno()), scratch],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, pass_fds=[theirs.fileno()])
    theirs.close()
    if ours.recv(16) != b"ready":
        raise RuntimeError("template process did not start")
    return proc.pid, ours


def fork_child(ctl: socket.socket, fds: list[int]) -> int:
    """Ask a template for a new process (candidate or judge) holding ``fds``; return its pid."""
    socket.send_fds(ctl, [b"fork"], fds)
    reply = ctl.recv(32)
    if not reply:
        raise EOFError("template process is gone")
    return int(reply)


def candidate_status(ctl: socket.socket, pid: int) -> int | None:
    """The candidate's wait status if it has ended (waited for up to 0.3 s), else None."""
    ctl.sendall(f"wait {pid}".encode())
    reply = ctl.recv(32)
    if not reply:
        raise EOFError("template process is gone")
    return None if reply == b"none" else int(reply)


def serve(role: str, ctl_fd: int, scratch: str) -> None:
    """Template main loop: fork a child per request (reply: its pid), report exit statuses."""
    harden()
    preimport()
    if role == "candidate":
        import candidate

        candidate.prepare_template()
        child = candidate.run
    else:
        import judge

        child = judge.run
    gc.freeze()  # forked children then do not copy-on-write the whole heap at their first GC
    ctl = socket.socket(fileno=ctl_fd)
    ctl.sendall(b"ready")
    statuses: dict[int, int] = {}
    while True:
        msg, fds, _, _ = socket.recv_fds(ctl, 64, 8)
        if not msg:
            os._exit(0)
        reap(statuses, keep=64)
        if msg.startswith(b"wait ") and not fds:
            status = _wait(int(msg[5:]), statuses)
            ctl.sendall(b"none" if status is None else str(status).encode())
            continue
        pid = os.fork()
        if pid == 0:
            try:
                child(fds[0], fds[1], fds[2], scratch)
            finally:
                os._exit(1)
        for fd in fds:
            os.close(fd)
        ctl.sendall(str(pid).encode())


def _wait(pid: int, statuses: dict[int, int]) -> int | None:
    end = time.monotonic() + 0.3
    while pid not in statuses and time.monotonic() < end:
        time.sleep(0.005)
        reap(statuses, keep=64)
    return statuses.get(pid)
