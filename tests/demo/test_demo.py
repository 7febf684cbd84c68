"""``codetune demo``: the paired statistic, and the --quick run end to end (real stages)."""

from __future__ import annotations

import json

import pytest

from codetune.demo.evaluation import mcnemar
from codetune.errors import CodetuneError


def _run(solved: list[int]) -> dict:
    return {"per_task": {f"t{i}": {"n": 1, "correct": c} for i, c in enumerate(solved)}}


def test_mcnemar_counts_gained_and_lost_tasks_and_z():
    before = _run([0] * 96 + [1] * 29 + [1] * 50 + [0] * 25)
    after = _run([1] * 96 + [0] * 29 + [1] * 50 + [0] * 25)
    cmp = mcnemar(before, after)
    assert (cmp["gained"], cmp["lost"], cmp["shared_tasks"]) == (96, 29, 200)
    assert cmp["mcnemar_z"] == pytest.approx(67 / 125 ** 0.5)
    assert cmp["p_value"] < 1e-6
    assert cmp["pass_b"] - cmp["pass_a"] == pytest.approx(67 / 200)


def test_mcnemar_without_discordant_tasks_is_no_evidence():
    cmp = mcnemar(_run([1, 0, 1]), _run([1, 0, 1]))
    assert (cmp["gained"], cmp["lost"], cmp["mcnemar_z"], cmp["p_value"]) == (0, 0, 0.0, 1.0)


def test_unknown_redo_stage_is_a_one_line_error(tmp_path):
    from codetune.demo.config import quick_config
    from codetune.demo.pipeline import run_demo

    with pytest.raises(CodetuneError, match="unknown stage"):
        run_demo(quick_config(), tmp_path, redo=["sftt"], pool=object())


@pytest.fixture(scope="module")
def quick_demo(tmp_path_factory, sandbox_pool):
    from codetune.demo.config import quick_config
    from codetune.demo.pipeline import run_demo

    out = tmp_path_factory.mktemp("demo")
    report = run_demo(quick_config(), out, mode="quick", pool=sandbox_pool)
    return out, report


@pytest.mark.slow
@pytest.mark.docker
def test_quick_demo_writes_the_report_with_every_stage(quick_demo):
    out, report = quick_demo
    text = report.read_text()
    for heading in ("## 1.", "## 2. Pretraining", "## 3. SFT", "## 4. Reward model",
                    "## 5. GRPO", "## 6. Evaluation", "Paired comparisons", "HumanEval"):
        assert heading in text
    assert "Skipped on this machine" not in text  # MBPP is in CODETUNE_DATA_DIR: nothing skipped
    assert (out / "plots" / "perplexity.png").stat().st_size > 0
    assert json.loads((out / "report.json").read_text())["comparisons"]


@pytest.mark.slow
@pytest.mark.docker
def test_quick_demo_datasets_load(quick_demo):
    from datasets import load_from_disk

    out, _ = quick_demo
    assert len(load_from_disk(str(out / "data" / "tasks" / "hf"))["rl_eval"]) > 0
    assert len(load_from_disk(str(out / "data" / "pretrain" / "train"))) > 0
    assert len(load_from_disk(str(out / "sft" / "mix"))) > 0


@pytest.mark.slow
@pytest.mark.docker
def test_quick_demo_models_load_and_generate(quick_demo):
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    out, _ = quick_demo
    for sub in ("pretrain/model/final", "sft/model/final", "grpo/final"):  # <run dir>/final
        model = AutoModelForCausalLM.from_pretrained(out / sub)
        logits = model(torch.tensor([[1, 2, 3]])).logits
        assert torch.isfinite(logits).all(), sub
    rm = AutoModelForSequenceClassification.from_pretrained(out / "rm" / "final")
    assert rm.config.num_labels == 1


@pytest.mark.slow
@pytest.mark.docker
def test_rerunning_the_demo_reuses_finished_stages(quick_demo, sandbox_pool):
    from codetune.demo.config import quick_config
    from codetune.demo.pipeline import run_demo

    out, _ = quick_demo
    marker = out / "grpo" / "DONE.json"
    before = marker.stat().st_mtime_ns
    run_demo(quick_config(), out, mode="quick", pool=sandbox_pool)
    assert marker.stat().st_mtime_ns == before
