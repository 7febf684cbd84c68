"""The ``codetune`` command line: thin wrappers that build a config and call one function."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Annotated

import typer

from codetune import __version__
from codetune.commands import groups
from codetune.console import console, setup_logging
from codetune.errors import CodetuneError

# Each module defines ``register(app)``; listed in pipeline order. A stage is listed only once
# its commands work (no stubs on the CLI).
COMMAND_MODULES = (
    "codetune.data.commands",
    "codetune.data.sft.commands",
    "codetune.data.pyfunc.commands",
    "codetune.models.commands",
    "codetune.train.commands",
    "codetune.rewards.commands",
    "codetune.rl.commands",
    "codetune.eval.commands",
    "codetune.sandbox.commands",
    "codetune.benchmark_scripts",
    "codetune.demo.commands",
)

app = typer.Typer(
    name="codetune",
    help="Train code models whose reward comes from running the code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_state = {"debug": False}


@app.callback()
def _root(
    log_file: Annotated[str | None, typer.Option(help="Also write the log to this file.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Warnings and errors only.")] = False,
    debug: Annotated[bool, typer.Option(help="Show tracebacks and debug logs.")] = False,
) -> None:
    _state["debug"] = debug
    setup_logging(log_file=log_file, quiet=quiet, debug=debug)


@app.command()
def version() -> None:
    """Print codetune's version."""
    print(__version__)


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _load_commands() -> None:
    for name in COMMAND_MODULES:
        if _module_exists(name):
            importlib.import_module(name).register(app)
    for name, (sub, help_text) in groups().items():
        app.add_typer(sub, name=name, help=help_text)


_load_commands()


def main() -> None:
    """Console-script entry point: one-line errors for bad input unless ``--debug``."""
    debug = "--debug" in sys.argv
    try:
        app(standalone_mode=False)
    except CodetuneError as exc:
        if debug:
            raise
        from rich.markup import escape

        # escaped: messages name extras like codetune[vllm], which rich would take as markup
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # click usage errors and the unexpected
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        if debug:
            raise
        console.print(f"[bold red]error:[/] {type(exc).__name__}: {exc} (rerun with --debug "
                      "for the traceback)", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
