"""``codetune rm`` (mine pairs by execution, train a reward model) and ``codetune rewards ...``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from codetune.commands import ConfigOpt, SetOpt, group

StrOpt = str | None
OutOpt = Annotated[StrOpt, typer.Option("--output-dir", "-o", help="Run dir.")]


def rm(model: Annotated[StrOpt, typer.Option(help="Base model (usually the SFT model).")] = None,
       tasks: Annotated[StrOpt, typer.Option(
           help="Tasks to mine on: mbpp or a JSONL/dataset dir with prompt + tests.")] = None,
       pairs: Annotated[StrOpt, typer.Option(help="Train on these pairs (skip mining).")] = None,
       output_dir: OutOpt = None,
       deepspeed: Annotated[StrOpt, typer.Option(
           "--deepspeed", help="zero2, zero3 or a DeepSpeed JSON file (accelerate launch).")
                            ] = None,
       mine_only: Annotated[bool, typer.Option("--mine-only", help="Write pairs.jsonl and stop.")
                            ] = False,
       config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Train a reward model (TRL RewardTrainer) on preference pairs mined by execution."""
    from pathlib import Path

    from codetune.config import load_config, save_config
    from codetune.rewards.rm import RMConfig

    sets = list(set_ or []) + ([f"mine.tasks.source={tasks}"] if tasks else [])
    cfg = load_config(RMConfig, config, sets, model=model, pairs=pairs, output_dir=output_dir,
                      deepspeed=deepspeed)
    if mine_only:
        from codetune.rewards.mining import mine_pairs

        cfg.mine.model = cfg.mine.model or cfg.model
        save_config(cfg, cfg.output_dir)
        from codetune.rewards.pool import close_shared_pool

        try:
            found = mine_pairs(cfg.mine, Path(cfg.output_dir) / "pairs.jsonl")
        finally:
            close_shared_pool()
        print(json.dumps({"pairs": len(found), "file": str(Path(cfg.output_dir) / "pairs.jsonl")}))
        return
    from codetune.rewards.rm import train_reward_model

    print(json.dumps(train_reward_model(cfg), indent=2))


def list_rewards() -> None:
    """List the built-in reward names (give your own as package.module:function)."""
    from codetune.rewards.registry import _FACTORIES, available_rewards

    for name in available_rewards():
        doc = (_FACTORIES[name].__doc__ or "").strip().splitlines()[0]
        print(f"{name:18} {doc}")


def score(file: Annotated[str, typer.Argument(help="JSONL: a completion column + task columns.")],
          rewards: Annotated[list[str], typer.Option(
              "--reward", "-r", help="Reward name or package.module:function (repeatable).")],
          output: Annotated[str, typer.Option("--output", "-o", help="JSONL to write.")],
          completion_key: Annotated[str, typer.Option(help="Column with the completion.")
                                    ] = "completion") -> None:
    """Score completions with reward functions (one batch each); writes a column per reward."""
    from codetune.rewards.scoring import score_file

    print(json.dumps(score_file(file, rewards, output, completion_key)))


def register(app: typer.Typer) -> None:
    app.command("rm")(rm)
    g = group("rewards", "Reward functions: list them, score completions with them.")
    g.command("list")(list_rewards)
    g.command("score")(score)
