"""HumanEval-X in the sandbox, per language: canonical solutions pass, mutants fail; and the
cost of compile + run in the pool against the host's own toolchain in a bare subprocess.

Agreement: every HumanEval-X canonical solution (``prompt + canonical_solution + test``) runs as
a test program; the ones that fail as published are listed with the reason. Each solution also
gets a mutant (a flipped comparison, an off-by-one constant or a swapped boolean) and an
``exit(0)``-first variant: neither may pass. Throughput of the canonical programs: the pool
vs the same ``compile + run`` commands as bare sequential subprocesses with the host's own
toolchain (where the host has one) and with the image's toolchain in one plain container
(benchmarks/_toolchain_baselines.py), in interleaved rounds of the same run; programs/s, CPU ms
per program, per-round ratios and the machine's load. Writes
benchmarks/results/languages.{md,json}.

    .venv/bin/python benchmarks/languages.py [--tasks N] [--rounds R]
        [--languages cpp,java,js,go,rust]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codetune.artifacts import atomic_write_json, atomic_write_text  # noqa: E402
from codetune.eval.benchmark_catalog import load_tasks  # noqa: E402
from codetune.sandbox import ExecutionJob, SandboxConfig, SandboxPool  # noqa: E402
from codetune.sandbox.toolchains import program_payload  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from _toolchain_baselines import host_has, pool_cpu_s, run_host, run_image  # noqa: E402

MUTATIONS = [(r"<(?!=|<)", "<="), (r">(?!=|>)", ">="), (r"\+ ?1\b", "+ 2"), (r"- ?1\b", "- 2"),
             (r"\btrue\b", "false"), (r"\bfalse\b", "true"), (r"==", "!="), (r"\b0\b", "1")]
EXIT_FIRST = {"cpp": "exit(0);", "java": "System.exit(0);", "javascript": "process.exit(0);",
              "go": "os.Exit(0)", "rust": "std::process::exit(0);"}


def mutant(solution: str) -> str | None:
    """The solution with its last mutable token changed (None when nothing matches)."""
    for pattern, repl in MUTATIONS:
        found = list(re.finditer(pattern, solution))
        if found:
            m = found[len(found) // 2]
            return solution[:m.start()] + repl + solution[m.end():]
    return None


def exit_first(task, lang: str) -> str | None:
    """The solution with an ``exit(0)`` as its first statement (inside the function body)."""
    call = EXIT_FIRST.get(lang)
    if call is None or not task.canonical_solution.startswith(task.code_prefix):
        return None
    body = task.canonical_solution[len(task.code_prefix):]
    prefix = task.code_prefix
    if lang == "go" and '"os"' not in prefix:
        prefix = prefix.replace("import (", 'import (\n    "os"', 1)
    if lang == "cpp":
        prefix = "#include <cstdlib>\n" + prefix
    return prefix + f"\n    {call}\n" + body


def jobs_for(lang: str, tasks) -> list[tuple[str, ExecutionJob]]:
    out = []
    for task in tasks:
        base = dict(tests=task.tests, language=task.language, timeout_s=20)
        out.append(("canonical", ExecutionJob(id=task.task_id, code=task.canonical_solution,
                                              **base)))
        wrong = mutant(task.canonical_solution[len(task.code_prefix):])
        if wrong is not None:
            out.append(("mutant", ExecutionJob(id=task.task_id, code=task.code_prefix + wrong,
                                               **base)))
        early = exit_first(task, lang)
        if early is not None:
            out.append(("exit_first", ExecutionJob(id=task.task_id, code=early, **base)))
    return out


def throughput(pool, jobs: list[ExecutionJob], rounds: int) -> dict:
    """Canonical programs through the pool, through the host's toolchain and through the
    image's toolchain in one plain container, bare and sequential: interleaved rounds (the
    order alternates) so all three see the same load; programs/s and CPU ms per program."""
    limits = pool.config.job_limits()
    programs = [program_payload(job, limits) for job in jobs]
    on_host = host_has(programs)
    walls: dict[str, list[float]] = {"pool": [], "host": [], "image": []}
    cpus: dict[str, list[float]] = {"pool": [], "host": [], "image": []}
    loads = [os.getloadavg()[0]]

    def timed_pool() -> tuple[float, float | None]:
        before, started = pool_cpu_s(), time.monotonic()
        results = pool.run_many(jobs)
        wall, after = time.monotonic() - started, pool_cpu_s()
        if not all(r.passed for r in results):
            raise SystemExit(f"a canonical program failed in the pool: "
                             f"{[r.reason for r in results if not r.passed][:2]}")
        return wall, (after - before) if before is not None and after is not None else None

    runners = {"pool": timed_pool,
               "image": lambda: _bare(run_image(programs, pool.config.image)),
               "host": (lambda: _bare(run_host(programs))) if on_host else None}
    for index in range(rounds):
        order = ["pool", "image", "host"] if index % 2 == 0 else ["host", "image", "pool"]
        for name in order:
            if runners[name] is None:
                continue
            wall, cpu = runners[name]()
            walls[name].append(wall)
            if cpu is not None:
                cpus[name].append(cpu)
        loads.append(os.getloadavg()[0])
    n = len(jobs)
    row = {f"{name}_per_s": round(n * len(w) / sum(w), 3) if w else None
           for name, w in walls.items()}
    row.update({f"{name}_cpu_ms": round(1000 * sum(c) / (n * len(c)), 1) if c else None
                for name, c in cpus.items()})
    for base in ("host", "image"):
        pairs = list(zip(walls[base], walls["pool"], strict=False))
        row[f"pool_vs_{base}_rounds"] = [round(b / p, 2) for b, p in pairs]
        row[f"pool_vs_{base}"] = round(statistics.median(b / p for b, p in pairs), 2) \
            if pairs else None
        pool_cpu, base_cpu = row["pool_cpu_ms"], row[f"{base}_cpu_ms"]
        row[f"cpu_{base}_vs_pool"] = round(base_cpu / pool_cpu, 2) if pool_cpu and base_cpu \
            else None
    row["load_1min"] = [round(x, 1) for x in loads]
    row["rounds"] = rounds
    return row


def _bare(result: dict) -> tuple[float, float]:
    if any(result["rc"]):
        bad = sum(1 for rc in result["rc"] if rc)
        raise SystemExit(f"{bad} canonical programs failed in a bare baseline: {result['rc']}")
    return result["wall_s"], result["cpu_s"]


def measure(pool, folder: str, tasks_limit: int, rounds: int) -> dict:
    """One language's agreement counts, its canonical failures and its throughput."""
    tasks = load_tasks(f"humaneval-x-{folder}", {"limit": tasks_limit or None})
    lang = tasks[0].language
    labelled = jobs_for(lang, tasks)
    started = time.monotonic()
    results = pool.run_many([job for _, job in labelled])
    pool_rate = len(results) / (time.monotonic() - started)
    pairs = list(zip(labelled, results, strict=True))
    canon = [(j, r) for (kind, j), r in pairs if kind == "canonical"]
    row = {k: {"total": sum(kind == k for (kind, _), _ in pairs),
               "passed": sum(r.passed for (kind, _), r in pairs if kind == k)}
           for k in ("canonical", "mutant", "exit_first")}
    row["sandbox_errors"] = sum(r.status == "sandbox_error" for r in results)
    row["canonical_failures"] = [{"task": j.id, "status": r.status, "reason": r.reason[:200]}
                                 for j, r in canon if not r.passed]
    row["mutants_passing"] = [j.id for (kind, j), r in pairs if kind == "mutant" and r.passed]
    row["pool_programs_per_s"] = round(pool_rate, 3)
    row["tasks"] = len(tasks)
    passing = [j for j, r in canon if r.passed]  # what fails as published is not timed
    row["throughput"] = throughput(pool, passing, rounds) if rounds else None
    return {"language": lang, **row}


