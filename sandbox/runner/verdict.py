"""Turn the judge's report and the runner's observations into one result (status + reason)."""

from __future__ import annotations

import os
import signal

_LOAD_STATUS = {"SyntaxError": "syntax_error", "IndentationError": "syntax_error",
                "TabError": "syntax_error", "MemoryError": "memory",
                "RecursionError": "error"}


# A case's verdict as a job status (the first failing case decides the job's).
STATUS_OF_VERDICT = {"accepted": "passed", "wrong_answer": "failed", "time_limit": "timeout",
                     "memory_limit": "memory", "runtime_error": "error",
                     "output_limit": "output_limit", "compile_error": "syntax_error",
                     "grader_error": "sandbox_error"}


def classify_cases(job: dict, records: list[dict]) -> dict:
    """A stdin/stdout job: passed only when the judge accepted every case."""
    total = len(job.get("cases") or [])
    accepted = sum(r.get("status") == "accepted" for r in records)
    failure = next((r for r in records if r.get("status") != "accepted"), None)
    if failure is None and accepted == total and total:
        status, reason = "passed", ""
    elif failure is None:
        status, reason = "error", "job has no cases: nothing could confirm a pass"
    else:
        status = STATUS_OF_VERDICT.get(failure.get("status"), "error")
        reason = f"case {failure['index']}: {failure.get('status')}"
        if failure.get("detail"):
            reason += f": {failure['detail']}"
    shown = failure or (records[-1] if records else {})
    keep = int((job.get("limits") or {}).get("keep_output_bytes", 4096))
    result = {
        "id": str(job.get("id", "")), "status": status, "passed": status == "passed",
        "tests_passed": accepted if status != "sandbox_error" else 0, "tests_total": total,
        "reason": reason[:1000], "stdout": str(shown.get("stdout", ""))[:keep],
        "stderr": str(shown.get("stderr", ""))[:keep],
        "cases": [{k: v for k, v in r.items() if k != "files"} for r in records],
    }
    for record in records:
        if "files" in record:
            result["files"] = record["files"]
    return result


def classify(job: dict, watch: dict, timeout: float) -> dict:
    """Only the judge's explicit per-test confirmations count as passes."""
    events = watch.get("events", [])
    kinds = {e.get("event") for e in events}
    tests = job.get("tests") or []
    total = len(tests) if isinstance(tests, list) else 1
    start = next((e for e in events if e.get("event") == "start"), None)
    if start is not None and isinstance(start.get("total"), int):
        total = start["total"]  # the judge's count (asserts of a HumanEval check)
    passed_ix = {e.get("index") for e in events if e.get("event") == "test" and e.get("ok") is True}
    failures = [e for e in events if e.get("event") == "test" and e.get("ok") is not True]
    status, reason = _status(events, kinds, failures, watch, timeout, total, len(passed_ix))
    result = {
        "id": str(job.get("id", "")), "status": status, "passed": status == "passed",
        "tests_passed": len(passed_ix) if status != "sandbox_error" else 0,
        "tests_total": total, "reason": reason[:1000],
        "stdout": watch.get("stdout", ""), "stderr": watch.get("stderr", ""),
    }
    if job.get("cases"):  # call cases: each test event is a case with its verdict
        result["cases"] = [{k: e[k] for k in ("index", "status", "time_s", "detail", "excerpt")
                            if k in e} for e in events if e.get("event") == "test"]
    return result


def _status(events, kinds, failures, watch, timeout, total, n_passed) -> tuple[str, str]:
    if watch.get("timed_out"):
        return "timeout", f"wall-clock limit of {timeout:g}s exceeded"
    if watch.get("output_exceeded"):
        return "output_limit", "printed more than the output cap"
    last = events[-1] if events else {}
    if "load_error" in kinds:
        e = next(e for e in events if e.get("event") == "load_error")
        return _LOAD_STATUS.get(e.get("kind"), "error"), f"candidate code: {e.get('detail', '')}"
    if "setup_error" in kinds:
        e = next(e for e in events if e.get("event") == "setup_error")
        return "error", f"test setup failed: {e.get('detail', '')}"
    if "exit" in kinds:
        return "exit_called", f"candidate called {last.get('detail', 'exit')} before tests finished"
    if "gone" in kinds:
        return _candidate_died(watch.get("candidate_exit"))
    if "protocol" in kinds:
        return "error", f"candidate broke the result protocol: {last.get('detail', '')}"
    if "judge_error" in kinds:
        return "sandbox_error", f"judge failed: {last.get('detail', '')}"
    if "done" not in kinds:
        return "error", "judge process was killed before it finished (by the candidate?)"
    if total == 0:
        return "error", "job has no tests: nothing could confirm a pass"
    if not failures and n_passed == total:
        return "passed", ""
    first = failures[0] if failures else {}
    if first.get("status") in STATUS_OF_VERDICT:  # a call case's verdict
        return STATUS_OF_VERDICT[first["status"]], \
            f"case {first.get('index', 0)}: {first['status']}: {first.get('detail', '')}"
    if any(f.get("kind") == "MemoryError" for f in failures):
        return "memory", f"test {first.get('index', 0)}: MemoryError"
    status = "failed" if first.get("kind") == "AssertionError" else "error"
    return status, f"test {first.get('index', 0)}: {first.get('detail', 'did not pass')}"


def _candidate_died(status: int | None) -> tuple[str, str]:
    if status is None:
        return "error", "candidate process closed its channel before the tests finished"
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        return "exit_called", f"candidate process exited (code {code}) before the tests finished"
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
    if sig == signal.SIGXCPU:
        return "timeout", "CPU time limit exceeded"
    if sig == signal.SIGKILL:
        return "memory", "candidate process was killed (SIGKILL: out of memory or CPU limit)"
    name = signal.Signals(sig).name if sig else "unknown"
    return "error", f"candidate process died from {name}"
