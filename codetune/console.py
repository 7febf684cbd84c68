"""Console, logging and progress bars shared by every command."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

console = Console(stderr=True)
log = logging.getLogger("codetune")
_state = {"quiet": False}


def setup_logging(log_file: str | os.PathLike | None = None, quiet: bool = False,
                  debug: bool = False) -> None:
    """Rich console logging (INFO, or WARNING when quiet) plus an optional plain log file."""
    _state["quiet"] = quiet
    log.handlers.clear()
    log.setLevel(logging.DEBUG)
    log.propagate = False
    level = logging.DEBUG if debug else (logging.WARNING if quiet else logging.INFO)
    handler = RichHandler(console=console, show_path=False, rich_tracebacks=debug)
    handler.setLevel(level)
    log.addHandler(handler)
    if log_file:
        add_log_file(log_file)


def add_log_file(path: str | os.PathLike) -> None:
    """Also write every record (DEBUG and up) to ``path``; long jobs call this for their run dir."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for h in log.handlers:
        if isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path.resolve():
            return
    fh = logging.FileHandler(path, encoding="utf-8")
    fh.setLevel(logging.DEBUG)
    fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(fh)


def is_quiet() -> bool:
    return _state["quiet"]


def progress(transient: bool = False) -> Progress:
    """A rich progress bar (hidden under ``--quiet``): ``with progress() as p: p.add_task(...)``."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
        disable=is_quiet(),
    )
