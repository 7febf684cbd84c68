"""What the RL trainers (GRPO, RLOO, DPO) share beyond the one runtime: loading the policy.

Device, dtype, the TRL config, resume/force, SIGTERM checkpoints, ``metrics.jsonl``, ``final/``
and ``summary.json`` come from :mod:`codetune.train.runtime`, as for every trainer.
"""

from __future__ import annotations

from codetune.rl.config import RLConfig

LOGGED = ("loss", "reward", "rewards/execution/mean", "execution/pass_rate",
          "completions/mean_length")  # the keys of an RL step's log line (metrics.jsonl: all)


def load_policy(cfg: RLConfig):
    """(model, tokenizer): full, LoRA or QLoRA through codetune.models.loading."""
    from codetune.models.loading import load_model_for_training, load_tokenizer

    tokenizer = load_tokenizer(cfg.model)
    model = load_model_for_training(cfg.model, cfg.method, cfg.lora)
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def shared_args(cfg: RLConfig) -> dict:
    """TRL config keys every RL algorithm takes from ``RLConfig`` (the runtime adds device,
    DeepSpeed and its defaults)."""
    return dict(output_dir=cfg.output_dir, learning_rate=cfg.learning_rate,
                max_steps=cfg.max_steps, save_steps=cfg.save_steps,
                save_total_limit=cfg.save_total_limit, logging_steps=cfg.logging_steps,
                seed=cfg.seed)


RL_DEFAULTS = {"gradient_checkpointing": False, "disable_tqdm": True}  # trl: may change them
