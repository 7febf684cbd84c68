"""Issue 17, item 8: the execution reward in a user's own plain TRL script, as a new user writes
it -- completion-style prompts (a function's def line and docstring), a ``tests`` column, no
``code_prefix`` column. The reward must build prompt + completion from TRL's ``prompts``."""

from __future__ import annotations

import logging

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.docker]

# The function is finished and the prompt ends inside a comment: a random-init policy's
# completion is a valid continuation exactly when it has no newline, so rewards vary by row.
PROMPTS = [
    'def f(x):\n    """Return x + 1."""\n    return x + 1\n# ',
    'def g(a, b):\n    """Return the larger of a and b."""\n    return max(a, b)\n#',
    'def h(s):\n    """Return s reversed."""\n    return s[::-1]\n# note:',
    'def k(n):\n    """Return n squared."""\n    return n * n\n#',
]
TESTS = [["assert f(1) == 2", "assert f(-1) == 0"], ["assert g(1, 2) == 2", "assert g(3, 1) == 3"],
         ["assert h('ab') == 'ba'", "assert h('') == ''"], ["assert k(3) == 9", "assert k(0) == 0"]]


def test_plain_trl_grpo_trainer_with_the_execution_reward(tiny_model_dir, tmp_path, caplog):
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    import codetune.rewards
    from codetune.rewards.pool import close_shared_pool

    dataset = Dataset.from_list([{"prompt": p, "tests": t} for p, t in zip(PROMPTS, TESTS,
                                                                             strict=True)])
    reward = codetune.rewards.build_reward("execution")
    trainer = GRPOTrainer(
        model=str(tiny_model_dir), reward_funcs=[reward], train_dataset=dataset,
        args=GRPOConfig(output_dir=str(tmp_path / "out"), per_device_train_batch_size=8,
                        num_generations=4, max_completion_length=6, max_steps=3,
                        learning_rate=1e-3, logging_steps=1, report_to="none", use_cpu=True,
                        bf16=False, seed=0, disable_tqdm=True))
    try:
        with caplog.at_level(logging.WARNING, logger="codetune"):
            trainer.train()
        # The same reward on a body-only completion of a HumanEval-style prompt, as TRL calls it
        body = reward(["    return x + 1\n"], prompts=['def f(x):\n    """Return x + 1."""\n'],
                      tests=[TESTS[0]])
    finally:
        close_shared_pool()
    means = [row["rewards/execution/mean"] for row in trainer.state.log_history
             if "rewards/execution/mean" in row]
    assert len(means) == 3 and max(means) > 0, means  # not every completion scored 0
    assert body == [1.0]
    assert not [r for r in caplog.records if "because of the DATA" in r.getMessage()]
