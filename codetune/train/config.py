"""Configs for ``codetune pretrain`` and ``codetune sft``.

The ``train`` section uses transformers' ``TrainingArguments`` names and is passed through to
``TrainingArguments`` (pretraining) or TRL's ``SFTConfig`` (SFT); any other field of those goes
in ``train.extra``. Defaults are CPU-safe: fp32, ``use_cpu`` without CUDA, bf16 only on CUDA.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codetune.models.loading import LoraSettings


@dataclass
class TrainSettings:
    """Optimisation settings, named as in ``transformers.TrainingArguments``."""

    learning_rate: float = field(default=5e-4, metadata={"help": "Peak learning rate (AdamW)."})
    num_train_epochs: float = field(default=1.0, metadata={"help": "Epochs over the train split."})
    max_steps: int = field(default=-1, metadata={
        "help": "Optimizer steps to run; overrides num_train_epochs when > 0."})
    per_device_train_batch_size: int = field(default=8, metadata={
        "help": "Sequences per device per micro-batch."})
    per_device_eval_batch_size: int = field(default=8, metadata={
        "help": "Sequences per device per evaluation batch."})
    gradient_accumulation_steps: int = field(default=1, metadata={
        "help": "Micro-batches accumulated per optimizer step."})
    warmup_steps: float = field(default=0.05, metadata={
        "help": "Linear warmup: steps, or a fraction of all steps when < 1."})
    lr_scheduler_type: str = field(default="cosine", metadata={
        "help": "Decay after warmup: cosine, linear, constant_with_warmup, ..."})
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW decoupled weight decay."})
    max_grad_norm: float = field(default=1.0, metadata={"help": "Gradient clipping (L2 norm)."})
    logging_steps: int = field(default=10, metadata={"help": "Log loss every N optimizer steps."})
    save_steps: int = field(default=100, metadata={"help": "Checkpoint every N optimizer steps."})
    save_total_limit: int | None = field(default=3, metadata={
        "help": "Keep at most this many checkpoints (oldest deleted); null keeps all."})
    eval_steps: int | None = field(default=None, metadata={
        "help": "Evaluate held-out loss every N steps; null = only at the end."})
    seed: int = field(default=42, metadata={"help": "Seed for init of adapters and data order."})
    gradient_checkpointing: bool = field(default=False, metadata={
        "help": "Recompute activations in backward (less memory, ~30% slower)."})
    bf16: bool | None = field(default=None, metadata={
        "help": "bf16 mixed precision; null = on for CUDA with bf16 support, off on CPU."})
    dataloader_num_workers: int = field(default=0, metadata={"help": "DataLoader workers."})
    report_to: str = field(default="none", metadata={
        "help": "Experiment trackers: none, tensorboard, wandb, ..."})
    extra: dict = field(default_factory=dict, metadata={
        "help": "Any other TrainingArguments / SFTConfig field: checked against its fields and "
                "typed; a field codetune already sets from this config is an error."})


@dataclass
class PretrainTrainSettings(TrainSettings):
    """Pretraining defaults: a higher peak learning rate for models trained from scratch."""

    learning_rate: float = field(default=1e-3, metadata={"help": "Peak learning rate (AdamW)."})


@dataclass
class SFTTrainSettings(TrainSettings):
    """SFT defaults: packed rows of a micro-batch become one padding-free sequence (attention
    per example with ``sdpa_packed``); 2 rows per micro-batch x 4 accumulation steps."""

    per_device_train_batch_size: int = field(default=2, metadata={
        "help": "Sequences (packed rows when packing) per device per micro-batch."})
    gradient_accumulation_steps: int = field(default=4, metadata={
        "help": "Micro-batches accumulated per optimizer step."})


@dataclass
class PretrainConfig:
    """``codetune pretrain``: causal-LM training on packed ``input_ids`` blocks."""

    model: str = field(default="", metadata={
        "help": "Model dir (e.g. from `codetune model init`) or hub id to train."})
    dataset: str = field(default="", metadata={
        "help": "Dataset dir from `codetune data pretrain` (train/validation `input_ids`)."})
    output_dir: str = field(default="", metadata={"help": "Run dir: checkpoints and final model."})
    validation_fraction: float = field(default=0.05, metadata={
        "help": "Held-out share of train when the dataset has no validation split."})
    max_eval_samples: int = field(default=256, metadata={
        "help": "Cap on held-out blocks used for perplexity."})
    resume: bool = field(default=False, metadata={
        "help": "Continue from the last checkpoint in output_dir."})
    force: bool = field(default=False, metadata={
        "help": "Start over in an output_dir that holds checkpoints or a finished run "
                "(deletes them)."})
    deepspeed: str | None = field(default=None, metadata={
        "help": "zero2, zero3 or a DeepSpeed JSON file (launch with `accelerate launch`)."})
    train: PretrainTrainSettings = field(default_factory=lambda: PretrainTrainSettings())


@dataclass
class SFTRunConfig:
    """``codetune sft``: supervised fine-tuning with TRL's SFTTrainer (full, LoRA or QLoRA)."""

    model: str = field(default="", metadata={"help": "Base model dir or hub id."})
    dataset: str = field(default="", metadata={
        "help": "Dataset dir (save_to_disk) or JSONL with prompt/completion, messages or text."})
    output_dir: str = field(default="", metadata={"help": "Run dir: checkpoints and final model."})
    method: str = field(default="full", metadata={"help": "full, lora or qlora (4-bit nf4 base)."})
    lora: LoraSettings = field(default_factory=LoraSettings)
    max_length: int = field(default=1024, metadata={
        "help": "Longest tokenized example (or packed sequence), in tokens."})
    packing: bool = field(default=True, metadata={
        "help": "Pack examples into max_length rows (no padding; attention stays per example)."})
    packing_strategy: str = field(default="bfd", metadata={
        "help": "bfd (best-fit decreasing, examples never split) or wrapped."})
    attn_implementation: str = field(default="auto", metadata={
        "help": "auto (sdpa_packed when packing is padding-free, else the model's default), "
                "sdpa_packed (per-example SDPA on packed rows), or any transformers name: "
                "sdpa, eager, flash_attention_2."})
    completion_only_loss: bool = field(default=True, metadata={
        "help": "prompt/completion data: loss on completion tokens only."})
    assistant_only_loss: bool | None = field(default=None, metadata={
        "help": "messages data: loss on assistant turns only; null = on when the chat template "
                "has {% generation %} markers."})
    chat_template: str | None = field(default=None, metadata={
        "help": "Jinja file to use as chat template; default: the model's, else ChatML."})
    eval_fraction: float = field(default=0.0, metadata={
        "help": "Held-out share for eval loss when the dataset has no validation split."})
    resume: bool = field(default=False, metadata={
        "help": "Continue from the last checkpoint in output_dir."})
    force: bool = field(default=False, metadata={
        "help": "Start over in an output_dir that holds checkpoints or a finished run "
                "(deletes them)."})
    deepspeed: str | None = field(default=None, metadata={
        "help": "zero2, zero3 or a DeepSpeed JSON file (launch with `accelerate launch`)."})
    train: SFTTrainSettings = field(default_factory=lambda: SFTTrainSettings())
