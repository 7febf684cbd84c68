"""Watching one job: the judge's streamed report, the candidate's capped output, the clock."""

from __future__ import annotations

import json
import os
import select
import time


def watch_job(slot, deadline: float, limits: dict) -> dict:
    """Collect the judge's report and the candidate's output until the judge is done."""
    report_r, out_r, err_r = slot.report_r, slot.out_r, slot.err_r
    keep, cap = int(limits["keep_output_bytes"]), int(limits["max_output_bytes"])
    buffers = {report_r: bytearray(), out_r: bytearray(), err_r: bytearray()}
    total_output = 0
    watch: dict = {"timed_out": False, "output_exceeded": False}
    open_fds = [report_r, out_r, err_r]
    while report_r in open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            watch["timed_out"] = True
            break
        ready, _, _ = select.select(open_fds, [], [], left)
        for fd in ready:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                open_fds.remove(fd)
            elif fd == report_r:
                buffers[fd] += chunk
            else:
                total_output += len(chunk)
                room = keep - len(buffers[fd])
                if room > 0:
                    buffers[fd] += chunk[:room]
        if total_output > cap:
            watch["output_exceeded"] = True
            break
    _drain(open_fds, buffers, keep, report_r)
    watch["events"] = _parse_events(bytes(buffers[report_r]))
    watch["stdout"] = buffers[out_r].decode("utf-8", "replace")
    watch["stderr"] = buffers[err_r].decode("utf-8", "replace")
    return watch


def _drain(open_fds: list[int], buffers: dict, keep: int, report_r: int) -> None:
    """Take what is already written (the candidate flushes before every reply)."""
    for fd in open_fds:
        if fd == report_r:
            continue
        for _ in range(64):
            ready, _, _ = select.select([fd], [], [], 0)
            if not ready:
                break
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            room = keep - len(buffers[fd])
            if room > 0:
                buffers[fd] += chunk[:room]


def _parse_events(data: bytes) -> list[dict]:
    events = []
    for line in data.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events
