"""The judge: a process that never runs candidate code and decides every test itself.

The tests run here with the candidate's names bound to proxies; each call travels to the
candidate process and only plain data (exact builtin types) comes back, so ``==``, ``abs``,
``assert`` and ``AssertionError`` are always this process's own. Every job gets a fresh judge
that sees that job's tests and never its code, under its own uid when the runner is root.
"""

from __future__ import annotations

import base64
import builtins
import importlib
import json
import marshal
import os
import signal
import sys
import time

import case_judge
import checks
import codec
import isolation
import rpc
import template


class CandidateNamespace(dict):
    """Test globals that fetch a missing name from the candidate (never shadowing a builtin)."""

    def __init__(self, conn: rpc.Connection, names: dict, entry_point: str | None):
        super().__init__(__name__="__main__", __builtins__=builtins)
        self._conn, self._names, self._entry = conn, names, entry_point

    def __missing__(self, name):
        # Only the declared entry point may shadow a builtin: a candidate's own ``abs`` or ``set``
        # must never stand in for the one the tests compare with.
        if name not in self._names or (hasattr(builtins, name) and name != self._entry):
            raise KeyError(name)
        module = self._names[name]
        if module is not None:
            value = _trusted_import(name, module)
        else:
            value = self._conn.request(["global", name])
        self[name] = value
        return value


def _trusted_import(name: str, module: str):
    """The candidate imported a module: the tests get the judge's own copy of it."""
    for candidate in (name, module):
        if candidate in sys.stdlib_module_names or candidate == module:
            try:
                return importlib.import_module(candidate)
            except ImportError:
                continue
    raise KeyError(name)


class Report:
    """Streams per-test outcomes to the runner as JSON lines, at most every 50 ms (so partial
    credit survives a timeout kill without waking the runner once per assert)."""

    FLUSH_EVERY_S = 0.05

    def __init__(self, fd: int):
        self.fd, self.pending, self.last = fd, [], time.monotonic()

    def emit(self, **fields) -> None:
        self.pending.append(json.dumps(fields) + "\n")
        if time.monotonic() - self.last >= self.FLUSH_EVERY_S:
            self.flush()

    def flush(self) -> None:
        data = "".join(self.pending).encode()
        self.pending.clear()
        self.last = time.monotonic()
        while data:
            data = data[os.write(self.fd, data):]


def init_message(job: dict) -> list:
    """The candidate's first request: its code, setup and limits. The runner sends it the moment
    the job arrives, so the candidate loads its code while the judge is still reading the job."""
    return ["init", job.get("code", ""), job.get("setup") or "", job.get("limits") or {}]


JUDGE_MEMORY_MB = 2048  # the judge holds decoded return values (frames up to 64 MB)


