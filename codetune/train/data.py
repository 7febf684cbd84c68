"""Load training datasets from disk and check they have the columns a stage needs."""

from __future__ import annotations

import os
from pathlib import Path

from codetune.errors import CodetuneError

SFT_FORMATS = {  # name -> columns TRL's SFTTrainer reads
    "prompt_completion": ("prompt", "completion"),
    "messages": ("messages",),
    "text": ("text",),
}
EVAL_SPLITS = ("validation", "valid", "test")


def load_splits(path: str | os.PathLike, eval_fraction: float, seed: int):
    """``(train, eval_or_None)`` from a ``save_to_disk`` dir or a JSON/JSONL/Parquet file."""
    import datasets

    p = Path(str(path)).expanduser()
    if not str(path):
        raise CodetuneError("no dataset given: pass --dataset DIR|FILE.jsonl")
    if not p.exists():
        raise CodetuneError(f"{path}: dataset not found")
    try:
        if p.is_dir():
            ds = datasets.load_from_disk(str(p))
        else:
            kind = {".jsonl": "json", ".json": "json", ".parquet": "parquet"}.get(p.suffix)
            if kind is None:
                raise CodetuneError(f"{path}: expected a dataset dir, .jsonl, .json or .parquet")
            ds = datasets.load_dataset(kind, data_files=str(p), split="train")
    except (FileNotFoundError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CodetuneError(f"{path}: cannot load dataset ({first})") from None
    if isinstance(ds, datasets.DatasetDict):
        if "train" not in ds:
            raise CodetuneError(f"{path}: no 'train' split (found {', '.join(ds)})")
        held = next((ds[s] for s in EVAL_SPLITS if s in ds), None)
        if held is not None:
            return ds["train"], held
        ds = ds["train"]
    if eval_fraction > 0 and len(ds) >= 4:
        parts = ds.train_test_split(test_size=eval_fraction, seed=seed)
        return parts["train"], parts["test"]
    return ds, None


def require_columns(ds, columns: tuple[str, ...], source: str, hint: str = "") -> None:
    """One-line error naming the missing columns and those present."""
    missing = [c for c in columns if c not in ds.column_names]
    if missing:
        raise CodetuneError(f"{source}: dataset lacks column(s) {', '.join(missing)} (has "
                            f"{', '.join(ds.column_names) or 'none'}){'; ' + hint if hint else ''}")
    if len(ds) == 0:
        raise CodetuneError(f"{source}: dataset is empty")


def sft_format(ds, source: str) -> str:
    """Which SFT layout ``ds`` has: prompt_completion, messages or text."""
    for name, cols in SFT_FORMATS.items():
        if all(c in ds.column_names for c in cols):
            return name
    raise CodetuneError(f"{source}: dataset lacks the SFT columns: needs prompt+completion, "
                        f"messages, or text (has {', '.join(ds.column_names) or 'none'})")
