"""Process and scratch-directory housekeeping between jobs."""

from __future__ import annotations

import os
import shutil
import signal


def continue_process(pid: int) -> bool:
    """SIGCONT (undo a candidate's SIGSTOP); False if the process is gone."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, signal.SIGCONT)
    except ProcessLookupError:
        return False
    return True


def descendants() -> tuple[list[int], list[int]]:
    """Every live process below this one (orphans are re-parented to us: we are a subreaper),
    and our own zombie children (still to be reaped)."""
    me, parents, zombies = os.getpid(), {}, []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != b"Z":
            parents[int(entry)] = int(fields[1])
        elif int(fields[1]) == me:
            zombies.append(int(entry))
    found, frontier = [], [me]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        frontier += kids
    return found, zombies


def reap(statuses: dict[int, int], keep: int = 0) -> None:
    """Collect every ended child's wait status into ``statuses`` (only the newest ``keep``
    when ``keep`` > 0)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        statuses[pid] = status
        if keep and len(statuses) > keep:
            statuses.pop(next(iter(statuses)))


def wipe(directory: str) -> None:
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, onerror=_force_remove)
            else:
                os.unlink(entry.path)
        except OSError:
            pass


def _force_remove(func, path, _exc) -> None:
    try:
        os.chmod(os.path.dirname(path), 0o700)
        os.chmod(path, 0o700)
        func(path)
    except OSError:
        pass
