"""Score a JSONL of completions with reward functions (``codetune rewards score``)."""

from __future__ import annotations

from typing import Any

from codetune.artifacts import read_jsonl, write_jsonl
from codetune.errors import CodetuneError
from codetune.rewards.combined import RewardSpec, build_rewards, score_components


def score_file(path: str, rewards: list[str], output: str,
               completion_key: str = "completion") -> dict[str, Any]:
    """Add one column per reward to every row of ``path``; return the mean of each."""
    rows = list(read_jsonl(path))
    if not rows:
        raise CodetuneError(f"{path}: no rows")
    missing = [i + 1 for i, r in enumerate(rows) if completion_key not in r]
    if missing:
        raise CodetuneError(f"{path}:{missing[0]}: no {completion_key!r} column")
    funcs, _ = build_rewards([RewardSpec(name=r) for r in rewards])
    columns = {k: [r.get(k) for r in rows] for k in {k for r in rows for k in r}
               if k != completion_key}
    parts = score_components(funcs, [r[completion_key] for r in rows], **columns)
    for name, values in parts.items():
        for row, v in zip(rows, values, strict=True):
            row[f"reward/{name}"] = v
    write_jsonl(output, rows)
    return {name: (sum(v for v in vals if v is not None) / max(1, sum(v is not None for v in vals)))
            for name, vals in parts.items()}
