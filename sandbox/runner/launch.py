"""The candidate process becomes a compiler or a program (any language but in-process Python).

A forked candidate (already isolated: own session, candidate uid, fds 0-2 on its pipes) applies
the job's limits, writes the job's files, points stdin at the case's input and execs ``argv``.
The channel to the runner is close-on-exec, so the program never holds it: how the program
ended comes from the kernel (the template's wait status), never from the program.
"""

from __future__ import annotations

import os

import codec
from isolation import set_limits, write_files_and_stdin

CHANNEL_FD = 3


def exec_program(argv, env, stdin, limits, files) -> None:
    """Replace this process with ``argv`` (never returns). On any failure before the exec
    report ``["done", 127, "ExecError"]`` (a missing toolchain: the sandbox's fault) and exit."""
    try:
        _prepare(limits if isinstance(limits, dict) else {}, files, stdin)
        os.set_inheritable(CHANNEL_FD, False)
        env = {str(k): str(v) for k, v in (env or {}).items()}
        argv = [str(a) for a in argv]
        os.execve(_which(argv[0], env.get("PATH", "/usr/bin:/bin")), argv, env)
    except BaseException as exc:
        try:
            os.write(2, f"cannot run {str(argv[:1])}: {type(exc).__name__}: {exc}\n".encode())
            codec.send(CHANNEL_FD, ["done", 127, "ExecError"])
        except BaseException:
            pass
    os._exit(127)


def _prepare(limits: dict, files, stdin) -> None:
    set_limits(memory_mb=int(limits.get("memory_mb", 512)), cpu_s=int(limits.get("cpu_s", 10)),
               file_size_mb=int(limits.get("file_size_mb", 16)),
               open_files=int(limits.get("open_files", 64)))
    write_files_and_stdin(files, stdin)


def _which(name: str, path: str) -> str:
    if "/" in name:
        return name
    for folder in path.split(":"):
        full = os.path.join(folder, name)
        if os.access(full, os.X_OK):
            return full
    return name
