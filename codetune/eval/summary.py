"""The ``summary.json`` of an evaluation: pass@k overall and per task, verdict counts, CodeBLEU."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from codetune.console import log
from codetune.eval.benchmark_registry import Task
from codetune.eval.codebleu import COMPONENTS, codebleu_score
from codetune.eval.execution import SampleResult
from codetune.eval.passk import overall_pass_at_k, per_task_pass_at_k
from codetune.eval.samples import Sample


def task_counts(results: Sequence[SampleResult]) -> dict[str, tuple[int, int]]:
    """``{task_id: (n samples, c correct)}`` in first-seen order."""
    n: Counter = Counter()
    c: Counter = Counter()
    for r in results:
        n[r.task_id] += 1
        c[r.task_id] += int(r.passed)
    return {t: (n[t], c[t]) for t in n}


def codebleu_summary(samples: Sequence[Sample], tasks: dict[str, Task]) -> dict[str, Any]:
    """Corpus CodeBLEU of every executed program against its task's reference program."""
    pairs = [(s.program, tasks[s.task_id].canonical_solution) for s in samples
             if tasks[s.task_id].canonical_solution]
    if not pairs:
        return {"skipped": "no task has a canonical_solution"}
    scores = codebleu_score([p for p, _ in pairs], [r for _, r in pairs], "python")
    # codebleu 0.7.0 sums ``theta * (dataflow or 1)``: a data-flow match of 0 counts as 1, so
    # unrelated code still scores >= 0.25. ``codebleu_strict`` takes the component as it is.
    scores["codebleu_strict"] = 0.25 * sum(scores[k] for k in COMPONENTS)
    scores["pairs"] = len(pairs)
    return scores


def build_summary(benchmark: str, tasks: list[Task], samples: Sequence[Sample],
                  results: Sequence[SampleResult], ks: Sequence[int], exec_seconds: float,
                  skipped: dict[str, int] | None = None, with_codebleu: bool = True
                  ) -> dict[str, Any]:
    by_id = {t.task_id: t for t in tasks}
    counts = task_counts(results)
    overall, not_computed = overall_pass_at_k(counts, ks)
    per_task = per_task_pass_at_k(counts, ks)
    for task_id, (n, c) in counts.items():
        per_task[task_id] = {"n": n, "correct": c, **per_task[task_id]}
    missing = [t.task_id for t in tasks if t.task_id not in counts]
    if missing:
        log.warning("%d of %d tasks have no samples; pass@k is over the %d evaluated tasks",
                    len(missing), len(tasks), len(counts))
    for key, reason in not_computed.items():
        log.warning("%s not computed: %s", key, reason)
    ns = [n for n, _ in counts.values()] or [0]
    summary: dict[str, Any] = {
        "benchmark": benchmark,
        "pass_at_k": overall,
        "pass_at_k_not_computed": not_computed,
        "tasks_in_benchmark": len(tasks),
        "tasks_evaluated": len(counts),
        "tasks_without_samples": missing,
        "samples": len(results),
        "samples_per_task": {"min": min(ns), "max": max(ns)},
        "samples_skipped": dict(skipped or {}),
        "status_counts": dict(Counter(r.status for r in results)),
        "finish_reasons": dict(Counter(r.finish_reason for r in results if r.finish_reason)),
        "truncated_tails_dropped": sum(r.truncated for r in results),
        "execution": {"seconds": round(exec_seconds, 3),
                      "samples_per_s": round(len(results) / max(exec_seconds, 1e-9), 2)},
        "per_task": per_task,
    }
    if with_codebleu:
        summary["codebleu"] = codebleu_summary(samples, by_id)
    return summary
