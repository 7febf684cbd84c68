"""``<out>/report.md`` (+ ``plots/*.png``, ``report.json``), rebuilt from the stages' artifacts."""

from __future__ import annotations

import json
import os
import platform
import shutil
from pathlib import Path
from typing import Any

from codetune.artifacts import atomic_write_json, atomic_write_text
from codetune.demo import plots
from codetune.demo.config import DemoConfig
from codetune.demo.evaluation import FAMILY_PARTS, STAGE_ORDER, mcnemar, per_template
from codetune.demo.stages import MARKER, STAGE_DIRS, Layout

PART_TITLES = {"rl_eval": "RL-only templates", "sft_eval": "SFT templates",
               "heldout_eval": "held-out templates"}


def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def load_summaries(lay: Layout) -> dict[str, dict[str, dict[str, Any]]]:
    """{stage: {part: eval summary}} for every evaluation found on disk."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for stage in STAGE_ORDER:
        for path in sorted((lay.root / "eval" / stage).glob("*/summary.json")):
            found.setdefault(stage, {})[path.parent.name] = _json(path)
    return found


def _p1(summary: dict[str, Any]) -> float | None:
    return summary.get("pass_at_k", {}).get("pass@1")


def _fmt(x: Any, digits: int = 3) -> str:
    return "-" if x is None else (f"{x:.{digits}f}" if isinstance(x, float) else str(x))


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *["| " + " | ".join(_fmt(c) for c in r) + " |" for r in rows]]


def comparisons(summaries: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Paired comparisons between consecutive stages on every family part both evaluated."""
    pairs = [("pretrain", "sft"), ("sft", "grpo")]
    out = []
    for a, b in pairs:
        for part in FAMILY_PARTS:
            sa, sb = summaries.get(a, {}).get(part), summaries.get(b, {}).get(part)
            if sa and sb and "per_task" in sa and "per_task" in sb:
                out.append({"from": a, "to": b, "part": part, **mcnemar(sa, sb)})
    return out


def write_report(lay: Layout, cfg: DemoConfig, mode: str = "full",
                 run_wall_s: float | None = None) -> Path:
    """Write ``report.md``, ``report.json`` and the plots; return the report path."""
    summaries = load_summaries(lay)
    cmps = comparisons(summaries)
    plot_dir = lay.root / "plots"
    made = plots.make_plots(lay, summaries, plot_dir)
    lines = _header(lay, cfg, mode, run_wall_s)
    lines += _skipped_section(lay)
    lines += _headline(summaries, cmps)
    lines += _data_section(lay) + _pretrain_section(lay, made) + _sft_section(lay)
    lines += _rm_section(lay) + _grpo_section(lay, made)
    lines += _eval_section(lay, summaries, cmps, made)
    path = atomic_write_text(lay.root / "report.md", "\n".join(lines) + "\n")
    atomic_write_json(lay.root / "report.json", {
        "mode": mode, "comparisons": cmps,
        "pass_at_1": {s: {p: _p1(v) for p, v in parts.items()} for s, parts in summaries.items()},
        "stage_seconds": _stage_seconds(lay)})
    return path


def _stage_seconds(lay: Layout) -> dict[str, float]:
    return {name: _json(lay.root / sub / MARKER).get("elapsed_s") for name, sub in STAGE_DIRS
            if (lay.root / sub / MARKER).exists()}


def _header(lay: Layout, cfg: DemoConfig, mode: str, wall: float | None) -> list[str]:
    secs = _stage_seconds(lay)
    lines = ["# codetune demo report", "",
             f"Mode: **{mode}** · machine: {os.cpu_count()} CPU cores, {platform.machine()}, "
             f"Python {platform.python_version()} · model preset `{cfg.model_size}` · "
             f"stage time (this run and reused stages): {sum(v or 0 for v in secs.values()):.0f} s"
             + (f" · this invocation: {wall:.0f} s" if wall is not None else ""), "",
             "Every number below is read back from the stage folders next to this file; "
             "`codetune demo --out DIR` reuses finished stages (a `DONE.json` marker) and "
             "`--redo STAGE` reruns one.", ""]
    lines += _table(["stage", "seconds"], [[k, round(v or 0)] for k, v in secs.items()])
    return lines + [""]


