"""Uids, rlimits and file descriptors of the processes the templates fork.

When the runner starts as root (docker, bubblewrap as root), the runner and both templates stay
root with a handful of capabilities, every judge drops to ``JUDGE_UID`` and every candidate to
``CANDIDATE_UID``, with no capability left. Signals need a matching uid (or CAP_KILL), so a
candidate can signal neither its judge nor the runner, and a judge cannot signal the runner.
"""

from __future__ import annotations

import os
import resource

CANDIDATE_UID = 65534  # nobody
JUDGE_UID = 65533
MB = 1024 * 1024


def drop_to(uid: int) -> None:
    """Become ``uid`` for good (real, effective and saved ids) when running as root."""
    if os.getuid() != 0:
        return
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def close_fds_except(keep: set[int]) -> None:
    """Close every descriptor above 2 that is not in ``keep`` (inherited control sockets)."""
    last = 2
    for fd in sorted(keep):
        if fd > last:
            os.closerange(last + 1, fd)
            last = fd
    os.closerange(last + 1, 65536)


def set_limits(memory_mb: int, cpu_s: int, file_size_mb: int, open_files: int) -> None:
    """Address space, CPU seconds (soft; SIGKILL one second later), file size, open files, no
    core dumps; a limit above an inherited hard limit is clamped to it."""
    settings = [
        (resource.RLIMIT_AS, (memory_mb * MB, memory_mb * MB)),
        (resource.RLIMIT_CPU, (cpu_s, cpu_s + 1)),
        (resource.RLIMIT_FSIZE, (file_size_mb * MB, file_size_mb * MB)),
        (resource.RLIMIT_NOFILE, (open_files, open_files)),
        (resource.RLIMIT_CORE, (0, 0)),
    ]
    for which, pair in settings:
        try:
            resource.setrlimit(which, pair)
        except (ValueError, OSError):
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                resource.setrlimit(which, (min(pair[0], hard), hard))
