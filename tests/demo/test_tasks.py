"""The pyfunc task family: splits, determinism, freshness, and tests that judge."""

from __future__ import annotations

import dataclasses

import pytest

from codetune.data.pyfunc import (
    SPLITS,
    TEMPLATES,
    TaskFamilyConfig,
    build_task_family,
    generate_tasks,
    load_part,
    self_check,
    templates_for,
)
from codetune.data.pyfunc.build import draw_parts
from codetune.errors import CodetuneError

SMALL = TaskFamilyConfig(sft_train=120, rl_train=40, sft_eval=40, rl_eval=40, heldout_eval=30)


def _per_template(n: int = 3):
    return [t for name in TEMPLATES for t in generate_tasks(
        TEMPLATES[name].split, n, seed=7, templates=[name])]


def test_every_reference_solution_passes_its_own_asserts():
    assert self_check(_per_template()) == []


def test_returning_none_fails_every_template():
    wrong = [dataclasses.replace(t, solution=t.prompt + "\n    return None\n")
             for t in _per_template(1)]
    failed = {tid for tid, _ in self_check(wrong)}
    assert failed == {t.task_id for t in wrong}


def test_echoing_the_first_argument_fails_every_template():
    wrong = []
    for t in _per_template(2):
        first = t.prompt.split("(", 1)[1].split(")")[0].split(",")[0].strip()
        wrong.append(dataclasses.replace(t, solution=t.prompt + f"\n    return {first}\n"))
    failed = {tid for tid, _ in self_check(wrong)}
    assert failed == {t.task_id for t in wrong}


def test_family_has_at_least_38_templates_in_three_splits():
    assert len(TEMPLATES) >= 38
    assert all(templates_for(s) for s in SPLITS)
    assert len(templates_for("sft")) > len(templates_for("rl")) > 0


def test_same_seed_gives_the_same_tasks_and_another_seed_does_not():
    a = [t.to_dict() for t in generate_tasks("rl", 20, seed=3)]
    b = [t.to_dict() for t in generate_tasks("rl", 20, seed=3)]
    c = [t.to_dict() for t in generate_tasks("rl", 20, seed=4)]
    assert a == b
    assert [r["prompt"] for r in a] != [r["prompt"] for r in c]


def test_each_part_draws_only_its_split_templates():
    parts = draw_parts(SMALL)
    assert {t.split for t in parts["sft_train"]} == {"sft"}
    assert {t.split for t in parts["rl_train"] + parts["rl_eval"]} == {"rl"}
    assert {t.split for t in parts["heldout_eval"]} == {"heldout"}


def test_eval_parts_share_no_prompt_with_training_parts():
    parts = draw_parts(SMALL)
    train = {t.prompt for t in parts["sft_train"] + parts["rl_train"]}
    for name in ("sft_eval", "rl_eval", "heldout_eval"):
        assert not train & {t.prompt for t in parts[name]}, name


def test_prompt_is_a_prefix_of_the_solution_in_tokens_too(tiny_tokenizer_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny_tokenizer_dir))
    for t in _per_template(1):
        prompt_ids = tok(t.prompt)["input_ids"]
        assert tok(t.solution)["input_ids"][:len(prompt_ids)] == prompt_ids, t.template


def test_prompt_is_a_signature_and_docstring_and_solution_extends_it():
    for t in _per_template(1):
        assert t.prompt.startswith(f"def {t.entry_point}(")
        assert t.prompt.endswith('"""')
        assert t.solution.startswith(t.prompt)
        assert len(t.tests) == 4 and all(x.startswith(f"assert {t.entry_point}(") for x in t.tests)


def test_unknown_split_or_template_is_a_one_line_error():
    with pytest.raises(CodetuneError, match="unknown task split"):
        generate_tasks("train", 1)
    with pytest.raises(CodetuneError, match="did you mean 'list_max'"):
        generate_tasks("sft", 1, templates=["list_maxx"])


def test_build_writes_jsonl_hf_dataset_and_manifest(tmp_path):
    from datasets import load_from_disk

    counts = build_task_family(SMALL, tmp_path / "tasks")
    assert counts["rl_eval"] == 40
    hf = load_from_disk(str(tmp_path / "tasks" / "hf"))
    assert len(hf["sft_train"]) == 120 and "tests" in hf["sft_train"].column_names
    rl_rows = load_part(tmp_path / "tasks", "rl_train")
    assert all(r["solution"] == "" and r["canonical_solution"] == "" for r in rl_rows)
    assert (tmp_path / "tasks" / "manifest.json").exists()
    assert (tmp_path / "tasks" / "config.yaml").exists()


def test_family_files_load_as_a_jsonl_benchmark(tmp_path):
    from codetune.eval.benchmark_catalog import load_tasks

    build_task_family(dataclasses.replace(SMALL, hf_dataset=False), tmp_path / "tasks")
    tasks = load_tasks("jsonl", {"path": str(tmp_path / "tasks" / "sft_eval.jsonl")})
    row = load_part(tmp_path / "tasks", "sft_eval")[0]
    assert len(tasks) == 40
    assert tasks[0].canonical_solution == row["solution"]


@pytest.mark.docker
def test_reference_solutions_pass_in_the_sandbox(sandbox_pool):
    from codetune.sandbox import ExecutionJob

    tasks = _per_template(1)
    good = [ExecutionJob(id=t.task_id, code=t.solution, tests=t.tests) for t in tasks]
    bad = [ExecutionJob(id=t.task_id, code=t.prompt + "\n    return None\n", tests=t.tests)
           for t in tasks]
    assert all(r.passed for r in sandbox_pool.run_many(good))
    assert not any(r.passed for r in sandbox_pool.run_many(bad))