def _skipped_section(lay: Layout) -> list[str]:
    """One line per part the demo left out on this machine (never silently)."""
    from codetune.demo.skips import collect

    skipped = collect([_json(lay.root / sub / MARKER) for _, sub in STAGE_DIRS
                       if (lay.root / sub / MARKER).exists()])
    if not skipped:
        return []
    return ["## Skipped on this machine", "",
            *[f"- {line}" for line in skipped],
            "", "Set `CODETUNE_DATA_DIR` to a folder holding the file (or go online once) and "
            "rerun with `--redo` on the affected stages to include them.", ""]


def _headline(summaries: dict[str, Any], cmps: list[dict[str, Any]]) -> list[str]:
    lines = ["## What each stage taught the model", ""]
    rl = next((c for c in cmps if (c["from"], c["to"], c["part"]) == ("sft", "grpo", "rl_eval")),
              None)
    if rl:
        delta = 100 * (rl["pass_b"] - rl["pass_a"])
        verdict = "raised" if rl["gained"] > rl["lost"] and rl["p_value"] < 0.05 else (
            "did not significantly raise")
        lines.append(
            f"- **GRPO {verdict} greedy pass@1 on fresh tasks of the RL-only templates**: "
            f"{rl['pass_a']:.3f} → {rl['pass_b']:.3f} ({delta:+.1f} points) on "
            f"{rl['shared_tasks']} paired tasks; gained {rl['gained']}, lost {rl['lost']}, "
            f"McNemar z = {rl['mcnemar_z']:+.2f}, exact p = {rl['p_value']:.2g}.")
    sft = next((c for c in cmps if (c["from"], c["to"]) == ("pretrain", "sft")
                and c["part"] == "sft_eval"), None)
    if sft:
        lines.append(f"- SFT over the pretrained model, SFT templates: pass@1 "
                     f"{sft['pass_a']:.3f} → {sft['pass_b']:.3f} (gained {sft['gained']}, "
                     f"lost {sft['lost']}, z = {sft['mcnemar_z']:+.2f}).")
    held = next((c for c in cmps if (c["from"], c["to"], c["part"]) ==
                 ("sft", "grpo", "heldout_eval")), None)
    if held:
        lines.append(f"- Held-out templates (never trained on), SFT → GRPO: {held['pass_a']:.3f} →"
                     f" {held['pass_b']:.3f} (gained {held['gained']}, lost {held['lost']}, "
                     f"z = {held['mcnemar_z']:+.2f}).")
    return lines + [""]


def _data_section(lay: Layout) -> list[str]:
    data = _json(lay.root / "data" / MARKER).get("metrics", {})
    manifest = _json(lay.tasks / "manifest.json")
    corpus = data.get("corpus", {})
    lines = ["## 1. Corpus, tokenizer and the task family", ""]
    if corpus:
        lines.append(f"Standard-library corpus: {corpus.get('files_in')} files "
                     f"({corpus.get('bytes_in')} bytes) in; filters, exact + MinHash dedup and "
                     "HumanEval/MBPP decontamination: see `data/pretrain/report.json`.")
        tok = corpus.get("tokenizer") or {}
        lines.append(f"Tokenizer: byte-level BPE, vocabulary {tok.get('vocab_size')}.")
        lines += ["", "```json", json.dumps({k: corpus[k] for k in corpus
                                             if k not in ("tokenizer",)})[:1200],
                  "```"]
    if manifest:
        by_split: dict[str, list[str]] = {}
        for t in manifest["templates"]:
            by_split.setdefault(t["split"], []).append(t["template"])
        lines += ["", f"Task family `pyfunc` ({len(manifest['templates'])} templates, 4 asserts "
                  "per task): rows per part " + ", ".join(
                      f"{k} {v}" for k, v in manifest["counts"].items()) + ".", ""]
        lines += _table(["split", "templates"], [[s, ", ".join(n)] for s, n in by_split.items()])
    return lines + [""]


