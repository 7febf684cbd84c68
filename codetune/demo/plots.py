"""The demo report's figures (matplotlib, Agg backend), written as PNG files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codetune.demo.stages import Layout


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)


def make_plots(lay: Layout, summaries: dict[str, Any], plot_dir: Path) -> dict[str, str]:
    """Draw what the artifacts allow; returns {figure: path relative to the report}."""
    made: dict[str, str] = {}
    marker = lay.root / "pretrain" / "DONE.json"
    curve = json.loads(marker.read_text())["metrics"].get("curve", []) if marker.exists() else []
    if curve:
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(5, 3.2))
        ax.plot([p["step"] for p in curve], [p["perplexity"] for p in curve], marker="o")
        ax.set(xlabel="pretraining step", ylabel="held-out perplexity", yscale="log",
               title="Pretraining on the stdlib corpus")
        _save(fig, plot_dir / "perplexity.png")
        made["perplexity"] = "plots/perplexity.png"
    made.update(_grpo_plots(lay, plot_dir))
    if summaries:
        made.update(_pass_plot(summaries, plot_dir))
    return made


def _grpo_plots(lay: Layout, plot_dir: Path) -> dict[str, str]:
    path = lay.grpo / "metrics.jsonl"
    if not path.exists():
        return {}
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    made = {}
    for key, label in (("reward", "mean combined reward"),
                       ("frac_reward_zero_std", "share of groups with identical rewards")):
        pts = [(r.get("step"), r[key]) for r in rows if key in r and r.get("step") is not None]
        if not pts:
            continue
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(5, 3.2))
        steps, values = zip(*pts, strict=True)
        ax.plot(steps, values, alpha=0.35, label="per step")
        w = max(1, len(values) // 15)
        smooth = [sum(values[max(0, i - w + 1):i + 1]) / len(values[max(0, i - w + 1):i + 1])
                  for i in range(len(values))]
        ax.plot(steps, smooth, label=f"mean of last {w}")
        ax.set(xlabel="GRPO step", ylabel=label, title=f"GRPO: {label}")
        ax.legend()
        _save(fig, plot_dir / f"grpo_{key}.png")
        made[key] = f"plots/grpo_{key}.png"
    return made


def _pass_plot(summaries: dict[str, Any], plot_dir: Path) -> dict[str, str]:
    parts = [("rl_eval", "RL-only"), ("sft_eval", "SFT templates"), ("heldout_eval", "held out")]
    stages = list(summaries)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.4))
    width = 0.8 / max(len(parts), 1)
    for j, (part, label) in enumerate(parts):
        vals = [summaries[s].get(part, {}).get("pass_at_k", {}).get("pass@1", 0.0) or 0.0
                for s in stages]
        ax.bar([i + j * width for i in range(len(stages))], vals, width, label=label)
    ax.set_xticks([i + width for i in range(len(stages))], stages)
    ax.set(ylabel="greedy pass@1", ylim=(0, 1), title="Fresh tasks after each stage")
    ax.legend()
    _save(fig, plot_dir / "pass_at_1.png")
    return {"pass_at_1": "plots/pass_at_1.png"}
