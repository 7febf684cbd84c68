"""``accelerate launch --num_processes 2`` (CPU ranks, gloo) of GRPO with rewards from one sandbox
service shared by both ranks, a checkpoint, and ``--resume`` under two processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from codetune.artifacts import pid_alive
from tests.fixtures.launch import accelerate_launch

pytestmark = [pytest.mark.slow, pytest.mark.docker]


def _created_containers(since: float) -> list[str]:
    """Owner pid of every sandbox container created since ``since`` (docker events)."""
    out = subprocess.run(
        ["docker", "events", "--since", f"{since:.3f}", "--until", f"{time.time():.3f}",
         "--filter", "type=container", "--filter", "event=create",
         "--filter", "label=codetune.sandbox=1",
         "--format", '{{index .Actor.Attributes "codetune.owner_pid"}}'],
        capture_output=True, text=True, timeout=60)
    return [line.split(":")[0] for line in out.stdout.split()]


def _grpo(tiny_model_dir, tasks, out, steps: int, *extra: str) -> list[str]:
    return ["rl", "--algo", "grpo", "--model", str(tiny_model_dir), "--tasks", str(tasks),
            "-o", str(out), "--max-steps", str(steps), "--set", "save_steps=1",
            "--set", "prompts_per_step=2", "--set", "num_generations=4",
            "--set", "max_completion_length=12", "--set", "learning_rate=1e-3",
            "--set", "sandbox.backend=remote", "--set", "sandbox.endpoints=[local]",
            "--set", "sandbox.workers=2", *extra]


def test_two_process_grpo_shares_one_service_and_resumes(tiny_model_dir, comment_tasks,
                                                         tmp_path):
    env = {"CODETUNE_SANDBOX_SERVICE_DIR": str(tmp_path / "svc"),
           "CODETUNE_SANDBOX_SERVICE_IDLE_S": "300"}
    out = tmp_path / "grpo"
    since = time.time() - 1
    first, pids = accelerate_launch(_grpo(tiny_model_dir, comment_tasks, out, 2), tmp_path,
                                    env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    info = json.loads(next((tmp_path / "svc").glob("*/service.json")).read_text())
    owners = _created_containers(since)
    # One pool's worth of containers (the service's 2 runners), none started by either rank.
    assert owners.count(str(info["pid"])) == 2, owners
    rank_pids = {str(p) for p in pids} - {str(info["pid"])}
    assert not [o for o in owners if o in rank_pids], (owners, rank_pids)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "reward" in r] == [1, 2]  # one writer, not two
    assert all(r.get("rewards/execution/mean") is not None for r in rows if "reward" in r)
    assert (out / "checkpoint-2" / "trainer_state.json").exists()
    assert (out / "final" / "config.json").exists()
    assert {p.name for p in (out / "checkpoint-2").glob("rng_state_*.pth")} == {
        "rng_state_0.pth", "rng_state_1.pth"}

    again, _ = accelerate_launch(_grpo(tiny_model_dir, comment_tasks, out, 3, "--resume"),
                                 tmp_path, env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "resuming from" in again.stderr and "checkpoint-2" in again.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 3
    state = json.loads((out / "checkpoint-3" / "trainer_state.json").read_text())
    assert state["global_step"] == 3
    # the same service (still warm) judged the resumed run: no second pool, no rank's own pool
    again_info = json.loads(next((tmp_path / "svc").glob("*/service.json")).read_text())
    assert again_info["pid"] == info["pid"] and pid_alive(info["pid"])
    assert _created_containers(since).count(str(info["pid"])) == 2
    os.kill(info["pid"], signal.SIGTERM)  # the service this test started (graceful drain)
