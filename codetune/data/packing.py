"""Tokenize files, optionally as fill-in-the-middle examples, and pack them into fixed blocks.

FIM follows StarCoder's Megatron code (Bavarian et al. 2022): two character split points drawn
uniformly per file; PSM = ``<fim_prefix> P <fim_suffix> S <fim_middle> M``, SPM =
``<fim_prefix> <fim_suffix> S <fim_middle> P M``. Every file ends with EOS; blocks are cut from
the concatenation (the tail of each map batch shorter than a block is dropped and counted).
"""

from __future__ import annotations

import random
from typing import Any

from codetune.data.tokenizer import EOS, FIM_MIDDLE, FIM_PAD, FIM_PREFIX, FIM_SUFFIX

FIM_TOKENS = (FIM_PREFIX, FIM_MIDDLE, FIM_SUFFIX, FIM_PAD)
PACK_BATCH = 1000


def ensure_special_tokens(tokenizer: Any, fim: bool) -> list[str]:
    """Give the tokenizer an EOS and (for FIM) the FIM tokens; returns the tokens it added."""
    added = []
    if tokenizer.eos_token is None:
        tokenizer.add_special_tokens({"eos_token": EOS})
        added.append(EOS)
    if fim:
        vocab = tokenizer.get_vocab()
        missing = [t for t in FIM_TOKENS if t not in vocab]
        if missing:
            tokenizer.add_special_tokens({"additional_special_tokens": missing},
                                         replace_extra_special_tokens=False)
            added += missing
    return added


def fim_split(text: str, rng: random.Random, spm_rate: float) -> tuple[str, str, str, str]:
    """(mode, prefix, middle, suffix) at two uniform character positions."""
    a, b = sorted(rng.randint(0, len(text)) for _ in range(2))
    mode = "spm" if rng.random() < spm_rate else "psm"
    return mode, text[:a], text[a:b], text[b:]


def encode_files(batch: dict[str, list], tokenizer: Any, fim_rate: float = 0.0,
                 spm_rate: float = 0.5, seed: int = 0) -> dict[str, list]:
    """Token ids of each file (+EOS); a ``fim_rate`` share become PSM/SPM FIM examples."""
    eos = tokenizer.eos_token_id
    ids = [tokenizer.convert_tokens_to_ids(t) for t in (FIM_PREFIX, FIM_MIDDLE, FIM_SUFFIX)]
    pre, mid, suf = ids
    out_ids: list[list[int]] = []
    modes: list[tuple[str, str, str, str]] = []
    parts: list[str] = []
    for doc_id, text in zip(batch["id"], batch["text"], strict=True):
        rng = random.Random(f"{seed}:{doc_id}")
        if fim_rate > 0 and rng.random() < fim_rate:
            modes.append(fim_split(text, rng, spm_rate))
        else:
            modes.append(("plain", text, "", ""))
        parts += list(modes[-1][1:])
    enc = encode_texts(tokenizer, parts)
    for i, (mode, *_rest) in enumerate(modes):
        p, m, s = enc[3 * i: 3 * i + 3]
        if mode == "plain":
            seq = p
        elif mode == "psm":
            seq = [pre] + p + [suf] + s + [mid] + m
        else:
            seq = [pre, suf] + s + [mid] + p + m
        out_ids.append(seq + [eos])
    return {"input_ids": out_ids, "fim": [m[0] for m in modes],
            "n_tokens": [len(x) for x in out_ids]}


def encode_texts(tokenizer: Any, texts: list[str]) -> list[list[int]]:
    """Token ids of plain texts, special-token look-alikes (``<|endoftext|>`` in a file) kept
    as text; one batched Rust call for fast tokenizers (no max-length warning either)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None or not hasattr(backend, "encode_special_tokens"):
        return tokenizer(texts, add_special_tokens=False, split_special_tokens=True)["input_ids"]
    before = backend.encode_special_tokens
    backend.encode_special_tokens = True
    try:
        return [e.ids for e in backend.encode_batch(texts, add_special_tokens=False)]
    finally:
        backend.encode_special_tokens = before


def pack_blocks(batch: dict[str, list], block_size: int) -> dict[str, list]:
    """Concatenate the batch's files and cut full ``block_size`` blocks (tail dropped)."""
    flat = [t for ids in batch["input_ids"] for t in ids]
    usable = len(flat) - len(flat) % block_size
    return {"input_ids": [flat[i:i + block_size] for i in range(0, usable, block_size)]}


def tokenize_and_pack(files: Any, tokenizer: Any, block_size: int, fim_rate: float,
                      spm_rate: float, seed: int, num_proc: int) -> tuple[Any, dict]:
    """Token blocks for one split of files, and counts (tokens, blocks, dropped tail, FIM)."""
    nproc = num_proc if num_proc > 1 and len(files) >= 2 * num_proc else None
    encoded = files.map(
        encode_files, batched=True, batch_size=256, num_proc=nproc,
        remove_columns=files.column_names, desc="tokenize",
        fn_kwargs={"tokenizer": tokenizer, "fim_rate": fim_rate, "spm_rate": spm_rate,
                   "seed": seed})
    blocks = encoded.map(pack_blocks, batched=True, batch_size=PACK_BATCH, num_proc=nproc,
                         remove_columns=encoded.column_names, desc="pack",
                         fn_kwargs={"block_size": block_size})
    n_tokens = int(sum(encoded["n_tokens"]))
    modes = encoded["fim"]
    stats = {"files": len(files), "tokens": n_tokens, "blocks": len(blocks),
             "block_tokens": len(blocks) * block_size,
             "dropped_tail_tokens": n_tokens - len(blocks) * block_size,
             "fim_psm": modes.count("psm"), "fim_spm": modes.count("spm")}
    return blocks, stats
