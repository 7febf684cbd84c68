"""The job/result pipes a docker runner shares with the host (docker_io fifo), and the fallback.

The pipes live in a 0700 root folder bind-mounted read-only: the runner (root with
DAC_OVERRIDE) opens them, no candidate or judge uid can, so a candidate can neither read other
jobs nor write a result line of its own.
"""

from __future__ import annotations

import os

import pytest

from codetune.sandbox import SandboxConfig, SandboxPool
from codetune.sandbox.backends import IO_DIR, docker_command
from codetune.sandbox.channel import FifoChannel
from codetune.sandbox.types import ExecutionJob

pytestmark = pytest.mark.docker

PROBE = f"""
import os
for path in ({IO_DIR!r}, {IO_DIR!r} + "/in", {IO_DIR!r} + "/out"):
    for mode in (os.O_RDONLY | os.O_NONBLOCK, os.O_WRONLY | os.O_NONBLOCK):
        try:
            fd = os.open(path, mode)
        except OSError as exc:
            print(path, mode, "denied", exc.errno)
        else:
            os.close(fd)
            print(path, mode, "OPENED")
def f():
    return 1
"""


def test_candidate_cannot_open_the_runners_pipes(sandbox_pool):
    result = sandbox_pool.run(ExecutionJob(id="probe", code=PROBE, tests=["assert f() == 1"],
                                           entry_point="f"))
    assert result.passed, result.reason
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 6 and all("denied" in line for line in lines), result.stdout
    # and the runner still answers the next job
    after = sandbox_pool.run(ExecutionJob(id="next", code="def f():\n    return 2\n",
                                          tests=["assert f() == 2"], entry_point="f"))
    assert after.passed, after.reason


def test_pipes_are_private_and_mounted_read_only():
    channel = FifoChannel()
    try:
        assert os.stat(channel.folder).st_mode & 0o777 == 0o700
        cmd = docker_command(SandboxConfig(), "name", channel.folder)
        assert f"{channel.folder}:{IO_DIR}:ro" in cmd and "-i" not in cmd
        assert cmd[cmd.index("--io") + 1] == IO_DIR
    finally:
        channel.close()
    assert not os.path.exists(channel.folder)
    assert "-i" in docker_command(SandboxConfig(docker_io="attach"), "name")


def test_attach_mode_runs_jobs_the_same():
    with SandboxPool(SandboxConfig(docker_io="attach", workers=1)) as pool:
        ok, bad = pool.run_many([
            ExecutionJob(id="ok", code="def f(x):\n    return x + 1\n",
                         tests=["assert f(1) == 2"], entry_point="f"),
            ExecutionJob(id="bad", code="def f(x):\n    return x\n",
                         tests=["assert f(1) == 2"], entry_point="f")])
    assert ok.passed and not bad.passed and bad.status == "failed"


def test_a_container_that_never_starts_ends_the_attempt_with_dockers_reason():
    """The runner never opens its pipes; the docker client's exit ends the attempt at once with
    its message (without watching the client this would wait for the 60 s deadline: "hung")."""
    import time

    from codetune.sandbox.worker import RunnerDied, Worker

    worker = Worker(SandboxConfig(image="codetune-sandbox:Not_A/valid::ref"), 0)
    try:
        with pytest.raises(RunnerDied, match="runner exited: .*docker run --help"):
            worker._start_once(time.monotonic() + 60)
        folder = worker.channel.folder
    finally:
        worker.close()
    assert worker.channel is None and not os.path.exists(folder)
