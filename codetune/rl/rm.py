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

from codetune.artifacts import read_jsonl
from codetune.console import log
from codetune.errors import CodetuneError
from codetune.rewards.reward_model import rm_text, score_texts
from codetune.rl.pairs import MineConfig, mine_pairs


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
    save_steps: int = field(default=50, metadata={"help": "checkpoint every N steps."})
    save_total_limit: int = field(default=2, metadata={"help": "checkpoints kept."})
    logging_steps: int = field(default=1, metadata={"help": "log metrics every N steps."})
    resume: bool = field(default=False, metadata={
        "help": "continue from the last checkpoint in output_dir (reusing its pairs.jsonl)."})
    force: bool = field(default=False, metadata={
        "help": "start over in an output_dir that holds checkpoints or a finished run."})
    deepspeed: str | None = field(default=None, metadata={
        "help": "zero2, zero3 or a DeepSpeed JSON file (multi-GPU: accelerate launch)."})
    trl: dict = field(default_factory=dict, metadata={
        "help": "extra keys of TRL's RewardConfig, checked and typed against its fields; a key "
                "codetune sets from this config is an error."})


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
    if cfg.resume and (out / "pairs.jsonl").exists():  # the interrupted run's mined pairs
        return list(read_jsonl(out / "pairs.jsonl"))
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
    """Mine into ``<out>/pairs.jsonl`` and stop the shared sandbox pool (training needs none)."""
    from codetune.rewards.pool import close_shared_pool

    try:
        return mine_pairs(cfg.mine, out / "pairs.jsonl", pool=pool)
    finally:
        close_shared_pool()  # training needs no sandbox


def rm_args(cfg: RMConfig):
    """``RewardConfig`` from the codetune config plus its checked ``trl:`` keys."""
    from trl import RewardConfig

    from codetune.train.trainer_config import trainer_config

    ours = dict(output_dir=cfg.output_dir, num_train_epochs=cfg.epochs, max_steps=cfg.max_steps,
                learning_rate=cfg.learning_rate, per_device_train_batch_size=cfg.batch_size,
                max_length=cfg.max_length, seed=cfg.seed, save_steps=cfg.save_steps,
                save_total_limit=cfg.save_total_limit, logging_steps=cfg.logging_steps)
    return trainer_config(RewardConfig, ours, cfg.trl, "trl", deepspeed=cfg.deepspeed,
                          names={"num_train_epochs": "epochs",
                                 "per_device_train_batch_size": "batch_size"},
                          defaults={"gradient_checkpointing": False, "disable_tqdm": True})


def train_reward_model(cfg: RMConfig, pool: Any = None,
                       callbacks: list | None = None) -> dict[str, Any]:
    """Mine (unless ``pairs`` is given), train, save to ``<output_dir>/final``; return the
    summary (also ``summary.json``)."""
    from transformers import AutoModelForSequenceClassification
    from trl import RewardTrainer

    from codetune.models.device import place
    from codetune.models.loading import check_model_path, load_tokenizer
    from codetune.train.runtime import finish_run, run_trainer, start_run

    out = Path(cfg.output_dir)
    base = check_model_path(cfg.model)
    args = rm_args(cfg)  # a bad trl: key fails before mining
    checkpoint = start_run(cfg, out, cfg.resume, cfg.force)
    pairs = _load_pairs(cfg, out, pool)
    train, held = split_by_task(pairs, cfg.heldout_fraction, cfg.seed)
    if not train:
        raise CodetuneError(f"no training pairs ({len(pairs)} mined): sample more per task, "
                            "use more tasks, or set mine.add_references=true")
    tokenizer = load_tokenizer(base)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    model.config.pad_token_id = tokenizer.pad_token_id
    model = place(model)  # fp32 master weights on this rank's device
    before = pair_accuracy(model.eval(), tokenizer, held, cfg.max_length)
    trainer = RewardTrainer(model=model, args=args, train_dataset=_as_dataset(train),
                            processing_class=tokenizer, callbacks=callbacks)
    metrics = run_trainer(trainer, checkpoint)
    after = pair_accuracy(trainer.model.eval(), tokenizer, held, cfg.max_length)
    by_source = {}
    for kind in sorted({f"{p['chosen_source']}>{p['rejected_source']}" for p in held
                        if "chosen_source" in p}):
        subset = [p for p in held if f"{p['chosen_source']}>{p['rejected_source']}" == kind]
        by_source[kind] = {"pairs": len(subset), "accuracy": pair_accuracy(
            trainer.model, tokenizer, subset, cfg.max_length)}
    log.info("reward model: held-out pair accuracy %.3f (untrained head %.3f) on %d pairs",
             after, before, len(held))
    return finish_run(trainer, tokenizer, out, "rm", {
        "pairs": len(pairs), "train_pairs": len(train), "heldout_pairs": len(held),
        "heldout_tasks": len({str(p["task_id"]) for p in held}),
        "heldout_accuracy": after, "heldout_accuracy_before_training": before,
        "heldout_accuracy_by_source": by_source, "train_loss": metrics["train_loss"],
        "train_wall_s": metrics["train_wall_s"]})
