"""``codetune pretrain``: causal-LM training on packed ``input_ids`` blocks with HF Trainer.

Warmup + cosine decay, gradient accumulation and clipping come from the ``train`` section;
held-out perplexity is exp(mean token cross-entropy) on the validation split.
"""

from __future__ import annotations

from pathlib import Path

from codetune.console import log
from codetune.errors import CodetuneError
from codetune.train.config import PretrainConfig
from codetune.train.data import load_splits, require_columns


class BlockCollator:
    """Stack ``input_ids`` blocks; labels = inputs, -100 only on padding (never on real EOS)."""

    def __init__(self, pad_token_id: int) -> None:
        self.pad_token_id = pad_token_id

    def __call__(self, features: list[dict]) -> dict:
        import torch

        seqs = [list(f["input_ids"]) for f in features]
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), self.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
            mask[i, : len(s)] = 1
        labels = ids.masked_fill(mask == 0, -100)
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def load_pretrain_data(config: PretrainConfig):
    """Train/validation splits holding ``input_ids`` only."""
    train, held = load_splits(config.dataset, config.validation_fraction, config.train.seed)
    hint = "build one with `codetune data pretrain`"
    require_columns(train, ("input_ids",), config.dataset, hint)
    train = train.select_columns(["input_ids"])
    if held is not None:
        require_columns(held, ("input_ids",), config.dataset, hint)
        held = held.select_columns(["input_ids"])
        if len(held) > config.max_eval_samples:
            held = held.select(range(config.max_eval_samples))
    return train, held


def run_pretrain(config: PretrainConfig, callbacks: list | None = None) -> Path:
    """Train ``config.model`` on ``config.dataset``; return the run dir (layout: train.runtime)."""
    from transformers import Trainer, TrainingArguments

    from codetune.models.loading import load_causal_lm, load_tokenizer
    from codetune.train.runtime import eval_metrics, finish_run, run_trainer, start_run
    from codetune.train.trainer_config import training_arguments

    if not config.output_dir:
        raise CodetuneError("pretrain: give an output dir with -o DIR")
    out = Path(config.output_dir)
    tokenizer = load_tokenizer(config.model)
    train, held = load_pretrain_data(config)
    args = training_arguments(TrainingArguments, config.train, out, held is not None,
                              config.deepspeed, remove_unused_columns=False)
    resume_from = start_run(config, out, config.resume, config.force)
    model = load_causal_lm(config.model, dtype=_train_dtype())
    if config.train.gradient_checkpointing:
        model.config.use_cache = False
    log.info("pretraining %s on %d blocks (%d held out) -> %s", config.model, len(train),
             len(held) if held is not None else 0, out)
    trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=held,
                      data_collator=BlockCollator(tokenizer.pad_token_id),
                      callbacks=callbacks or [])
    metrics = run_trainer(trainer, resume_from)
    metrics["train_tokens"] = int(
        trainer.state.global_step * args.per_device_train_batch_size * args.world_size
        * args.gradient_accumulation_steps * len(train[0]["input_ids"]))
    if held is not None:
        metrics.update(eval_metrics(trainer))
        log.info("held-out perplexity %.2f", metrics["eval_perplexity"])
    finish_run(trainer, tokenizer, out, "pretrain", metrics)
    return out


def _train_dtype():
    """Master weights in fp32: mixed precision (bf16 on CUDA) is handled by the trainer."""
    import torch

    return torch.float32
