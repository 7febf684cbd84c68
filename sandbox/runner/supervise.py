"""The runner's per-job work: start candidate and judge, watch the clock and output, clean up."""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import time

import codec
import judge
import kernel_objects
import template
import verdict
from procs import continue_process, kill_leftovers, wipe
from watch import watch_job

DEFAULT_LIMITS = {"memory_mb": 512, "file_size_mb": 16, "open_files": 64,
                  "max_output_bytes": 1 << 20, "keep_output_bytes": 4096}


class Slot:
    """A candidate and a judge forked ahead of the job they will serve, and their pipes.

    ``channel`` is the runner's copy of the judge's end of the candidate channel: it carries the
    candidate's code (never seen by the judge) and is closed before the judge gets the job.
    """

    def __init__(self, cpid: int, jpid: int, channel: socket.socket, out_r: int, err_r: int,
                 report_r: int, job_w: int):
        self.cpid, self.jpid, self.channel = cpid, jpid, channel
        self.out_r, self.err_r, self.report_r, self.job_w = out_r, err_r, report_r, job_w

    def close(self) -> None:
        self.channel.close()
        for fd in (self.report_r, self.out_r, self.err_r, self.job_w):
            try:
                os.close(fd)
            except OSError:
                pass


class Supervisor:
    """Owns the two templates and runs jobs one at a time, each with a fresh judge.

    Between jobs (after the previous result went out) it kills every process but the templates,
    wipes scratch and IPC objects, and forks the next candidate and judge, so a job's latency
    holds no fork and no cleanup.
    """

    def __init__(self, scratch: list[str], isolated: bool = False):
        self.scratch, self.isolated = scratch, isolated
        self.templates = {role: template.spawn(role, scratch[0]) for role in template.ROLES}
        self.slot: Slot | None = None

    def run_job(self, job: dict) -> dict:
        started = time.monotonic()
        limits = {**DEFAULT_LIMITS, **(job.get("limits") or {})}
        timeout = max(0.05, float(job.get("timeout_s", 10.0)))
        limits["cpu_s"] = math.ceil(timeout) + 1
        job = {**job, "limits": limits}
        slot = self.slot or self.prepare()
        self.slot = None
        try:
            try:  # the code goes straight to the candidate; the judge never sees it
                codec.send(slot.channel.fileno(), judge.init_message(job))
            except OSError:
                pass  # the candidate is gone: the judge reports it
            slot.channel.close()
            _send_job(slot.job_w, {k: v for k, v in job.items() if k != "code"})
            slot.job_w = -1
            watch = watch_job(slot, time.monotonic() + timeout, limits)
            if watch["events"] and watch["events"][-1].get("event") in ("gone", "exit"):
                watch["candidate_exit"] = self._candidate_status(slot.cpid)
        finally:
            slot.close()
        result = verdict.classify(job, watch, timeout)
        result["duration_s"] = round(time.monotonic() - started, 4)
        return result

    def between_jobs(self) -> None:
        """Clean up after the last job and fork the next candidate and judge (after replying)."""
        self.cleanup()
        self.slot = self.prepare()

    def prepare(self) -> Slot:
        chan_judge, chan_candidate = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        report_r, report_w = os.pipe()
        job_r, job_w = os.pipe()
        try:
            cpid = self._fork("candidate", [chan_candidate.fileno(), out_w, err_w])
            jpid = self._fork("judge", [chan_judge.fileno(), report_w, job_r])
        finally:
            chan_candidate.close()
            for fd in (out_w, err_w, report_w, job_r):
                os.close(fd)
        return Slot(cpid, jpid, chan_judge, out_r, err_r, report_r, job_w)

    def _fork(self, role: str, fds: list[int]) -> int:
        try:
            return template.fork_child(self.templates[role][1], fds)
        except (OSError, EOFError, ValueError):  # a candidate killed it (only without uids)
            self._respawn(role)
            return template.fork_child(self.templates[role][1], fds)

    def _candidate_status(self, pid: int) -> int | None:
        try:
            return template.candidate_status(self.templates["candidate"][1], pid)
        except (OSError, EOFError, ValueError):
            return None

    def _respawn(self, role: str) -> None:
        pid, ctl = self.templates[role]
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        ctl.close()
        self.templates[role] = template.spawn(role, self.scratch[0])

    def cleanup(self) -> None:
        """Kill every process but the two templates (whatever its state), reap, then remove
        the IPC objects a job left and wipe the scratch directories."""
        keep = {pid for pid, _ in self.templates.values()}
        statuses = kill_leftovers(keep)
        for role, (pid, _) in list(self.templates.items()):
            if pid in statuses or not continue_process(pid):
                self._respawn(role)
        if self.isolated:  # private IPC namespace: every object in it was made by a job
            kernel_objects.remove_all()
        for directory in self.scratch:
            wipe(directory)


def _send_job(job_w: int, job: dict) -> None:
    data = json.dumps(job).encode()
    try:
        while data:
            data = data[os.write(job_w, data):]
    except BrokenPipeError:  # the judge is gone; the watch reports it
        pass
    os.close(job_w)
