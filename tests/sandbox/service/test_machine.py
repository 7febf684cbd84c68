"""``endpoints: [local]``: the processes of one machine share one service, started once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from codetune.artifacts import pid_alive

pytestmark = pytest.mark.docker

RANK = """
import json
from codetune.sandbox import ExecutionJob, SandboxConfig, open_pool
config = SandboxConfig(backend="remote", endpoints=["local"], workers=1)
with open_pool(config) as pool:
    result = pool.run(ExecutionJob(id="r", code="def f():\\n    return 1\\n",
                                   tests=["assert f() == 1"]))
    print(json.dumps({"url": pool.hosts[0].url, "size": pool.size, "status": result.status}))
"""


def test_ranks_of_one_machine_share_one_service_that_exits_when_idle(tmp_path):
    env = {**os.environ, "CODETUNE_SANDBOX_SERVICE_DIR": str(tmp_path),
           "CODETUNE_SANDBOX_SERVICE_IDLE_S": "3"}
    ranks = [subprocess.Popen([sys.executable, "-c", RANK], env=env, stdout=subprocess.PIPE,
                              text=True) for _ in range(2)]
    rows = [json.loads(rank.communicate(timeout=300)[0].strip().splitlines()[-1])
            for rank in ranks]
    assert rows[0]["url"] == rows[1]["url"]
    assert [r["status"] for r in rows] == ["passed", "passed"]
    assert [r["size"] for r in rows] == [1, 1]  # one pool's worth of runners, not two
    info = json.loads(next(tmp_path.glob("codetune-sandbox-service-*/service.json")).read_text())
    containers = subprocess.run(["docker", "ps", "--filter", "label=codetune.sandbox=1",
                                 "--format", '{{.Label "codetune.owner_pid"}}'],
                                capture_output=True, text=True).stdout.split()
    assert sum(owner.split(":")[0] == str(info["pid"]) for owner in containers) == 1
    deadline = time.monotonic() + 120
    while pid_alive(info["pid"]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not pid_alive(info["pid"])  # gone after 3 s without a job
