"""The CLI shell: help lists registered commands, bad input is one line, logs go to --log-file."""

from __future__ import annotations

import subprocess
import sys


def _codetune(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codetune.cli", *args], capture_output=True,
                          text=True, timeout=120)


def test_help_lists_commands():
    out = _codetune("--help")
    assert out.returncode == 0
    assert "version" in out.stdout and "bench" in out.stdout


def test_bad_input_is_one_line_without_traceback():
    out = _codetune("bench", "run", "no-such-benchmark")
    assert out.returncode == 2
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "unknown benchmark 'no-such-benchmark'" in lines[0]
    assert "Traceback" not in out.stderr


def test_debug_shows_traceback():
    out = _codetune("--debug", "bench", "run", "no-such-benchmark")
    assert out.returncode != 0 and "Traceback" in out.stderr


def test_bench_list_names_the_benchmarks():
    out = _codetune("bench", "list")
    assert out.returncode == 0
    names = {line.split()[0] for line in out.stdout.splitlines() if line.strip()}
    assert {"dedup", "sandbox_throughput", "training", "harness_agreement"} <= names
    assert "benchmarks/results/dedup.md" in out.stdout
