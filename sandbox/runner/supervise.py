"""The runner's per-job work: start candidate and judge, watch the clock and output, clean up."""

from __future__ import annotations

import base64
import json
import marshal
import math
import os
import signal
import socket
import time

import case_loop
import cases
import checks
import codec
import judge
import kernel_objects
import programs
import template
import verdict
from case_loop import write_all
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

    def __init__(self, scratch: list[str], isolated: bool = False, build: str = ""):
        self.scratch, self.isolated = scratch, isolated
        self.build = build or programs.make_build_dir()  # compiled artifacts, one job's only
        self.templates = {role: template.spawn(role, scratch[0]) for role in template.ROLES}
        self.slot: Slot | None = None
        self.ahead: case_loop.Ahead | None = None  # a candidate forked while a case runs

    def run_job(self, job: dict) -> dict:
        started = time.monotonic()
        limits = {**DEFAULT_LIMITS, **(job.get("limits") or {})}
        timeout = max(0.05, float(job.get("timeout_s", 10.0)))
        limits["cpu_s"] = math.ceil(timeout) + 1
        job = {**job, "limits": limits}
        slot = self.slot or self.prepare()
        self.slot = None
        if job.get("program"):  # another language: compile, then cases or a test program
            result = programs.run_job(self, job, slot, started + timeout)
            result["duration_s"] = round(time.monotonic() - started, 4)
            return result
        if job.get("cases") and not job.get("entry_point"):
            result = self._run_stdio(job, slot, started + timeout)
            result["duration_s"] = round(time.monotonic() - started, 4)
            return result
        try:
            try:  # the code goes straight to the candidate; the judge never sees it
                codec.send(slot.channel.fileno(), judge.init_message(job))
            except OSError:
                pass  # the candidate is gone: the judge reports it
            slot.channel.close()
            _send_job(slot.job_w, _judge_view(job))
            slot.job_w = -1
            watch = watch_job(slot, time.monotonic() + timeout, limits)
            if watch["events"] and watch["events"][-1].get("event") in ("gone", "exit"):
                watch["candidate_exit"] = self._candidate_status(slot.cpid)
        finally:
            slot.close()
        result = verdict.classify(job, watch, timeout)
        result["duration_s"] = round(time.monotonic() - started, 4)
        return result

    def _run_stdio(self, job: dict, slot: Slot, deadline: float, run_case=cases.run_case,
                   fresh: bool = False) -> dict:
        """Each case in a fresh candidate, the judge comparing each output (case_loop.py;
        ``fresh``: the slot's candidate is spent already, the first case gets its own too)."""
        records = case_loop.run_stdio(self, job, slot, deadline, run_case, fresh)
        return verdict.classify_cases(job, records)

    def _candidate_only(self) -> Slot:
        chan_runner, chan_candidate = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            cpid = self._fork("candidate", [chan_candidate.fileno(), out_w, err_w])
        finally:
            chan_candidate.close()
            os.close(out_w)
            os.close(err_w)
        return Slot(cpid, -1, chan_runner, out_r, err_r, -1, -1)

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
        if self.ahead is not None:  # its reply comes first on the template's socket
            self.ahead.settle()
        try:
            return template.fork_child(self.templates[role][1], fds)
        except (OSError, EOFError, ValueError):  # a candidate killed it (only without uids)
            self._respawn(role)
            return template.fork_child(self.templates[role][1], fds)

    def _candidate_status(self, pid: int) -> int | None:
        if self.ahead is not None:  # its reply comes first on the template's socket
            self.ahead.settle()
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
        wipe(self.build)


def _judge_view(job: dict) -> dict:
    """What the judge gets: the job without the code, and a HumanEval ``check`` already
    instrumented and compiled (marshalled), from the runner's cache: every sample of a prompt
    has the same tests, and a fresh judge would otherwise parse them again each time."""
    view = {k: v for k, v in job.items() if k != "code"}
    tests = job.get("tests")
    if isinstance(tests, str) and job.get("entry_point") and not job.get("cases"):
        compiled = _compiled_check(tests)
        if compiled is not None:
            view["instrumented"] = compiled
            del view["tests"]  # the compiled check carries everything the judge needs
    return view


_compiled: dict[str, list | None] = {}


def _compiled_check(tests: str) -> list | None:
    """``[marshalled code (base64), number of asserts]`` of an instrumented check, cached."""
    if tests not in _compiled:
        instrumented = checks.instrument(tests)
        if len(_compiled) >= 512:
            _compiled.pop(next(iter(_compiled)))
        _compiled[tests] = None if instrumented is None else [
            base64.b64encode(marshal.dumps(instrumented[0])).decode(), instrumented[1]]
    return _compiled[tests]


def _send_job(job_w: int, job: dict, close: bool = True) -> None:
    """The job as one JSON line to the judge (stdin/stdout jobs keep the pipe open: each
    case's output follows as a line)."""
    try:
        write_all(job_w, json.dumps(job).encode() + b"\n")
    except BrokenPipeError:  # the judge is gone; the watch reports it
        pass
    if close:
        os.close(job_w)
