"""``pip install`` gives a working codetune: the wheel, installed into a fresh venv outside the
checkout, builds and checks the sandbox image and runs the quick demo from an empty folder."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from tests.newcomer.checkout import (
    clone_checkout,
    newcomer_env,
    remove_image,
    run_logged,
    tail,
)

# Shipped as package data (codetune.paths): the in-container runner, recipes, SFT templates.
PACKAGE_DATA = ("codetune/_sandbox/runner/main.py", "codetune/_recipes/sft_code.yaml",
                "codetune/_recipes/translate_sample.jsonl")


def _pip(venv: Path, *args: str) -> list[str]:
    return [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
            "--disable-pip-version-check", *args]


@pytest.mark.slow
@pytest.mark.docker
def test_wheel_installs_into_a_fresh_venv_and_runs_the_demo(tmp_path):
    src = clone_checkout(tmp_path / "src")
    env = newcomer_env(tmp_path, CODETUNE_OFFLINE="1")
    log = tmp_path / "wheel.log"
    steps = [
        ([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(src), "-w",
          str(tmp_path / "dist")], 600),
        ([getattr(sys, "_base_executable", sys.executable), "-m", "venv",
          str(tmp_path / "venv")], 300),
        # CPU torch first (from local disk here), then the wheel pinned like CI, then codebleu
        # without its too-old tree-sitter pin (as README says for pip installs).
        (_pip(tmp_path / "venv", "-c", str(src / "constraints.txt"), "torch==2.13.0"), 900),
    ]
    for cmd, limit in steps:
        assert run_logged(cmd, tmp_path, env, log, timeout=limit).returncode == 0, tail(log)
    wheel = next((tmp_path / "dist").glob("codetune-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert all(n in names for n in PACKAGE_DATA), sorted(n for n in names if "_" in n)[:20]
    venv = tmp_path / "venv"
    for cmd in (_pip(venv, "-c", str(src / "constraints.txt"), str(wheel)),
                _pip(venv, "--no-deps", "codebleu==0.7.0")):
        assert run_logged(cmd, tmp_path, env, log, timeout=900).returncode == 0, tail(log)

    work = tmp_path / "elsewhere"
    work.mkdir()
    codetune = str(venv / "bin" / "codetune")
    where = run_logged([str(venv / "bin" / "python"), "-c",
                        "import codetune; print(codetune.__file__)"], work, env, log, 60)
    assert where.returncode == 0 and f"{venv}/lib" in log.read_text(), tail(log)
    try:
        for cmd, limit in ((["sandbox", "build"], 900), (["sandbox", "check"], 300),
                           (["demo", "--quick", "--out", "demo"], 3600)):
            proc = run_logged([codetune, *cmd], work, env, log, timeout=limit)
            assert proc.returncode == 0, tail(log)
    finally:
        remove_image(env)
    assert (work / "demo" / "report.md").exists()
    assert (work / "demo" / "sft" / "model" / "final" / "config.json").exists()
