"""Stdin/stdout jobs: every case in a fresh candidate process, pipelined.

Per case the runner kills every leftover process (all but the templates, the job's judge and
the one candidate forked ahead), wipes the scratch directories, runs the case in a candidate
that never saw the job, and hands what the program did to the job's judge. Two waits of the
plain loop are overlapped with the case's run instead:

* **the next candidate is forked ahead**: the candidate template forks it while the current
  case runs. It is as fresh as one forked after the case (the template never sees a job) and
  gets the code, input and limits only when its own case starts, after the leftovers are killed
  and the scratch is wiped. While it waits it holds no job data; the running case (same uid, but
  the waiting process is non-dumpable: no ptrace, no /proc/<pid>/mem) can at most kill or stop
  it, which fails that job's own next case;
* **the judge's verdict is not waited for**: the output goes to the judge and the next case
  starts; verdicts are read as they come and all of them before the job's result (in order,
  each with a deadline). With ``stop_on_failure`` a case the judge rejects ends the loop: at
  most one case more has run, and its record is dropped.
"""

from __future__ import annotations

import json
import math
import os
import select
import socket
import time

import cases
from procs import kill_leftovers, wipe

JUDGE_WAIT_S = 10.0  # how long the judge may take for one case's verdict


class Ahead:
    """A candidate the template was asked to fork while the current case runs (its pid is
    read later: nothing else may use the template's socket before that)."""

    def __init__(self, sup):
        self.sup, self.slot = sup, None
        self.chan, chan_candidate = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.out_r, out_w = os.pipe()
        self.err_r, err_w = os.pipe()
        try:
            socket.send_fds(sup.templates["candidate"][1], [b"fork"], [chan_candidate.fileno(),
                                                                       out_w, err_w])
            self.sent = True
        except OSError:
            self.sent = False
        finally:
            chan_candidate.close()
            os.close(out_w)
            os.close(err_w)
        if not self.sent:
            self._close()

    def settle(self) -> None:
        """Read the template's reply (the new pid); a failure leaves ``slot`` None."""
        if not self.sent:
            return
        self.sent = False
        try:
            reply = self.sup.templates["candidate"][1].recv(32)
            pid = int(reply) if reply else None
        except (OSError, ValueError):
            pid = None
        if pid is None:  # the template is gone (only without uids): the plain path respawns it
            self._close()
            return
        from supervise import Slot

        self.slot = Slot(pid, -1, self.chan, self.out_r, self.err_r, -1, -1)

    def take(self):
        """The forked candidate's slot, or None (then fork one the plain way)."""
        self.settle()
        slot, self.slot = self.slot, None
        return slot

    def drop(self) -> None:
        """Take the reply off the template's socket and close our ends (the process, if any,
        dies with the job's leftovers)."""
        self.settle()
        if self.slot is not None:
            self.slot.close()
            self.slot = None

    def _close(self) -> None:
        self.chan.close()
        for fd in (self.out_r, self.err_r):
            try:
                os.close(fd)
            except OSError:
                pass


def run_stdio(sup, job: dict, slot, deadline: float, run_case=cases.run_case,
              fresh: bool = False) -> list[dict]:
    """The case records of a stdin/stdout job, in order, up to the first failure when
    ``stop_on_failure`` (``fresh``: the slot's candidate is spent, the first case gets its own)."""
    send_line(slot.job_w, {k: v for k, v in job.items() if k != "code"}, None)
    verdicts = Verdicts(slot)
    case_timeout = float(job.get("case_timeout_s") or job.get("timeout_s") or 10.0)
    limits = {**job["limits"], "cpu_s": math.ceil(case_timeout) + 1}
    all_cases, stop = job["cases"], job.get("stop_on_failure", True)
    keep = {pid for pid, _ in sup.templates.values()} | {slot.jpid}
    candidate, ahead = slot, None
    try:
        for index, case in enumerate(all_cases):
            if stop and verdicts.failed:
                break
            if time.monotonic() >= deadline:
                verdicts.records[index] = {"index": index, "status": cases.TIME_LIMIT,
                                           "time_s": 0.0, "detail": "not run: the job's "
                                           "time limit was reached"}
                break
            if index or fresh:
                forked = ahead.take() if ahead is not None else None
                kill_leftovers(keep | ({forked.cpid} if forked else set()))
                for directory in sup.scratch:
                    wipe(directory)
                candidate = forked or sup._candidate_only()
            ahead = sup.ahead = Ahead(sup) if index + 1 < len(all_cases) else None
            case = case if isinstance(case, dict) else {}
            seen = run_case(candidate, job.get("code", ""), case, limits, job.get("files") or {},
                            min(time.monotonic() + case_timeout, deadline),
                            sup._candidate_status)
            if candidate is not slot:
                candidate.close()
            if index == len(all_cases) - 1 and job.get("fetch_files"):
                kill_leftovers(keep)
                seen["files"] = cases.fetch_files(sup.scratch[0], job["fetch_files"])
            verdicts.send(index, case, seen)
            if seen["status"] is not None:  # failed in the runner: the judge only echoes it
                verdicts.failed = True
            verdicts.collect(block=False)
        verdicts.collect(block=True)
    finally:
        if ahead is not None:
            ahead.drop()
        sup.ahead = None
        try:
            os.close(slot.job_w)
        except OSError:
            pass
        slot.job_w = -1
        slot.close()
    records = [verdicts.records[i] for i in sorted(verdicts.records)]
    if stop:
        first = next((i for i, r in enumerate(records) if r["status"] != cases.ACCEPTED), None)
        records = records if first is None else records[:first + 1]
    return records


