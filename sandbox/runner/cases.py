"""Stdin/stdout cases: the program runs once per case, each time in a fresh candidate process.

The runner feeds a case's input, collects its whole output (up to the output cap) and how it
ended, and hands that to the job's judge, which compares it with the expected output (the
expected outputs never reach a candidate process) and answers with the case's verdict.
"""

from __future__ import annotations

import base64
import json
import os
import select
import signal
import stat
import time

import codec
from procs import alive

# Verdicts (sandbox/runner/verdict.py maps them to job statuses).
ACCEPTED, WRONG_ANSWER, TIME_LIMIT = "accepted", "wrong_answer", "time_limit"
MEMORY_LIMIT, RUNTIME_ERROR, OUTPUT_LIMIT = "memory_limit", "runtime_error", "output_limit"
MAX_FETCH_BYTES = 16 << 20


def run_case(slot, code: str, case: dict, limits: dict, files: dict, deadline: float,
             wait_status) -> dict:
    """Run one case in the candidate of ``slot``; what happened, before any comparison:
    ``{"status": None (exited 0: to be compared) or a failure verdict, "stdout", "stderr",
    "exit_code", "time_s", "detail"}``."""
    started = time.monotonic()
    try:
        codec.send(slot.channel.fileno(), ["run", code, case.get("input"), limits, files])
    except OSError:
        pass  # it is gone already: the watch sees the closed channel
    seen = _watch(slot, deadline, int(limits["max_output_bytes"]), int(limits["keep_output_bytes"]))
    seen["time_s"] = round(time.monotonic() - started, 4)
    if seen["status"] is None and seen["exit_code"] is None:  # no report: os._exit or a signal
        status = wait_status(slot.cpid)
        for _ in range(6):  # ended, but its parent (the template) reaps it late under load
            if status is not None or alive(slot.cpid):
                break
            status = wait_status(slot.cpid)
        if status is not None and os.WIFEXITED(status):
            seen["exit_code"] = os.WEXITSTATUS(status)
        else:
            _kill(slot.cpid)
            seen["status"], seen["detail"] = _signal_verdict(status)
    if seen["status"] is None and seen["exit_code"] != 0:
        kind = seen.get("exception") or ""
        seen["status"] = MEMORY_LIMIT if kind == "MemoryError" else RUNTIME_ERROR
        seen["detail"] = f"exit code {seen['exit_code']}" + (f" ({kind})" if kind else "")
    if seen["status"] is not None:
        _kill(slot.cpid)
    return seen


def _watch(slot, deadline: float, cap: int, keep: int) -> dict:
    """Read stdout (whole, up to ``cap``), stderr (first ``keep`` bytes) and the candidate's
    ``done`` report until the candidate's channel closes (it exited: what it flushed is in the
    pipes, which are then drained), the clock runs out or the output passes the cap."""
    out, err, report = bytearray(), bytearray(), bytearray()
    channel = slot.channel.fileno()
    fds = {slot.out_r: out, slot.err_r: err, channel: report}
    seen = {"status": None, "exit_code": None, "detail": ""}
    total = 0
    while channel in fds and _done_report(bytes(report)) is None:
        left = deadline - time.monotonic()
        if left <= 0:
            seen.update(status=TIME_LIMIT, detail="time limit exceeded")
            break
        ready, _, _ = select.select(list(fds), [], [], min(left, 0.05))
        total += _read_ready(ready, fds, slot, keep)
        if total > cap:
            seen.update(status=OUTPUT_LIMIT, detail=f"printed more than {cap} bytes")
            break
        if not ready and not alive(slot.cpid):  # died; a child of it may hold the channel
            break
    if seen["status"] is None:  # ended: take what is already in the pipes and the channel
        # (its report may have come after the last select), not waiting for EOF: a leftover
        # child may hold them open
        for _ in range(1024):
            ready, _, _ = select.select(list(fds), [], [], 0.001)
            if not ready:
                break
            total += _read_ready(ready, fds, slot, keep)
            if total > cap:
                seen.update(status=OUTPUT_LIMIT, detail=f"printed more than {cap} bytes")
                break
    done = _done_report(bytes(report))
    if seen["status"] is None and done is not None:
        seen["exit_code"], seen["exception"] = done
    seen["stdout"] = bytes(out[:cap]).decode("utf-8", "replace")
    seen["stderr"] = bytes(err).decode("utf-8", "replace")
    return seen


def _read_ready(ready: list[int], fds: dict, slot, keep: int) -> int:
    """Read each ready descriptor once into its buffer (stderr only up to ``keep``); the bytes
    of program output (stdout + stderr) read."""
    printed = 0
    for fd in ready:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            del fds[fd]
            continue
        if fd in (slot.out_r, slot.err_r):
            printed += len(chunk)
        if fd == slot.err_r:
            chunk = chunk[:max(0, keep - len(fds[fd]))]
        fds[fd] += chunk
    return printed


def _done_report(data: bytes) -> tuple[int, str] | None:
    """The candidate's ``["done", exit code, exception name]`` frame, if it sent one."""
    if len(data) < 4:
        return None
    size = int.from_bytes(data[:4], "big")
    try:
        message = json.loads(data[4:4 + size])
    except ValueError:
        return None
    if (type(message) is list and len(message) == 3 and message[0] == "done"
            and type(message[1]) is int and type(message[2]) is str):
        return message[1], message[2][:100]
    return None


def _signal_verdict(status: int | None) -> tuple[str, str]:
    if status is None or not os.WIFSIGNALED(status):
        return RUNTIME_ERROR, "the program ended without reporting how"
    sig = os.WTERMSIG(status)
    if sig == signal.SIGXCPU:
        return TIME_LIMIT, "CPU time limit exceeded"
    if sig == signal.SIGKILL:
        return MEMORY_LIMIT, "killed (SIGKILL: out of memory or CPU limit)"
    return RUNTIME_ERROR, f"died from {signal.Signals(sig).name}"


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def fetch_files(directory: str, paths: list) -> dict[str, str]:
    """The files a job asked for (relative, inside ``directory``, regular, not through a
    symlink), base64; read after the job's processes are gone, so nothing can swap them."""
    out, budget = {}, MAX_FETCH_BYTES
    root = os.path.realpath(directory)
    for path in paths or []:
        path = str(path)
        full = os.path.realpath(os.path.join(root, path))
        if os.path.isabs(path) or not full.startswith(root + os.sep):
            continue
        try:
            fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > budget:
                continue
            data = os.read(fd, info.st_size + 1)[:info.st_size]
        finally:
            os.close(fd)
        budget -= len(data)
        out[path] = base64.b64encode(data).decode()
    return out
