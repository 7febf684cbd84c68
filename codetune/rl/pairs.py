"""Preference pairs mined by execution, for reward-model training and DPO.

For each task: sample several completions from the (SFT) policy, optionally add the reference
solution and single-token mutants of it (``add_references``; every pair records its sources), run
all candidates of all tasks through the sandbox in one batch, score them statically, then pair a
higher pass fraction over a lower one; equal pass fractions are broken by the static score when it
differs by more than ``static_margin``.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codetune.artifacts import write_jsonl
from codetune.console import log
from codetune.errors import CodetuneError
from codetune.rewards.execution import make_execution_reward
from codetune.rewards.mutate import mutants
from codetune.rewards.static_reward import static_reward
from codetune.rl.prompt_sets import TaskSetConfig, load_task_rows


@dataclass
class MineConfig:
    """How candidates are sampled and paired."""

    model: str = field(default="", metadata={"help": "policy to sample from (SFT model dir)."})
    tasks: TaskSetConfig = field(default_factory=TaskSetConfig, metadata={"help": "tasks."})
    samples_per_task: int = field(default=4, metadata={"help": "policy samples per task."})
    max_new_tokens: int = field(default=128, metadata={"help": "tokens per sample."})
    temperature: float = field(default=0.8, metadata={"help": "sampling temperature."})
    add_references: bool = field(default=False, metadata={
        "help": "also use the task's reference and its mutants as candidates (recorded in "
                "chosen_source/rejected_source)."})
    mutants_per_task: int = field(default=3, metadata={"help": "mutants of the reference."})
    max_pairs_per_task: int = field(default=6, metadata={"help": "pairs kept per task."})
    static_margin: float = field(default=0.05, metadata={
        "help": "static-score gap that breaks a pass-fraction tie."})
    timeout_s: float = field(default=5.0, metadata={"help": "per-program time limit."})
    batch_size: int = field(default=16, metadata={"help": "generation batch size."})
    seed: int = field(default=0, metadata={"help": "sampling and pair-selection seed."})


def sample_candidates(cfg: MineConfig, rows: list[dict]) -> list[list[tuple[str, str]]]:
    """(completion, source) candidates per task: policy samples, then reference + mutants."""
    cands: list[list[tuple[str, str]]] = [[] for _ in rows]
    if cfg.add_references and rows and not any(reference_completion(r) for r in rows):
        raise CodetuneError(
            f"mine.add_references: none of the {len(rows)} tasks of {cfg.tasks.source} (split "
            f"{cfg.tasks.split}) carries a reference solution (a `codetune data tasks` folder's "
            "RL parts have none, by design); set mine.tasks.split=sft_train, or drop "
            "add_references")
    if cfg.samples_per_task > 0:
        if not cfg.model:
            raise CodetuneError("mining needs a policy to sample from: set mine.model (or "
                                "samples_per_task=0 with add_references=true)")
        from codetune.eval.generate import (
            GenerationSettings,
            generate,
            load_model_and_tokenizer,
        )

        model, tokenizer = load_model_and_tokenizer(cfg.model)
        prompts = [r["prompt"] if isinstance(r["prompt"], str) else
                   tokenizer.apply_chat_template(r["prompt"], add_generation_prompt=True,
                                                 tokenize=False) for r in rows]
        settings = GenerationSettings(n=cfg.samples_per_task, temperature=cfg.temperature,
                                      max_new_tokens=cfg.max_new_tokens,
                                      batch_size=cfg.batch_size, seed=cfg.seed)
        stops = [list(r.get("stop") or ["\n```", "[DONE]"]) for r in rows]
        for i, outs in enumerate(generate(model, tokenizer, prompts, stops, settings)):
            cands[i] += [(o, "sample") for o in outs]
    if cfg.add_references:
        for i, r in enumerate(rows):
            ref = reference_completion(r)
            if ref:
                cands[i].append((ref, "reference"))
                cands[i] += [(m, "mutant") for m in mutants(ref, cfg.mutants_per_task,
                                                            cfg.seed + i)]
    return cands


def reference_completion(row: dict) -> str:
    """The reference as a completion of the row's prompt (body only when a code_prefix is set)."""
    ref, prefix = row.get("reference") or "", row.get("code_prefix") or ""
    if prefix and ref.startswith(prefix):
        return ref[len(prefix):]
    return ref


def pair_candidates(scored: list[dict], margin: float, limit: int,
                    rng: random.Random) -> list[tuple[dict, dict]]:
    """(chosen, rejected) pairs: higher pass fraction wins; ties broken by static score."""
    unique = list({c["completion"]: c for c in scored}.values())
    pairs = []
    for a, b in itertools.permutations(unique, 2):
        if a["pass_fraction"] > b["pass_fraction"] or (
                a["pass_fraction"] == b["pass_fraction"] and a["static"] - b["static"] > margin):
            pairs.append((a, b))
    rng.shuffle(pairs)
    return pairs[:limit]


def _as_turn(completion: str, chat: bool) -> str | list[dict]:
    return [{"role": "assistant", "content": completion}] if chat else completion


def mine_pairs(cfg: MineConfig, out_path: str | Path | None = None,
               pool: Any = None) -> list[dict]:
    """Mine pairs for ``cfg.tasks``; write them as JSONL to ``out_path`` when given."""
    from codetune.eval.execution import check_judge
    from codetune.rewards.pool import shared_pool

    rows = load_task_rows(cfg.tasks)
    check_judge(pool=pool or shared_pool(), before="sampling candidates")  # before the model
    cands = sample_candidates(cfg, rows)
    flat = [(i, c, s) for i, cs in enumerate(cands) for c, s in cs]
    if not flat:
        raise CodetuneError("no candidates to pair: sample from a model or add_references")
    execution = make_execution_reward(pool=pool, timeout_s=cfg.timeout_s)
    static = static_reward()
    columns = {k: [rows[i][k] for i, _, _ in flat] for k in ("tests", "entry_point", "setup",
                                                             "code_prefix")}
    completions = [c for _, c, _ in flat]
    passed = execution(completions, **columns)
    statics = static(completions, code_prefix=columns["code_prefix"])
    by_task: list[list[dict]] = [[] for _ in rows]
    for (i, comp, src), p, s in zip(flat, passed, statics, strict=True):
        by_task[i].append({"completion": comp, "source": src, "pass_fraction": p or 0.0,
                           "static": s or 0.0})
    rng = random.Random(cfg.seed)
    pairs = []
    for row, scored in zip(rows, by_task, strict=True):
        chat = isinstance(row["prompt"], list)  # conversational pairs for TRL: message lists
        for a, b in pair_candidates(scored, cfg.static_margin, cfg.max_pairs_per_task, rng):
            pairs.append({"task_id": row["task_id"], "prompt": row["prompt"],
                          "chosen": _as_turn(a["completion"], chat),
                          "rejected": _as_turn(b["completion"], chat),
                          "chosen_pass": a["pass_fraction"], "rejected_pass": b["pass_fraction"],
                          "chosen_static": a["static"], "rejected_static": b["static"],
                          "chosen_source": a["source"], "rejected_source": b["source"]})
    sources = Counter(f"{p['chosen_source']}>{p['rejected_source']}" for p in pairs)
    log.info("mined %d pairs from %d tasks (%d candidates); by source: %s", len(pairs),
             len(rows), len(flat), dict(sources))
    if out_path:
        write_jsonl(out_path, pairs)
    return pairs
