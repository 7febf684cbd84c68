"""The runner's per-job work: start candidate and judge, watch the clock and output, clean up."""

from __future__ import annotations

import gc
import json
import math
import os
import signal
import socket
import time

import codec
import judge
import template
import verdict
from procs import continue_process, descendants, reap, wipe
from watch import watch_job

DEFAULT_LIMITS = {"memory_mb": 512, "file_size_mb": 16, "open_files": 64,
                  "max_output_bytes": 1 << 20, "keep_output_bytes": 4096}


class Slot:
    """A candidate process forked ahead of the job it will serve, and its pipes."""

    def __init__(self, cpid: int, channel: socket.socket, out_r: int, err_r: int):
        self.cpid, self.channel, self.out_r, self.err_r = cpid, channel, out_r, err_r
        self.report_r = -1

    def close(self) -> None:
        self.channel.close()
        for fd in (self.report_r, self.out_r, self.err_r):
            try:
                os.close(fd)
            except OSError:
                pass


class Supervisor:
    """Owns the template and the judge and runs jobs one at a time.

    Between jobs (after the previous result went out) it kills leftovers, wipes scratch and
    forks the next candidate, so a job's latency holds no fork and no cleanup. The judge is
    long-lived (it never runs candidate code); it is replaced whenever a job ends abnormally.
    """

    def __init__(self, scratch: list[str]):
        self.scratch = scratch
        self.template_pid, self.ctl = template.spawn(scratch[0])
        self.judge_pid, self.judge_ctl = _spawn_judge()
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
            try:
                codec.send(slot.channel.fileno(), judge.init_message(job))
            except OSError:
                pass  # the candidate is gone: the judge reports it
            self._hand_to_judge(slot, job)
            watch = watch_job(slot, time.monotonic() + timeout, limits)
            if watch["events"] and watch["events"][-1].get("event") in ("gone", "exit"):
                watch["candidate_exit"] = self._candidate_status(slot.cpid)
        finally:
            slot.close()
        if watch["timed_out"] or watch["output_exceeded"] or not _judge_finished(watch):
            self._kill_judge()  # it may be stuck waiting on the candidate: start a fresh one
        result = verdict.classify(job, watch, timeout)
        result["duration_s"] = round(time.monotonic() - started, 4)
        return result

    def between_jobs(self) -> None:
        """Clean up after the last job and fork the next candidate (called after replying)."""
        self.cleanup()
        self.slot = self.prepare()

    def prepare(self) -> Slot:
        chan_judge, chan_candidate = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            cpid = self._fork_candidate([chan_candidate.fileno(), out_w, err_w])
        finally:
            chan_candidate.close()
            os.close(out_w)
            os.close(err_w)
        return Slot(cpid, chan_judge, out_r, err_r)

    def _hand_to_judge(self, slot: Slot, job: dict) -> None:
        report_r, report_w = os.pipe()
        job_r, job_w = os.pipe()
        slot.report_r = report_r
        fds = [slot.channel.fileno(), report_w, job_r]
        try:
            try:
                socket.send_fds(self.judge_ctl, [b"job"], fds)
            except OSError:  # the judge died (a previous candidate killed it)
                self._kill_judge()
                self.judge_pid, self.judge_ctl = _spawn_judge()
                socket.send_fds(self.judge_ctl, [b"job"], fds)
        finally:
            os.close(report_w)
            os.close(job_r)
        _send_job(job_w, job)

    def _kill_judge(self) -> None:
        try:
            os.kill(self.judge_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.judge_ctl.close()
        self.judge_pid = -1

    def _fork_candidate(self, fds: list[int]) -> int:
        try:
            return template.fork_candidate(self.ctl, fds)
        except (OSError, EOFError, ValueError):  # the last candidate killed the template
            self._respawn_template()
            return template.fork_candidate(self.ctl, fds)

    def _candidate_status(self, pid: int) -> int | None:
        try:
            return template.candidate_status(self.ctl, pid)
        except (OSError, EOFError, ValueError):
            return None

    def _respawn_template(self) -> None:
        try:
            os.kill(self.template_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.ctl.close()
        self.template_pid, self.ctl = template.spawn(self.scratch[0])

    def cleanup(self) -> None:
        """Kill every process but template and judge, reap them, wipe the scratch directories."""
        statuses: dict[int, int] = {}
        keep = {self.template_pid, self.judge_pid}
        for _ in range(500):
            live, zombies = descendants()
            victims = [p for p in live if p not in keep]
            for pid in victims:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            reap(statuses)
            if not victims and not zombies:
                break
            time.sleep(0.001)
        if self.template_pid in statuses or not continue_process(self.template_pid):
            self._respawn_template()
        if self.judge_pid in statuses or not continue_process(self.judge_pid):
            if self.judge_pid > 0:
                self._kill_judge()
            self.judge_pid, self.judge_ctl = _spawn_judge()
        for directory in self.scratch:
            wipe(directory)


def _judge_finished(watch: dict) -> bool:
    ends = ("done", "load_error", "setup_error", "exit", "gone", "protocol", "judge_error")
    return any(e.get("event") in ends for e in watch["events"])


def _spawn_judge() -> tuple[int, socket.socket]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        try:
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            keep = theirs.fileno()
            os.closerange(3, keep)
            os.closerange(keep + 1, 65536)
            judge.serve(theirs)
        finally:
            os._exit(1)
    theirs.close()
    return pid, ours


def _send_job(job_w: int, job: dict) -> None:
    data = json.dumps(job).encode()
    try:
        while data:
            data = data[os.write(job_w, data):]
    except BrokenPipeError:  # the judge is gone; the watch reports it
        pass
    os.close(job_w)
