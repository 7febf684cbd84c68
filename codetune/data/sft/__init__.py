"""Instruction (SFT) data for code: generate / explain / fix / translate, with tree-sitter
augmentation verified by execution. ``build_sft(load_config(SFTRecipe, path))``; see
docs/data-sft.md."""

from codetune.data.sft.config import SFTRecipe, SFTSourceConfig


def build_sft(cfg: SFTRecipe, pool=None):
    """Build the SFT dataset (lazy import keeps ``codetune --help`` fast)."""
    from codetune.data.sft.builder import build_sft as _build

    return _build(cfg, pool)


__all__ = ["SFTRecipe", "SFTSourceConfig", "build_sft"]
