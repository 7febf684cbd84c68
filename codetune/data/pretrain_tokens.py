"""The token half of the pretraining build: split by file, tokenizer, FIM, packing, save."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

from codetune.console import log
from codetune.data.packing import ensure_special_tokens, tokenize_and_pack
from codetune.data.recipe import PretrainRecipe


def split_of(doc_id: str, validation_fraction: float, seed: int) -> str:
    """Train/validation by a hash of the file id: a file's blocks never straddle splits."""
    h = zlib.crc32(f"{seed}:{doc_id}".encode()) / 2**32
    return "validation" if h < validation_fraction else "train"


def assign_splits(kept: Any, fraction: float, seed: int) -> Any:
    """Add a ``split`` column (by file); at least one validation file when asked for one."""
    splits = [split_of(i, fraction, seed) for i in kept["id"]]
    if fraction > 0 and len(splits) >= 2 and "validation" not in splits:
        splits[len(splits) // 2] = "validation"
    if "train" not in splits:
        splits[0] = "train"
    return kept.add_column("split", splits)


def load_or_train_tokenizer(recipe: PretrainRecipe, train_texts: Any, out_dir: Path) -> tuple:
    """The recipe's tokenizer, or a byte-level BPE trained on the training files."""
    from codetune.data.tokenizer import load_tokenizer, train_tokenizer

    t = recipe.tokenize
    if t.tokenizer:
        tok = load_tokenizer(t.tokenizer, as_saved=True)
        info = {"source": t.tokenizer}
    else:
        log.info("training a %d-token byte-level BPE on %d files", t.vocab_size, len(train_texts))
        tok = train_tokenizer(iter(train_texts), out_dir / "_trained", vocab_size=t.vocab_size)
        info = {"source": "trained on the training split"}
    added = ensure_special_tokens(tok, fim=recipe.fim.rate > 0)
    tok.save_pretrained(str(out_dir))
    info.update(vocab_size=len(tok), added_tokens=added, path="tokenizer")
    return tok, info


def write_token_splits(recipe: PretrainRecipe, kept: Any, tmp: Path) -> dict:
    """Tokenize and pack the kept files into ``tmp`` (a DatasetDict); returns report entries."""
    import shutil

    import datasets

    t, fim = recipe.tokenize, recipe.fim
    kept = assign_splits(kept, t.validation_fraction, t.split_seed)
    split_files = {name: kept.filter(lambda s, n=name: s == n, input_columns="split")
                   for name in ("train", "validation")}
    tok, tok_info = load_or_train_tokenizer(recipe, split_files["train"]["text"],
                                            tmp / "tokenizer")
    shutil.rmtree(tmp / "tokenizer" / "_trained", ignore_errors=True)
    blocks, token_stats = {}, {}
    for name, files in split_files.items():
        if len(files) == 0:
            continue
        rate = fim.rate if name == "train" else 0.0
        blocks[name], token_stats[name] = tokenize_and_pack(
            files.select_columns(["id", "text"]), tok, t.block_size, rate, fim.spm_rate,
            fim.seed, recipe.num_proc)
        log.info("%s: %d files → %d tokens → %d blocks of %d", name, len(files),
                 token_stats[name]["tokens"], len(blocks[name]), t.block_size)
    if not len(blocks.get("train", [])):
        from codetune.errors import CodetuneError

        n = token_stats.get("train", {}).get("tokens", 0)
        raise CodetuneError(f"the training files give {n} tokens, less than one block of "
                            f"{t.block_size}: lower tokenize.block_size or add sources")
    datasets.DatasetDict(blocks).save_to_disk(str(tmp))
    if recipe.keep_text:
        kept.save_to_disk(str(tmp / "files"))
    return {"files_out": {n: len(f) for n, f in split_files.items()},
            "tokens": token_stats, "tokenizer": tok_info, "block_size": t.block_size,
            "fim": {"rate": fim.rate, "spm_rate": fim.spm_rate}}
