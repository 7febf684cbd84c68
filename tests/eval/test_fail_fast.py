"""``eval run`` checks the judge before it loads a model: no Docker, no hours of wasted work."""

from __future__ import annotations

import pytest

from codetune.errors import CodetuneError
from codetune.eval.config import EvalConfig
from codetune.eval.run import evaluate_model


def test_eval_run_without_a_docker_engine_stops_before_loading_the_model(tmp_path, monkeypatch):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("not a model config")  # loading it would fail differently
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    config = EvalConfig(model=str(model), benchmark="humaneval", limit=2,
                        output_dir=str(tmp_path / "run"))
    with pytest.raises(CodetuneError, match=r"judge \(sandbox\) is not available, so nothing was "
                                            r"started: no Docker engine answers"):
        evaluate_model(config)
    assert not (tmp_path / "run" / "samples.jsonl").exists()


def test_grpo_without_a_docker_engine_stops_before_loading_the_policy(tmp_path, monkeypatch):
    from codetune.rewards.pool import close_shared_pool
    from codetune.rl.config import RLConfig
    from codetune.rl.grpo import build_trainer

    policy = tmp_path / "policy"
    policy.mkdir()
    (policy / "config.json").write_text("not a model config")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    close_shared_pool()  # a pool another test left running would hide the missing engine
    with pytest.raises(CodetuneError, match="no Docker engine answers"):
        build_trainer(RLConfig(model=str(policy), output_dir=str(tmp_path / "rl")))