def run(channel: int, report_fd: int, job_fd: int, scratch: str) -> None:
    """A fresh judge for exactly one job, forked from the judge template before the job came:
    drop to the judge's uid, read the job (tests, never the candidate's code), judge, exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    isolation.close_fds_except({channel, report_fd, job_fd})
    isolation.drop_to(isolation.JUDGE_UID)
    template.harden()  # a uid change resets the dumpable flag: make sure it stays off
    os.chdir(scratch)
    lines = open(job_fd, "rb")
    job = json.loads(lines.readline())
    limits = job.get("limits") or {}
    isolation.set_limits(memory_mb=JUDGE_MEMORY_MB, cpu_s=int(limits.get("cpu_s", 10)) + 2,
                         file_size_mb=int(limits.get("file_size_mb", 16)), open_files=64)
    if job.get("cases") and not job.get("entry_point"):
        os.close(channel)  # stdin/stdout: the runner hands over each case's output
        case_judge.judge_stdio(job, lines, report_fd)
    else:
        judge_one(job, channel, report_fd)
    os._exit(0)


def judge_one(job: dict, channel: int, report_fd: int) -> None:
    """Judge one job; every outcome goes to ``report_fd``."""
    report = Report(report_fd)
    conn = rpc.Connection(channel, proxy_class=rpc.RemoteObject, export_any=False, strict=True)
    try:
        _judge(job, conn, report)
    except rpc.CandidateExit as exc:
        report.emit(event="exit", detail=str(exc))
    except rpc.PeerGone:
        report.emit(event="gone")
    except codec.ProtocolError as exc:
        report.emit(event="protocol", detail=str(exc)[:300])
    except BaseException as exc:  # a judge bug must still end the job with a reason
        report.emit(event="judge_error", detail=f"{type(exc).__name__}: {exc}"[:300])
    report.flush()
    try:
        codec.send(channel, ["bye"])
    except OSError:
        pass


def _judge(job: dict, conn: rpc.Connection, report: Report) -> None:
    tests = job.get("tests") or []
    call_cases = job.get("cases") or []
    instrumented = None
    if job.get("instrumented"):  # compiled by the runner (cached there across jobs)
        instrumented = (marshal.loads(base64.b64decode(job["instrumented"][0])),
                        int(job["instrumented"][1]))
    elif isinstance(tests, str) and job.get("entry_point") and not call_cases:
        instrumented = checks.instrument(tests)
    if call_cases:
        total = len(call_cases)
    elif instrumented:
        total = instrumented[1]
    else:
        total = len(tests) if isinstance(tests, list) else 1
    report.emit(event="start", total=total)
    try:
        names = conn.request(None)  # the runner already sent the code (see init_message)
    except rpc.JOB_ENDERS:
        raise
    except BaseException as exc:
        report.emit(event="load_error", kind=type(exc).__name__, detail=_describe(exc))
        return
    namespace = CandidateNamespace(conn, names if isinstance(names, dict) else {},
                                   job.get("entry_point"))
    setup = job.get("setup") or ""
    if setup:  # runs before (and without) the candidate's names, as in MBPP's reference harness
        fixtures = {"__name__": "__main__", "__builtins__": builtins}
        try:
            exec(compile(setup, "<setup>", "exec"), fixtures)
        except rpc.JOB_ENDERS:
            raise
        except BaseException as exc:
            report.emit(event="setup_error", kind=type(exc).__name__, detail=_describe(exc))
            return
        namespace.update({k: v for k, v in fixtures.items() if k != "__builtins__"})
    if call_cases:
        try:
            function = namespace[job["entry_point"]]
        except KeyError:
            report.emit(event="load_error", kind="NameError",
                        detail=f"NameError: the code defines no {job['entry_point']!r}")
            return
        case_judge.judge_calls(job, function, report)
    elif instrumented:
        _run_check(instrumented[0], total, job["entry_point"], namespace, report)
    elif isinstance(tests, list):
        for index, line in enumerate(tests):
            _run_test(index, str(line), namespace, report)
    elif job.get("entry_point"):
        program = f"{tests}\n\ncheck({job['entry_point']})\n"
        _run_test(0, program, namespace, report)
    else:
        _run_test(0, str(tests), namespace, report)
    report.emit(event="done")


def _run_check(code, units: int, entry_point: str, namespace: dict, report: Report) -> None:
    """Run an instrumented ``check``: each guarded assert reports itself."""
    def record(index: int, exc: BaseException | None, source: str) -> None:
        if exc is None:
            report.emit(event="test", index=index, ok=True)
        else:
            report.emit(event="test", index=index, ok=False, kind=type(exc).__name__,
                        detail=_describe(exc, source))

    namespace[checks.RECORD] = record
    try:
        exec(code, namespace)
        exec(compile(f"check({entry_point})\n", "<check call>", "exec"), namespace)
    except rpc.JOB_ENDERS:
        raise
    except BaseException as exc:  # raised outside a guarded assert: the check is over
        report.emit(event="test", index=units, ok=False, kind=type(exc).__name__,
                    detail=_describe(exc))


def _run_test(index: int, source: str, namespace: dict, report: Report) -> None:
    try:
        exec(compile(source, f"<test {index}>", "exec"), namespace)
    except rpc.JOB_ENDERS:
        raise
    except BaseException as exc:
        report.emit(event="test", index=index, ok=False, kind=type(exc).__name__,
                    detail=_describe(exc, source))
        return
    report.emit(event="test", index=index, ok=True)


def _describe(exc: BaseException, source: str = "") -> str:
    text = str(exc)[:300]
    if isinstance(exc, AssertionError) and not text:
        lines = [ln.strip() for ln in source.strip().splitlines() if ln.strip()]
        text = lines[0][:300] if len(lines) == 1 else "assertion failed"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
