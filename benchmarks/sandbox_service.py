"""The sandbox service (`codetune sandbox serve`) against the in-process pool, in one run.

(1) overhead: the same HumanEval programs through the in-process pool and through one local
service (RemotePool over HTTP), same runners, interleaved rounds; target <= 10% slower.
(2) run_code under 32 concurrent clients vs 32 threads calling the in-process pool.
(3) two trainer processes judging the same batches: each with its own pool vs one shared service.
(4) two services as two hosts (1 runner each, --cpus 1) vs one; target >= 1.8x.
(5) faults (benchmarks/_sandbox_service_faults.py). Writes results/sandbox_service.{md,json}.

    .venv/bin/python benchmarks/sandbox_service.py [--rounds 5] [--clients 32]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sandbox_service_faults import measure_faults  # noqa: E402

from codetune.artifacts import (  # noqa: E402
    atomic_write_json,
    atomic_write_text,
    read_jsonl,
    write_jsonl,
)
from codetune.sandbox import SandboxConfig, SandboxPool, open_pool  # noqa: E402
from codetune.sandbox import reference_jobs as tasks  # noqa: E402
from codetune.sandbox.service import run_code as rc  # noqa: E402
from codetune.sandbox.service.launch import LocalService  # noqa: E402
from codetune.sandbox.types import TIMEOUT, ExecutionJob  # noqa: E402

OUT = Path(__file__).resolve().parent / "results"


def humaneval_jobs(mutants: int = 100) -> list[ExecutionJob]:
    """HumanEval canonical + mutated solutions, minus those that run into the time limit
    (they would bound every method at the same 3 s and hide the overhead)."""
    problems = tasks.humaneval_problems()
    jobs = list(tasks.canonical_jobs(problems))
    jobs += [job for _p, _m, job in tasks.mutated_jobs(problems, mutants)]
    for job in jobs:
        job.timeout_s = 3.0
    with SandboxPool(SandboxConfig()) as pool:
        results = pool.run_many(jobs)
    return [j for j, r in zip(jobs, results, strict=True) if r.status != TIMEOUT]


def stdio_programs(n: int) -> list[rc.RunCodeRequest]:
    return [rc.RunCodeRequest(code=f"n = int(input())\nprint(sum(i * {k % 7 + 1} "
                                   "for i in range(n)))", language="python",
                              stdin=f"{1000 + 997 * k}\n", memory_limit_MB=1024)
            for k in range(n)]


def percentiles(latencies: list[float]) -> dict:
    return {"p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 1),
            "p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 1)}


def timed(pool, jobs) -> float:
    start = time.perf_counter()
    results = pool.run_many(jobs)
    seconds = time.perf_counter() - start
    assert all(r.status != "sandbox_error" for r in results)
    return len(jobs) / seconds


def overhead(jobs, rounds: int, workers: int) -> dict:
    """(1) in-process pool vs one local service, interleaved."""
    rows = []
    with SandboxPool(SandboxConfig(workers=workers)) as local, \
            LocalService(workers=workers) as service, \
            open_pool(SandboxConfig(backend="remote", endpoints=[service.url])) as remote:
        for _ in range(rounds):
            rows.append({"pool": round(timed(local, jobs), 2),
                         "service": round(timed(remote, jobs), 2)})
    ratios = [r["service"] / r["pool"] for r in rows]
    return {"programs": len(jobs), "workers": workers, "rounds": rows,
            "overhead_pct_median": round((1 - float(np.median(ratios))) * 100, 1),
            "overhead_pct_best_rounds": round((1 - max(r["service"] for r in rows)
                                               / max(r["pool"] for r in rows)) * 100, 1)}


def closed_loop(call, items, clients: int) -> dict:
    """``clients`` threads, each sending its next item when the last one is answered."""
    latencies: list[float] = []
    lock = threading.Lock()

    def one(item) -> bool:
        start = time.perf_counter()
        ok = call(item)
        with lock:
            latencies.append(time.perf_counter() - start)
        return ok

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as ex:
        oks = list(ex.map(one, items))
    seconds = time.perf_counter() - start
    return {"programs": len(items), "programs_per_s": round(len(items) / seconds, 2),
            "all_success": all(oks), **percentiles(latencies)}


def run_code_clients(n: int, clients: int, workers: int) -> dict:
    """(2) run_code over HTTP vs the same jobs through the in-process pool."""
    programs = stdio_programs(n)
    out = {}
    with SandboxPool(SandboxConfig(workers=workers)) as pool:
        out["in_process_pool"] = closed_loop(
            lambda req: pool.run(rc.to_job(req, 2048)).cases[0]["exit_code"] == 0,
            programs, clients)
    with LocalService(workers=workers) as service:
        local = threading.local()

        def post(req) -> bool:
            session = getattr(local, "session", None) or requests.Session()
            local.session = session
            reply = session.post(f"{service.url}/run_code", json=req.model_dump(), timeout=120)
            return reply.status_code == 200 and reply.json()["status"] == "Success"

        out["run_code_http"] = closed_loop(post, programs, clients)
    out["clients"], out["workers"] = clients, workers
    out["throughput_ratio"] = round(out["run_code_http"]["programs_per_s"]
                                    / out["in_process_pool"]["programs_per_s"], 3)
    return out


def trainers(jobs: list[ExecutionJob], batches: int, batch: int) -> dict:
    """(3) two trainer processes: each its own pool vs one shared service."""
    out = {}
    workers = SandboxConfig().resolved_workers()
    for mode in ("own_pool", "shared_service", "shared_service_same_containers"):
        service = None if mode == "own_pool" else LocalService(
            workers=workers * (2 if mode == "shared_service_same_containers" else 1))
        with tempfile.TemporaryDirectory(prefix="trainers-") as sync:
            write_jsonl(Path(sync) / "jobs.jsonl", [j.to_dict() for j in jobs[:batch]])
            try:
                cmd = [sys.executable, __file__, "--trainer", mode, "--batches", str(batches),
                       "--batch", str(batch), "--sync", sync,
                       "--url", service.url if service else ""]
                procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
                         for _ in range(2)]
                while len(list(Path(sync).glob("ready-*"))) < 2 and all(
                        p.poll() is None for p in procs):
                    time.sleep(0.1)
                (Path(sync) / "go").touch()  # both pools warm: judging starts together
                rows = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
            finally:
                if service:
                    service.stop()
        latencies = [x for r in rows for x in r["latencies"]]
        wall = max(r["end"] for r in rows) - min(r["start"] for r in rows)
        out[mode] = {"containers_started": sum(r["containers"] for r in rows)
                     if mode == "own_pool" else rows[0]["containers"],
                     "programs_per_s": round(sum(r["programs"] for r in rows) / wall, 2),
                     **percentiles(latencies)}
    return out


def trainer_main(args) -> None:
    """One trainer process of (3): judge ``batches`` batches, print latencies as JSON."""
    jobs = [ExecutionJob.from_dict(row) for row in read_jsonl(Path(args.sync) / "jobs.jsonl")]
    config = (SandboxConfig(backend="remote", endpoints=[args.url])
              if args.url else SandboxConfig())
    with open_pool(config) as pool:
        (Path(args.sync) / f"ready-{os.getpid()}").touch()
        while not (Path(args.sync) / "go").exists():
            time.sleep(0.05)
        start, latencies = time.time(), []
        for _ in range(args.batches):
            t = time.perf_counter()
            pool.run_many(jobs)
            latencies.append(time.perf_counter() - t)
        print(json.dumps({"latencies": latencies, "start": start, "end": time.time(),
                          "programs": len(jobs) * args.batches, "containers": pool.size}))


def cpu_jobs(n: int) -> list[ExecutionJob]:
    code = "def burn(n):\n    s = 0\n    for i in range(n):\n        s += i * i\n    return s\n"
    sizes = [2_000_000 + i for i in range(n)]  # ~0.15 s each: the runners' work dominates
    return [ExecutionJob(id=f"cpu{i}", code=code, timeout_s=60,
                         tests=[f"assert burn({m}) == {(m - 1) * m * (2 * m - 1) // 6}"])
            for i, m in enumerate(sizes)]


def two_hosts(n: int) -> dict:
    """(4) CPU-bound jobs on one service vs two (each 1 runner, --cpus 1: its own core)."""
    jobs = cpu_jobs(n)
    with LocalService("--set", "sandbox.cpus=1", workers=1) as a, \
            LocalService("--set", "sandbox.cpus=1", workers=1) as b:
        rates = {}
        for name, urls in (("one_service", [a.url]), ("two_services", [a.url, b.url]),
                           ("one_service_again", [b.url])):
            with open_pool(SandboxConfig(backend="remote", endpoints=urls)) as pool:
                rates[name] = round(timed(pool, jobs), 2)
    one = (rates["one_service"] + rates["one_service_again"]) / 2
    return {"programs": n, **rates, "speedup": round(rates["two_services"] / one, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--trainer", default="")
    parser.add_argument("--url", default="")
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--batch", type=int, default=48)
    parser.add_argument("--sync", default="")
    args = parser.parse_args()
    if args.trainer:
        return trainer_main(args)
    workers = SandboxConfig().resolved_workers()
    result = {"cpus": os.cpu_count(), "workers": workers,
              "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    jobs = humaneval_jobs()
    result["overhead"] = overhead(jobs, args.rounds, workers)
    print(json.dumps(result["overhead"]), flush=True)
    result["run_code"] = run_code_clients(320, args.clients, workers)
    print(json.dumps(result["run_code"]), flush=True)
    result["trainers"] = trainers(jobs, args.batches, args.batch)
    print(json.dumps(result["trainers"]), flush=True)
    result["two_hosts"] = two_hosts(40)
    print(json.dumps(result["two_hosts"]), flush=True)
    result["faults"] = measure_faults()
    result["load_avg_at_end"] = os.getloadavg()
    write_results(result)


def write_results(result: dict) -> None:
    OUT.mkdir(exist_ok=True)
    atomic_write_json(OUT / "sandbox_service.json", result)
    atomic_write_text(OUT / "sandbox_service.md", to_markdown(result))
    print(to_markdown(result))


def to_markdown(r: dict) -> str:
    o, c, t, h = r["overhead"], r["run_code"], r["trainers"], r["two_hosts"]
    lines = [
        "# Sandbox service vs in-process pool", "",
        f"Measured {r['measured_at']} on {r['cpus']} cores shared with other jobs (load average "
        f"at the end {', '.join(f'{x:.1f}' for x in r['load_avg_at_end'])}); rerun with "
        "`.venv/bin/python benchmarks/sandbox_service.py`.", "",
        f"## Service overhead ({o['programs']} HumanEval programs, {o['workers']} runners, "
        "programs/s)", "", "| round | in-process pool | one local service |", "| --- | --- | --- |",
        *[f"| {i + 1} | {x['pool']} | {x['service']} |" for i, x in enumerate(o["rounds"])], "",
        f"Overhead: {o['overhead_pct_median']}% (median of rounds), "
        f"{o['overhead_pct_best_rounds']}% best vs best; target <= 10%.", "",
        f"## run_code under {c['clients']} concurrent clients ({c['run_code_http']['programs']} "
        "stdin programs)", "", "| path | programs/s | p50 ms | p99 ms |",
        "| --- | --- | --- | --- |",
        *[f"| {k} | {c[k]['programs_per_s']} | {c[k]['p50_ms']} | {c[k]['p99_ms']} |"
          for k in ("in_process_pool", "run_code_http")], "",
        f"HTTP run_code / in-process: {c['throughput_ratio']}x programs/s.", "",
        "## Two trainer processes judging the same batches", "",
        "| setup | containers | programs/s | p50 batch ms | p99 batch ms |",
        "| --- | --- | --- | --- | --- |",
        *[f"| {k} | {t[k]['containers_started']} | {t[k]['programs_per_s']} | {t[k]['p50_ms']} "
          f"| {t[k]['p99_ms']} |" for k in t], "",
        "(`shared_service_same_containers`: one service with as many runners as the two pools "
        "together, to separate the HTTP path from the runner count.)", "",
        f"## Two services as two hosts ({h['programs']} CPU-bound programs, 1 runner each, "
        "--cpus 1)", "", f"One service: {h['one_service']} and {h['one_service_again']} "
        f"programs/s; two: {h['two_services']} programs/s: **{h['speedup']}x** (target >= 1.8x).",
        "", *_contention_note(r),
        "## Faults", "", "| fault | outcome |", "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in r["faults"].items()], ""]
    return "\n".join(lines)


def _contention_note(r: dict) -> list[str]:
    """On a machine whose load exceeds its cores, a second service gets no core of its own."""
    if min(r["load_avg_at_end"]) <= r["cpus"] or r["two_hosts"]["speedup"] >= 1.8:
        return []
    return [f"The load average ({min(r['load_avg_at_end']):.1f} and up) exceeded the "
            f"{r['cpus']} cores during this run: the runners already shared every core with "
            "other jobs, so a second service found no idle core and this ratio measures that "
            "contention, not the remote pool (rerun on an idle machine, or on two machines). "
            "For the same reason the rates above move by 2x between rounds; compare rows "
            "within one round.", ""]


if __name__ == "__main__":
    main()