def _pretrain_section(lay: Layout, made: dict[str, str]) -> list[str]:
    curve = _json(lay.root / "pretrain" / MARKER).get("metrics", {}).get("curve", [])
    lines = ["## 2. Pretraining", ""]
    if curve:
        lines.append(f"Held-out perplexity: {curve[0]['perplexity']:.1f} at step "
                     f"{curve[0]['step']} → {curve[-1]['perplexity']:.1f} at step "
                     f"{curve[-1]['step']}.")
    if "perplexity" in made:
        lines += ["", f"![held-out perplexity]({made['perplexity']})"]
    return lines + [""]


def _sft_section(lay: Layout) -> list[str]:
    ex = _json(lay.root / "sft" / MARKER).get("metrics", {}).get("examples", {})
    m = _json(lay.sft_run / "summary.json")
    return ["## 3. SFT", "",
            f"Data: {ex.get('four_task')} samples of the four task types (generate, explain, fix, "
            f"translate; `codetune data sft`) + {ex.get('task_family')} task-family examples "
            f"from SFT templates. Train loss {_fmt(m.get('train_loss'))} after "
            f"{m.get('steps')} steps.", ""]


def _rm_section(lay: Layout) -> list[str]:
    m = _json(lay.rm / "summary.json")
    if not m:
        return []
    return ["## 4. Reward model", "",
            f"{m.get('pairs')} pairs mined by execution (the SFT policy's samples, the reference "
            "and mutants of it on SFT-template tasks, all judged in the sandbox) "
            f"({m.get('train_pairs')} train / {m.get('heldout_pairs')} held out by task). "
            f"Held-out pair accuracy {_fmt(m.get('heldout_accuracy'))} (untrained head "
            f"{_fmt(m.get('heldout_accuracy_before_training'))}).", ""]


def _grpo_section(lay: Layout, made: dict[str, str]) -> list[str]:
    s = _json(lay.grpo / "summary.json")
    if not s:
        return []
    cfg = s.get("config", {})
    first, last = s.get("first", {}), s.get("last", {})
    lines = ["## 5. GRPO", "",
             f"{s.get('steps')} steps × {cfg.get('prompts_per_step')} prompts × G = "
             f"{cfg.get('num_generations')}, lr {cfg.get('learning_rate')}, beta "
             f"{cfg.get('beta')}, temperature {cfg.get('temperature')}, advantage scaling "
             f"{cfg.get('scale_rewards')}; rewards "
             + ", ".join(f"{r['name']}×{r['weight']}" for r in cfg.get("rewards", [])) + ".",
             f"Reward {_fmt(first.get('reward'))} (first step) → {_fmt(last.get('reward'))} "
             "(last step); groups with identical rewards carry no gradient: share per step in "
             "the plot."]
    diag = [("rewards/execution/mean", "execution reward"), ("execution/pass_rate", "pass rate"),
            ("execution/syntax_error_rate", "syntax-error rate"),
            ("rewards/execution/std", "execution-reward std within batch")]
    shown = [f"{label} {_fmt(first.get(key))} → {_fmt(last.get(key))}"
             for key, label in diag if key in first or key in last]
    if shown:
        lines.append("First → last step: " + "; ".join(shown) + ".")
    for key in ("reward", "frac_reward_zero_std"):
        if key in made:
            lines += ["", f"![{key}]({made[key]})"]
    return lines + [""]


