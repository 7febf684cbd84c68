"""Train the from-scratch tokenizer on a recipe's corpus (sources + quality filters)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from codetune.console import log
from codetune.errors import CodetuneError


def corpus_texts(recipe_path: str | None, overrides: list[str]) -> Iterator[str]:
    """Texts of a recipe's sources that pass its quality filters (no dedup, no tokenization)."""
    from codetune.config import load_config
    from codetune.data.filters import build_filters, first_drop
    from codetune.data.recipe import PretrainRecipe
    from codetune.data.sources import make_source

    recipe = load_config(PretrainRecipe, recipe_path, overrides)
    filters = build_filters(recipe.filters)
    for cfg in recipe.sources:
        for record in make_source(cfg).records():
            if first_drop(filters, record) is None:
                yield record["text"]


def dataset_texts(path: str) -> Iterator[str]:
    """Texts of the kept files of a built pretrain dataset (``<out>/files``), train split."""
    import datasets

    files = Path(path) / "files" if (Path(path) / "files").is_dir() else Path(path)
    try:
        ds = datasets.load_from_disk(str(files))
    except FileNotFoundError:
        raise CodetuneError(f"{path}: not a built pretrain dataset (no files/ folder)") from None
    for row in ds:
        if row.get("split", "train") == "train":
            yield row["text"]


def train_corpus_tokenizer(recipe_path: str | None, overrides: list[str], output_dir: str,
                           vocab_size: int | None, dataset: str | None) -> Path:
    """``codetune data tokenizer``: train and save; vocabulary size from the flag or recipe."""
    from codetune.config import load_config
    from codetune.data.recipe import PretrainRecipe
    from codetune.data.tokenizer import train_tokenizer

    recipe = load_config(PretrainRecipe, recipe_path, overrides)
    size = vocab_size or recipe.tokenize.vocab_size
    texts = dataset_texts(dataset) if dataset else corpus_texts(recipe_path, overrides)
    start = time.time()
    tok = train_tokenizer(texts, output_dir, vocab_size=size)
    log.info("trained a %d-token byte-level BPE in %.1f s → %s", len(tok), time.time() - start,
             output_dir)
    return Path(output_dir)
