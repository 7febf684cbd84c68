"""GRPO and RLOO with TRL: prompts with tests, rewards from the sandbox and static analysis.

Reward components go to TRL as separate functions with ``reward_weights`` so TRL logs each one
(``rewards/<name>/mean``); the execution reward adds ``execution/pass_rate`` and TRL adds
``completions/mean_length``; a :class:`StepTimer` adds where the step's time went.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codetune.artifacts import atomic_write_json
from codetune.config import save_config, to_plain
from codetune.console import add_log_file, log
from codetune.rewards.combined import build_rewards, mask_grader_errors
from codetune.rewards.pool import close_shared_pool
from codetune.rl.common import (
    METRICS_FILE,
    MetricsLogger,
    check_config,
    deepspeed_config,
    device_args,
    load_policy,
    read_metrics,
    resume_checkpoint,
    save_final,
)
from codetune.rl.config import RLConfig
from codetune.rl.tasks import task_dataset
from codetune.rl.timing import StepTimer


def trainer_args(cfg: RLConfig, weights: list[float]) -> dict[str, Any]:
    """Keyword arguments for ``GRPOConfig``/``RLOOConfig`` from the codetune config."""
    args = dict(
        output_dir=cfg.output_dir, num_generations=cfg.num_generations,
        per_device_train_batch_size=cfg.prompts_per_step * cfg.num_generations,
        max_completion_length=cfg.max_completion_length, temperature=cfg.temperature,
        learning_rate=cfg.learning_rate, beta=cfg.beta, max_steps=cfg.max_steps,
        save_steps=cfg.save_steps, save_total_limit=cfg.save_total_limit,
        logging_steps=cfg.logging_steps, seed=cfg.seed, reward_weights=weights,
        report_to="none", gradient_checkpointing=False, use_vllm=cfg.use_vllm,
        vllm_mode=cfg.vllm_mode, dataloader_num_workers=0, disable_tqdm=True,
        deepspeed=deepspeed_config(cfg.deepspeed), **device_args())
    if cfg.algo == "grpo":
        args["scale_rewards"] = cfg.scale_rewards
    args.update(cfg.trl)
    return args


def build_trainer(cfg: RLConfig, pool: Any = None, timer: StepTimer | None = None):
    """(trainer, tokenizer, reward funcs) for ``cfg.algo`` in grpo/rloo, ready to ``train()``."""
    from trl import GRPOConfig, GRPOTrainer, RLOOConfig, RLOOTrainer

    check_config(cfg)
    shared = {"pool": pool} if pool is not None else {}
    if pool is None and any(s.name.startswith("execution") for s in cfg.rewards):
        from codetune.rewards.pool import shared_pool

        shared["pool"] = shared_pool(cfg.sandbox)
    if "pool" in shared:  # the judge answers before the policy loads, or we stop in seconds
        from codetune.eval.execution import check_judge

        check_judge(pool=shared["pool"], before="training")
    funcs, weights = build_rewards(cfg.rewards, **shared)
    funcs = mask_grader_errors(funcs)  # a grader error masks the row, never a partial score
    dataset = task_dataset(cfg.tasks, pool=shared.get("pool"))  # calibrates time limits
    model, tokenizer = load_policy(cfg)
    config_cls, trainer_cls = (GRPOConfig, GRPOTrainer) if cfg.algo == "grpo" else (
        RLOOConfig, RLOOTrainer)
    args = config_cls(**trainer_args(cfg, weights))
    timer = timer or StepTimer()
    trainer = trainer_cls(model=model, reward_funcs=timer.wrap_rewards(funcs), args=args,
                          train_dataset=dataset, processing_class=tokenizer,
                          callbacks=[timer, MetricsLogger(Path(cfg.output_dir) / METRICS_FILE,
                                                          timer)])
    timer.attach(trainer)
    return trainer, tokenizer, funcs


def run_grpo(cfg: RLConfig, pool: Any = None) -> dict[str, Any]:
    """Train the policy with GRPO (or RLOO when ``cfg.algo == "rloo"``); returns a summary.

    Writes ``<output_dir>/config.yaml``, ``metrics.jsonl``, ``run.log``, ``checkpoint-N/`` and the
    final policy in ``final/``.
    """
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    add_log_file(out / "run.log")
    checkpoint = resume_checkpoint(cfg)
    save_config(cfg, out)
    timer = StepTimer()
    trainer, tokenizer, funcs = build_trainer(cfg, pool=pool, timer=timer)
    log.info("%s: %d prompts x %d generations per step, rewards %s", cfg.algo,
             cfg.prompts_per_step, cfg.num_generations,
             {f.__name__: s.weight for f, s in zip(funcs, cfg.rewards, strict=True)})
    try:
        result = trainer.train(resume_from_checkpoint=checkpoint)
    finally:
        close_shared_pool()  # no-op unless the rewards started the shared pool
    final = save_final(trainer, tokenizer, out)
    rows = [r for r in read_metrics(out) if "reward" in r]
    summary = {"algo": cfg.algo, "steps": trainer.state.global_step,
               "train_loss": result.training_loss, "final_model": str(final),
               "first": rows[0] if rows else {}, "last": rows[-1] if rows else {},
               "timing_mean_s": timer.summary(), "config": to_plain(cfg)}
    if trainer.is_world_process_zero():
        atomic_write_json(out / "summary.json", summary)
    log.info("%s done: %d steps, model in %s", cfg.algo, summary["steps"], final)
    return summary
