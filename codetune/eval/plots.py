"""PNG plots for eval reports (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codetune.eval.codebleu import COMPONENTS

COMPONENT_LABELS = {"codebleu": "CodeBLEU", "codebleu_strict": "CodeBLEU (strict)",
                    "ngram_match_score": "n-gram",
                    "weighted_ngram_match_score": "weighted n-gram",
                    "syntax_match_score": "syntax (AST)", "dataflow_match_score": "data-flow"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _grouped_bars(ax, groups: list[str], series: dict[str, list[float]]) -> None:
    width = 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series.items()):
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        bars = ax.bar(xs, values, width, label=name)  # NaN: the run has no such value
        ax.bar_label(bars, labels=["" if v != v else f"{v:.3f}" for v in values], fontsize=7,
                     padding=1)
    ax.set_xticks(range(len(groups)), groups)
    ax.set_xlim(-0.5, len(groups) - 0.5)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)


def plot_pass_at_k(runs: list[dict[str, Any]], path: Path) -> Path:
    """Grouped bars: one group per (benchmark, pass@k), one bar per run."""
    plt = _pyplot()
    groups = sorted({f"{r['benchmark']} {k}" for r in runs for k in r["pass_at_k"]},
                    key=lambda g: (g.split()[0], int(g.split("@")[1])))
    nan = float("nan")
    series = {r["label"]: [r["pass_at_k"].get(g.split()[1], nan)
                           if r["benchmark"] == g.split()[0] else nan for g in groups]
              for r in runs}
    fig, ax = plt.subplots(figsize=(max(5, 1.6 * len(groups) * max(1, len(runs) / 2)), 3.8))
    _grouped_bars(ax, groups, series)
    ax.set_ylabel("pass@k (unbiased estimator)")
    ax.set_title("pass@k per run")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_task_grid(runs: list[dict[str, Any]], benchmark: str, path: Path) -> Path:
    """Runs x tasks heat map of the fraction of samples that passed (white = not evaluated)."""
    import numpy as np

    plt = _pyplot()
    task_ids = list(dict.fromkeys(t for r in runs for t in r["per_task"]))
    grid = np.full((len(runs), len(task_ids)), np.nan)
    for i, r in enumerate(runs):
        for j, t in enumerate(task_ids):
            row = r["per_task"].get(t)
            if row:
                grid[i, j] = row["correct"] / row["n"]
    fig, ax = plt.subplots(figsize=(min(18, 3 + 0.06 * len(task_ids)), 1.2 + 0.45 * len(runs)))
    image = ax.imshow(grid, aspect="auto", cmap="RdYlGn", vmin=0, vmax=1,
                      interpolation="nearest")
    ax.set_yticks(range(len(runs)), [r["label"] for r in runs])
    step = max(1, len(task_ids) // 20)
    ax.set_xticks(range(0, len(task_ids), step),
                  [task_ids[j].split("/")[-1] for j in range(0, len(task_ids), step)], fontsize=7)
    ax.set_xlabel(f"{benchmark} task")
    fig.colorbar(image, ax=ax, label="fraction of samples passed", fraction=0.03)
    ax.set_title(f"per-task pass grid: {benchmark}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_codebleu(runs: list[dict[str, Any]], path: Path) -> Path:
    """Grouped bars: CodeBLEU and its four components, one bar per run."""
    plt = _pyplot()
    keys = ["codebleu", *COMPONENTS]
    series = {r["label"]: [float(r["codebleu"].get(k, 0.0)) for k in keys] for r in runs}
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(keys) * max(1, len(runs) / 2)), 3.8))
    _grouped_bars(ax, [COMPONENT_LABELS[k] for k in keys], series)
    ax.set_ylabel("score vs canonical solutions")
    ax.set_title("CodeBLEU components")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
