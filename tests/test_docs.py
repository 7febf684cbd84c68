"""Every ``codetune`` command in README.md and docs/ parses with the real CLI (subcommands,
options, option types), so the docs cannot drift from the code; tests/test_docs_run.py runs
them at tiny size."""

from __future__ import annotations

import pytest
import typer

from tests.docs_commands import doc_commands


def _parse(args: list[str]) -> str:
    """Resolve and parse ``args`` like the CLI does, without running anything; returns the
    command path."""
    from codetune.cli import app

    command = typer.main.get_command(app)
    ctx = command.make_context("codetune", list(args), resilient_parsing=False)
    path = ["codetune"]
    while hasattr(command, "resolve_command"):  # a group (typer vendors its own click)
        rest = [*getattr(ctx, "_protected_args", getattr(ctx, "protected_args", [])), *ctx.args]
        name, command, rest = command.resolve_command(ctx, rest)
        path.append(name)
        ctx = command.make_context(name, rest, parent=ctx)
    return " ".join(path)


def test_the_docs_hold_commands():
    commands = doc_commands()
    assert len(commands) >= 40
    assert any(c.args[:1] == ["merge"] for c in commands)


@pytest.mark.parametrize("command", doc_commands(), ids=str)
def test_documented_command_parses(command):
    try:
        path = _parse(command.args)
    except Exception as exc:  # click's usage errors (BadParameter, NoSuchOption, ...)
        if not hasattr(exc, "format_message"):
            raise
        pytest.fail(f"{command}: {exc.format_message()}", pytrace=False)
    assert path.count(" ") >= 1, command
