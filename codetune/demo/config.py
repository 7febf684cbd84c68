"""Budgets of ``codetune demo``: the full run (~30 min on 2 idle cores) and ``--quick`` (CI).

Budgets are in steps and examples, not seconds, so a run on a busy machine trains the same
models (only slower). The defaults follow the measurements in ``docs/demo.md``: a 4.4M Llama,
a short SFT that leaves RL-only templates room to improve, GRPO with G=8, beta 0, lr 1e-4.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DemoConfig:
    """Every knob of the demo; ``quick_config()`` shrinks them for CI."""

    seed: int = field(default=0, metadata={"help": "Seed of data draws and training."})
    # 1. corpus + tokenizer
    stdlib_files: int = field(default=300, metadata={
        "help": "Stdlib files read for the pretraining corpus (0 = all ~1,700)."})
    vocab_size: int = field(default=4000, metadata={"help": "Byte-level BPE vocabulary."})
    block_size: int = field(default=256, metadata={"help": "Pretraining block, tokens."})
    # task family
    sft_tasks: int = field(default=6000, metadata={"help": "Task-family SFT examples."})
    rl_tasks: int = field(default=2000, metadata={"help": "RL-only prompts for GRPO."})
    eval_tasks: int = field(default=1000, metadata={
        "help": "Fresh RL-only tasks for the paired SFT-vs-GRPO test (>= 1000 for the report)."})
    eval_other_tasks: int = field(default=100, metadata={
        "help": "Fresh tasks of SFT templates and of held-out templates, per stage."})
    # 2. model + pretraining
    model_size: str = field(default="4m", metadata={"help": "codetune.models size preset."})
    pretrain_steps: int = field(default=30, metadata={"help": "Pretraining optimizer steps."})
    pretrain_batch: int = field(default=4, metadata={"help": "Blocks per pretraining step."})
    pretrain_eval_every: int = field(default=5, metadata={
        "help": "Held-out perplexity every N pretraining steps (the curve)."})
    # 3. SFT
    sft_four_task_samples: int = field(default=100, metadata={
        "help": "generate/explain/fix/translate samples from `codetune data sft`."})
    sft_steps: int = field(default=250, metadata={"help": "SFT optimizer steps."})
    sft_batch: int = field(default=2, metadata={
        "help": "Packed 512-token rows per SFT step (~7 task examples each)."})
    sft_learning_rate: float = field(default=1e-3, metadata={"help": "SFT peak LR (cosine)."})
    # 4. reward model
    rm_tasks: int = field(default=16, metadata={"help": "RL-only tasks mined for RM pairs."})
    rm_samples_per_task: int = field(default=4, metadata={"help": "Policy samples per task."})
    rm_steps: int = field(default=10, metadata={"help": "Reward-model optimizer steps."})
    # 5. GRPO
    grpo_steps: int = field(default=120, metadata={"help": "GRPO optimizer steps."})
    grpo_prompts_per_step: int = field(default=4, metadata={"help": "Prompts per GRPO step."})
    grpo_generations: int = field(default=8, metadata={"help": "Completions per prompt (G)."})
    grpo_learning_rate: float = field(default=1e-4, metadata={"help": "GRPO learning rate."})
    grpo_temperature: float = field(default=1.0, metadata={"help": "Sampling temperature."})
    grpo_beta: float = field(default=0.0, metadata={"help": "KL coefficient (0 = none)."})
    grpo_scale_rewards: str = field(default="batch", metadata={
        "help": "Advantage scaling (TRL): batch keeps groups whose execution rewards tie from "
                "turning the small static/RM differences into unit-size advantages (group)."})
    reward_weights: dict = field(default_factory=lambda: {
        "execution": 1.0, "static": 0.1, "reward_model": 0.1}, metadata={
        "help": "Weights of the combined reward (execution + static + reward model)."})
    max_new_tokens: int = field(default=32, metadata={"help": "Tokens per completion."})
    # 6. evaluation
    passk_tasks: int = field(default=20, metadata={
        "help": "RL-only tasks sampled n times for pass@k per stage."})
    passk_n: int = field(default=4, metadata={"help": "Samples per task for pass@k."})
    humaneval_limit: int = field(default=10, metadata={"help": "HumanEval tasks (final model)."})
    mbpp_limit: int = field(default=10, metadata={"help": "MBPP test tasks (final model)."})


def quick_config() -> DemoConfig:
    """A few minutes on 2 cores: every stage runs and writes valid artifacts, numbers are noise."""
    return DemoConfig(
        stdlib_files=60, vocab_size=1200, block_size=128, sft_tasks=600, rl_tasks=64,
        eval_tasks=40, eval_other_tasks=20, model_size="2m", pretrain_steps=12, pretrain_batch=4,
        pretrain_eval_every=6, sft_four_task_samples=40, sft_steps=30, sft_batch=1, rm_tasks=8,
        rm_samples_per_task=2, rm_steps=4, grpo_steps=3, grpo_prompts_per_step=2,
        grpo_generations=4, max_new_tokens=24, passk_tasks=8, passk_n=2, humaneval_limit=4,
        mbpp_limit=4)
