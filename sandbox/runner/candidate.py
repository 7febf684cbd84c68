"""The candidate process: runs untrusted code, then answers the judge's calls with plain data.

Nothing here is trusted. Whatever this process sends is only ever a claim about a value; the
judge turns it into exact builtin types and decides every assertion itself.
"""

from __future__ import annotations

import os
import resource
import sys
import types

import rpc

CHANNEL_FD = 3
NOBODY = 65534


def run(channel: int, out_fd: int, err_fd: int, scratch: str) -> None:
    """Become the candidate process (forked ahead of its job; never returns). The job's limits
    arrive with its code and are applied before any of that code runs."""
    try:
        _isolate(channel, out_fd, err_fd, scratch)
        conn = rpc.Connection(CHANNEL_FD, allow_attributes=True, export_any=True)
        namespace: dict = {"__name__": "__main__", "__builtins__": __builtins__}
        conn.handlers["init"] = lambda code, setup, limits: _exec_candidate(
            code, setup, limits, namespace)
        conn.handlers["global"] = lambda name: namespace[str(name)]
        conn.handlers["bye"] = _bye
        while True:
            request = rpc.codec.recv(CHANNEL_FD)
            reply = conn.serve_one(request)
            _flush()
            rpc.codec.send(CHANNEL_FD, reply)
    except BaseException:
        pass
    _bye()


def _isolate(channel: int, out_fd: int, err_fd: int, scratch: str) -> None:
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    os.dup2(channel, CHANNEL_FD)
    os.closerange(CHANNEL_FD + 1, 65536)  # the template's control socket and anything else
    os.setsid()
    if os.getuid() == 0:  # the process backend started as root: never run candidates as root
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    os.chdir(scratch)


def prepare_template() -> None:
    """Done once in the template, inherited by every candidate it forks (saves ~1 ms a job):
    be the OOM killer's first choice, and text streams on fds 0-2 (which each candidate
    points at its own pipes before any of its code runs)."""
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass
    sys.stdout = open(1, "w", buffering=1, closefd=False, errors="backslashreplace")
    sys.stderr = open(2, "w", buffering=1, closefd=False, errors="backslashreplace")
    sys.stdin = open(0, closefd=False)


def _apply_limits(limits: dict) -> None:
    mb = 1024 * 1024
    cpu = int(limits.get("cpu_s", 10))
    settings = [
        (resource.RLIMIT_AS, int(limits.get("memory_mb", 512)) * mb),
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),
        (resource.RLIMIT_FSIZE, int(limits.get("file_size_mb", 16)) * mb),
        (resource.RLIMIT_NOFILE, int(limits.get("open_files", 64))),
        (resource.RLIMIT_CORE, 0),
    ]
    for which, value in settings:
        pair = value if isinstance(value, tuple) else (value, value)
        try:
            resource.setrlimit(which, pair)
        except (ValueError, OSError):
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                resource.setrlimit(which, (min(pair[0], hard), hard))


def _exec_candidate(code: str, setup: str, limits: dict, namespace: dict) -> dict:
    """Apply the job's limits, run setup (its failure is the judge's to report), then the
    candidate's code; report the names defined (modules by their import name)."""
    _apply_limits(limits if isinstance(limits, dict) else {})
    if setup:
        try:
            exec(compile(str(setup), "<setup>", "exec"), namespace)
        except Exception:
            pass
    compiled = compile(str(code), "<candidate>", "exec")
    exec(compiled, namespace)
    report = {}
    for name, value in list(namespace.items()):
        if type(name) is not str or name.startswith("__"):
            continue
        report[name] = value.__name__ if isinstance(value, types.ModuleType) else None
    return report


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _bye() -> None:
    _flush()
    os._exit(0)
