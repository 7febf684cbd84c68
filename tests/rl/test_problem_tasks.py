"""`codetune rl` on problems judged by stdin/stdout cases (CodeContests, LiveCodeBench, JSONL)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from codetune.benchmark_data import benchmark_file
from codetune.rl.prompt_sets import TaskSetConfig, load_task_rows


def test_a_codecontests_file_becomes_rows_with_a_problem_column():
    rows = load_task_rows(TaskSetConfig(source=str(benchmark_file(
        "stdio/code_contests_sample.jsonl")), max_cases=5, limit=3))
    assert len(rows) == 3 and rows[0]["prompt"].endswith("```python\n")
    problem = json.loads(rows[0]["problem"])
    assert len(problem["cases"]) == 5 and problem["time_limit_s"] == 4.0
    assert "standard input" in rows[0]["prompt"] and rows[0]["tests"] == []


def test_livecodebench_call_problems_ask_for_the_function_in_chat():
    rows = load_task_rows(TaskSetConfig(source=str(benchmark_file(
        "stdio/livecodebench_sample.jsonl")), prompt_format="chat"))
    assert "countSeniors()" in rows[1]["prompt"][0]["content"]


@pytest.mark.slow
@pytest.mark.docker
def test_codetune_rl_trains_on_a_stdio_problem_set(tiny_model_dir, tmp_path):
    # Each program prefix is a whole solution ending in a comment: a random-init policy's
    # completion keeps it correct exactly when it has no newline, so rewards vary in a group.
    rows = [{"id": f"p{i}", "prompt": "Read n and print 2n.", "code_prefix": prefix,
             "cases": [{"input": f"{n}\n", "output": f"{2 * n}\n"} for n in (1, 2, 5)]}
            for i, prefix in enumerate(["print(int(input()) * 2)\n# ",
                                        "print(int(input()) + int(1))\n#",  # wrong on 2 and 5
                                        "n = int(input())\nprint(n + n)\n# note:",
                                        "print(2 * int(input()))\n#"])]
    tasks = tmp_path / "problems.jsonl"
    tasks.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "run"
    run = subprocess.run(
        [sys.executable, "-m", "codetune.cli", "rl", "--model", str(tiny_model_dir),
         "--tasks", str(tasks), "-o", str(out), "--max-steps", "3",
         "--set", "num_generations=4", "--set", "prompts_per_step=2",
         "--set", "max_completion_length=6", "--set", "learning_rate=1e-3",
         "--set", "rewards=[{name: execution}]", "--set", "save_steps=10"],
        capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    steps = [m for m in metrics if "rewards/execution/mean" in m]
    assert len(steps) == 3
    assert any((m.get("rewards/execution/std") or 0) > 0 for m in steps), steps
