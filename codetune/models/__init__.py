"""Models: the tiny-model factory, GGUF import, and loading for full / LoRA / QLoRA training."""

from codetune.models.factory import SIZES, ModelInitConfig, init_model
from codetune.models.gguf_import import ModelImportConfig, import_gguf
from codetune.models.loading import (
    METHODS,
    LoraSettings,
    load_causal_lm,
    load_model_for_training,
    load_tokenizer,
)

__all__ = ["METHODS", "SIZES", "LoraSettings", "ModelImportConfig", "ModelInitConfig",
           "import_gguf", "init_model", "load_causal_lm", "load_model_for_training",
           "load_tokenizer"]
