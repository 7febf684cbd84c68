"""``codetune sft``: supervised fine-tuning with TRL's ``SFTTrainer`` (full, LoRA, QLoRA).

prompt/completion data trains on completion tokens only; ``messages`` data on assistant turns
only (needs ``{% generation %}`` markers in the chat template); packing is best-fit decreasing
with position_ids, so packed examples never attend to each other; such padding-free rows use the
``sdpa_packed`` attention (per example, no block mask) unless another one is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codetune.console import log
from codetune.errors import CodetuneError
from codetune.models.loading import METHODS
from codetune.train.config import SFTRunConfig
from codetune.train.data import SFT_FORMATS, load_splits, sft_format

GENERATION_MARKER = "{% generation %}"


@dataclass
class SFTSetup:
    """A built trainer plus what was decided while building it."""

    trainer: object
    tokenizer: object
    data_format: str
    resume_from: str | None


def prepare_tokenizer(config: SFTRunConfig):
    """The model's tokenizer, with ``config.chat_template`` (a Jinja file) when given."""
    from codetune.models.loading import load_tokenizer

    tokenizer = load_tokenizer(config.model)
    if config.chat_template:
        path = Path(config.chat_template).expanduser()
        if not path.exists():
            raise CodetuneError(f"chat_template {path}: file not found")
        tokenizer.chat_template = path.read_text(encoding="utf-8")
    return tokenizer


def loss_masking(config: SFTRunConfig, data_format: str, tokenizer) -> dict:
    """SFTConfig fields for completion-only / assistant-only loss."""
    has_markers = GENERATION_MARKER in (tokenizer.chat_template or "")
    assistant_only = config.assistant_only_loss
    if data_format != "messages":
        assistant_only = False
    elif assistant_only is None:
        assistant_only = has_markers
        if not has_markers:
            log.warning("chat template has no {%% generation %%} markers: loss on all tokens")
    elif assistant_only and not has_markers:
        raise CodetuneError("assistant_only_loss=true needs {% generation %} markers in the chat "
                            "template: pass chat_template=FILE with them or set it to false")
    return {"completion_only_loss": data_format == "prompt_completion"
            and config.completion_only_loss, "assistant_only_loss": assistant_only}


def attention_for(config: SFTRunConfig) -> str | None:
    """The attention implementation to load the model with (None: transformers' default).

    Best-fit-decreasing packing is padding-free (TRL flattens a batch into one row), so
    ``auto`` picks ``sdpa_packed``: attention per example instead of a block mask over the row.
    """
    from codetune.models import attention

    if config.attn_implementation != "auto":
        return config.attn_implementation
    if config.packing and config.packing_strategy in ("bfd", "bfd_split"):
        return attention.NAME
    return None


def build_sft_trainer(config: SFTRunConfig, callbacks: list | None = None) -> SFTSetup:
    """Load model, tokenizer and data and build the ``SFTTrainer`` (nothing trained yet)."""
    from trl import SFTConfig, SFTTrainer

    from codetune.models.loading import load_model_for_training
    from codetune.train.runtime import start_run
    from codetune.train.trainer_config import training_arguments

    if config.method not in METHODS:
        raise CodetuneError(f"method {config.method!r}: unknown; choose one of "
                            f"{', '.join(METHODS)}")
    if not config.output_dir:
        raise CodetuneError("sft: give an output dir with -o DIR")
    tokenizer = prepare_tokenizer(config)
    train, held = load_splits(config.dataset, config.eval_fraction, config.train.seed)
    data_format = sft_format(train, config.dataset)
    columns = list(SFT_FORMATS[data_format])
    train = train.select_columns(columns)
    held = held.select_columns(columns) if held is not None else None
    args = training_arguments(
        SFTConfig, config.train, config.output_dir, held is not None, config.deepspeed,
        max_length=config.max_length, packing=config.packing,
        packing_strategy=config.packing_strategy, dataset_num_proc=None,
        **loss_masking(config, data_format, tokenizer))
    resume_from = start_run(config, config.output_dir, config.resume, config.force)
    model = load_model_for_training(config.model, config.method, config.lora,
                                    config.train.gradient_checkpointing,
                                    attn_implementation=attention_for(config))
    trainer = SFTTrainer(model=model, args=args, train_dataset=train, eval_dataset=held,
                         processing_class=tokenizer, callbacks=callbacks or [])
    if config.method == "qlora":
        _adapters_to_compute_dtype(trainer.model)
    return SFTSetup(trainer, tokenizer, data_format, resume_from)


def _adapters_to_compute_dtype(model) -> None:
    """TRL casts QLoRA adapters to bf16 (sft_trainer.py, peft#2889); on CPU keep them fp32."""
    from codetune.models.loading import compute_dtype

    dtype = compute_dtype()
    for param in model.parameters():
        if param.requires_grad and param.dtype != dtype:
            param.data = param.data.to(dtype)


def run_sft(config: SFTRunConfig, callbacks: list | None = None) -> Path:
    """Fine-tune; returns the run dir (``final/`` holds the model or adapter + tokenizer; the
    layout is the one of every trainer, see ``codetune.train.runtime``)."""
    from codetune.train.runtime import eval_metrics, finish_run, run_trainer

    setup = build_sft_trainer(config, callbacks)
    out = Path(config.output_dir)
    trainer = setup.trainer
    log.info("sft (%s, %s data, packing=%s) %s on %d examples -> %s", config.method,
             setup.data_format, config.packing, config.model, len(trainer.train_dataset), out)
    metrics = run_trainer(trainer, setup.resume_from)
    metrics.update(method=config.method, data_format=setup.data_format)
    if trainer.eval_dataset is not None:
        metrics.update(eval_metrics(trainer))
    finish_run(trainer, setup.tokenizer, out, "sft", metrics)
    return out
