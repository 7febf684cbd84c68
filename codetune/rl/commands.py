"""``codetune rl --algo grpo|rloo|dpo`` and ``codetune rm``: thin wrappers over ``run_grpo``,
``run_dpo`` and ``train_reward_model``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from codetune.commands import ConfigOpt, SetOpt

StrOpt = str | None
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Start over in a run dir with checkpoints or a finished run (deletes them).")]


def rl(model: Annotated[str | None, typer.Option(help="Policy: SFT model dir or hub id.")] = None,
       algo: Annotated[str | None, typer.Option(help="grpo, rloo or dpo.")] = None,
       tasks: Annotated[str | None, typer.Option(
           help="mbpp (train split), a tasks JSONL/dataset dir (prompt + tests columns), or "
                "problems judged by cases: CodeContests, APPS/TACO, LiveCodeBench or JSONL "
                "(prompt + cases) files, or a hub id (hf:deepmind/code_contests).")] = None,
       pairs: Annotated[str | None, typer.Option(help="dpo: mined pairs JSONL.")] = None,
       output_dir: Annotated[str | None, typer.Option("--output-dir", "-o", help="Run dir.")
                             ] = None,
       method: Annotated[str | None, typer.Option(help="full, lora or qlora.")] = None,
       max_steps: Annotated[int | None, typer.Option(help="Optimizer steps.")] = None,
       resume: Annotated[bool, typer.Option("--resume", help="From the last checkpoint.")] = False,
       force: ForceOpt = False,
       deepspeed: Annotated[str | None, typer.Option(
           "--deepspeed", help="zero2, zero3 or a DeepSpeed JSON file (accelerate launch).")
                            ] = None,
       show_config: Annotated[bool, typer.Option(help="Print the resolved config and exit.")
                              ] = False,
       config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Reinforcement learning with rewards from running the code (TRL GRPO/RLOO, or DPO)."""
    import yaml

    from codetune.config import load_config, to_plain
    from codetune.rl.config import RLConfig

    sets = list(set_ or []) + ([f"tasks.source={tasks}"] if tasks else [])
    cfg = load_config(RLConfig, config, sets, model=model, algo=algo, pairs=pairs,
                      output_dir=output_dir, method=method, max_steps=max_steps,
                      resume=resume or None, force=force or None, deepspeed=deepspeed)
    if show_config:
        print(yaml.safe_dump(to_plain(cfg), sort_keys=False))
        return
    from codetune.rl.config import check_config

    check_config(cfg)  # before the slow trl import
    if cfg.algo == "dpo":
        from codetune.rl.dpo import run_dpo

        summary = run_dpo(cfg)
    else:
        from codetune.rl.grpo import run_grpo

        summary = run_grpo(cfg)
    print(json.dumps({k: v for k, v in summary.items() if k != "config"}, indent=2, default=str))


def rm(model: Annotated[StrOpt, typer.Option(help="Base model (usually the SFT model).")] = None,
       tasks: Annotated[StrOpt, typer.Option(
           help="Tasks to mine on: mbpp or a JSONL/dataset dir with prompt + tests.")] = None,
       pairs: Annotated[StrOpt, typer.Option(help="Train on these pairs (skip mining).")] = None,
       output_dir: Annotated[StrOpt, typer.Option("--output-dir", "-o", help="Run dir.")] = None,
       resume: Annotated[bool, typer.Option("--resume", help="From the last checkpoint.")] = False,
       force: ForceOpt = False,
       deepspeed: Annotated[StrOpt, typer.Option(
           "--deepspeed", help="zero2, zero3 or a DeepSpeed JSON file (accelerate launch).")
                            ] = None,
       mine_only: Annotated[bool, typer.Option("--mine-only", help="Write pairs.jsonl and stop.")
                            ] = False,
       config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Train a reward model (TRL RewardTrainer) on preference pairs mined by execution."""
    from pathlib import Path

    from codetune.config import load_config, save_config
    from codetune.rl.rm import RMConfig

    sets = list(set_ or []) + ([f"mine.tasks.source={tasks}"] if tasks else [])
    cfg = load_config(RMConfig, config, sets, model=model, pairs=pairs, output_dir=output_dir,
                      deepspeed=deepspeed, resume=resume or None, force=force or None)
    if mine_only:
        from codetune.rl.pairs import mine_pairs

        cfg.mine.model = cfg.mine.model or cfg.model
        save_config(cfg, cfg.output_dir)
        from codetune.rewards.pool import close_shared_pool

        try:
            found = mine_pairs(cfg.mine, Path(cfg.output_dir) / "pairs.jsonl")
        finally:
            close_shared_pool()
        print(json.dumps({"pairs": len(found), "file": str(Path(cfg.output_dir) / "pairs.jsonl")}))
        return
    from codetune.rl.rm import train_reward_model

    print(json.dumps(train_reward_model(cfg), indent=2))


def register(app: typer.Typer) -> None:
    app.command("rl")(rl)
    app.command("rm")(rm)
