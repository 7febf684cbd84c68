"""Kernel objects a job can leave behind outside the filesystem: SysV shared memory, message
queues and semaphore sets, and POSIX message queues. Left in place, they carry data from one
job to the next and hold memory (SysV shm counts against the container's cgroup).

Only used in a private IPC namespace (docker, bubblewrap), where every object is a job's.
Removing a SysV object needs its owner's or creator's effective uid (or CAP_SYS_ADMIN, which the
runner does not have): as root the runner takes the owner's euid for the call and back.
"""

from __future__ import annotations

import ctypes
import os

IPC_RMID = 0
MQUEUE_DIR = "/dev/mqueue"
_KINDS = ("shm", "msg", "sem")
_libc = ctypes.CDLL(None, use_errno=True)


def list_ipc(kind: str) -> list[tuple[int, int, int]]:
    """``(id, owner uid, creator uid)`` of each SysV object of ``kind`` (shm, msg, sem)."""
    try:
        with open(f"/proc/sysvipc/{kind}") as f:
            header, *rows = f.read().splitlines()
    except OSError:
        return []
    names = header.split()
    at_id = 1  # "shmid", "msqid", "semid"
    at_uid, at_cuid = names.index("uid"), names.index("cuid")
    out = []
    for row in rows:
        cols = row.split()
        if len(cols) > max(at_uid, at_cuid):
            out.append((int(cols[at_id]), int(cols[at_uid]), int(cols[at_cuid])))
    return out


def _remove(kind: str, ident: int) -> bool:
    if kind == "shm":
        rc = _libc.shmctl(ident, IPC_RMID, None)
    elif kind == "msg":
        rc = _libc.msgctl(ident, IPC_RMID, None)
    else:
        rc = _libc.semctl(ident, 0, IPC_RMID)
    return rc == 0


def remove_ipc() -> int:
    """Remove every SysV IPC object in this namespace; the number removed."""
    removed = 0
    root = os.geteuid() == 0
    for kind in _KINDS:
        for ident, uid, cuid in list_ipc(kind):
            for owner in (uid, cuid):
                if root and owner != 0:
                    os.seteuid(owner)  # keeps the saved uid 0; capabilities come back below
                try:
                    ok = _remove(kind, ident)
                finally:
                    if root and owner != 0:
                        os.seteuid(0)
                if ok:
                    removed += 1
                    break
    return removed


def remove_mqueues() -> int:
    """Unlink every POSIX message queue (mounted at /dev/mqueue in docker and bubblewrap)."""
    removed = 0
    try:
        names = os.listdir(MQUEUE_DIR)
    except OSError:
        return 0
    for name in names:
        try:
            os.unlink(os.path.join(MQUEUE_DIR, name))
            removed += 1
        except OSError:
            pass
    return removed


def remove_all() -> int:
    return remove_ipc() + remove_mqueues()
