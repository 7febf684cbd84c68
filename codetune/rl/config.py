"""The RL stage's config: policy, task set, rewards, and the TRL knobs users turn most.

Only the knobs people tune are copied from TRL's ``GRPOConfig``/``RLOOConfig``/``DPOConfig``
(with TRL's meaning); anything else goes through ``trl: {key: value}`` unchanged, so the whole TRL
config stays reachable without codetune mirroring its ~150 fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codetune.errors import CodetuneError
from codetune.models.loading import LoraSettings
from codetune.rewards.combined import RewardSpec
from codetune.rl.prompt_sets import TaskSetConfig
from codetune.sandbox.config import SandboxConfig

TRL_CONFIGS = {"grpo": "GRPOConfig", "rloo": "RLOOConfig", "dpo": "DPOConfig"}

ALGOS = ("grpo", "rloo", "dpo")


def default_rewards() -> list[RewardSpec]:
    return [RewardSpec(name="execution", weight=1.0), RewardSpec(name="static", weight=0.1)]


@dataclass
class RLConfig:
    """``codetune rl``: policy optimisation with rewards from running the code."""

    algo: str = field(default="grpo", metadata={
        "help": "grpo (Shao et al. 2024, DeepSeekMath), rloo (Ahmadian et al. 2024), or dpo "
                "(Rafailov et al. 2023) on pairs mined by execution (`codetune rm --mine-only`)."})
    model: str = field(default="", metadata={"help": "policy: SFT model dir or hub id."})
    output_dir: str = field(default="runs/rl", metadata={"help": "checkpoints, metrics, model."})
    method: str = field(default="full", metadata={"help": "full, lora or qlora."})
    lora: LoraSettings = field(default_factory=LoraSettings, metadata={
        "help": "adapter shape for lora/qlora."})
    tasks: TaskSetConfig = field(default_factory=TaskSetConfig, metadata={
        "help": "prompts with tests (grpo/rloo)."})
    pairs: str = field(default="", metadata={
        "help": "dpo: pairs JSONL (prompt, chosen, rejected) from `codetune rm`."})
    rewards: list[RewardSpec] = field(default_factory=default_rewards, metadata={
        "help": "reward components; weights become TRL reward_weights."})
    num_generations: int = field(default=4, metadata={"help": "completions per prompt (G)."})
    prompts_per_step: int = field(default=2, metadata={
        "help": "prompts per optimizer step; batch = prompts_per_step * num_generations."})
    max_completion_length: int = field(default=128, metadata={
        "help": "tokens per completion (a random-init model never emits EOS: keep it capped)."})
    temperature: float = field(default=1.0, metadata={"help": "sampling temperature."})
    beta: float = field(default=0.0, metadata={
        "help": "KL coefficient to the reference policy (0 = no reference model, TRL default); "
                "dpo: the DPO beta (0 means 0.1)."})
    learning_rate: float = field(default=1e-5, metadata={"help": "AdamW learning rate."})
    max_steps: int = field(default=100, metadata={"help": "optimizer steps."})
    save_steps: int = field(default=50, metadata={"help": "checkpoint every N steps."})
    save_total_limit: int = field(default=2, metadata={"help": "checkpoints kept."})
    logging_steps: int = field(default=1, metadata={"help": "log metrics every N steps."})
    scale_rewards: str = field(default="group", metadata={
        "help": "grpo advantage scaling: group, batch or none (Dr. GRPO: none)."})
    seed: int = field(default=0, metadata={"help": "random seed."})
    resume: bool = field(default=False, metadata={
        "help": "continue from the last checkpoint in output_dir."})
    force: bool = field(default=False, metadata={
        "help": "start over in an output_dir that holds checkpoints or a finished run."})
    async_rewards: bool = field(default=True, metadata={
        "help": "grpo/rloo: run the reward functions concurrently (TRL async reward functions), "
                "so the sandbox batch overlaps the static and reward-model scores."})
    use_vllm: bool = field(default=False, metadata={
        "help": "rollouts with vLLM (TRL use_vllm; the vllm extra and a CUDA GPU)."})
    vllm_mode: str = field(default="colocate", metadata={
        "help": "TRL vllm_mode: colocate (in the trainer's processes) or server (trl "
                "vllm-serve on other GPUs)."})
    deepspeed: str | None = field(default=None, metadata={
        "help": "zero2, zero3 or a DeepSpeed JSON file (multi-GPU: accelerate launch)."})
    sandbox: SandboxConfig = field(default_factory=SandboxConfig, metadata={
        "help": "the execution reward's sandbox pool (docs/sandbox.md)."})
    trl: dict = field(default_factory=dict, metadata={
        "help": "extra keys of TRL's GRPOConfig/RLOOConfig/DPOConfig, checked and typed "
                "against its fields; a key codetune sets from this config is an error."})


def check_config(cfg: RLConfig) -> None:
    if cfg.algo not in ALGOS:
        raise CodetuneError(f"--algo {cfg.algo!r}: choose one of {', '.join(ALGOS)}")
    if not cfg.model:
        raise CodetuneError("no policy model: pass --model DIR (an SFT output dir or hub id)")
    if cfg.method not in ("full", "lora", "qlora"):
        raise CodetuneError(f"method {cfg.method!r}: choose full, lora or qlora")
    if cfg.num_generations < 2 and cfg.algo != "dpo":
        raise CodetuneError("num_generations must be >= 2 (group baselines need two samples)")
    if cfg.scale_rewards not in ("group", "batch", "none"):
        raise CodetuneError(f"scale_rewards {cfg.scale_rewards!r}: use group, batch or none")
    if cfg.use_vllm:
        import importlib.util

        if cfg.vllm_mode not in ("colocate", "server"):
            raise CodetuneError(f"vllm_mode {cfg.vllm_mode!r}: use colocate or server")
        if importlib.util.find_spec("vllm") is None:
            raise CodetuneError("use_vllm=true needs vLLM, which is not installed: pip install "
                                "'codetune[vllm]' (on a CUDA machine), or set use_vllm=false")
    if cfg.trl:
        cfg.trl = trl_keys(cfg.algo, cfg.trl)


def trl_keys(algo: str, keys: dict) -> dict:
    """``trl:`` keys checked against the algorithm's TRL config and converted to its types."""
    import trl

    from codetune.train.trainer_config import check_passthrough

    return check_passthrough(getattr(trl, TRL_CONFIGS[algo]), keys, "trl")
