"""GRPO on a C++ task set: the execution reward compiles and runs every completion in the
sandbox (language: cpp) and the rewards a tiny random-init policy earns vary."""

from __future__ import annotations

import json

import pytest

from codetune.config import load_config
from codetune.rl.config import RLConfig
from codetune.rl.grpo import build_trainer

pytestmark = [pytest.mark.slow, pytest.mark.docker]

CPP_TESTS = ("int main() {\n  assert(add(1, 2) == 3);\n  assert(add(2, 2) == 4);\n"
             "  assert(add(0, 5) == 5);\n}\n")


@pytest.fixture()
def cpp_tasks(tmp_path):
    """Prompts that end inside a ``//`` comment after a finished function: a random-init
    policy's completion is a valid program exactly when it holds no newline (the comment
    swallows it), so rewards vary within a group without any training. The last task's
    function is wrong: its valid completions compile, run and fail."""
    head = "#include <cassert>\nint add(int a, int b) {\n"
    rows = [{"task_id": f"c{i}", "prompt": f"{head}  {body}\n}}\n// {note}",
             "tests": CPP_TESTS}
            for i, (body, note) in enumerate([("return a + b;", "note:"),
                                              ("return b + a;", "ok:"),
                                              ("int s = a; s += b; return s;", "sum"),
                                              ("return a - b;", "todo")])]
    path = tmp_path / "cpp_tasks.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_grpo_on_a_cpp_task_set_has_non_constant_rewards(tiny_model_dir, cpp_tasks,
                                                         sandbox_pool, tmp_path):
    cfg = load_config(RLConfig, overrides=[
        f"model={tiny_model_dir}", f"output_dir={tmp_path / 'run'}", f"tasks.source={cpp_tasks}",
        "num_generations=4", "prompts_per_step=4", "max_completion_length=6",
        "learning_rate=1e-3", "max_steps=2", "save_steps=2"],
        rewards=[{"name": "execution", "args": {"language": "cpp", "timeout_s": 20}}])
    trainer, _, _ = build_trainer(cfg, pool=sandbox_pool)
    calls: list[tuple[list, list]] = []
    execution = trainer.reward_funcs[0]

    async def recording(completions, **kw):  # TRL gathers async rewards
        out = await execution(completions, **kw)
        calls.append((list(kw["prompts"]), out))
        return out
    recording.__name__ = execution.__name__
    trainer.reward_funcs = [recording]
    trainer.train()

    logged = [r for r in trainer.state.log_history if "rewards/execution/mean" in r]
    assert len(logged) == 2
    rewards = [v for _, out in calls for v in out]
    assert len(rewards) == 2 * 4 * 4 and None not in rewards  # no sandbox error, no mask
    assert len(set(rewards)) > 1, rewards  # a real, non-constant signal
    assert 1.0 in rewards  # some completions compiled, ran and passed
    # the wrong function's completions never pass, however they compile
    wrong = [v for prompts, out in calls for p, v in zip(prompts, out, strict=True)
             if "return a - b;" in str(p)]
    assert all(v < 1.0 for v in wrong)
