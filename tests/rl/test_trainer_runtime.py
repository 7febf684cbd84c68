"""GRPO, RLOO, DPO and the reward model on the one runtime: a real SIGTERM mid-run leaves a
checkpoint, ``resume`` continues it to the one output layout; ``trl:`` keys are checked."""

from __future__ import annotations

import json

import pytest

from codetune.config import load_config
from codetune.errors import CodetuneError
from codetune.rl.config import RLConfig
from codetune.rl.rm import RMConfig
from codetune.train.runtime import TrainingInterrupted
from tests.fixtures.interrupt import SignalAt, assert_finished, assert_interrupted


def _rl(model, out, *sets, **values) -> RLConfig:
    base = [f"model={model}", f"output_dir={out}", "num_generations=4", "prompts_per_step=2",
            "max_completion_length=6", "learning_rate=1e-3", "max_steps=2", "save_steps=100"]
    return load_config(RLConfig, overrides=base + list(sets), **values)


def _pairs(path, n=6):
    rows = [{"task_id": f"t{i}", "prompt": f"def f{i}(a, b):\n", "chosen": "    return a + b\n",
             "rejected": "    return a -\n", "chosen_source": "sample",
             "rejected_source": "sample"} for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_trl_typo_and_duplicate_keys_are_one_line_errors(tmp_path):
    from codetune.rl.dpo import dpo_args
    from codetune.rl.grpo import trainer_args
    from codetune.rl.rm import rm_args

    cfg = _rl("m", tmp_path, trl={"num_generation": 8})
    with pytest.raises(CodetuneError, match="trl.num_generation: not a GRPOConfig field; did you "
                                            "mean 'num_generations'"):
        trainer_args(cfg, [1.0])
    cfg = _rl("m", tmp_path, trl={"learning_rate": 0.1})
    with pytest.raises(CodetuneError, match="trl.learning_rate: codetune sets it from "
                                            "`learning_rate`"):
        trainer_args(cfg, [1.0])
    cfg = _rl("m", tmp_path, "algo=dpo", trl={"beta": 0.5})  # was a TypeError in DPOConfig
    with pytest.raises(CodetuneError, match="trl.beta: codetune sets it from `beta`"):
        dpo_args(cfg)
    with pytest.raises(CodetuneError, match="trl.per_device_train_batch_size: .*`batch_size`"):
        rm_args(RMConfig(model="m", trl={"per_device_train_batch_size": 4}))
    args = rm_args(RMConfig(model="m", output_dir=str(tmp_path), trl={"center_rewards_coefficient":
                                                                     "0.01"}))
    assert args.center_rewards_coefficient == 0.01 and args.use_cpu  # typed, CPU flags


def test_timing_hooks_attach_to_the_installed_trl():
    """The generation timer wraps a TRL private method: this fails when TRL renames it."""
    from trl import GRPOTrainer, RLOOTrainer

    from codetune.rl.async_rewards import trainer_supports_async
    from codetune.rl.timing import GENERATE_METHOD

    for cls in (GRPOTrainer, RLOOTrainer):
        assert callable(getattr(cls, GENERATE_METHOD, None)), cls
        assert trainer_supports_async(cls), cls


@pytest.mark.slow
@pytest.mark.parametrize("algo", ["grpo", "rloo"])
def test_grpo_and_rloo_sigterm_then_resume(algo, tiny_model_dir, comment_tasks, tmp_path):
    from codetune.rl.grpo import run_grpo

    out = tmp_path / algo
    static = {"rewards": [{"name": "static"}]}
    with pytest.raises(TrainingInterrupted, match="step 1"):
        run_grpo(_rl(tiny_model_dir, out, f"algo={algo}", f"tasks.source={comment_tasks}",
                     **static), callbacks=[SignalAt(1)])
    assert_interrupted(out, 1)
    summary = run_grpo(_rl(tiny_model_dir, out, f"algo={algo}", f"tasks.source={comment_tasks}",
                           "resume=true", **static))
    assert_finished(out, 2, algo)
    timing = summary["timing_mean_s"]
    assert timing["generation_s"] > 0 and timing["reward_s"] > 0  # the hooks attached


@pytest.mark.slow
def test_dpo_sigterm_then_resume(tiny_model_dir, tmp_path):
    from codetune.rl.dpo import run_dpo

    out, pairs = tmp_path / "dpo", _pairs(tmp_path / "pairs.jsonl")
    with pytest.raises(TrainingInterrupted, match="step 1"):
        run_dpo(_rl(tiny_model_dir, out, "algo=dpo", f"pairs={pairs}"), callbacks=[SignalAt(1)])
    assert_interrupted(out, 1)
    run_dpo(_rl(tiny_model_dir, out, "algo=dpo", f"pairs={pairs}", "resume=true"))
    assert_finished(out, 2, "dpo")


@pytest.mark.slow
def test_reward_model_sigterm_then_resume(tiny_model_dir, tmp_path):
    from codetune.rl.rm import train_reward_model

    out, pairs = tmp_path / "rm", _pairs(tmp_path / "pairs.jsonl", 10)

    def cfg(*sets):
        return load_config(RMConfig, overrides=[
            f"model={tiny_model_dir}", f"pairs={pairs}", f"output_dir={out}", "max_steps=2",
            "batch_size=2", "max_length=64", "save_steps=100", *sets])

    with pytest.raises(TrainingInterrupted, match="step 1"):
        train_reward_model(cfg(), callbacks=[SignalAt(1)])
    assert_interrupted(out, 1)
    summary = train_reward_model(cfg("resume=true"))
    assert_finished(out, 2, "rm")
    assert summary["train_pairs"] == 8 and 0.0 <= summary["heldout_accuracy"] <= 1.0


def test_async_rewards_overlap_and_a_grader_error_masks_every_component():
    import asyncio
    import threading

    from codetune.rl.async_rewards import concurrent_rewards
    from codetune.sandbox.types import SANDBOX_ERROR

    other_started = threading.Event()

    def execution(completions, **columns):  # the judge: waits until the other reward runs
        overlapped = other_started.wait(timeout=30)
        execution.last_statuses = ["passed", SANDBOX_ERROR, "failed"]
        execution.last_batch = id(completions)
        return [1.0 if overlapped else -1.0, 0.0, 0.0]

    def static(completions, **columns):
        other_started.set()
        return [0.5, 0.5, 0.5]

    funcs = concurrent_rewards([execution, static])
    assert [f.__name__ for f in funcs] == ["execution", "static"]
    prompts, completions = ["p"] * 3, ["a", "b", "c"]

    async def gather():
        return await asyncio.gather(*(f(prompts=prompts, completions=completions) for f in funcs))

    judged, scored = asyncio.run(gather())
    assert judged == [1.0, 0.0, 0.0]  # the judge saw the other reward start: they overlapped
    assert scored == [0.5, None, 0.5]  # the sandbox failed on row 1: masked, not scored