class Verdicts:
    """Case outputs sent to the judge and the verdicts it sends back, in order."""

    def __init__(self, slot):
        self.slot, self.reader = slot, LineReader(slot.report_r)
        self.pending: list[tuple[int, dict, dict]] = []
        self.records: dict[int, dict] = {}
        self.failed = False

    def send(self, index: int, case: dict, seen: dict) -> None:
        line = {"index": index, "status": seen["status"], "stdout": seen["stdout"]}
        ok = send_line(self.slot.job_w, line, time.monotonic() + JUDGE_WAIT_S, self.reader)
        self.pending.append((index, case, seen))
        if not ok:  # the judge is gone or stuck: every case still waiting gets no verdict
            self._give_up()

    def collect(self, block: bool) -> None:
        while self.pending:
            answer = self.reader.read(time.monotonic() + JUDGE_WAIT_S if block else None)
            if answer is None and not block:
                return
            index, case, seen = self.pending.pop(0)
            self._record(index, case, seen, answer)

    def _give_up(self) -> None:
        while self.pending:
            index, case, seen = self.pending.pop(0)
            self._record(index, case, seen, None)

    def _record(self, index: int, case: dict, seen: dict, answer) -> None:
        run_only = case.get("output") is None
        record = {"index": index, "status": seen["status"], "time_s": seen["time_s"],
                  "exit_code": seen.get("exit_code"), "detail": seen.get("detail", "")}
        if run_only:
            record.update(stdout=seen["stdout"], stderr=seen["stderr"])
        if "files" in seen:
            record["files"] = seen["files"]
        if not isinstance(answer, dict) or answer.get("index") != index:
            record.update(status="grader_error", detail="the judge gave no verdict for the case")
        else:
            record["status"] = answer.get("status") or "grader_error"
            if answer.get("detail"):
                record["detail"] = str(answer["detail"])[:500]
            if answer.get("excerpt") and not run_only:
                record["excerpt"] = answer["excerpt"]
            if record["status"] != cases.ACCEPTED and not run_only:
                record["stderr"] = seen["stderr"]
        if record["status"] != cases.ACCEPTED:
            self.failed = True
        self.records[index] = record


def send_line(fd: int, message: dict, deadline: float | None, reader=None) -> bool:
    """``message`` as one JSON line to the judge; False if it is gone or took past
    ``deadline`` (None: block). While waiting, the judge's answers are buffered in ``reader``
    so it never blocks on a full answer pipe."""
    data = json.dumps(message).encode() + b"\n"
    try:
        if deadline is None:
            write_all(fd, data)
            return True
        os.set_blocking(fd, False)
        while data:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            watch = [reader.fd] if reader is not None else []
            readable, writable, _ = select.select(watch, [fd], [], left)
            if readable and not reader.fill():
                return False
            if writable:
                try:
                    data = data[os.write(fd, data):]
                except BlockingIOError:
                    pass
        return True
    except OSError:  # BrokenPipeError: the judge is gone
        return False


def write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


class LineReader:
    """JSON lines from the judge's report pipe, each read with a deadline."""

    def __init__(self, fd: int):
        self.fd, self.buffer, self.closed = fd, b"", False

    def fill(self) -> bool:
        """Read what is there (once); False at EOF."""
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            self.closed = True
        self.buffer += chunk
        return bool(chunk)

    def read(self, deadline: float | None):
        """The next line, parsed; None if none came by ``deadline`` (None: only what is
        already there, no waiting) or the pipe closed."""
        while b"\n" not in self.buffer and not self.closed:
            left = 0.0 if deadline is None else deadline - time.monotonic()
            if left < 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                if deadline is None:
                    return None
                continue
            self.fill()
        if b"\n" not in self.buffer:
            return None
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            return None
