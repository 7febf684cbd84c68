"""``codetune rm``: train a reward model on execution-mined pairs with TRL's ``RewardTrainer``.

The model is the SFT policy with a one-logit sequence-classification head (Llama
``ForSequenceClassification``, ``num_labels=1``), trained with the Bradley-Terry pairwise loss.
Pairs are split by task, so held-out accuracy is measured on tasks the model never saw; the
untrained head's accuracy on the same pairs is reported next to it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codetune.artifacts import atomic_write_json, final_model_dir, read_jsonl
from codetune.config import save_config
from codetune.console import add_log_file, log
from codetune.errors import CodetuneError
from codetune.rewards.mining import MineConfig, mine_pairs
from codetune.rewards.reward_model import rm_text, score_texts


@dataclass
class RMConfig:
    """Reward-model training on pairs mined by execution."""

    model: str = field(default="", metadata={"help": "base for the RM (usually the SFT model)."})
    output_dir: str = field(default="runs/rm", metadata={"help": "RM, pairs, metrics."})
    pairs: str = field(default="", metadata={
        "help": "pairs JSONL to train on; empty = mine them first with `mine`."})
    mine: MineConfig = field(default_factory=MineConfig, metadata={"help": "mining settings."})
    heldout_fraction: float = field(default=0.2, metadata={
        "help": "fraction of *tasks* whose pairs are held out for accuracy."})
    epochs: float = field(default=1.0, metadata={"help": "passes over the training pairs."})
    max_steps: int = field(default=-1, metadata={"help": "optimizer steps (-1 = epochs)."})
    learning_rate: float = field(default=1e-4, metadata={"help": "AdamW learning rate."})
    batch_size: int = field(default=8, metadata={"help": "pairs per step."})
    max_length: int = field(default=512, metadata={"help": "tokens of prompt + completion."})
    seed: int = field(default=0, metadata={"help": "split and training seed."})
    deepspeed: str | None = field(default=None, metadata={
        "help": "zero2, zero3 or a DeepSpeed JSON file (multi-GPU: accelerate launch)."})


def split_by_task(pairs: list[dict], fraction: float, seed: int) -> tuple[list[dict], list[dict]]:
    """(train, held-out) with no task on both sides."""
    tasks = sorted({str(p["task_id"]) for p in pairs})
    random.Random(seed).shuffle(tasks)
    n_held = max(1, round(len(tasks) * fraction)) if len(tasks) > 1 else 0
    held = set(tasks[:n_held])
    return ([p for p in pairs if str(p["task_id"]) not in held],
            [p for p in pairs if str(p["task_id"]) in held])


def pair_accuracy(model: Any, tokenizer: Any, pairs: list[dict], max_length: int) -> float:
    """Fraction of pairs where the RM scores chosen above rejected."""
    if not pairs:
        return float("nan")
    chosen = score_texts(model, tokenizer, [rm_text(p["prompt"], p["chosen"], tokenizer)
                                            for p in pairs], max_length=max_length)
    rejected = score_texts(model, tokenizer, [rm_text(p["prompt"], p["rejected"], tokenizer)
                                              for p in pairs], max_length=max_length)
    return sum(c > r for c, r in zip(chosen, rejected, strict=True)) / len(pairs)


def _as_dataset(pairs: list[dict]):
    from datasets import Dataset

    return Dataset.from_list([{"prompt": p["prompt"], "chosen": p["chosen"],
                               "rejected": p["rejected"]} for p in pairs])


def _load_pairs(cfg: RMConfig, out: Path, pool: Any) -> list[dict]:
    if cfg.pairs:
        return list(read_jsonl(cfg.pairs))
    if not cfg.mine.model:
        cfg.mine.model = cfg.model
    import os

    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # accelerate launch: rank 0 mines once
        from accelerate import PartialState

        state = PartialState()
        with state.main_process_first():
            if state.is_main_process:
                _mine(cfg, out, pool)
        return list(read_jsonl(out / "pairs.jsonl"))
    return _mine(cfg, out, pool)


def _mine(cfg: RMConfig, out: Path, pool: Any) -> list[dict]:
    from codetune.rewards.pool import close_shared_pool

    try:
        return mine_pairs(cfg.mine, out / "pairs.jsonl", pool=pool)
    finally:
        close_shared_pool()  # training needs no sandbox


def train_reward_model(cfg: RMConfig, pool: Any = None) -> dict[str, Any]:
    """Mine (unless ``pairs`` is given), train, save to ``<output_dir>/final``; return metrics."""
    from transformers import AutoModelForSequenceClassification
    from trl import RewardConfig, RewardTrainer

    from codetune.models.loading import check_model_path, load_tokenizer
    from codetune.rl.common import deepspeed_config, device_args, save_final

    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    add_log_file(out / "run.log")
    save_config(cfg, out)
    base = check_model_path(cfg.model)
    pairs = _load_pairs(cfg, out, pool)
    train, held = split_by_task(pairs, cfg.heldout_fraction, cfg.seed)
    if not train:
        raise CodetuneError(f"no training pairs ({len(pairs)} mined): sample more per task, "
                            "use more tasks, or set mine.add_references=true")
    tokenizer = load_tokenizer(base)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    model.config.pad_token_id = tokenizer.pad_token_id
    from codetune.models.device import place

    model = place(model)  # fp32 master weights on this rank's device
    before = pair_accuracy(model.eval(), tokenizer, held, cfg.max_length)
    args = RewardConfig(output_dir=str(out / "checkpoints"), num_train_epochs=cfg.epochs,
                        max_steps=cfg.max_steps, learning_rate=cfg.learning_rate,
                        per_device_train_batch_size=cfg.batch_size, max_length=cfg.max_length,
                        seed=cfg.seed, report_to="none", logging_steps=1, save_strategy="no",
                        gradient_checkpointing=False, disable_tqdm=True,
                        deepspeed=deepspeed_config(cfg.deepspeed), **device_args())
    trainer = RewardTrainer(model=model, args=args, train_dataset=_as_dataset(train),
                            processing_class=tokenizer)
    result = trainer.train()
    after = pair_accuracy(trainer.model.eval(), tokenizer, held, cfg.max_length)
    by_source = {}
    for kind in sorted({f"{p['chosen_source']}>{p['rejected_source']}" for p in held
                        if "chosen_source" in p}):
        subset = [p for p in held if f"{p['chosen_source']}>{p['rejected_source']}" == kind]
        by_source[kind] = {"pairs": len(subset), "accuracy": pair_accuracy(
            trainer.model, tokenizer, subset, cfg.max_length)}
    save_final(trainer, tokenizer, out)  # every rank saves, rank 0 renames into place
    metrics = {"pairs": len(pairs), "train_pairs": len(train), "heldout_pairs": len(held),
               "heldout_tasks": len({str(p["task_id"]) for p in held}),
               "heldout_accuracy": after, "heldout_accuracy_before_training": before,
               "heldout_accuracy_by_source": by_source,
               "train_loss": result.training_loss, "model": str(final_model_dir(out))}
    if trainer.is_world_process_zero():
        atomic_write_json(out / "metrics.json", metrics)
    log.info("reward model: held-out pair accuracy %.3f (untrained head %.3f) on %d pairs",
             after, before, len(held))
    return metrics