def _eval_section(lay: Layout, summaries: dict[str, Any], cmps: list[dict[str, Any]],
                  made: dict[str, str]) -> list[str]:
    lines = ["## 6. Evaluation after each stage", "",
             "Greedy pass@1 and CodeBLEU on fresh tasks (no prompt shared with training). "
             "CodeBLEU compares whole programs (prompt + completion) with the reference, so the "
             "shared signature and docstring give even a model that writes nothing useful ~0.5.",
             ""]
    rows = []
    for stage, parts in summaries.items():
        for part in FAMILY_PARTS:
            if part in parts:
                cb = parts[part].get("codebleu", {}) or {}
                rows.append([stage, PART_TITLES[part], parts[part].get("tasks_evaluated"),
                             _p1(parts[part]), cb.get("codebleu")])
    lines += _table(["stage", "tasks", "n", "pass@1", "CodeBLEU"], rows)
    if "pass_at_1" in made:
        lines += ["", f"![pass@1 per stage]({made['pass_at_1']})"]
    pk = [(s, p["rl_eval_passk"]) for s, p in summaries.items() if "rl_eval_passk" in p]
    if pk:
        lines += ["", "pass@k by sampling (temperature 0.8, top-p 0.95) on RL-only tasks:", ""]
        lines += [f"- {s}: " + ", ".join(f"{k} = {v:.3f}" for k, v in r["pass_at_k"].items())
                  + f" ({r.get('tasks_evaluated')} tasks)" for s, r in pk]
    lines += ["", "### Paired comparisons (McNemar on the same tasks)", ""]
    lines += _table(["from → to", "tasks", "n", "pass@1 before", "pass@1 after", "gained",
                     "lost", "z", "p"],
                    [[f"{c['from']} → {c['to']}", PART_TITLES[c["part"]], c["shared_tasks"],
                      c["pass_a"], c["pass_b"], c["gained"], c["lost"], c["mcnemar_z"],
                      c["p_value"]] for c in cmps])
    lines += _template_table(lay, summaries) + _public_section(summaries)
    return lines


def _template_table(lay: Layout, summaries: dict[str, Any]) -> list[str]:
    rows: dict[str, list[Any]] = {}
    stages = [s for s in ("sft", "grpo") if "rl_eval" in summaries.get(s, {})]
    for part in ("rl_eval", "heldout_eval"):
        for stage in stages:
            if part not in summaries[stage]:
                continue
            for t, v in per_template(summaries[stage][part], lay.tasks / f"{part}.jsonl").items():
                rows.setdefault(t, [t, PART_TITLES[part]])
                rows[t].append(v)
    if not rows:
        return []
    return ["", "Per template (greedy pass@1):", "",
            *_table(["template", "split", *stages], list(rows.values()))]


def _public_section(summaries: dict[str, Any]) -> list[str]:
    rows = [[s, b, parts[b].get("tasks_evaluated"), _p1(parts[b])] for s, parts in summaries.items()
            for b in ("humaneval", "mbpp") if b in parts]
    if not rows:
        return []
    return ["", "### HumanEval and MBPP (for completeness)", "",
            "A few-million-parameter model trained for minutes on a CPU is expected to score "
            "about 0 here; these rows show the harness runs end to end on the public "
            "benchmarks, not a capability.", "", *_table(["stage", "benchmark", "tasks",
                                                          "pass@1"], rows)]


def publish_report(out_dir: str | Path, dest_md: str | Path) -> Path:
    """Copy ``report.md`` to ``dest_md`` and its plots beside it (``<dest stem>/``)."""
    src, dest = Path(out_dir), Path(dest_md)
    plot_dir = dest.with_suffix("")
    plot_dir.mkdir(parents=True, exist_ok=True)
    for png in sorted((src / "plots").glob("*.png")):
        shutil.copy2(png, plot_dir / png.name)
    text = (src / "report.md").read_text().replace("](plots/", f"]({plot_dir.name}/")
    return atomic_write_text(dest, text)
