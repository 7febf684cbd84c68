"""benchmarks/real_model.py's result files: JSON, a Markdown table and a pass@1 plot."""

from __future__ import annotations

import math
from pathlib import Path

from codetune.artifacts import atomic_write_json, atomic_write_text

RERUN = ".venv/bin/python benchmarks/real_model.py"


def _ci(p: float | None, n: int) -> float:
    """Half-width of the 95% normal interval of a pass rate on n tasks."""
    return 1.96 * math.sqrt(p * (1 - p) / n) if p is not None and n else 0.0


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stages = list(result["pass_at_1"])
    benches = list(result["pass_at_1"][stages[0]])
    fig, ax = plt.subplots(figsize=(6, 3.5))
    width = 0.8 / len(benches)
    for j, bench in enumerate(benches):
        n = result["settings"][bench]
        values = [result["pass_at_1"][s][bench] or 0.0 for s in stages]
        ax.bar([i + j * width for i in range(len(stages))], values, width,
               yerr=[_ci(v, n) for v in values], capsize=3, label=f"{bench} ({n} tasks)")
    ax.set_xticks([i + width * (len(benches) - 1) / 2 for i in range(len(stages))], stages)
    ax.set_ylabel("pass@1 (greedy)")
    ax.set_title(f"SmolLM2-135M-Instruct by stage ({result['label']})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def markdown(result: dict, stem: Path) -> str:
    s = result["settings"]
    benches = list(result["pass_at_1"]["base"])
    lines = [f"# Real weights through every stage ({result['label']})", "",
             f"{result['model']} imported with `codetune model import`; greedy chat-template "
             f"evaluation, max_new_tokens {s['max_new_tokens']}, on MBPP test (first "
             f"{s['mbpp']} of 11-510)"
             + (f" and HumanEval (first {s['humaneval']})" if s["humaneval"] else "")
             + ", the same tasks after every stage (paired).", "",
             "| stage | " + " | ".join(f"{b} pass@1" for b in benches) + " |",
             "|---|" + "---|" * len(benches)]
    for stage, row in result["pass_at_1"].items():
        lines.append(f"| {stage} | " + " | ".join(f"{row[b]:.3f}" for b in benches) + " |")
    lines += ["", "| step | benchmark | tasks | gained | lost | McNemar z |",
              "|---|---|---|---|---|---|"]
    for step, per in result["paired"].items():
        for bench, c in per.items():
            lines.append(f"| {step} | {bench} | {c['tasks']} | {c['gained']} | {c['lost']} | "
                         f"{c['z']:+.2f} |")
    sp = result["speed"]
    lines += ["", f"![pass@1 by stage]({stem.name}.png)", "",
              "## Settings", "",
              f"- SFT: LoRA r={s['lora_r']} (alpha {2 * s['lora_r']}), lr {s['sft_lr']}, "
              + (f"{s['sft_steps']} steps" if s["sft_steps"] > 0 else f"{s['sft_epochs']} epochs")
              + f" of {s['sft_batch']} packed 1024-token rows a step"
              + f" over {result['sft_samples']} execution-verified MBPP-train samples "
                "(`datasets_recipes/sft_mbpp_chat.yaml`).",
              (f"- GRPO: LoRA r={s['lora_r']}, lr {s['grpo_lr']}, {s['grpo_steps']} steps x "
               f"{s['grpo_prompts']} MBPP-train chat prompts x {s['grpo_generations']} "
               f"generations, {s['grpo_tokens']} tokens, temperature {s['grpo_temperature']}, "
               f"execution reward only, beta 0. Rewards: "
               f"{result['grpo_metrics'] or 'not logged'}." if s["grpo_steps"] else
               "- GRPO: not run in this invocation (`--grpo-steps 0`)."),
              "", "## Generation speed (same run, batch 16, greedy)", "",
              f"On the first {s['speed_tasks']} MBPP test prompts, max_new_tokens "
              f"{s['speed_tokens']}, model load excluded: `model.generate` "
              f"{sp['generate']['tokens_per_s']:.1f} tok/s, continuous batching "
              f"{sp['continuous']['tokens_per_s']:.1f} tok/s (**{sp['ratio']:.2f}x**), continuous "
              f"with bf16 weights {sp['continuous_bf16']['tokens_per_s']:.1f} tok/s "
              f"(**{sp['ratio_bf16']:.2f}x**); rows stop once their answer's code block is closed "
              f"(`stop_after_answer`), in every decoder. Stage evaluations ran with "
              f"{s['eval_dtype']} weights. "
              "Per stage evaluation: " + "; ".join(
                  f"{st}/{b} {g['tokens_per_s']:.1f} tok/s" for st, per in
                  result["generation"].items() for b, g in per.items()) + ".", "",
              f"Wall time {result['wall_seconds'] / 60:.1f} min on {result['machine']}; stages "
              f"(s): {result['stage_seconds']}. Date {result['date']}."
              + (f" Taken from earlier runs in the same work dir (not in the wall time): "
                 f"{', '.join(result['reused_from_earlier_runs'])}."
                 if result.get("reused_from_earlier_runs") else ""), "",
              "Rerun: `" + RERUN + _flags(s) + "`"]
    if result.get("note"):  # what a reduced run left out, written by whoever ran it
        lines += ["", "## Note", "", result["note"]]
    return "\n".join(lines) + "\n"


def _flags(settings: dict) -> str:
    out = []
    for key, value in settings.items():
        if key != "label" or value:
            out.append(f"--{key.replace('_', '-')} {value}")
    return " " + " ".join(out)


def write_results(result: dict, stem: Path) -> None:
    stem.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(stem.with_suffix(".json"), result)
    plot(result, stem.with_suffix(".png"))
    atomic_write_text(stem.with_suffix(".md"), markdown(result, stem))
    print(f"wrote {stem}.md/.json/.png")
