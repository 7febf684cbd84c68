"""Evaluation of every stage's model with ``codetune.eval`` on the task family's fresh draws,
plus HumanEval/MBPP for completeness, and the paired (McNemar) comparisons between stages."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from codetune.demo.config import DemoConfig
from codetune.demo.stages import Layout

# Parts of the task family evaluated after each stage (fresh tasks, no prompt seen in training).
FAMILY_PARTS = ("rl_eval", "sft_eval", "heldout_eval")
STAGE_ORDER = ("init", "pretrain", "sft", "grpo")


def stage_models(lay: Layout) -> dict[str, Path]:
    """The model directory each stage produced."""
    return {"init": lay.init_model, "pretrain": lay.pretrain, "sft": lay.sft,
            "grpo": lay.grpo_model}


def _eval_config(model: Path, out: Path, label: str, max_new_tokens: int, **over: Any):
    from codetune.eval.config import EvalConfig

    # Family prompts are ~50 tokens: big batches amortise the per-token cost of generate().
    base = dict(model=str(model), n=1, k=[1], max_new_tokens=max_new_tokens, batch_size=200,
                timeout_s=5.0, codebleu=True, output_dir=str(out), label=label, seed=0)
    base.update(over)
    return EvalConfig(**base)


def evaluate_stage(stage: str, cfg: DemoConfig, lay: Layout, pool: Any,
                   parts: tuple[str, ...] = FAMILY_PARTS, passk: bool = True,
                   public: bool = False) -> dict[str, Any]:
    """Greedy pass@1 + CodeBLEU on family ``parts``; pass@k by sampling on RL-only tasks;
    HumanEval and MBPP when ``public``. Returns {name: eval summary}."""
    from codetune.eval.run import evaluate_model

    model = stage_models(lay)[stage]
    out = lay.root / "eval" / stage
    results: dict[str, Any] = {}
    for part in parts:
        limit = None if part == "rl_eval" else cfg.eval_other_tasks
        conf = _eval_config(model, out / part, f"{stage}/{part}", cfg.max_new_tokens,
                            benchmark="jsonl", limit=limit,
                            benchmark_options={"path": str(lay.tasks / f"{part}.jsonl")})
        results[part] = evaluate_model(conf, pool=pool)
    if passk:
        conf = _eval_config(model, out / "rl_eval_passk", f"{stage}/rl_eval pass@k",
                            cfg.max_new_tokens, benchmark="jsonl", limit=cfg.passk_tasks,
                            benchmark_options={"path": str(lay.tasks / "rl_eval.jsonl")},
                            n=cfg.passk_n, k=[1, cfg.passk_n], temperature=0.8, top_p=0.95,
                            codebleu=False)
        results["rl_eval_passk"] = evaluate_model(conf, pool=pool)
    if public:
        results.update(evaluate_public(model, out, cfg, pool))  # may add "skipped": [line]
    return results


def evaluate_public(model: Path, out: Path, cfg: DemoConfig, pool: Any) -> dict[str, Any]:
    """HumanEval and MBPP (test split, 1-shot): near 0 for a model this small, run anyway.
    MBPP is skipped (and said so) where it cannot be had."""
    from codetune.demo.skips import mbpp_missing
    from codetune.eval.run import evaluate_model

    he = _eval_config(model, out / "humaneval", "humaneval", 96, benchmark="humaneval",
                      limit=cfg.humaneval_limit, batch_size=16)
    results: dict[str, Any] = {"humaneval": evaluate_model(he, pool=pool)}
    skip = mbpp_missing("the MBPP evaluation of the final model")
    if skip:
        return {**results, "skipped": [skip]}
    mbpp = _eval_config(model, out / "mbpp", "mbpp", 96, benchmark="mbpp",
                        benchmark_options={"split": "test", "few_shot": 1},
                        limit=cfg.mbpp_limit, batch_size=16)
    return {**results, "mbpp": evaluate_model(mbpp, pool=pool)}


def mcnemar(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Paired comparison of two greedy runs on the same tasks: gained, lost, McNemar z, p.

    z = (gained - lost) / sqrt(gained + lost) (codetune.eval's statistic, no continuity
    correction); p is two-sided, from the exact binomial test on the discordant tasks.
    """
    from codetune.eval.report import paired_comparison

    cmp = paired_comparison(a, b)
    n, k = cmp["gained"] + cmp["lost"], min(cmp["gained"], cmp["lost"])
    p = min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n) if n else 1.0
    solved_a = sum(1 for t in a["per_task"].values() if t["correct"] / t["n"] > 0.5)
    solved_b = sum(1 for t in b["per_task"].values() if t["correct"] / t["n"] > 0.5)
    return {**cmp, "p_value": p, "pass_a": solved_a / max(len(a["per_task"]), 1),
            "pass_b": solved_b / max(len(b["per_task"]), 1)}


def per_template(summary: dict[str, Any], tasks_file: Path) -> dict[str, float]:
    """Greedy pass@1 per template of a family-part run."""
    from codetune.artifacts import read_jsonl

    template = {r["task_id"]: r["template"] for r in read_jsonl(tasks_file)}
    totals: dict[str, list[int]] = {}
    for task_id, row in summary["per_task"].items():
        hit = totals.setdefault(template.get(task_id, "?"), [0, 0])
        hit[0] += int(row["correct"] / row["n"] > 0.5)
        hit[1] += 1
    return {t: c / n for t, (c, n) in sorted(totals.items())}
