"""HumanEval+ / MBPP+ verdicts: codetune (``--benchmark humaneval+|mbpp+``) vs evalplus 0.3.1.

Samples (evalplus' ``{task_id, solution}`` format): per task the canonical solution and one
mutant (``codetune.sandbox.reference_jobs.mutate``: the first comparison/operator flipped or an int
constant + 1; the other-task's-body when nothing mutates). evalplus needs a sample for every task,
so ``--tasks`` limits which are compared, not what evalplus runs. Both judge the same file;
base and plus verdicts are compared sample by sample; throughput of both in the same run.
evalplus runs offline from the shared release files (HUMANEVAL_OVERRIDE_PATH/MBPP_OVERRIDE_PATH).
Writes benchmarks/results/evalplus_agreement.{md,json}.

    .venv/bin/python benchmarks/evalplus_agreement.py [--dataset humaneval mbpp] [--parallel 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codetune.artifacts import atomic_write_json, atomic_write_text, write_jsonl  # noqa: E402
from codetune.benchmark_data import benchmark_file  # noqa: E402
from codetune.eval import evalplus_data as epd  # noqa: E402
from codetune.eval.config import SamplesEvalConfig  # noqa: E402
from codetune.eval.run import evaluate_samples  # noqa: E402
from codetune.sandbox import SandboxConfig  # noqa: E402
from codetune.sandbox.reference_jobs import mutate  # noqa: E402

BENCH = {"humaneval": "humaneval+", "mbpp": "mbpp+"}


def samples_for(dataset: str) -> list[dict]:
    rows = epd.load_rows(BENCH[dataset])
    out = []
    for i, row in enumerate(rows):
        ref = row["prompt"] + row["canonical_solution"]
        out.append({"task_id": row["task_id"], "solution": ref, "variant": "canonical"})
        body = mutate(row["canonical_solution"] if dataset == "humaneval" else
                      "\n".join("    " + ln for ln in row["canonical_solution"].splitlines()))
        if body is None:
            other = rows[(i + 1) % len(rows)]
            out.append({"task_id": row["task_id"], "variant": "other_task",
                        "solution": other["prompt"] + other["canonical_solution"]})
            continue
        if dataset == "mbpp":
            body = "\n".join(ln[4:] for ln in body.splitlines()) + "\n"
        out.append({"task_id": row["task_id"], "variant": "mutant",
                    "solution": (row["prompt"] if dataset == "humaneval" else "") + body})
    return out


def run_evalplus(dataset: str, path: Path, parallel: int) -> tuple[dict, float]:
    env = dict(os.environ, HUMANEVAL_OVERRIDE_PATH=str(benchmark_file(epd.FILES["humaneval+"])),
               MBPP_OVERRIDE_PATH=str(benchmark_file(epd.FILES["mbpp+"])),
               XDG_CACHE_HOME=str(path.parent / "xdg"))
    # Ground truth first (not timed: evalplus caches it, as codetune does)
    warm = ("from evalplus.evaluate import *\nimport evalplus.data as d\n"
            f"p = d.get_{'human_eval' if dataset == 'humaneval' else 'mbpp'}_plus()\n"
            f"h = d.get_{'human_eval' if dataset == 'humaneval' else 'mbpp'}_plus_hash()\n"
            "get_groundtruth(p, h, "
            f"{'[]' if dataset == 'humaneval' else 'MBPP_OUTPUT_NOT_NONE_TASKS'})\n")
    subprocess.run([sys.executable, "-c", warm], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "evalplus.evaluate", "--dataset", dataset,
                    "--samples", str(path), "--parallel", str(parallel), "--i-just-wanna-run"],
                   env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    return json.loads(path.with_name(path.stem + "_eval_results.json").read_text()), seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", nargs="+", default=["humaneval", "mbpp"])
    ap.add_argument("--parallel", type=int, default=2, help="evalplus workers = sandbox workers")
    args = ap.parse_args()
    out = ROOT / "benchmarks" / "results" / "evalplus_agreement"
    previous = out.with_suffix(".json")  # a dataset not rerun keeps its committed numbers
    report: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores",
                    "evalplus": "0.3.1", "workers": args.parallel,
                    "datasets": json.loads(previous.read_text())["datasets"]
                    if previous.exists() else {}}
    for dataset in args.dataset:
        tmp = Path(tempfile.mkdtemp(prefix=f"ep_{dataset}_"))
        samples = samples_for(dataset)
        path = tmp / "samples.jsonl"
        write_jsonl(path, ({"task_id": s["task_id"], "solution": s["solution"]} for s in samples))
        theirs, their_s = run_evalplus(dataset, path, args.parallel)
        cfg = SamplesEvalConfig(samples=str(path), benchmark=BENCH[dataset], k="1",
                                output_dir=str(tmp / "codetune"), codebleu=False,
                                sandbox=SandboxConfig(workers=args.parallel))
        evaluate_samples(cfg)  # computes + caches the expected outputs
        start = time.perf_counter()
        summary = evaluate_samples(cfg)  # timed with the ground truth cached, like evalplus
        our_s = time.perf_counter() - start
        ours = [json.loads(x) for x in (tmp / "codetune" / "results.jsonl").open()]
        seen: dict[str, int] = {}
        rows, disagree = [], []
        for s, mine in zip(samples, ours, strict=True):
            i = seen.get(s["task_id"], 0)
            seen[s["task_id"]] = i + 1
            their = theirs["eval"][s["task_id"]][i]
            pair = {"task_id": s["task_id"], "variant": s["variant"],
                    "evalplus": [their["base_status"], their["plus_status"]],
                    "codetune": [mine["base_status"], mine["plus_status"]]}
            rows.append(pair)
            agree = [(a == "pass") == (b == "pass") for a, b in
                     zip(pair["evalplus"], pair["codetune"], strict=True)]
            if not all(agree):
                disagree.append({**pair, "reason": mine["reason"][:200]})
        n = len(rows)
        base_agree = sum((r["evalplus"][0] == "pass") == (r["codetune"][0] == "pass") for r in rows)
        plus_agree = sum((r["evalplus"][1] == "pass") == (r["codetune"][1] == "pass") for r in rows)
        report["datasets"][dataset] = {
            "date": time.strftime("%Y-%m-%d"), "workers": args.parallel,
            "load_average": [round(x, 1) for x in os.getloadavg()], "samples": n,
            "base_agreement": base_agree / n, "plus_agreement": plus_agree / n,
            "evalplus_samples_per_s": round(n / their_s, 2),
            "codetune_samples_per_s": round(n / our_s, 2),
            "throughput_ratio": round(their_s / our_s, 2),
            "codetune_base_pass@1": summary.get("base_pass_at_k", {}).get("pass@1"),
            "codetune_plus_pass@1": summary.get("plus_pass_at_k", {}).get("pass@1"),
            "disagreements": disagree}
        print(json.dumps({k: v for k, v in report["datasets"][dataset].items()
                          if k != "disagreements"}), len(disagree), "disagreements", flush=True)
    atomic_write_json(out.with_suffix(".json"), report)
    lines = ["# evalplus agreement (codetune vs evalplus 0.3.1)", "",
             f"{report['machine']}; workers each as listed; "
             "`.venv/bin/python benchmarks/evalplus_agreement.py [--dataset humaneval mbpp]` "
             "(a dataset not rerun keeps its last numbers)", "",
             "| dataset | samples | base agree | plus agree | evalplus /s | codetune /s | run |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, d in report["datasets"].items():
        lines.append(f"| {name} | {d['samples']} | {d['base_agreement']:.4f} | "
                     f"{d['plus_agreement']:.4f} | {d['evalplus_samples_per_s']} | "
                     f"{d['codetune_samples_per_s']} | {d.get('date', '')}, "
                     f"{d.get('workers', report['workers'])} workers, load "
                     f"{d.get('load_average', '?')} |")
    for name, d in report["datasets"].items():
        for x in d["disagreements"]:
            lines.append(f"- {name} {x['task_id']} ({x['variant']}): evalplus {x['evalplus']}, "
                         f"codetune {x['codetune']}: {x['reason']}")
    atomic_write_text(out.with_suffix(".md"), "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
