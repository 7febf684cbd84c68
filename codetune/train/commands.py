"""``codetune pretrain``, ``codetune sft`` and ``codetune merge``: thin library wrappers."""

from __future__ import annotations

from typing import Annotated

import typer

from codetune.artifacts import final_model_dir
from codetune.commands import ConfigOpt, SetOpt

ModelOpt = Annotated[str | None, typer.Option(help="Model dir or hub id to start from.")]
DataOpt = Annotated[str | None, typer.Option(help="Training dataset dir or file.")]
OutOpt = Annotated[str | None, typer.Option("--output-dir", "-o", help="Run dir to write.")]
ResumeOpt = Annotated[bool, typer.Option("--resume", help="Continue from the last checkpoint.")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Start over in a run dir with checkpoints or a finished run (deletes them).")]
DsOpt = Annotated[str | None, typer.Option(
    "--deepspeed", help="zero2, zero3 or a DeepSpeed JSON file (multi-GPU: accelerate launch).")]
StepsOpt = Annotated[int | None, typer.Option(help="Optimizer steps (overrides epochs).")]


def pretrain(model: ModelOpt = None, dataset: DataOpt = None, output_dir: OutOpt = None,
             max_steps: StepsOpt = None, resume: ResumeOpt = False, force: ForceOpt = False,
             deepspeed: DsOpt = None, config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Causal-LM pretraining on a packed dataset (from `codetune data pretrain`)."""
    from codetune.config import load_config
    from codetune.train.config import PretrainConfig
    from codetune.train.pretrain import run_pretrain

    sets = list(set_ or []) + ([f"train.max_steps={max_steps}"] if max_steps else [])
    cfg = load_config(PretrainConfig, config, sets, model=model, dataset=dataset,
                      output_dir=output_dir, resume=resume or None, force=force or None,
                      deepspeed=deepspeed)
    print(final_model_dir(run_pretrain(cfg)))


def sft(model: ModelOpt = None, dataset: DataOpt = None, output_dir: OutOpt = None,
        method: Annotated[str | None, typer.Option(help="full, lora or qlora.")] = None,
        max_steps: StepsOpt = None, resume: ResumeOpt = False, force: ForceOpt = False,
        deepspeed: DsOpt = None, attn_implementation: Annotated[str | None, typer.Option(
            help="auto (sdpa_packed for packed rows), sdpa_packed, sdpa, eager, "
                 "flash_attention_2.")] = None,
        config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Supervised fine-tuning (TRL SFTTrainer): full, LoRA or QLoRA, completion-only loss."""
    from codetune.config import load_config
    from codetune.train.config import SFTRunConfig
    from codetune.train.sft import run_sft

    sets = list(set_ or []) + ([f"train.max_steps={max_steps}"] if max_steps else [])
    cfg = load_config(SFTRunConfig, config, sets, model=model, dataset=dataset,
                      output_dir=output_dir, method=method, resume=resume or None,
                      force=force or None,
                      deepspeed=deepspeed, attn_implementation=attn_implementation)
    print(final_model_dir(run_sft(cfg)))


def merge(adapter: Annotated[str, typer.Argument(help="LoRA/QLoRA adapter dir (an sft output).")],
          output_dir: Annotated[str, typer.Option("--output-dir", "-o", help="Merged model dir.")],
          base: Annotated[str | None, typer.Option(
              help="Base model; default: the one in adapter_config.json.")] = None) -> None:
    """Merge a LoRA adapter into its base model and save a plain HF model dir."""
    from codetune.train.merge import merge_adapter

    print(merge_adapter(adapter, output_dir, base=base))


def register(app: typer.Typer) -> None:
    app.command("pretrain")(pretrain)
    app.command("sft")(sft)
    app.command("merge")(merge)
