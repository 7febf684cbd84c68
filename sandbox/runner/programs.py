"""Jobs in languages other than in-process Python: compile once, then run the program.

The host sends ``job["program"]`` (built from codetune/languages.py by
codetune/sandbox/toolchains.py): source files, the compile and run commands, their environment
and the completion ``marker``. Per job:

1. the sources go into the job's build directory (a tmpfs that allows exec, wiped between jobs);
2. the compiler runs in a candidate process (candidate uid, its own time and memory limits);
   a nonzero exit is ``compile_error`` with the compiler's message, trimmed;
3. stdin/stdout cases: each case execs the binary/interpreter in a fresh candidate process and
   the job's judge compares its output (supervise.py's case loop); a test program runs once and
   passes only when it exits 0, printed the job's marker as its last line (the test code's
   epilogue prints it after the last assertion: an early ``exit(0)`` never reaches it) and
   reported no assertion failure on stderr.
"""

from __future__ import annotations

import os
import select
import signal
import time

import cases
import codec
from procs import alive, kill_leftovers, wipe

COMPILE_KEEP = 2000  # characters of compiler output kept in the reason


def run_job(sup, job: dict, slot, deadline: float) -> dict:
    """Compile (once), then run every case or the test program; the result dict."""
    program = _with_image_caches(_resolve(job["program"], sup.build), sup.build)
    limits = job["limits"]
    write_sources(sup.build, program.get("sources") or {})
    started = time.monotonic()
    failed = compile_program(slot, program, limits, sup._candidate_status)
    if failed is not None:
        slot.close()
        return compile_failure(job, failed)
    deadline += time.monotonic() - started  # the compiler has its own limit
    plain = {k: v for k, v in job.items() if k != "program"}  # the judge never sees code
    compiled = bool(program.get("compile"))
    if compiled:
        kill_leftovers({pid for pid, _ in sup.templates.values()} | {slot.jpid})
        for directory in sup.scratch:
            wipe(directory)
    if job.get("cases"):
        return sup._run_stdio(plain, slot, deadline, run_case=run_case_with(program),
                              fresh=compiled)
    candidate = sup._candidate_only() if compiled else slot
    try:
        run_limits = {**limits, "memory_mb": 0} if program.get("heap_limited") else limits
        seen = execute(candidate, program["run"], program.get("env") or {}, None, run_limits,
                       job.get("files") or {}, deadline, sup._candidate_status)
    finally:
        if candidate is not slot:
            candidate.close()
        slot.close()
    return judge_test_program(job, program, seen)


def _resolve(value, build: str):
    """``{build}`` in the host's program replaced by this runner's build directory."""
    if isinstance(value, str):
        return value.replace("{build}", build)
    if isinstance(value, list):
        return [_resolve(v, build) for v in value]
    if isinstance(value, dict):
        return {_resolve(k, build): _resolve(v, build) for k, v in value.items()}
    return value


def _with_image_caches(program: dict, build: str) -> dict:
    """Go reads the image's warm build cache (read-only: only misses, never writes) and Node
    starts from the image's snapshot; an image or a process backend without them gets a fresh
    Go cache in the job's build directory and Node without ``--snapshot-blob``."""
    env = program.get("env") or {}
    cache = env.get("GOCACHE")
    if cache and not cache.startswith(build) and not os.path.isdir(cache):
        program["env"] = {**env, "GOCACHE": os.path.join(build, "gocache")}
    run = list(program.get("run") or [])
    if "--snapshot-blob" in run[:-2]:
        at = run.index("--snapshot-blob")
        if not os.path.isfile(run[at + 1]):
            program["run"] = run[:at] + run[at + 2:]
    return program


def write_sources(build: str, sources: dict) -> None:
    """The job's sources into the build directory (root-written, world-readable)."""
    for name, text in (sources or {}).items():
        path = os.path.realpath(os.path.join(build, str(name)))
        if not path.startswith(os.path.realpath(build) + os.sep):
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as f:
            f.write(str(text))
        os.chmod(path, 0o644)


