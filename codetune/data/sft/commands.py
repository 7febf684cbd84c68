"""``codetune data sft``: parse, build the recipe, call ``build_sft``."""

from __future__ import annotations

from typing import Annotated

import typer

from codetune.commands import SetOpt, group, print_config_help

RecipeOpt = Annotated[str | None, typer.Option(
    "--recipe", "-r", "--config", "-c",
    help="Recipe YAML (e.g. datasets_recipes/sft_code.yaml); defaults apply without one.")]


def sft(
    recipe: RecipeOpt = None,
    set_: SetOpt = None,
    output_dir: Annotated[str | None, typer.Option("--output-dir", "-o",
                                                   help="Where to write the dataset.")] = None,
    show_config: Annotated[bool, typer.Option(help="Print every recipe key and exit.")] = False,
) -> None:
    """Build instruction data (generate/explain/fix/translate) with verified AST augmentation."""
    from codetune.config import load_config
    from codetune.data.sft.config import SFTRecipe

    if show_config:
        print_config_help(SFTRecipe)
        return
    cfg = load_config(SFTRecipe, recipe, set_, output_dir=output_dir)
    from codetune.console import add_log_file
    from codetune.data.sft.builder import build_sft

    add_log_file(f"{cfg.output_dir.rstrip('/')}.log")
    build_sft(cfg)


def register(app: typer.Typer) -> None:
    group("data", "Build datasets: pretraining corpora and SFT instruction data.").command(
        "sft")(sft)
