"""The host end of a runner's job and result pipes when they bypass ``docker run -i``.

Through ``docker run -i`` every job line and result line is copied by the docker CLI, the
daemon and the container's shim (three processes woken per message, ~1.7 ms of CPU a job on a
2-core machine: profiled in docs/sandbox.md). Here the host makes two named pipes in a private
folder (0700) that the container gets as a read-only bind mount: the runner reads jobs from
``in`` and writes results to ``out``, and nothing else touches them.

Opening order, so that neither side can block forever on a runner that never started: the host
opens ``out`` for reading without blocking and ``in`` read-write (Linux lets that return at
once); the runner opens ``in`` for reading and ``out`` for writing; once the runner's ready line
arrived, the host swaps its read-write ``in`` for a write-only one, so a runner that dies makes
the next write fail (``BrokenPipeError``) instead of filling a pipe nobody reads.
"""

from __future__ import annotations

import os
import shutil
import tempfile


class FifoChannel:
    """Two named pipes in a fresh 0700 folder; ``folder`` is what the container mounts."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="codetune-io-")  # mode 0700
        self.jobs = os.path.join(self.folder, "in")
        self.results = os.path.join(self.folder, "out")
        os.mkfifo(self.jobs, 0o600)
        os.mkfifo(self.results, 0o600)
        self.read_fd = os.open(self.results, os.O_RDONLY | os.O_NONBLOCK)
        self.write_fd = os.open(self.jobs, os.O_RDWR)  # placeholder writer until connected()

    def connected(self) -> None:
        """The runner has both pipes open (its ready line came): write only from now on."""
        writer = os.open(self.jobs, os.O_WRONLY | os.O_NONBLOCK)  # a reader exists: no ENXIO
        os.set_blocking(writer, True)
        os.close(self.write_fd)
        self.write_fd = writer

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.write_fd, view):]

    def close(self) -> None:
        for fd in (self.write_fd, self.read_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.write_fd = self.read_fd = -1
        shutil.rmtree(self.folder, ignore_errors=True)
