"""Shared pieces for stage command modules: sub-command groups and the common config options.

A stage adds its commands in ``codetune/<stage>/commands.py`` with ``register(app)``; it gets a
group with ``group("data", "...")`` (several stages may add to one group) or adds a top-level
command with ``app.command()``. ``codetune/cli.py`` imports the registered modules.
"""

from __future__ import annotations

from typing import Annotated

import typer

_groups: dict[str, typer.Typer] = {}
_group_help: dict[str, str] = {}


def group(name: str, help: str = "") -> typer.Typer:
    """Return (creating once) the sub-command group ``codetune NAME``."""
    if name not in _groups:
        _groups[name] = typer.Typer(no_args_is_help=True, add_completion=False)
        _group_help[name] = help
    elif help and not _group_help[name]:
        _group_help[name] = help
    return _groups[name]


def groups() -> dict[str, tuple[typer.Typer, str]]:
    return {n: (g, _group_help[n]) for n, g in _groups.items()}


ConfigOpt = Annotated[
    str | None, typer.Option("--config", "-c", help="YAML file of config keys.")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override any config key: --set a.b=value (repeatable)."),
]
