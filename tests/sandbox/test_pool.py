"""Pool lifecycle, recovery from dead containers and daemon restarts, backends and errors."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from codetune.errors import CodetuneError
from codetune.sandbox import ExecutionJob, SandboxConfig, SandboxPool
from codetune.sandbox.backends import check_docker

REPO = Path(__file__).resolve().parents[2]
SLOW_OK = ExecutionJob(id="slow", code="import time\ndef f(x):\n    time.sleep(1.5)\n"
                       "    return x + 1\n", tests=["assert f(1) == 2"], timeout_s=10)


def _ok(i: int) -> ExecutionJob:
    return ExecutionJob(id=f"ok{i}", code="def f(x):\n    return x + 1\n",
                        tests=["assert f(1) == 2"])


def _bad(i: int) -> ExecutionJob:
    return ExecutionJob(id=f"bad{i}", code="def f(x):\n    return x\n", tests=["assert f(1) == 2"])


@pytest.mark.docker
def test_start_close_and_context_manager():
    pool = SandboxPool(SandboxConfig(workers=1)).start()
    try:
        assert pool.size == 1 and pool.run(_ok(0)).passed
    finally:
        pool.close()
    with pytest.raises(CodetuneError, match="not started"):
        pool.run(_ok(0))
    with SandboxPool(SandboxConfig(workers=1)) as again:
        assert not again.run(_bad(0)).passed


@pytest.mark.docker
def test_dead_container_is_replaced_and_the_job_retried():
    with SandboxPool(SandboxConfig(workers=1)) as pool:
        name = pool.workers[0].name
        killer = threading.Timer(0.7, lambda: subprocess.run(["docker", "kill", name],
                                                             capture_output=True))
        killer.start()
        result = pool.run(SLOW_OK)
        killer.join()
        assert result.passed, result
        assert pool.workers[0].restarts == 1 and pool.workers[0].name != name
        assert pool.run(_bad(1)).status == "failed"


@pytest.mark.docker
def test_arun_many_is_asyncio_friendly(sandbox_pool):
    import asyncio

    results = asyncio.run(sandbox_pool.arun_many([_ok(1), _bad(2)]))
    assert [r.passed for r in results] == [True, False]


@pytest.mark.docker
@pytest.mark.slow
def test_daemon_restart_mid_batch_recovers():
    """Stop dockerd while a batch runs, start it again: every verdict is still right."""
    jobs = [SLOW_OK] + [_ok(i) if i % 2 else _bad(i) for i in range(30)]
    with SandboxPool(SandboxConfig(workers=2, start_timeout_s=90)) as pool:
        out: list = []
        runner = threading.Thread(target=lambda: out.extend(pool.run_many(jobs)))
        runner.start()
        time.sleep(0.5)
        pid = subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True, text=True).stdout
        subprocess.run(["kill", "-TERM", *pid.split()], check=True)
        for _ in range(600):  # dockerd stops every container first: slow under load
            if subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True).returncode:
                break
            time.sleep(0.2)
        subprocess.run(["bash", str(REPO / "scripts" / "ensure_docker.sh")], check=True)
        runner.join(timeout=180)
        assert not runner.is_alive()
        assert [r.passed for r in out] == [True] + [bool(i % 2) for i in range(30)]
        assert pool.run(_ok(99)).passed


def test_no_daemon_is_a_one_line_error_saying_how_to_start_docker(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(CodetuneError, match="ensure_docker.sh.*--backend process") as info:
        check_docker()
    assert "\n" not in str(info.value)
    with pytest.raises(CodetuneError, match="no Docker engine"):
        SandboxPool(SandboxConfig(backend="docker")).start()


def test_unknown_backend_is_rejected():
    with pytest.raises(CodetuneError, match="not one of docker, process"):
        SandboxPool(SandboxConfig(backend="chroot")).start()


@pytest.mark.parametrize("isolation", ["rlimit", "bwrap"])
def test_process_backend_is_opt_in_and_loudly_labelled(caplog, isolation):
    import logging

    from codetune.console import log

    log.addHandler(caplog.handler)
    caplog.set_level(logging.WARNING, logger="codetune")
    config = SandboxConfig(backend="process", workers=1, process_isolation=isolation)
    try:
        with SandboxPool(config) as pool:
            assert ("bwrap" in pool.workers[0].proc.args[0]) == (isolation == "bwrap")
            assert pool.run(_ok(1)).passed and not pool.run(_bad(1)).passed
            exit_job = ExecutionJob(id="x", code="import sys\nsys.exit(0)\n", tests=["assert 1"])
            assert pool.run(exit_job).status == "exit_called"
    finally:
        log.removeHandler(caplog.handler)
    assert "WEAKER" in caplog.text or "NO network" in caplog.text


@pytest.mark.docker
def test_containers_of_dead_pools_are_removed_at_start():
    from codetune.sandbox.backends import remove_stale_containers
    from codetune.sandbox.config import SandboxConfig as Cfg

    # Our own pid with a start time it never had: a pid reused by another process is not ours.
    name = f"codetune-stale-{os.getpid()}"
    subprocess.run(["docker", "run", "-d", "--name", name, "--label", "codetune.sandbox=1",
                    "--label", f"codetune.owner_pid={os.getpid()}:1", "--network", "none",
                    Cfg().image, "sleep", "300"], check=True, capture_output=True)
    remove_stale_containers()
    listed = subprocess.run(["docker", "ps", "-a", "--filter", f"name={name}", "-q"],
                            capture_output=True, text=True).stdout
    assert listed.strip() == ""
