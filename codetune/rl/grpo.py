"""GRPO and RLOO with TRL: prompts with tests, rewards from the sandbox and static analysis.

Reward components go to TRL as separate functions with ``reward_weights`` so TRL logs each one
(``rewards/<name>/mean``); the execution reward adds ``execution/pass_rate`` and TRL adds
``completions/mean_length``; a :class:`StepTimer` adds where the step's time went. With
``async_rewards`` the components run concurrently (the sandbox batch overlaps the others).
The run itself (config, resume, SIGTERM, outputs) is the one runtime's: ``codetune.train.runtime``.
"""

from __future__ import annotations

from typing import Any

from codetune.console import log
from codetune.rewards.combined import build_rewards, mask_grader_errors
from codetune.rewards.pool import close_shared_pool
from codetune.rl.common import LOGGED, RL_DEFAULTS, load_policy, shared_args
from codetune.rl.config import RLConfig, check_config
from codetune.rl.prompt_sets import task_dataset
from codetune.rl.timing import StepTimer

NAMES = {"per_device_train_batch_size": "prompts_per_step * num_generations",
         "reward_weights": "rewards[].weight", "deepspeed": "deepspeed"}


def trainer_args(cfg: RLConfig, weights: list[float]):
    """``GRPOConfig``/``RLOOConfig`` from the codetune config plus its checked ``trl:`` keys."""
    from trl import GRPOConfig, RLOOConfig

    from codetune.train.trainer_config import trainer_config

    ours = dict(shared_args(cfg), num_generations=cfg.num_generations,
                per_device_train_batch_size=cfg.prompts_per_step * cfg.num_generations,
                max_completion_length=cfg.max_completion_length, temperature=cfg.temperature,
                beta=cfg.beta, reward_weights=weights, use_vllm=cfg.use_vllm,
                vllm_mode=cfg.vllm_mode)
    if cfg.algo == "grpo":
        ours["scale_rewards"] = cfg.scale_rewards
    cls = GRPOConfig if cfg.algo == "grpo" else RLOOConfig
    return trainer_config(cls, ours, cfg.trl, "trl", defaults=RL_DEFAULTS, names=NAMES,
                          deepspeed=cfg.deepspeed)


def build_trainer(cfg: RLConfig, pool: Any = None, timer: StepTimer | None = None,
                  callbacks: list | None = None):
    """(trainer, tokenizer, reward funcs) for ``cfg.algo`` in grpo/rloo, ready to ``train()``."""
    from trl import GRPOTrainer, RLOOTrainer

    from codetune.rl.async_rewards import concurrent_rewards, trainer_supports_async

    check_config(cfg)
    shared = {"pool": pool} if pool is not None else {}
    if pool is None and any(s.name.startswith("execution") for s in cfg.rewards):
        from codetune.rewards.pool import shared_pool

        shared["pool"] = shared_pool(cfg.sandbox)
    if "pool" in shared:  # the judge answers before the policy loads, or we stop in seconds
        from codetune.eval.execution import check_judge

        check_judge(pool=shared["pool"], before="training")
    funcs, weights = build_rewards(cfg.rewards, **shared)
    args = trainer_args(cfg, weights)  # a bad trl: key fails before the slow loads
    dataset = task_dataset(cfg.tasks, pool=shared.get("pool"))  # calibrates time limits
    model, tokenizer = load_policy(cfg)
    trainer_cls = GRPOTrainer if cfg.algo == "grpo" else RLOOTrainer
    timer = timer or StepTimer()
    if cfg.async_rewards and trainer_supports_async(trainer_cls):
        reward_funcs = concurrent_rewards(funcs, timer.wrap_rewards(funcs))
    else:  # a grader error masks the row, never a partial score
        funcs = mask_grader_errors(funcs)
        reward_funcs = timer.wrap_rewards(funcs)
    trainer = trainer_cls(model=model, reward_funcs=reward_funcs, args=args,
                          train_dataset=dataset, processing_class=tokenizer,
                          callbacks=[timer, *(callbacks or [])])
    timer.attach(trainer)
    return trainer, tokenizer, funcs


def run_grpo(cfg: RLConfig, pool: Any = None, callbacks: list | None = None) -> dict[str, Any]:
    """Train the policy with GRPO (or RLOO when ``cfg.algo == "rloo"``); returns the summary.

    The run dir has the layout of every trainer (``codetune.train.runtime``): ``config.yaml``,
    ``run.log``, ``metrics.jsonl``, ``checkpoint-N/``, ``final/``, ``summary.json``.
    """
    from codetune.config import to_plain
    from codetune.train.runtime import finish_run, read_metrics, run_trainer, start_run

    check_config(cfg)
    checkpoint = start_run(cfg, cfg.output_dir, cfg.resume, cfg.force)
    timer = StepTimer()
    try:
        trainer, tokenizer, funcs = build_trainer(cfg, pool=pool, timer=timer,
                                                 callbacks=callbacks)
        log.info("%s: %d prompts x %d generations per step, rewards %s", cfg.algo,
                 cfg.prompts_per_step, cfg.num_generations,
                 {f.__name__: s.weight for f, s in zip(funcs, cfg.rewards, strict=True)})
        metrics = run_trainer(trainer, checkpoint, timer=timer, show=LOGGED)
    finally:
        close_shared_pool()  # no-op unless the rewards started the shared pool
    rows = [r for r in read_metrics(cfg.output_dir) if "reward" in r]
    return finish_run(trainer, tokenizer, cfg.output_dir, cfg.algo, {
        "algo": cfg.algo, "train_loss": metrics["train_loss"],
        "train_wall_s": metrics["train_wall_s"], "first": rows[0] if rows else {},
        "last": rows[-1] if rows else {}, "timing_mean_s": timer.summary(),
        "config": to_plain(cfg)})
