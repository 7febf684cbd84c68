"""Augmented variants of task items, and bug-injected mutants for the fix task.

Every produced code re-parses (``codetune.data.augment`` guarantees it); whether it still
passes (variants) or now fails (mutants) its tests is decided later by the sandbox.
"""

from __future__ import annotations

import random
from collections import Counter

from codetune.data.augment import augment, mutate
from codetune.data.sft.config import AugmentConfig, FixConfig


def _tests_text(item: dict) -> str:
    tests = item.get("tests") or []
    return tests if isinstance(tests, str) else "\n".join(tests)


def make_variants(item: dict, cfg: AugmentConfig, rng: random.Random,
                  stats: Counter) -> list[dict]:
    """Up to ``cfg.variants`` augmented copies of ``item`` (distinct code, chained rewrites)."""
    out: list[dict] = []
    seen = {item["code"]}
    for _ in range(cfg.variants):
        names = list(cfg.names)
        rng.shuffle(names)
        want = rng.randint(1, max(1, cfg.max_stack))
        code, applied = item["code"], []
        for name in names:
            if len(applied) >= want:
                break
            result = augment(code, name, rng, language=item["language"], tests=_tests_text(item))
            stats[f"{name}:{result.reason or 'ok'}"] += 1
            if result.code is not None:
                code, applied = result.code, applied + [name]
        if not applied or code in seen:
            stats["variant:none_applicable" if not applied else "variant:duplicate"] += 1
            continue
        seen.add(code)
        out.append({**item, "code": code, "augmentations": item["augmentations"] + applied})
    return out


def make_mutants(item: dict, cfg: FixConfig, rng: random.Random, stats: Counter) -> list[dict]:
    """Up to ``cfg.mutants_per_problem`` distinct buggy versions of ``item['code']``."""
    operators = list(cfg.operators)
    rng.shuffle(operators)
    out, seen = [], {item["code"]}
    for op in operators:
        if len(out) >= cfg.mutants_per_problem:
            break
        result = mutate(item["code"], op, rng, language=item["language"])
        stats[f"{op}:{result.reason or 'ok'}"] += 1
        if result.code is None or result.code in seen:
            continue
        seen.add(result.code)
        values = {**item["values"], "buggy_code": result.code}
        out.append({**item, "values": values, "mutation": op})
    return out
