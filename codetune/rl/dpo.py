"""DPO (Rafailov et al. 2023) on preference pairs mined by execution (``codetune rm`` writes them).

Offline and cheap: no generation and no sandbox during training, so it is a useful first step
before GRPO. The reference policy is the starting model (TRL builds it; with LoRA, the base with
adapters off).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codetune.artifacts import atomic_write_json, read_jsonl
from codetune.config import save_config, to_plain
from codetune.console import add_log_file, log
from codetune.errors import CodetuneError
from codetune.rl.common import (
    METRICS_FILE,
    MetricsLogger,
    deepspeed_config,
    device_args,
    load_policy,
    read_metrics,
    resume_checkpoint,
    save_final,
)
from codetune.rl.config import RLConfig


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


def run_dpo(cfg: RLConfig) -> dict[str, Any]:
    """Train the policy with DPO on ``cfg.pairs``; same outputs as ``run_grpo``."""
    from trl import DPOConfig, DPOTrainer

    if not cfg.model:
        raise CodetuneError("no policy model: pass --model DIR")
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    add_log_file(out / "run.log")
    checkpoint = resume_checkpoint(cfg)
    save_config(cfg, out)
    dataset = pair_dataset(cfg.pairs)
    model, tokenizer = load_policy(cfg)
    args = DPOConfig(output_dir=cfg.output_dir, beta=cfg.beta or 0.1,
                     learning_rate=cfg.learning_rate, max_steps=cfg.max_steps,
                     per_device_train_batch_size=cfg.prompts_per_step,
                     save_steps=cfg.save_steps, save_total_limit=cfg.save_total_limit,
                     logging_steps=cfg.logging_steps, seed=cfg.seed, report_to="none",
                     gradient_checkpointing=False, disable_tqdm=True,
                     deepspeed=deepspeed_config(cfg.deepspeed), **device_args(), **cfg.trl)
    trainer = DPOTrainer(model=model, args=args, train_dataset=dataset,
                         processing_class=tokenizer,
                         callbacks=[MetricsLogger(out / METRICS_FILE)])
    result = trainer.train(resume_from_checkpoint=checkpoint)
    final = save_final(trainer, tokenizer, out)
    rows = read_metrics(out)
    summary = {"algo": "dpo", "steps": trainer.state.global_step,
               "train_loss": result.training_loss, "final_model": str(final),
               "first": rows[0] if rows else {}, "last": rows[-1] if rows else {},
               "config": to_plain(cfg)}
    if trainer.is_world_process_zero():
        atomic_write_json(out / "summary.json", summary)
    log.info("dpo done: %d steps, model in %s", summary["steps"], final)
    return summary