def execute(slot, argv: list, env: dict, stdin, limits: dict, files: dict, deadline: float,
            wait_status) -> dict:
    """Exec ``argv`` in the candidate of ``slot``; what happened: ``{"status": None (exit 0) or
    a verdict, "exit_code", "stdout", "stderr", "time_s", "detail"}``. The exit code is the
    kernel's (the template's wait status), never the program's claim."""
    started = time.monotonic()
    try:
        codec.send(slot.channel.fileno(), ["exec", argv, env, stdin, limits, files])
    except OSError:
        pass
    seen = _watch(slot, deadline, int(limits["max_output_bytes"]),
                  int(limits["keep_output_bytes"]))
    seen["time_s"] = round(time.monotonic() - started, 4)
    if seen["status"] is not None:  # time or output limit: stop it
        _kill(slot.cpid)
        wait_status(slot.cpid)
        return seen
    status = wait_status(slot.cpid)
    if status is None:  # still running (a zombie's threads) or unknown: end it
        _kill(slot.cpid)
        status = wait_status(slot.cpid)
    if seen.pop("exec_failed", False):
        seen.update(status="grader_error", exit_code=127,
                    detail=f"the sandbox image lacks this toolchain ({argv[0]}): rebuild it with "
                           "`codetune sandbox build --languages ...`")
    elif status is not None and os.WIFEXITED(status):
        seen["exit_code"] = os.WEXITSTATUS(status)
        if seen["exit_code"]:
            seen.update(status=cases.RUNTIME_ERROR, detail=f"exit code {seen['exit_code']}")
    else:
        seen["status"], seen["detail"] = cases._signal_verdict(status)
    return seen


def _watch(slot, deadline: float, cap: int, keep: int) -> dict:
    """Read stdout (whole, up to ``cap``) and stderr (first ``keep`` bytes) until both pipes
    close or the process is gone (a leftover child may hold the pipes), the clock runs out or
    the output passes the cap. The channel only ever carries an exec failure report."""
    out, err, report = bytearray(), bytearray(), bytearray()
    channel = slot.channel.fileno()
    fds = {slot.out_r: out, slot.err_r: err, channel: report}
    seen = {"status": None, "exit_code": None, "detail": ""}
    total = 0
    while slot.out_r in fds or slot.err_r in fds:
        left = deadline - time.monotonic()
        if left <= 0:
            seen.update(status=cases.TIME_LIMIT, detail="time limit exceeded")
            break
        ready, _, _ = select.select(list(fds), [], [], min(left, 0.05))
        total += cases._read_ready(ready, fds, slot, keep)
        if total > cap:
            seen.update(status=cases.OUTPUT_LIMIT, detail=f"printed more than {cap} bytes")
            break
        if not ready and not alive(slot.cpid):
            for _ in range(1024):  # take what is already in the pipes
                ready, _, _ = select.select([fd for fd in fds if fd != channel], [], [], 0.001)
                if not ready:
                    break
                total += cases._read_ready(ready, fds, slot, keep)
            break
    done = cases._done_report(bytes(report))
    seen["exec_failed"] = done is not None and done[1] == "ExecError"
    seen["stdout"] = bytes(out[:cap]).decode("utf-8", "replace")
    seen["stderr"] = bytes(err).decode("utf-8", "replace")
    return seen


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)  # the candidate leads its own session and group
    except (ProcessLookupError, PermissionError):
        pass
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def compile_program(slot, program: dict, limits: dict, wait_status) -> dict | None:
    """Run the compiler in the slot's candidate; None when it succeeded, else what it said."""
    command = program.get("compile")
    if not command:
        return None
    compile_limits = {**limits, "memory_mb": int(program.get("compile_memory_mb", 1024)),
                      "cpu_s": int(float(program.get("compile_timeout_s", 30))) + 1,
                      "open_files": max(256, int(limits.get("open_files", 64))),
                      "file_size_mb": max(256, int(limits.get("file_size_mb", 16)))}
    limit = time.monotonic() + float(program.get("compile_timeout_s", 30))
    seen = execute(slot, command, program.get("env") or {}, None, compile_limits, {}, limit,
                   wait_status)
    if seen["status"] is None:
        return None
    return seen


