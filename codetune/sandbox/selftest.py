"""``codetune sandbox check``: a self-test whose one-screen report says whether verdicts can be
trusted on this machine (engine, image, canonical passes, known-bad fails, hostile code contained).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass

from codetune.sandbox import backends, reference_jobs
from codetune.sandbox.config import SandboxConfig
from codetune.sandbox.pool import SandboxPool
from codetune.sandbox.types import ExecutionJob

HOSTILE = {
    "sys.exit(0) before tests": ("import sys\nsys.exit(0)\ndef f(x):\n    return x\n", None),
    "os._exit(0) inside the call": ("import os\ndef f(x):\n    os._exit(0)\n", None),
    "AlwaysEqual result": ("class A:\n    def __eq__(s, o):\n        return True\n"
                           "def f(x):\n    return A()\n", None),
    "patched AssertionError": ("import builtins\nbuiltins.AssertionError = ZeroDivisionError\n"
                               "def f(x):\n    return 0\n", None),
    "infinite loop": ("def f(x):\n    while True:\n        pass\n", "timeout"),
    "memory bomb": ("def f(x):\n    return 'a' * (10 ** 10)\n", "memory"),
    "fork bomb": ("import os\ndef f(x):\n    while True:\n        try:\n            os.fork()\n"
                  "        except OSError:\n            pass\n", None),
    "network access": ("import socket\ndef f(x):\n    socket.create_connection(('1.1.1.1', 53),"
                       " timeout=2)\n    return x + 1\n", None),
}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def run_selftest(config: SandboxConfig, sample: int = 20) -> tuple[list[Check], dict]:
    """Run every check; return them plus facts for the report header."""
    facts: dict = {"backend": config.backend, "workers": config.resolved_workers()}
    if config.backend == "docker":
        facts["docker"] = backends.check_docker()
        facts["image"] = config.image
    problems = reference_jobs.humaneval_problems()[:sample]
    good = reference_jobs.canonical_jobs(problems)
    bad = [reference_jobs.humaneval_job(p, "    return None\n", job_id=f"{p['task_id']}/none")
           for p in problems]
    hostile = [ExecutionJob(id=name, code=code, tests=["assert f(1) == 2"], timeout_s=3.0)
               for name, (code, _) in HOSTILE.items()]
    started = time.monotonic()
    with SandboxPool(config) as pool:
        facts["pool_start_s"] = round(time.monotonic() - started, 2)
        t0 = time.monotonic()
        results = pool.run_many(good + bad + hostile)
        facts["jobs_per_s"] = round(len(results) / (time.monotonic() - t0), 1)
        after = pool.run_many(good[:4])
    checks = [
        _count("HumanEval canonical solutions pass", results[:len(good)], True),
        _count("known-bad solutions fail", results[len(good):len(good) + len(bad)], False),
    ]
    for (name, (_, want)), r in zip(HOSTILE.items(), results[len(good) + len(bad):], strict=True):
        ok = not r.passed and (want is None or r.status == want)
        checks.append(Check(f"contained: {name}", ok, f"{r.status}: {r.reason}"))
    checks.append(_count("pool still correct after hostile jobs", after, True))
    checks += language_checks(config)
    return checks, facts


def language_checks(config: SandboxConfig) -> list[Check]:
    """One check per language of the image: a hello world compiled and run (with its time)."""
    from codetune.languages import LANGUAGES
    from codetune.sandbox.image import image_languages

    names = image_languages(config.image) if config.backend == "docker" else None
    if names is None:  # process backend: the host's toolchains, where installed
        names = tuple(n for n, lang in LANGUAGES.items()
                      if shutil.which((lang.compile or lang.run)[0]))
    jobs = [ExecutionJob(id=name, code=LANGUAGES[name].hello, language=name, timeout_s=20.0,
                         cases=[{"input": None, "output": "hello\n"}], checker="exact")
            for name in names if name in LANGUAGES]
    checks = []
    with SandboxPool(config) as pool:
        for job in jobs:  # one at a time: the time is this language's alone
            result = pool.run(job)
            detail = (f"hello world compiled + ran in {result.duration_s:.2f} s"
                      if result.passed else f"{result.status}: {result.reason[:120]}")
            checks.append(Check(f"language {job.language}", result.passed, detail))
    return checks


def _count(name: str, results: list, want: bool) -> Check:
    wrong = [r for r in results if r.passed != want]
    detail = f"{len(results) - len(wrong)}/{len(results)}"
    if wrong:
        detail += f"; e.g. {wrong[0].id}: {wrong[0].status} {wrong[0].reason[:60]}"
    return Check(name, not wrong, detail)
