"""The candidate process: runs untrusted code, then answers the judge's calls with plain data.

Nothing here is trusted. Whatever this process sends is only ever a claim about a value; the
judge turns it into exact builtin types and decides every assertion itself.
"""

from __future__ import annotations

import io
import linecache
import os
import sys
import traceback
import types

import launch
import rpc
from isolation import CANDIDATE_UID, drop_to, set_limits, write_files_and_stdin

CHANNEL_FD = 3
SCRIPT = "<solution>"  # the program's file name in tracebacks


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
        conn.handlers["run"] = lambda code, stdin, limits, files: _run_program(
            code, stdin, limits, files, namespace)
        conn.handlers["exec"] = launch.exec_program  # other languages (sandbox/runner/programs.py)
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
    drop_to(CANDIDATE_UID)  # started as root: never run candidates as root
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
    set_limits(memory_mb=int(limits.get("memory_mb", 512)), cpu_s=int(limits.get("cpu_s", 10)),
               file_size_mb=int(limits.get("file_size_mb", 16)),
               open_files=int(limits.get("open_files", 64)))


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


def _run_program(code: str, stdin, limits: dict, files: dict, namespace: dict) -> None:
    """Run the code as a script (``__main__``) with ``stdin`` as its standard input; report
    ``["done", exit code, exception name]`` on the channel and exit with that code. The report
    is a claim, used only to label a failure (the runner checks signals itself). io, linecache
    and traceback are imported in the template, not once per case."""
    _apply_limits(limits if isinstance(limits, dict) else {})
    write_files_and_stdin(files, stdin)
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)))
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False), 1 << 16),
                                  errors="backslashreplace")
    sys.argv = ["main.py"]
    status, kind = 0, ""
    source = str(code)
    linecache.cache[SCRIPT] = (len(source), None, source.splitlines(True), SCRIPT)
    try:
        exec(compile(source, SCRIPT, "exec"), namespace)
    except SystemExit as exc:
        status = _exit_status(exc.code)
    except BaseException as exc:
        kind, status = type(exc).__name__, 1
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next)  # not our frame
    _flush()
    rpc.codec.send(CHANNEL_FD, ["done", status, kind])
    os._exit(status)


def _exit_status(code) -> int:
    if code is None:
        return 0
    if isinstance(code, int) and not isinstance(code, bool):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except BaseException:
        pass
    return 1


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _bye() -> None:
    _flush()
    os._exit(0)
