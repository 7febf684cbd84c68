"""Load causal LMs for training: full fine-tuning, LoRA, or QLoRA (4-bit nf4); tokenizers come
from ``codetune.data.tokenizer`` (re-exported here).

The RL stage reuses ``load_model_for_training`` for its policies, so full/LoRA/QLoRA mean the same
thing in SFT and GRPO. Any local HF model dir or hub id works wherever a model is asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from codetune.console import log
from codetune.data.tokenizer import load_tokenizer as load_tokenizer  # the one loader
from codetune.errors import CodetuneError
from codetune.paths import check_model_path
from codetune.paths import is_local_path as is_local_path

METHODS = ("full", "lora", "qlora")


@dataclass
class LoraSettings:
    """LoRA adapter shape (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models")."""

    r: int = field(default=16, metadata={"help": "Adapter rank."})
    alpha: int = field(default=32, metadata={"help": "Scaling numerator: update = alpha/r * BA."})
    dropout: float = field(default=0.05, metadata={"help": "Dropout on the adapter input."})
    target_modules: list[str] = field(default_factory=list, metadata={
        "help": "Module names to adapt; empty = every linear layer except the output head."})
    bias: str = field(default="none", metadata={"help": "Train biases: none, all or lora_only."})
    use_rslora: bool = field(default=False, metadata={
        "help": "Rank-stabilised scaling alpha/sqrt(r) (Kalajdzievski 2023)."})


def linear_module_names(model) -> list[str]:
    """Leaf names of every linear layer (incl. 4-bit ones) except the output head: LoRA targets."""
    import torch

    head = model.get_output_embeddings()
    names = set()
    for name, module in model.named_modules():
        is_linear = isinstance(module, torch.nn.Linear) or type(module).__name__ in (
            "Linear4bit", "Linear8bitLt")
        if is_linear and module is not head and name:
            names.add(name.rsplit(".", 1)[-1])
    if not names:
        raise CodetuneError("no linear layers found for LoRA: give lora.target_modules")
    return sorted(names)


def compute_dtype():
    """bf16 on a CUDA device that supports it, else fp32 (see ``codetune.models.device``)."""
    from codetune.models.device import compute_dtype as _dtype

    return _dtype()


def quantization_config():
    """QLoRA quantisation (Dettmers et al. 2023): nf4 weights, double quantisation."""
    import importlib.util

    from transformers import BitsAndBytesConfig

    if importlib.util.find_spec("bitsandbytes") is None:
        raise CodetuneError("qlora needs bitsandbytes, which is not installed; pip install "
                            "'codetune[qlora]'")

    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                              bnb_4bit_use_double_quant=True,
                              bnb_4bit_compute_dtype=compute_dtype())


def load_causal_lm(path: str | os.PathLike, quantize: bool = False, dtype=None,
                   attn_implementation: str | None = None):
    """``AutoModelForCausalLM.from_pretrained``, one-line errors; 4-bit nf4 when ``quantize``.

    ``attn_implementation``: any transformers name, ``sdpa_packed`` (codetune's padding-free
    attention for packed rows) or ``sdpa_fp32`` (bf16 weights, fp32 attention: the fast pair for
    CPU decoding), both registered here; None keeps transformers' default.
    """
    from transformers import AutoModelForCausalLM

    from codetune.models import attention

    path = check_model_path(path)
    kwargs = {"dtype": dtype or compute_dtype()}
    if attn_implementation:
        if attn_implementation in (attention.NAME, attention.FP32_NAME):
            attention.register()
        kwargs["attn_implementation"] = attn_implementation
    if quantize:
        kwargs["quantization_config"] = quantization_config()
        from codetune.models.device import placement

        where = placement()  # this rank's GPU under accelerate launch
        kwargs["device_map"] = {"": int(where.device.split(":")[1])} if where.is_cuda else {
            "": "cpu"}
    try:
        return AutoModelForCausalLM.from_pretrained(path, **kwargs)
    except (OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CodetuneError(f"{path}: cannot load a causal LM ({first})") from None


def lora_config(model, lora: LoraSettings):
    """A peft ``LoraConfig`` for ``model``; targets auto-detected when none are given."""
    from peft import LoraConfig

    targets = list(lora.target_modules) or linear_module_names(model)
    return LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                      target_modules=targets, bias=lora.bias, use_rslora=lora.use_rslora,
                      task_type="CAUSAL_LM")


def load_model_for_training(path: str | os.PathLike, method: str = "full",
                            lora: LoraSettings | None = None,
                            gradient_checkpointing: bool = False,
                            attn_implementation: str | None = None):
    """Return a trainable model: the full model, or a ``PeftModel`` for lora/qlora.

    Under lora/qlora only adapter weights require grad; the base (4-bit for qlora) is frozen.
    """
    if method not in METHODS:
        raise CodetuneError(f"method {method!r}: unknown; choose one of {', '.join(METHODS)}")
    import torch

    # fp32 master weights for full/LoRA (the trainer autocasts to bf16 on GPUs); a 4-bit base
    # keeps its norms and embeddings in the compute dtype.
    quantize = method == "qlora"
    model = load_causal_lm(path, quantize=quantize, dtype=None if quantize else torch.float32,
                           attn_implementation=attn_implementation)
    if method == "full":
        if gradient_checkpointing:
            model.gradient_checkpointing_enable()
            model.config.use_cache = False
        return model
    from peft import get_peft_model, prepare_model_for_kbit_training

    if method == "qlora":
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=gradient_checkpointing)
    elif gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.enable_input_require_grads()
    if gradient_checkpointing:
        model.config.use_cache = False
    peft_model = get_peft_model(model, lora_config(model, lora or LoraSettings()))
    trainable, total = peft_model.get_nb_trainable_parameters()
    log.info("%s: %d of %d params trainable (%.2f%%)", method, trainable, total,
             100 * trainable / max(total, 1))
    return peft_model
