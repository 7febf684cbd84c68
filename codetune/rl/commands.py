"""``codetune rl --algo grpo|rloo|dpo``: thin wrapper over ``run_grpo``/``run_dpo``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from codetune.commands import ConfigOpt, SetOpt


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
                      resume=resume or None, deepspeed=deepspeed)
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


def register(app: typer.Typer) -> None:
    app.command("rl")(rl)
