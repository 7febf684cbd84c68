"""Uids, rlimits and file descriptors of the processes the templates fork.

When the runner starts as root (docker, bubblewrap as root), the runner and both templates stay
root with a handful of capabilities, every judge drops to ``JUDGE_UID`` and every candidate to
``CANDIDATE_UID``, with no capability left. Signals need a matching uid (or CAP_KILL), so a
candidate can signal neither its judge nor the runner, and a judge cannot signal the runner.
"""

from __future__ import annotations

import base64
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
    core dumps; a limit above an inherited hard limit is clamped to it. ``memory_mb`` 0: no
    address-space limit (a VM with its own heap cap: JVM and V8 reserve huge address space)."""
    settings = [
        (resource.RLIMIT_AS, (memory_mb * MB, memory_mb * MB)) if memory_mb else None,
        (resource.RLIMIT_CPU, (cpu_s, cpu_s + 1)),
        (resource.RLIMIT_FSIZE, (file_size_mb * MB, file_size_mb * MB)),
        (resource.RLIMIT_NOFILE, (open_files, open_files)),
        (resource.RLIMIT_CORE, (0, 0)),
    ]
    for which, pair in filter(None, settings):
        try:
            resource.setrlimit(which, pair)
        except (ValueError, OSError):
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                resource.setrlimit(which, (min(pair[0], hard), hard))


def write_files_and_stdin(files: dict | None, stdin) -> None:
    """A case's ``files`` (relative path -> base64) into the cwd, and its input on fd 0 (a
    memfd: no pipe to keep fed; None: EOF at once)."""
    for path, data in (files or {}).items():
        folder = os.path.dirname(str(path))
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(str(path), "wb") as f:
            f.write(base64.b64decode(data))
    if stdin is None:
        return
    fd = os.memfd_create("stdin")
    raw = str(stdin).encode()
    while raw:
        raw = raw[os.write(fd, raw):]
    os.lseek(fd, 0, os.SEEK_SET)
    os.dup2(fd, 0)
    os.close(fd)