def compile_failure(job: dict, seen: dict) -> dict:
    """The job's result when its program did not compile (or the compiler could not run)."""
    if seen["status"] == "grader_error":
        status, reason = "sandbox_error", f"compile: {seen['detail']}"
    elif seen["status"] == cases.TIME_LIMIT:
        status, reason = "syntax_error", "compile_error: the compiler ran past its time limit"
    else:
        message = (seen.get("stderr", "") + seen.get("stdout", "")).strip()
        status = "syntax_error"
        reason = f"compile_error: {message[:COMPILE_KEEP] or seen.get('detail', '')}"
    return {"id": str(job.get("id", "")), "status": status, "passed": False,
            "tests_passed": 0, "tests_total": max(1, len(job.get("cases") or [])),
            "reason": reason[:COMPILE_KEEP + 100], "stdout": "",
            "stderr": seen.get("stderr", "")[:COMPILE_KEEP]}


def run_case_with(program: dict):
    """A ``cases.run_case`` replacement that execs the compiled program for one case."""
    def run_case(slot, _code, case, limits, files, deadline, wait_status) -> dict:
        run_limits = {**limits, "memory_mb": 0} if program.get("heap_limited") else limits
        return execute(slot, program["run"], program.get("env") or {}, case.get("input"),
                       run_limits, files, deadline, wait_status)
    return run_case


def judge_test_program(job: dict, program: dict, seen: dict) -> dict:
    """A test program's verdict, decided here from the kernel's exit status and the output."""
    marker = str(program.get("marker") or "")
    stdout, stderr = seen.get("stdout", ""), seen.get("stderr", "")
    body, found = _strip_marker(stdout, marker)
    failure = next((m for m in program.get("failure_markers") or [] if m in stderr), None)
    keep = int((job.get("limits") or {}).get("keep_output_bytes", 4096))
    status, reason = "passed", ""
    if seen["status"] == "grader_error":
        status, reason = "sandbox_error", seen["detail"]
    elif seen["status"] == cases.TIME_LIMIT:
        status, reason = "timeout", f"time limit of {job.get('timeout_s', 10):g}s exceeded"
    elif seen["status"] == cases.OUTPUT_LIMIT:
        status, reason = "output_limit", seen["detail"]
    elif seen["status"] == cases.MEMORY_LIMIT:
        status, reason = "memory", seen["detail"]
    elif failure is not None:
        status, reason = "failed", f"assertion failed ({failure!r} on stderr)"
    elif seen["status"] is not None:
        status = "failed" if _assertion_exit(stderr + stdout, program) else "error"
        reason = seen["detail"] + (": " + _summary(stderr + "\n" + stdout, program)
                                   if (stderr + stdout).strip() else "")
    elif not found:
        status = "exit_called"
        reason = "the program exited 0 before its tests finished (no completion marker)"
    return {"id": str(job.get("id", "")), "status": status, "passed": status == "passed",
            "tests_passed": int(status == "passed"), "tests_total": 1, "reason": reason[:1000],
            "stdout": body[:keep], "stderr": stderr[:keep]}


def _strip_marker(stdout: str, marker: str) -> tuple[str, bool]:
    """The output without the marker's line; whether a line was exactly the marker (libtest
    prints its summary after the last test, so the marker need not be the last line)."""
    if not marker:
        return stdout, False
    lines = stdout.split("\n")
    if marker not in lines:
        return stdout, False
    at = lines.index(marker)
    if at and lines[at - 1] == "":  # the blank line the epilogue prints before it
        at -= 1
        del lines[at]
    del lines[at]
    return "\n".join(lines), True


def _assertion_exit(output: str, program: dict) -> bool:
    return any(word in output for word in program.get("assertion_words") or [])


def _summary(text: str, program: dict) -> str:
    """The line that says what failed: the first naming an assertion, else the last."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    words = [w for w in program.get("assertion_words") or [] if w]
    named = next((line for line in lines if any(w in line for w in words)), None)
    return (named or (lines[-1] if lines else ""))[:300]


def make_build_dir() -> str:
    """A build directory when the runner was given none (process backend): world-writable and
    sticky like /tmp, since compilers run as the candidate uid."""
    import tempfile

    path = tempfile.mkdtemp(prefix="codetune-build-")
    os.chmod(path, 0o1777)
    return path
