"""``codetune rewards list`` and ``codetune rewards score`` (``codetune rm`` lives in ``rl``)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from codetune.commands import group


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
    g = group("rewards", "Reward functions: list them, score completions with them.")
    g.command("list")(list_rewards)
    g.command("score")(score)
