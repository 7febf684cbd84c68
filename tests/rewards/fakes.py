"""A subprocess stand-in for ``SandboxPool`` for fast unit tests of pairing and wiring.

It is not a sandbox (no isolation, trusts the candidate's process); tests of the execution
reward's verdicts use the real ``sandbox_pool`` fixture instead.
"""

from __future__ import annotations

import json
import subprocess
import sys

from codetune.sandbox.types import ExecutionJob, ExecutionResult

_RUNNER = """
import json, sys
src = json.loads(sys.stdin.read())
ns = {}
exec(src["code"], ns)
ok = 0
for t in src["tests"]:
    try:
        exec(t, ns)
        ok += 1
    except Exception:
        pass
print("\\n__RESULT__" + json.dumps(ok))
"""


class SubprocessPool:
    """``run_many`` over plain subprocesses; counts calls and jobs for assertions."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def run_many(self, jobs: list[ExecutionJob]) -> list[ExecutionResult]:
        self.batches.append(len(jobs))
        return [self._run(j) for j in jobs]

    def _run(self, job: ExecutionJob) -> ExecutionResult:
        tests = job.tests if isinstance(job.tests, list) else [job.tests]
        try:
            proc = subprocess.run([sys.executable, "-c", _RUNNER], capture_output=True,
                                  text=True, timeout=job.timeout_s,
                                  input=json.dumps({"code": job.code, "tests": tests}))
        except subprocess.TimeoutExpired:
            return ExecutionResult(job.id, "timeout", False, 0, len(tests))
        if "__RESULT__" not in proc.stdout:
            return ExecutionResult(job.id, "error", False, 0, len(tests), reason=proc.stderr[-200:])
        ok = int(proc.stdout.rsplit("__RESULT__", 1)[1])
        status = "passed" if ok == len(tests) else "failed"
        return ExecutionResult(job.id, status, ok == len(tests), ok, len(tests))
