"""HumanEval-X in the sandbox, per language: canonical solutions pass, mutants fail; and the
cost of compile + run in the pool against the host's own toolchain in a bare subprocess.

Agreement: every HumanEval-X canonical solution (``prompt + canonical_solution + test``) runs as
a test program; the ones that fail as published are listed with the reason. Each solution also
gets a mutant (a flipped comparison, an off-by-one constant or a swapped boolean) and an
``exit(0)``-first variant: neither may pass. Throughput (programs/s) of the pool vs a bare
``compile + run`` subprocess with the host's toolchain (where the host has one) on the same
programs, measured in the same run. Writes benchmarks/results/languages.{md,json}.

    .venv/bin/python benchmarks/languages.py [--tasks N] [--languages cpp,java,js,go,rust]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codetune.artifacts import atomic_write_json, atomic_write_text  # noqa: E402
from codetune.eval.benchmark_catalog import load_tasks  # noqa: E402
from codetune.sandbox import ExecutionJob, SandboxConfig, SandboxPool  # noqa: E402
from codetune.sandbox.toolchains import program_payload  # noqa: E402

MUTATIONS = [(r"<(?!=|<)", "<="), (r">(?!=|>)", ">="), (r"\+ ?1\b", "+ 2"), (r"- ?1\b", "- 2"),
             (r"\btrue\b", "false"), (r"\bfalse\b", "true"), (r"==", "!="), (r"\b0\b", "1")]
EXIT_FIRST = {"cpp": "exit(0);", "java": "System.exit(0);", "javascript": "process.exit(0);",
              "go": "os.Exit(0)", "rust": "std::process::exit(0);"}
# Host commands for the bare baseline: (compile, run) with {src} {out} {dir} {main}.
HOST = {"cpp": (["g++", "-O2", "-std=gnu++17", "-o", "{out}", "{src}"], ["{out}"]),
        "javascript": (None, ["node", "{src}"]),
        "java": (["javac", "-cp", "/usr/share/java/javatuples.jar", "-d", "{dir}", "{src}",
                  "{dir}/src/CodetuneHarness.java"], ["java", "-ea", "-cp", "{dir}", "{main}"])}


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


def bare_rate(lang: str, jobs: list[ExecutionJob]) -> float | None:
    """Programs/s of the host's toolchain in a bare subprocess (no isolation), same programs."""
    if lang not in HOST or shutil.which((HOST[lang][0] or HOST[lang][1])[0]) is None:
        return None
    compile_cmd, run_cmd = HOST[lang]
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for job in jobs:
            program = program_payload(job, {"memory_mb": 512})
            for name, text in program["sources"].items():
                (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
                (Path(tmp) / name).write_text(text)
            first = Path(tmp) / next(iter(program["sources"]))
            main = program["run"][-1]
            values = {"src": str(first), "out": f"{tmp}/prog", "dir": tmp, "main": main}

            if compile_cmd:
                subprocess.run(_fill(compile_cmd, values), capture_output=True, timeout=60)
            subprocess.run(_fill(run_cmd, values), capture_output=True, timeout=20)
    return len(jobs) / (time.monotonic() - started)


def _fill(cmd: list[str], values: dict) -> list[str]:
    return [re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], a) for a in cmd]


def measure(pool, folder: str, tasks_limit: int) -> dict:
    """One language's agreement counts, its canonical failures and its throughput."""
    tasks = load_tasks(f"humaneval-x-{folder}", {"limit": tasks_limit or None})
    lang = tasks[0].language
    labelled = jobs_for(lang, tasks)
    started = time.monotonic()
    results = pool.run_many([job for _, job in labelled])
    pool_rate = len(results) / (time.monotonic() - started)
    pairs = list(zip(labelled, results, strict=True))
    canon = [(j, r) for (kind, j), r in pairs if kind == "canonical"]
    bare = bare_rate(lang, [j for j, _ in canon])
    pool_canon = None
    if bare is not None:  # the same canonical programs through the pool, timed alone
        started = time.monotonic()
        pool.run_many([j for j, _ in canon])
        pool_canon = len(canon) / (time.monotonic() - started)
    row = {k: {"total": sum(kind == k for (kind, _), _ in pairs),
               "passed": sum(r.passed for (kind, _), r in pairs if kind == k)}
           for k in ("canonical", "mutant", "exit_first")}
    row["sandbox_errors"] = sum(r.status == "sandbox_error" for r in results)
    row["canonical_failures"] = [{"task": j.id, "status": r.status, "reason": r.reason[:200]}
                                 for j, r in canon if not r.passed]
    row["mutants_passing"] = [j.id for (kind, j), r in pairs if kind == "mutant" and r.passed]
    row["pool_programs_per_s"] = round(pool_rate, 3)
    row["pool_canonical_per_s"] = round(pool_canon, 3) if pool_canon else None
    row["bare_canonical_per_s"] = round(bare, 3) if bare else None
    row["tasks"] = len(tasks)
    return {"language": lang, **row}


def render(rows: dict) -> str:
    lines = ["# HumanEval-X in the sandbox: agreement and throughput", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, shared with other jobs. "
             "Rerun: `.venv/bin/python benchmarks/languages.py --tasks N --languages ...` "
             "(languages rerun separately are merged into this file).", "",
             "| language | tasks | canonical pass | mutants failing | exit(0)-first failing "
             "| pool programs/s (all variants) | pool canonical/s | bare host canonical/s "
             "| pool / bare |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    failures = []
    for row in rows.values():
        c, m, e = row["canonical"], row["mutant"], row["exit_first"]
        bare, canon = row["bare_canonical_per_s"], row["pool_canonical_per_s"]
        ratio = f"{canon / bare:.2f}x" if bare and canon else "n/a (no host toolchain)"
        lines.append(f"| {row['language']} | {row['tasks']} | {c['passed']}/{c['total']} | "
                     f"{m['total'] - m['passed']}/{m['total']} | "
                     f"{e['total'] - e['passed']}/{e['total']} | {row['pool_programs_per_s']} "
                     f"| {canon or 'n/a'} | {bare or 'n/a'} | {ratio} |")
        failures += [f"- {row['language']} {f['task']}: {f['status']}: "
                     f"{f['reason'][:160].replace(chr(10), ' ')}"
                     for f in row["canonical_failures"]]
        if row["mutants_passing"]:
            passing = ", ".join(row["mutants_passing"])
            failures.append(f"- {row['language']}: mutants that still pass their tests "
                            f"(equivalent or untested changes): {passing}")
    return "\n".join([*lines, "", "Canonical solutions that fail as published, and mutants "
                       "that pass:", "", *(failures or ["none"])]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=0, help="first N tasks per language (0: all)")
    parser.add_argument("--languages", default="cpp,java,js,go,rust")
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("CODETUNE_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    out = ROOT / "benchmarks" / "results"
    previous = out / "languages.json"
    rows = json.loads(previous.read_text())["languages"] if previous.exists() else {}
    with SandboxPool(SandboxConfig(workers=args.workers)) as pool:
        for folder in args.languages.split(","):
            rows[folder] = measure(pool, folder, args.tasks)
            print(json.dumps({folder: {k: rows[folder][k] for k in (
                "canonical", "mutant", "exit_first", "sandbox_errors")}}), flush=True)
            atomic_write_json(out / "languages.json", {"languages": rows})
            atomic_write_text(out / "languages.md", render(rows))


if __name__ == "__main__":
    main()
