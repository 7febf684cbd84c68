"""DPO (Rafailov et al. 2023) on preference pairs mined by execution (``codetune rm`` writes them).

Offline and cheap: no generation and no sandbox during training, so it is a useful first step
before GRPO. The reference policy is the starting model (TRL builds it; with LoRA, the base with
adapters off). The run itself is the one runtime's (``codetune.train.runtime``).
"""

from __future__ import annotations

from typing import Any

from codetune.artifacts import read_jsonl
from codetune.errors import CodetuneError
from codetune.rl.common import RL_DEFAULTS, load_policy, shared_args
from codetune.rl.config import RLConfig, check_config


def pair_dataset(path: str):
    """``prompt, chosen, rejected`` rows from a mined-pairs JSONL."""
    from datasets import Dataset

    if not path:
        raise CodetuneError("dpo needs pairs: --set pairs=runs/rm/pairs.jsonl (from `codetune rm`)")
    rows = [{"prompt": r["prompt"], "chosen": r["chosen"], "rejected": r["rejected"]}
            for r in read_jsonl(path)]
    if not rows:
        raise CodetuneError(f"{path}: no pairs")
    return Dataset.from_list(rows)


def dpo_args(cfg: RLConfig):
    """``DPOConfig`` from the codetune config plus its checked ``trl:`` keys."""
    from trl import DPOConfig

    from codetune.train.trainer_config import trainer_config

    ours = dict(shared_args(cfg), beta=cfg.beta or 0.1,
                per_device_train_batch_size=cfg.prompts_per_step)
    return trainer_config(DPOConfig, ours, cfg.trl, "trl", defaults=RL_DEFAULTS,
                          names={"per_device_train_batch_size": "prompts_per_step"},
                          deepspeed=cfg.deepspeed)


def run_dpo(cfg: RLConfig, callbacks: list | None = None) -> dict[str, Any]:
    """Train the policy with DPO on ``cfg.pairs``; same run layout as every trainer."""
    from trl import DPOTrainer

    from codetune.config import to_plain
    from codetune.train.runtime import finish_run, read_metrics, run_trainer, start_run

    cfg.algo = "dpo"
    check_config(cfg)
    dataset = pair_dataset(cfg.pairs)
    args = dpo_args(cfg)
    checkpoint = start_run(cfg, cfg.output_dir, cfg.resume, cfg.force)
    model, tokenizer = load_policy(cfg)
    trainer = DPOTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                         callbacks=callbacks)
    metrics = run_trainer(trainer, checkpoint)
    rows = read_metrics(cfg.output_dir)
    return finish_run(trainer, tokenizer, cfg.output_dir, "dpo", {
        "algo": "dpo", "train_loss": metrics["train_loss"],
        "train_wall_s": metrics["train_wall_s"], "first": rows[0] if rows else {},
        "last": rows[-1] if rows else {}, "config": to_plain(cfg)})
