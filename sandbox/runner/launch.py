"""The candidate process becomes a compiler or a program (any language but in-process Python).

A forked candidate (already isolated: own session, candidate uid, fds 0-2 on its pipes) applies
the job's limits, writes the job's files, points stdin at the case's input and execs ``argv``.
The channel to the runner is close-on-exec, so the program never holds it: how the program
ended comes from the kernel (the template's wait status), never from the program.
"""

from __future__ import annotations

import base64
import os
import resource

import codec
from isolation import set_limits

CHANNEL_FD = 3
MB = 1024 * 1024


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
    memory = int(limits.get("memory_mb", 512))
    cpu, fsize = int(limits.get("cpu_s", 10)), int(limits.get("file_size_mb", 16))
    nofile = int(limits.get("open_files", 64))
    if memory:
        set_limits(memory_mb=memory, cpu_s=cpu, file_size_mb=fsize, open_files=nofile)
    else:  # a VM with its own heap cap (JVM, V8 reserve huge address space): no RLIMIT_AS
        for which, value in ((resource.RLIMIT_CPU, (cpu, cpu + 1)),
                             (resource.RLIMIT_FSIZE, (fsize * MB, fsize * MB)),
                             (resource.RLIMIT_NOFILE, (nofile, nofile)),
                             (resource.RLIMIT_CORE, (0, 0))):
            resource.setrlimit(which, value)
    for path, data in (files or {}).items():
        folder = os.path.dirname(str(path))
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(str(path), "wb") as f:
            f.write(base64.b64decode(data))
    _stdin(stdin)


def _stdin(data) -> None:
    """The case's input on fd 0 (a memfd: no pipe to keep fed); None: EOF at once."""
    if data is None:
        return
    fd = os.memfd_create("stdin")
    raw = str(data).encode()
    while raw:
        raw = raw[os.write(fd, raw):]
    os.lseek(fd, 0, os.SEEK_SET)
    os.dup2(fd, 0)
    os.close(fd)


def _which(name: str, path: str) -> str:
    if "/" in name:
        return name
    for folder in path.split(":"):
        full = os.path.join(folder, name)
        if os.access(full, os.X_OK):
            return full
    return name
