"""``codetune data tasks``: write the pyfunc task family (registered by codetune.demo.commands)."""

from __future__ import annotations

from typing import Annotated

import typer

from codetune.commands import ConfigOpt, SetOpt, group


def tasks(
    out: Annotated[str, typer.Option("--out", "-o", help="Output folder.")] = "runs/tasks",
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Generate the pyfunc task family (sft/rl/heldout templates) as JSONL + HF dataset."""
    from codetune.config import load_config
    from codetune.console import console
    from codetune.data.pyfunc.build import TaskFamilyConfig, build_task_family

    cfg = load_config(TaskFamilyConfig, config, set_)
    counts = build_task_family(cfg, out)
    console.print(f"wrote {out}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


def register(app: typer.Typer) -> None:
    group("data", "Build datasets: pretraining corpus, SFT data, task families.").command(
        "tasks")(tasks)
