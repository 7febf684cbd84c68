"""``codetune merge``: fold a LoRA/QLoRA adapter into its base model (W + alpha/r * BA)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from codetune.artifacts import atomic_dir
from codetune.console import log
from codetune.errors import CodetuneError


def adapter_base(adapter_dir: Path) -> str:
    """The base model recorded in ``adapter_config.json``."""
    cfg_path = adapter_dir / "adapter_config.json"
    if not cfg_path.exists():
        raise CodetuneError(f"{adapter_dir}: not an adapter dir (no adapter_config.json); "
                            "full fine-tunes need no merge")
    base = json.loads(cfg_path.read_text(encoding="utf-8")).get("base_model_name_or_path")
    if not base:
        raise CodetuneError(f"{cfg_path}: no base_model_name_or_path; pass --base MODEL")
    return base


def merge_adapter(adapter: str | os.PathLike, output_dir: str | os.PathLike,
                  base: str | None = None) -> Path:
    """Load the base in full precision (also for QLoRA adapters), merge, save model + tokenizer."""
    import torch
    from peft import PeftModel

    from codetune.models.loading import check_model_path, load_causal_lm, load_tokenizer

    adapter_dir = Path(check_model_path(adapter, "adapter"))
    base = base or adapter_base(adapter_dir)
    model = load_causal_lm(base, dtype=torch.float32)
    model = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
    has_tokenizer = (adapter_dir / "tokenizer_config.json").exists()
    tokenizer = load_tokenizer(adapter_dir if has_tokenizer else base)
    out = Path(output_dir)
    with atomic_dir(out) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
    log.info("merged %s into %s -> %s", adapter_dir, base, out)
    return out
