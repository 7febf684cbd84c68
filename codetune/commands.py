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


def print_config_help(cls: type, expand: dict[str, tuple[type, str]] | None = None) -> None:
    """``--show-config``: a table of every key, its default and help.

    ``expand`` maps a list-valued key to (item dataclass, short default) to list the item's keys.
    """
    from rich.table import Table

    from codetune.config import config_help
    from codetune.console import console

    table = Table("key", "default", "help")
    for key, default, help_text in config_help(cls):
        if expand and key in expand:
            item_cls, short = expand[key]
            table.add_row(key, short, help_text)
            for sub, sub_default, sub_help in config_help(item_cls):
                table.add_row(f"{key}[].{sub}", sub_default, sub_help)
            continue
        table.add_row(key, default, help_text)
    console.print(table)
