"""The runner's per-job work: start candidate and judge, watch the clock and output, clean up."""

from __future__ import annotations

import gc
import json
import math
import os
import select
import shutil
import signal
import socket
import time

import judge
import template
import verdict

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
            self._hand_to_judge(slot, job)
            watch = _watch(slot, time.monotonic() + timeout, limits)
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
        for _ in range(200):
            victims = [p for p in _descendants() if p not in keep]
            for pid in victims:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            _reap(statuses)
            if not victims:
                break
            time.sleep(0.001)
        if self.template_pid in statuses or not _continue(self.template_pid):
            self._respawn_template()
        if self.judge_pid in statuses or not _continue(self.judge_pid):
            if self.judge_pid > 0:
                self._kill_judge()
            self.judge_pid, self.judge_ctl = _spawn_judge()
        for directory in self.scratch:
            _wipe(directory)


def _continue(pid: int) -> bool:
    """SIGCONT (undo a candidate's SIGSTOP); False if the process is gone."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, signal.SIGCONT)
    except ProcessLookupError:
        return False
    return True


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


def _watch(slot: Slot, deadline: float, limits: dict) -> dict:
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


def _descendants() -> list[int]:
    """Every live process below this one (orphans are re-parented to us: we are a subreaper)."""
    me, parents = os.getpid(), {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != b"Z":
            parents[int(entry)] = int(fields[1])
    found, frontier = [], [me]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        frontier += kids
    return found


def _reap(statuses: dict[int, int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        statuses[pid] = status


def _wipe(directory: str) -> None:
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, onerror=_force_remove)
            else:
                os.unlink(entry.path)
        except OSError:
            pass


def _force_remove(func, path, _exc) -> None:
    try:
        os.chmod(os.path.dirname(path), 0o700)
        os.chmod(path, 0o700)
        func(path)
    except OSError:
        pass