def _cell(t: dict, name: str) -> str:
    rate = t.get(f"{name}_per_s")
    return f"{rate} ({t.get(f'{name}_cpu_ms')} ms)" if rate else "n/a"


def _ratio(t: dict, key: str) -> str:
    value = t.get(key)
    if value is None and key.startswith("cpu_"):  # rows measured before the CPU ratios
        base = key.split("_")[1]
        pool, bare = t.get("pool_cpu_ms"), t.get(f"{base}_cpu_ms")
        value = round(bare / pool, 2) if pool and bare else None
    return f"{value:.2f}x" if value else "n/a"


def render(rows: dict) -> str:
    lines = ["# HumanEval-X in the sandbox: agreement and throughput", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, shared with other "
             "engineers' jobs (the 1-minute load is recorded per round: above 2 the cores are "
             "oversubscribed and the pool's parallel workers cannot show). Rerun: "
             "`.venv/bin/python benchmarks/languages.py --tasks N --rounds R --languages ...` "
             "(languages rerun separately are merged into this file).", "",
             "| language | tasks | canonical pass | mutants failing | exit(0)-first failing "
             "| pool programs/s (all variants) |", "| --- | --- | --- | --- | --- | --- |"]
    speed = ["", "Throughput of the canonical programs, compile + run, programs/s (CPU ms per "
             "program): the pool; the same commands bare and sequential with the host's own "
             "toolchain, and with the image's toolchain in one plain container. Wall ratios: "
             "median over rounds of bare wall time / pool wall time (≥ 1x: the pool is as "
             "fast or faster; on an oversubscribed machine the pool's parallel workers also "
             "take a larger share of the contended cores). CPU ratios: bare CPU / pool CPU per "
             "program (the pool's containers' cgroup time plus the host process; ≥ 1x: the "
             "pool costs no more CPU), which the load does not bias.", "",
             "| language | pool | host bare | image bare | wall pool / host | wall pool / image "
             "| per round (host; image) | CPU pool / host | CPU pool / image | load 1-min |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    failures = []
    for row in rows.values():
        c, m, e = row["canonical"], row["mutant"], row["exit_first"]
        lines.append(f"| {row['language']} | {row['tasks']} | {c['passed']}/{c['total']} | "
                     f"{m['total'] - m['passed']}/{m['total']} | "
                     f"{e['total'] - e['passed']}/{e['total']} | {row['pool_programs_per_s']} |")
        t = row.get("throughput")
        if t:
            ratio = {b: f"{t[f'pool_vs_{b}']:.2f}x" if t.get(f"pool_vs_{b}") else "n/a"
                     for b in ("host", "image")}
            per_round = (f"{', '.join(map(str, t['pool_vs_host_rounds'])) or 'n/a'}; "
                         f"{', '.join(map(str, t['pool_vs_image_rounds']))}")
            speed.append(f"| {row['language']} | {_cell(t, 'pool')} | {_cell(t, 'host')} | "
                         f"{_cell(t, 'image')} | {ratio['host']} | {ratio['image']} | {per_round} "
                         f"| {_ratio(t, 'cpu_host_vs_pool')} | {_ratio(t, 'cpu_image_vs_pool')} "
                         f"| {' → '.join(map(str, t['load_1min']))} |")
        failures += [f"- {row['language']} {f['task']}: {f['status']}: "
                     f"{f['reason'][:160].replace(chr(10), ' ')}"
                     for f in row["canonical_failures"]]
        if row["mutants_passing"]:
            passing = ", ".join(row["mutants_passing"])
            failures.append(f"- {row['language']}: mutants that still pass their tests "
                            f"(equivalent or untested changes): {passing}")
    return "\n".join([*lines, *speed, "", "Canonical solutions that fail as published, and "
                       "mutants that pass:", "", *(failures or ["none"])]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=0, help="first N tasks per language (0: all)")
    parser.add_argument("--languages", default="cpp,java,js,go,rust")
    parser.add_argument("--rounds", type=int, default=2,
                        help="interleaved throughput rounds (0: agreement only)")
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("CODETUNE_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    out = ROOT / "benchmarks" / "results"
    previous = out / "languages.json"
    rows = json.loads(previous.read_text())["languages"] if previous.exists() else {}
    with SandboxPool(SandboxConfig(workers=args.workers)) as pool:
        for folder in args.languages.split(","):
            rows[folder] = measure(pool, folder, args.tasks, args.rounds)
            print(json.dumps({folder: {k: rows[folder][k] for k in (
                "canonical", "mutant", "exit_first", "sandbox_errors")}}), flush=True)
            atomic_write_json(out / "languages.json", {"languages": rows})
            atomic_write_text(out / "languages.md", render(rows))


if __name__ == "__main__":
    main()
