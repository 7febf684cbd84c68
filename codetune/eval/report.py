"""``report.md`` + PNG plots comparing evaluation runs (models or training stages) side by side."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codetune.artifacts import atomic_write_text
from codetune.errors import CodetuneError
from codetune.eval.codebleu import COMPONENTS
from codetune.eval.plots import COMPONENT_LABELS, plot_codebleu, plot_pass_at_k, plot_task_grid

CODEBLEU_NOTE = ("Executed programs vs reference programs, corpus level. The `codebleu` package "
                 "(0.7.0) counts a data-flow match of 0 as 1 in its weighted sum; *strict* "
                 "takes the data-flow component as it is.\n")


def load_run(run_dir: str | os.PathLike) -> dict[str, Any]:
    """The ``summary.json`` of an eval output dir (``label`` defaults to the dir name)."""
    path = Path(run_dir)
    path = path if path.name == "summary.json" else path / "summary.json"
    if not path.exists():
        raise CodetuneError(f"{path}: no summary.json (give output dirs of `codetune eval run` "
                            "or `codetune eval samples`)")
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CodetuneError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    for key in ("benchmark", "pass_at_k", "per_task"):
        if key not in run:
            raise CodetuneError(f"{path}: not an eval summary (no {key!r})")
    run["label"] = run.get("label") or path.parent.name
    return run


def _unique_labels(runs: list[dict[str, Any]]) -> None:
    seen: dict[str, int] = {}
    for r in runs:
        base = r["label"]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            r["label"] = f"{base} ({seen[base]})"


def paired_comparison(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Tasks solved (majority of samples pass; greedy: the sample passes) by b but not a, etc.

    McNemar's z = (gained - lost) / sqrt(gained + lost) on the shared tasks: a paired test,
    far tighter than comparing two unpaired pass rates on the same small task set.
    """
    shared = [t for t in a["per_task"] if t in b["per_task"]]

    def solved(run: dict[str, Any], t: str) -> bool:
        row = run["per_task"][t]
        return row["correct"] / row["n"] > 0.5

    gained = sum(1 for t in shared if solved(b, t) and not solved(a, t))
    lost = sum(1 for t in shared if solved(a, t) and not solved(b, t))
    z = (gained - lost) / math.sqrt(gained + lost) if gained + lost else 0.0
    return {"shared_tasks": len(shared), "gained": gained, "lost": lost, "mcnemar_z": z}


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else ("-" if value is None else str(value))


def _pass_table(runs: list[dict[str, Any]]) -> str:
    ks = sorted({k for r in runs for k in r["pass_at_k"]}, key=lambda k: int(k.split("@")[1]))
    header = ["run", "benchmark", "tasks", "samples/task", *ks, "exec samples/s"]
    rows = []
    for r in runs:
        spt = r.get("samples_per_task", {})
        rows.append([r["label"], r["benchmark"], str(r.get("tasks_evaluated", "-")),
                     f"{spt.get('min', '-')}-{spt.get('max', '-')}" if spt.get("min") != spt.get(
                         "max") else str(spt.get("min", "-")),
                     *[_fmt(r["pass_at_k"].get(k)) for k in ks],
                     f"{r.get('execution', {}).get('samples_per_s', 0):.1f}"])
    return _table(header, rows)


def _codebleu_table(runs: list[dict[str, Any]]) -> str:
    keys = ["codebleu", "codebleu_strict", *COMPONENTS]
    rows = [[r["label"], *[_fmt(r["codebleu"].get(k)) for k in keys]] for r in runs]
    return _table(["run", *[COMPONENT_LABELS[k] for k in keys]], rows)


def _paired_section(runs: list[dict[str, Any]]) -> str:
    rows = []
    for bench in dict.fromkeys(r["benchmark"] for r in runs):
        same = [r for r in runs if r["benchmark"] == bench]
        for prev, cur in zip(same, same[1:], strict=False):
            c = paired_comparison(prev, cur)
            rows.append([f"{prev['label']} -> {cur['label']}", bench, str(c["shared_tasks"]),
                         str(c["gained"]), str(c["lost"]), f"{c['mcnemar_z']:+.2f}"])
    if not rows:
        return ""
    return ("## Paired comparison (consecutive runs, same benchmark)\n\nA task counts as solved "
            "when more than half its samples pass. |z| > 1.96 is significant at 5%.\n\n"
            + _table(["runs", "benchmark", "shared tasks", "gained", "lost", "McNemar z"], rows)
            + "\n")


def _warnings(runs: list[dict[str, Any]]) -> list[str]:
    notes = []
    for r in runs:
        for key, reason in r.get("pass_at_k_not_computed", {}).items():
            notes.append(f"- {r['label']}: {key} not computed ({reason})")
        if r.get("tasks_without_samples"):
            notes.append(f"- {r['label']}: {len(r['tasks_without_samples'])} tasks had no samples")
        for reason, count in r.get("samples_skipped", {}).items():
            notes.append(f"- {r['label']}: {count} sample rows skipped ({reason})")
    return notes


def write_report(run_dirs: Sequence[str | os.PathLike], out_dir: str | os.PathLike
                 ) -> Path:
    """Write ``report.md`` and its PNGs into ``out_dir``; return the report's path."""
    if not run_dirs:
        raise CodetuneError("eval report: give at least one eval output dir")
    runs = [load_run(d) for d in run_dirs]
    _unique_labels(runs)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    parts = [f"# Evaluation report\n\n{len(runs)} run(s): "
             + ", ".join(f"`{r['label']}`" for r in runs) + "\n",
             "## pass@k\n\nUnbiased estimator (Chen et al. 2021), mean over tasks.\n",
             _pass_table(runs) + "\n"]
    if any(r["pass_at_k"] for r in runs):
        plot_pass_at_k(runs, out / "pass_at_k.png")
        parts.append("![pass@k](pass_at_k.png)\n")
    parts.append(_paired_section(runs))
    parts.append("## Per-task pass grid\n")
    for bench in dict.fromkeys(r["benchmark"] for r in runs):
        name = f"task_grid_{bench.replace(':', '_').replace('/', '_')}.png"
        plot_task_grid([r for r in runs if r["benchmark"] == bench], bench, out / name)
        parts.append(f"![{bench} tasks]({name})\n")
    scored = [r for r in runs if "codebleu" in r.get("codebleu", {})]
    if scored:
        plot_codebleu(scored, out / "codebleu.png")
        parts += ["## CodeBLEU vs canonical solutions\n", CODEBLEU_NOTE,
                  _codebleu_table(scored) + "\n", "![CodeBLEU](codebleu.png)\n"]
    notes = _warnings(runs)
    if notes:
        parts += ["## Notes\n", "\n".join(notes) + "\n"]
    return atomic_write_text(out / "report.md", "\n".join(p for p in parts if p))
