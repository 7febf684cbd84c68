"""Tiny-model factory: randomly initialised HF causal LMs sized for CPU training.

``init_model`` builds a config from a size preset and a tokenizer, initialises the weights with
a fixed seed and saves model + tokenizer + generation config as a normal HF model directory, so
every later stage loads it exactly like a hub model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from codetune.artifacts import atomic_dir
from codetune.console import log
from codetune.errors import CodetuneError


@dataclass(frozen=True)
class SizePreset:
    """Shape of a decoder-only transformer (Llama naming)."""

    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    intermediate_size: int


# Parameter counts are for an 8k vocabulary with tied embeddings; smaller vocabularies give less.
SIZES: dict[str, SizePreset] = {
    "2m": SizePreset(128, 4, 4, 4, 384),       # ~1.9M: ~5k tok/s fwd+bwd on 2 CPU cores
    "4m": SizePreset(256, 4, 4, 4, 768),       # ~4.4M at a 4k vocab: the demo's model
    "10m": SizePreset(256, 8, 8, 4, 768),      # ~8.4M: ~1.5k tok/s
    "30m": SizePreset(512, 8, 8, 4, 1408),     # ~30M: ~0.6k tok/s
    "125m": SizePreset(768, 16, 12, 12, 2304),  # ~129M: for a GPU
}

ARCHS = ("llama", "qwen2")


@dataclass
class ModelInitConfig:
    """``codetune model init``: a random-init causal LM for a tokenizer."""

    tokenizer: str = field(default="", metadata={"help": "Tokenizer dir or hub id (required)."})
    output_dir: str = field(default="", metadata={"help": "Where the model dir is written."})
    arch: str = field(default="llama", metadata={"help": f"Architecture: {', '.join(ARCHS)}."})
    size: str = field(default="2m", metadata={"help": f"Size preset: {', '.join(SIZES)}."})
    max_position_embeddings: int = field(
        default=2048, metadata={"help": "Longest sequence the model accepts, in tokens."})
    rope_theta: float = field(default=10000.0, metadata={"help": "RoPE base (Su et al. 2021)."})
    tie_word_embeddings: bool = field(
        default=True, metadata={"help": "Share input and output embeddings (saves params)."})
    seed: int = field(default=0, metadata={"help": "Seed for the random initialisation."})


def build_model_config(arch: str, size: str, vocab_size: int, *, pad_token_id: int | None,
                       bos_token_id: int | None, eos_token_id: int | list[int] | None,
                       max_position_embeddings: int = 2048, rope_theta: float = 10000.0,
                       tie_word_embeddings: bool = True):
    """An HF ``PretrainedConfig`` for ``arch`` at preset ``size``."""
    from transformers import AutoConfig

    if arch not in ARCHS:
        raise CodetuneError(f"--arch {arch!r}: unknown architecture; choose one of "
                            f"{', '.join(ARCHS)}")
    if size not in SIZES:
        raise CodetuneError(f"--size {size!r}: unknown size; choose one of {', '.join(SIZES)}")
    p = SIZES[size]
    return AutoConfig.for_model(
        arch, vocab_size=vocab_size, hidden_size=p.hidden_size,
        num_hidden_layers=p.num_hidden_layers, num_attention_heads=p.num_attention_heads,
        num_key_value_heads=p.num_key_value_heads, intermediate_size=p.intermediate_size,
        max_position_embeddings=max_position_embeddings,
        rope_parameters={"rope_type": "default", "rope_theta": rope_theta},
        tie_word_embeddings=tie_word_embeddings, pad_token_id=pad_token_id,
        bos_token_id=bos_token_id, eos_token_id=eos_token_id, use_cache=True)


def stop_token_ids(tokenizer) -> list[int]:
    """EOS plus the chat end-of-turn token (``<|im_end|>``) when the vocabulary has one."""
    ids = []
    if tokenizer.eos_token_id is not None:
        ids.append(int(tokenizer.eos_token_id))
    for tok in ("<|im_end|>", "<|eot_id|>", "<|end|>"):
        tid = tokenizer.convert_tokens_to_ids(tok)
        if isinstance(tid, int) and tid != tokenizer.unk_token_id and tid not in ids:
            ids.append(tid)
    return ids


def init_model(config: ModelInitConfig) -> Path:
    """Create, initialise and save a random causal LM; return its directory."""
    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig

    from codetune.models.loading import load_tokenizer

    if not config.output_dir:
        raise CodetuneError("model init: give an output dir with -o DIR")
    tokenizer = load_tokenizer(config.tokenizer)
    stops = stop_token_ids(tokenizer)
    hf_config = build_model_config(
        config.arch, config.size, len(tokenizer), pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=stops[0] if stops else None,
        max_position_embeddings=config.max_position_embeddings, rope_theta=config.rope_theta,
        tie_word_embeddings=config.tie_word_embeddings)
    torch.manual_seed(config.seed)
    model = AutoModelForCausalLM.from_config(hf_config, dtype=torch.float32)
    model.generation_config = GenerationConfig(
        eos_token_id=stops, pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id, max_new_tokens=256)
    n_params = sum(p.numel() for p in model.parameters())
    out = Path(config.output_dir)
    with atomic_dir(out) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
    log.info("initialised %s-%s (%.2fM params, vocab %d) in %s", config.arch, config.size,
             n_params / 1e6, len(tokenizer), out)
    return out


def count_parameters(model_dir: str | os.PathLike) -> int:
    """Parameter count of a saved model (reads the config, builds on the meta device)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    cfg = AutoConfig.from_pretrained(str(model_dir))
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(cfg)
    return sum(p.numel() for p in model.parameters())
