"""Stdin/stdout judging: cases/s on the shared CodeContests problems, codetune vs subprocess.run.

Each of the 10 problems in ``stdio/code_contests_sample.jsonl`` (47-151 cases) is judged with a
correct and a wrong Python solution (``benchmarks/_stdio_solutions.py``), every case run
(``stop_on_failure=False``, what a fraction reward needs): (a) a bare ``subprocess.run`` per case
on the host, compared on the host with the same checker -- what most RL kits do -- and (b)
codetune's warm sandbox pool; same concurrency (one worker per core), interleaved rounds.
Target: (b) >= 2x (a)'s per-case rate with identical per-case verdicts, and every case of every
correct solution accepted. Writes benchmarks/results/stdio_throughput.{md,json}.

    .venv/bin/python benchmarks/stdio_throughput.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _stdio_solutions import SOLUTIONS, configured

from codetune.artifacts import atomic_write_json, atomic_write_text
from codetune.benchmark_data import benchmark_file
from codetune.paths import sandbox_dir
from codetune.problems import Problem, job_for, load_problems
from codetune.sandbox import SandboxConfig, SandboxPool

OUT = Path(__file__).resolve().parent / "results"
CASE_LIMIT_S = 10.0
sys.path.insert(0, str(sandbox_dir() / "runner"))
import compare  # noqa: E402  (the judge's own checkers, stdlib only)


def programs() -> list[tuple[Problem, str, str]]:
    problems = load_problems(benchmark_file("stdio/code_contests_sample.jsonl"))
    return [(configured(p), kind, SOLUTIONS[p.id][kind]) for p in problems
            for kind in ("correct", "wrong")]


def _bare_case(problem: Problem, code: str, case: dict) -> str:
    try:
        run = subprocess.run([sys.executable, "-c", code], input=case["input"], text=True,
                             capture_output=True, timeout=CASE_LIMIT_S)
    except subprocess.TimeoutExpired:
        return "time_limit"
    if run.returncode != 0:
        return "runtime_error"
    if problem.checker == "special":
        ok = compare.run_special(compare.load_special_checker(problem.checker_code),
                                 case["input"], case["output"], run.stdout)[0]
    else:
        ok = compare.check_output(problem.checker, case["output"], run.stdout, problem.atol,
                                  problem.rtol)
    return "accepted" if ok else "wrong_answer"


def run_bare(items, workers: int) -> tuple[float, list[list[str]]]:
    tasks = [(i, p, code, c) for i, (p, _, code) in enumerate(items) for c in p.cases]
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as ex:
        verdicts = list(ex.map(lambda t: _bare_case(t[1], t[2], t[3]), tasks))
    seconds = time.perf_counter() - start
    out: list[list[str]] = [[] for _ in items]
    for (i, *_), v in zip(tasks, verdicts, strict=True):
        out[i].append(v)
    return seconds, out


def run_pool(items, pool: SandboxPool) -> tuple[float, list[list[str]]]:
    jobs = [job_for(p, code, f"{p.id}/{kind}", case_timeout_s=CASE_LIMIT_S,
                    stop_on_failure=False) for p, kind, code in items]
    start = time.perf_counter()
    results = pool.run_many(jobs)
    seconds = time.perf_counter() - start
    run_pool.last = results  # type: ignore[attr-defined]
    return seconds, [[c["status"] for c in r.cases] for r in results]


def measure(rounds: int) -> dict:
    items = programs()
    config = SandboxConfig()
    workers = config.resolved_workers()
    cases = sum(len(p.cases) for p, _, _ in items)
    bare_s, pool_s, mismatches = [], [], []
    load_before = os.getloadavg()
    with SandboxPool(config) as pool:
        run_pool(items[:2], pool)  # warm-up: first forks, page cache
        for _ in range(rounds):
            seconds, bare = run_bare(items, workers)
            bare_s.append(seconds)
            seconds, ours = run_pool(items, pool)
            pool_s.append(seconds)
            for (p, kind, _), a, b, res in zip(items, bare, ours, run_pool.last, strict=True):
                if a != b:
                    pairs = enumerate(zip(a, b, strict=False))
                    diff = next((i, x, y) for i, (x, y) in pairs if x != y) \
                        if len(a) == len(b) else ("count", len(a), len(b))
                    case = res.cases[diff[0]] if isinstance(diff[0], int) else {}
                    mismatches.append({"problem": p.id, "kind": kind, "first": diff,
                                       "sandbox_detail": case.get("detail", ""),
                                       "exit_code": case.get("exit_code"),
                                       "stderr": (case.get("stderr") or "")[-300:]})
    per_program = [{"problem": p.id, "kind": kind, "cases": len(p.cases),
                    "accepted": v.count("accepted"), "checker": p.checker}
                   for (p, kind, _), v in zip(items, ours, strict=True)]
    bare_rate = cases / statistics.median(bare_s)
    pool_rate = cases / statistics.median(pool_s)
    return {"workers": workers, "programs": len(items), "cases_per_round": cases,
            "rounds": rounds, "bare_s": bare_s, "pool_s": pool_s,
            "bare_cases_per_s": round(bare_rate, 1), "pool_cases_per_s": round(pool_rate, 1),
            "speedup": round(pool_rate / bare_rate, 2), "verdict_mismatches": mismatches,
            "correct_all_accepted": all(r["accepted"] == r["cases"] for r in per_program
                                        if r["kind"] == "correct"),
            "per_program": per_program, "load_average": [round(x, 1) for x in
                                                         (*load_before, *os.getloadavg())],
            "machine": f"{platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}"}


def report(m: dict) -> str:
    ok = m["speedup"] >= 2.0 and not m["verdict_mismatches"] and m["correct_all_accepted"]
    lines = [
        "# Stdin/stdout judging throughput", "",
        f"{m['programs']} programs (a correct and a wrong solution for each of the 10 shared "
        f"CodeContests problems), {m['cases_per_round']} case runs per round, every case run; "
        f"{m['workers']} workers; median of {m['rounds']} interleaved rounds; {m['machine']}.",
        "", "| judge | cases/s | round times (s) |", "| --- | --- | --- |",
        f"| bare `subprocess.run` per case (host, no isolation) | {m['bare_cases_per_s']} | "
        f"{', '.join(f'{s:.1f}' for s in m['bare_s'])} |",
        f"| codetune sandbox pool (`ExecutionJob.cases`) | {m['pool_cases_per_s']} | "
        f"{', '.join(f'{s:.1f}' for s in m['pool_s'])} |", "",
        f"**Speedup {m['speedup']}x** (target >= 2x); per-case verdicts identical: "
        f"{'yes' if not m['verdict_mismatches'] else m['verdict_mismatches']}; every case of "
        f"every correct solution accepted: {'yes' if m['correct_all_accepted'] else 'NO'}. "
        f"Target {'met' if ok else 'NOT met'}.", ""]
    if m.get("load_average"):
        lines += [f"Host load average (1/5/15 min) before: {m['load_average'][:3]}, after: "
                  f"{m['load_average'][3:]} on {os.cpu_count()} cores (other jobs were running). "
                  "The wall-clock ratio grows with the load: each container is its own CPU "
                  "cgroup, the bare processes share the host's (CPU time per case: "
                  "docs/sandbox.md, Cases).", ""]
    if any("without reporting how" in x.get("sandbox_detail", "")
           for x in m["verdict_mismatches"]):
        lines += ["Each mismatch is a case the sandbox called `runtime_error` with \"the program "
                  "ended without reporting how\" (no exit code) while the bare run judged it "
                  "normally: a race in the runner's per-case watch under load (the candidate's "
                  "`done` report arrives between `select` timing out and the liveness check; "
                  "see docs/sandbox.md, Cases). Not a verdict the checker made.", ""]
    lines += [
        "| problem | solution | checker | accepted / cases |", "| --- | --- | --- | --- |"]
    lines += [f"| {r['problem'].strip()} | {r['kind']} | {r['checker']} | "
              f"{r['accepted']} / {r['cases']} |" for r in m["per_program"]]
    lines += ["", "Rerun: `.venv/bin/python benchmarks/stdio_throughput.py` "
              "(or `codetune bench run stdio_throughput`)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the .md from the committed .json")
    args = parser.parse_args()
    if args.report_only:
        import json

        m = json.loads((OUT / "stdio_throughput.json").read_text(encoding="utf-8"))
    else:
        m = measure(args.rounds)
    atomic_write_json(OUT / "stdio_throughput.json", m)
    atomic_write_text(OUT / "stdio_throughput.md", report(m))
    print(report(m))


if __name__ == "__main__":
    main()
