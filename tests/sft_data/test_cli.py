"""`codetune data sft`: the command builds from a recipe; bad keys fail with the nearest key."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from codetune.cli import app
from codetune.errors import CodetuneError


def test_data_sft_builds_from_a_recipe(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("verify: false\ntasks: [generate, explain, translate]\nsources:\n"
                      "  - {kind: code_units, max_files: 2, max_records: 15}\n"
                      "  - {kind: parallel, paths: [datasets_recipes/translate_sample.jsonl]}\n")
    out = tmp_path / "ds"
    result = CliRunner().invoke(app, ["data", "sft", "--recipe", str(recipe), "-o", str(out),
                                      "--set", "augment.variants=0"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["final"]["task"]["translate"] > 0 and (out / "dataset_dict.json").exists()


def test_unknown_key_is_a_codetune_error():
    result = CliRunner().invoke(app, ["data", "sft", "--set", "mixture.totl=3"])
    assert isinstance(result.exception, CodetuneError)
    assert "did you mean 'total'" in str(result.exception)


def test_show_config_lists_the_recipe_keys():
    result = CliRunner().invoke(app, ["data", "sft", "--show-config"])
    assert result.exit_code == 0 and "fix.mutants_per_problem" in result.output
