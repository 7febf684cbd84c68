"""The ``codetune sandbox`` commands end to end (real Docker, real image)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from codetune.sandbox.config import SandboxConfig
from codetune.sandbox.image import ImageRecipe, build_image


def _codetune(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codetune.cli", *args], capture_output=True,
                          text=True, timeout=300)


@pytest.mark.docker
def test_build_is_a_fast_no_op_when_nothing_changed():
    assert "up to date" in build_image(SandboxConfig(), ImageRecipe())


@pytest.mark.docker
def test_run_writes_one_result_per_job(tmp_path):
    jobs = tmp_path / "jobs.jsonl"
    rows = [{"id": "a", "code": "def f():\n    return 1\n", "tests": ["assert f() == 1"]},
            {"id": "b", "code": "import sys\nsys.exit(0)\n", "tests": ["assert f() == 1"]}]
    jobs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "results.jsonl"
    proc = _codetune("sandbox", "run", str(jobs), "-o", str(out), "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["id"], r["status"], r["passed"]) for r in results] == [
        ("a", "passed", True), ("b", "exit_called", False)]


def test_run_rejects_a_malformed_jobs_file_in_one_line(tmp_path):
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text('{"id": "a", "code": "x = 1", "tests": ["assert x == 1"]}\n{"code": 1}\n')
    proc = _codetune("sandbox", "run", str(jobs), "-o", str(tmp_path / "r.jsonl"),
                     "--backend", "process")
    assert proc.returncode == 2 and "jobs.jsonl:2" in proc.stderr
    assert not (tmp_path / "r.jsonl").exists()


def test_no_docker_engine_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text('{"id": "a", "code": "x = 1", "tests": ["assert x == 1"]}\n')
    proc = _codetune("sandbox", "run", str(jobs), "-o", str(tmp_path / "r.jsonl"))
    assert proc.returncode == 2
    assert "no Docker engine answers" in proc.stderr and "--backend process" in proc.stderr
