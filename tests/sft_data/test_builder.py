"""End to end: a small recipe builds a dataset that `datasets` loads and TRL's SFTTrainer trains."""

from __future__ import annotations

import json

import pytest
import yaml

from codetune.config import load_config
from codetune.data.sft.builder import build_sft
from codetune.data.sft.config import SFTRecipe
from codetune.errors import CodetuneError
from codetune.paths import REPO_ROOT

RECIPE = {
    "seed": 1,
    "sources": [
        {"kind": "code_units", "name": "stdlib", "max_files": 6, "max_records": 40},
        {"kind": "mbpp", "name": "mbpp", "max_records": 12},
        {"kind": "parallel", "name": "pairs",
         "paths": [str(REPO_ROOT / "datasets_recipes" / "translate_sample.jsonl")]},
    ],
    "mixture": {"ratios": {"generate": 0.3, "explain": 0.2, "fix": 0.3, "translate": 0.2}},
    "validation_fraction": 0.1,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory, sandbox_pool):
    out = tmp_path_factory.mktemp("sft") / "dataset"
    cfg = load_config(SFTRecipe, None, [f"output_dir={out}"], **RECIPE)
    return build_sft(cfg, pool=sandbox_pool)


@pytest.fixture(scope="module")
def report(built) -> dict:
    return json.loads((built / "report.json").read_text())


@pytest.mark.docker
def test_dataset_loads_with_trl_columns(built):
    from datasets import load_from_disk

    ds = load_from_disk(str(built))
    assert set(ds) == {"train", "validation"}
    row = ds["train"][0]
    assert row["prompt"][0]["role"] == "user" and row["completion"][0]["role"] == "assistant"


@pytest.mark.docker
def test_every_task_is_present_in_the_mixture(report):
    assert set(report["final"]["task"]) == {"generate", "explain", "fix", "translate"}
    assert report["mixture"]["selected"] == {t: report["final"]["task"][t]
                                             for t in report["mixture"]["selected"]}


@pytest.mark.docker
def test_fix_samples_were_shown_by_the_sandbox(built, report):
    from datasets import concatenate_datasets, load_from_disk

    ds = load_from_disk(str(built))
    rows = concatenate_datasets([ds["train"], ds["validation"]]).filter(
        lambda r: r["task"] == "fix")
    assert len(rows) > 0 and all(r["mutation"] for r in rows)
    caught = sum(v for k, v in report["mutation_attempts"].items() if k.endswith(":caught"))
    assert caught >= len(rows) and report["verification"]["jobs"] > 0


@pytest.mark.docker
def test_report_counts_augmentations_and_templates(report):
    assert sum(report["final"]["template"].values()) == report["total"]
    assert any(k != "none" for k in report["final"]["augmentation"])
    assert any(k.startswith("rename_identifiers:") for k in report["augmentation_attempts"])


@pytest.mark.docker
def test_resolved_recipe_is_saved_beside_the_data(built):
    saved = yaml.safe_load((built / "config.yaml").read_text())
    assert saved["seed"] == 1 and saved["sources"][1]["kind"] == "mbpp"


def test_without_verification_fix_samples_are_dropped(tmp_path):
    cfg = load_config(SFTRecipe, None, [f"output_dir={tmp_path / 'o'}", "verify=false",
                                        "augment.variants=0"],
                      sources=[{"kind": "mbpp", "max_records": 5}], tasks=["generate", "fix"])
    out = build_sft(cfg)
    report = json.loads((out / "report.json").read_text())
    assert report["dropped"]["verify"]["fix_not_verified"] > 0
    assert set(report["final"]["task"]) == {"generate"}


def test_unknown_task_names_the_valid_ones(tmp_path):
    cfg = load_config(SFTRecipe, None, [f"output_dir={tmp_path / 'o'}"], tasks=["summarize"],
                      sources=[{"kind": "mbpp", "max_records": 2}])
    with pytest.raises(CodetuneError, match="generate, explain, fix, translate"):
        build_sft(cfg)


def test_recipe_typo_names_the_nearest_key(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("mixtur:\n  total: 3\n")
    with pytest.raises(CodetuneError, match="did you mean 'mixture'"):
        load_config(SFTRecipe, path)


@pytest.mark.docker
@pytest.mark.slow
def test_sft_trainer_trains_on_the_dataset_unchanged(built, tiny_model_dir, tmp_path):
    """The dataset goes into TRL's SFTTrainer as is; a few steps lower the loss."""
    from datasets import load_from_disk
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    train = load_from_disk(str(built))["train"].select(range(12))
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    model = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir))
    args = SFTConfig(output_dir=str(tmp_path / "run"), max_steps=5, per_device_train_batch_size=2,
                     learning_rate=3e-3, max_length=192, logging_steps=1, report_to=[],
                     bf16=False, use_cpu=True, save_strategy="no", seed=0,
                     gradient_checkpointing=False, dataloader_num_workers=0)
    trainer = SFTTrainer(model=model, args=args, train_dataset=train, processing_class=tokenizer)
    trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(losses) == 5 and losses[-1] < losses[0]


@pytest.mark.parametrize("fmt,columns", [("text", {"prompt", "completion"}),
                                         ("messages", {"messages"}),
                                         ("conversational", {"prompt", "completion"})])
def test_output_formats_have_the_columns_trl_expects(fmt, columns):
    from codetune.data.sft.output import format_row

    row = format_row({"prompt": "p", "completion": "c", "task": "generate"}, fmt)
    assert columns <= set(row) and row["task"] == "generate"
    if fmt == "text":
        assert row["prompt"] == "p"
    else:
        assert (row.get("messages") or row["completion"])[-1] == {"role": "assistant",
                                                                 "content": "c"}
