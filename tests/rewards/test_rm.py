"""Preference mining by execution and reward-model training (TRL RewardTrainer) on a tiny model.

A random-init policy's samples all fail, so the candidates also include each task's reference
solution and single-token mutants of it (``add_references``): pass fractions then differ, and
every pair's sources are recorded. Held-out pairs come from tasks never trained on.
"""

from __future__ import annotations

import json

import pytest

from codetune.config import load_config
from codetune.rl.pairs import pair_candidates
from codetune.rl.rm import RMConfig, split_by_task, train_reward_model


def cand(text, passed, static):
    return {"completion": text, "source": "sample", "pass_fraction": passed, "static": static}


def test_higher_pass_fraction_is_chosen_and_static_breaks_ties():
    import random

    pairs = pair_candidates([cand("a", 1.0, 0.2), cand("b", 0.5, 1.0), cand("c", 0.5, 0.4)],
                            margin=0.05, limit=10, rng=random.Random(0))
    got = {(a["completion"], b["completion"]) for a, b in pairs}
    assert got == {("a", "b"), ("a", "c"), ("b", "c")}


def test_identical_completions_are_never_paired():
    import random

    pairs = pair_candidates([cand("a", 1.0, 1.0), cand("a", 0.0, 0.0)], 0.05, 10,
                            random.Random(0))
    assert pairs == []


def test_split_by_task_keeps_tasks_on_one_side():
    pairs = [{"task_id": f"t{i % 5}"} for i in range(20)]
    train, held = split_by_task(pairs, 0.4, seed=0)
    assert {p["task_id"] for p in train}.isdisjoint({p["task_id"] for p in held})
    assert len({p["task_id"] for p in held}) == 2


@pytest.fixture(scope="module")
def family_tasks(tmp_path_factory):
    from codetune.data.pyfunc.family import generate_tasks

    path = tmp_path_factory.mktemp("rm-tasks") / "tasks.jsonl"
    tasks = generate_tasks("rl", 16, seed=3, stream="train")
    path.write_text("".join(json.dumps(t.to_dict()) + "\n" for t in tasks), encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.docker
def test_reward_model_on_mined_pairs_beats_chance_on_heldout_tasks(
        tiny_model_dir, family_tasks, sandbox_pool, tmp_path):
    cfg = load_config(RMConfig, overrides=[
        f"model={tiny_model_dir}", f"output_dir={tmp_path / 'rm'}",
        f"mine.tasks.source={family_tasks}", "mine.samples_per_task=1",
        "mine.max_new_tokens=12", "mine.add_references=true", "mine.mutants_per_task=3",
        "heldout_fraction=0.25", "epochs=1", "learning_rate=3e-4", "max_length=128"])
    metrics = train_reward_model(cfg, pool=sandbox_pool)
    pairs = [json.loads(line) for line in (tmp_path / "rm" / "pairs.jsonl").open()]
    assert all(p["chosen_pass"] > p["rejected_pass"] or
               p["chosen_static"] > p["rejected_static"] for p in pairs)
    assert metrics["heldout_pairs"] >= 10
    assert metrics["heldout_accuracy"] > 0.5
    assert (tmp_path / "rm" / "final" / "config.json").exists()


def test_add_references_on_tasks_without_any_is_a_one_line_error():
    from codetune.errors import CodetuneError
    from codetune.rl.pairs import MineConfig, sample_candidates

    rows = [{"task_id": "t", "prompt": "def f(x):\n", "tests": ["assert f(1) == 1"],
             "reference": "", "code_prefix": ""}]
    with pytest.raises(CodetuneError, match="mine.tasks.split=sft_train"):
        sample_candidates(MineConfig(samples_per_task=0, add_references=True), rows)
    cands = sample_candidates(MineConfig(samples_per_task=0, add_references=True),
                              [{**rows[0], "reference": "def f(x):\n    return x\n"}])
    assert cands[0][0] == ("def f(x):\n    return x\n", "reference")
