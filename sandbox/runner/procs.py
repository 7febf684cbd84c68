"""Process and scratch-directory housekeeping between jobs."""

from __future__ import annotations

import os
import shutil
import signal
import time


def continue_process(pid: int) -> bool:
    """SIGCONT (undo a candidate's SIGSTOP); False if the process is gone."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, signal.SIGCONT)
    except ProcessLookupError:
        return False
    return True


def descendants() -> list[int]:
    """Every process below this one, in any state (orphans are re-parented to us: we are a
    subreaper, or PID 1 of the container)."""
    me, parents = os.getpid(), {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(entry)] = int(fields[1])
    found, frontier = [], [me]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        frontier += kids
    return found


def alive(pid: int) -> bool:
    """Not yet a plain zombie: a zombie thread-group leader whose other threads still run is
    alive (it shows ``Z`` in /proc/<pid>/stat and is exactly what a scan for live processes
    skips)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
        return state != b"Z" or len(os.listdir(f"/proc/{pid}/task")) > 1
    except (OSError, IndexError):
        return False


def kill_leftovers(keep: set[int], rounds: int = 2000) -> dict[int, int]:
    """SIGKILL every process below this one but ``keep``, whatever its state, until none is
    alive; reap our own children. Returns the wait statuses reaped."""
    statuses: dict[int, int] = {}
    for _ in range(rounds):
        living = []
        for pid in descendants():
            if pid in keep:
                continue
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                continue
            if alive(pid):
                living.append(pid)
        reap(statuses)
        if not living:
            break
        time.sleep(0.0005)
    return statuses


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
