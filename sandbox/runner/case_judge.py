"""The judge's side of cases: stdin/stdout outputs the runner hands over, and call cases.

Expected outputs live only here (in the judge), so no candidate process ever holds one. A
failing case reports an excerpt of its input, the expected and the actual output (what repair
prompts and the SFT *fix* task want).
"""

from __future__ import annotations

import json
import os
import signal
import time

import compare
import rpc

ACCEPTED, WRONG_ANSWER, TIME_LIMIT = "accepted", "wrong_answer", "time_limit"
MEMORY_LIMIT, RUNTIME_ERROR, GRADER_ERROR = "memory_limit", "runtime_error", "grader_error"
EXCERPT = 200


class CaseTimeout(BaseException):
    """A call case ran past its time limit (raised by the judge's interval timer)."""


class Checker:
    """The job's checker: a built-in comparison or a special judge program."""

    def __init__(self, job: dict):
        self.name = str(job.get("checker") or "tokens")
        self.atol, self.rtol = float(job.get("atol") or 0.0), float(job.get("rtol") or 0.0)
        self.special = None
        if self.name == "special":
            self.special = compare.load_special_checker(str(job.get("checker_code") or ""))

    def output(self, case_input, expected: str, actual: str) -> tuple[bool, str]:
        if self.special is not None:
            return compare.run_special(self.special, case_input, expected, actual)
        return compare.check_output(self.name, str(expected), actual, self.atol, self.rtol), ""

    def value(self, case_input, expected, actual) -> tuple[bool, str]:
        if self.special is not None:
            return compare.run_special(self.special, case_input, expected, actual)
        return compare.values_equal(actual, expected, self.atol,
                                    unordered=self.name == "unordered"), ""


def excerpt(case_input, expected, actual) -> dict:
    def cut(value) -> str:
        text = value if isinstance(value, str) else repr(value)
        return text if len(text) <= EXCERPT else text[:EXCERPT] + "..."
    return {"input": cut(case_input), "expected": cut(expected), "got": cut(actual)}


def judge_stdio(job: dict, lines, out_fd: int) -> None:
    """Answer one line per case the runner sends (what the program printed, or how it failed)."""
    cases = job.get("cases") or []
    try:
        checker = Checker(job)
        problem = ""
    except BaseException as exc:  # the problem's checker is broken: not the program's fault
        checker, problem = None, f"checker: {type(exc).__name__}: {exc}"[:300]
    for line in lines:
        run = json.loads(line)
        index = int(run["index"])
        case = cases[index] if 0 <= index < len(cases) and isinstance(cases[index], dict) else {}
        answer = {"index": index, "status": run.get("status")}
        if answer["status"] is None:
            expected = case.get("output")
            if expected is None:
                answer["status"] = ACCEPTED  # run only: nothing to compare
            elif checker is None:
                answer.update(status=GRADER_ERROR, detail=problem)
            else:
                answer.update(_compare_output(checker, case, str(run.get("stdout") or "")))
        _send(out_fd, answer)


def _compare_output(checker: Checker, case: dict, actual: str) -> dict:
    try:
        ok, message = checker.output(case.get("input"), case["output"], actual)
    except BaseException as exc:
        return {"status": GRADER_ERROR, "detail": f"checker: {type(exc).__name__}: {exc}"[:300]}
    if ok:
        return {"status": ACCEPTED}
    return {"status": WRONG_ANSWER, "detail": message or "output differs from the expected",
            "excerpt": excerpt(case.get("input"), case["output"], actual)}


def _send(fd: int, answer: dict) -> None:
    data = json.dumps(answer).encode() + b"\n"
    while data:
        data = data[os.write(fd, data):]


def judge_calls(job: dict, function, report) -> None:
    """Call the candidate's entry point with each case's arguments and check the return value.
    A case past its time limit ends the job (the candidate is stuck in it)."""
    checker = Checker(job)
    limit = float(job.get("case_timeout_s") or 0.0)
    stop = job.get("stop_on_failure", True)
    for index, case in enumerate(job.get("cases") or []):
        args = case.get("input") if isinstance(case, dict) else None
        args = list(args) if isinstance(args, (list, tuple)) else [args]
        started = time.monotonic()
        status, detail, got = _call(function, args, limit)
        spent = round(time.monotonic() - started, 4)
        if status == ACCEPTED:
            try:
                ok, message = checker.value(args, case.get("output"), got)
            except BaseException as exc:
                ok, message, status = False, f"checker: {type(exc).__name__}: {exc}", GRADER_ERROR
            if not ok and status == ACCEPTED:
                status, detail = WRONG_ANSWER, message or "return value differs"
        event = {"event": "test", "index": index, "ok": status == ACCEPTED, "status": status,
                 "time_s": spent}
        if status != ACCEPTED:
            event.update(detail=detail[:300],
                         excerpt=excerpt(args, case.get("output"), got))
        report.emit(**event)
        if status == TIME_LIMIT or (status != ACCEPTED and stop):
            break


def _call(function, args: list, limit: float):
    """(status, detail, return value) of one call, under an interval timer of ``limit`` s."""
    def expire(_signum, _frame):
        raise CaseTimeout()

    if limit > 0:
        signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return ACCEPTED, "", function(*args)
    except CaseTimeout:
        return TIME_LIMIT, f"call exceeded {limit:g} s", None
    except rpc.JOB_ENDERS:
        raise
    except MemoryError as exc:
        return MEMORY_LIMIT, f"MemoryError: {exc}", None
    except BaseException as exc:
        return RUNTIME_ERROR, f"{type(exc).__name__}: {exc}", None
    finally:
        if limit > 0:
            signal.setitimer(signal.ITIMER_REAL, 0)
