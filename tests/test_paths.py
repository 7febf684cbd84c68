"""Packaged files are found from any folder; a training run's folder stands for its final model."""

from __future__ import annotations

from codetune.config import load_config
from codetune.paths import recipes_dir, resolve_recipe, sandbox_dir


def test_runner_and_recipes_are_found():
    assert (sandbox_dir() / "runner" / "main.py").is_file()
    assert (recipes_dir() / "sft_tiny.yaml").is_file()


def test_a_shipped_recipe_path_works_from_any_folder(tmp_path, monkeypatch):
    from codetune.data.sft.config import SFTRecipe

    monkeypatch.chdir(tmp_path)
    assert resolve_recipe("datasets_recipes/sft_tiny.yaml") == recipes_dir() / "sft_tiny.yaml"
    assert resolve_recipe("sft_tiny") == recipes_dir() / "sft_tiny.yaml"
    assert resolve_recipe("mine.yaml").name == "mine.yaml"  # not shipped: left as given
    assert load_config(SFTRecipe, "datasets_recipes/sft_tiny.yaml").sources


def test_a_run_folder_stands_for_its_final_model(tmp_path):
    from codetune.paths import check_model_path

    (tmp_path / "run" / "final").mkdir(parents=True)
    (tmp_path / "run" / "final" / "config.json").write_text("{}")
    (tmp_path / "run" / "summary.json").write_text("{}")
    assert check_model_path(tmp_path / "run") == str(tmp_path / "run" / "final")
    assert check_model_path(tmp_path / "run" / "final") == str(tmp_path / "run" / "final")
