"""``codetune data pretrain`` and ``codetune data tokenizer``: parse, build a config, call one
library function (heavy imports happen inside the commands)."""

from __future__ import annotations

from typing import Annotated

import typer

from codetune.commands import SetOpt, group, print_config_help

RecipeOpt = Annotated[str | None, typer.Option(
    "--recipe", "-r", "--config", "-c",
    help="Recipe YAML (default: datasets_recipes/pretrain_python_stdlib.yaml settings).")]


def pretrain(
    recipe: RecipeOpt = None,
    set_: SetOpt = None,
    output_dir: Annotated[str | None, typer.Option("--output-dir", "-o",
                                                   help="Where to write the dataset.")] = None,
    num_proc: Annotated[int | None, typer.Option(help="Processes for datasets.map.")] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even if the cache matches.")] = False,
    show_config: Annotated[bool, typer.Option(help="Print every recipe key and exit.")] = False,
) -> None:
    """Build a tokenized, packed pretraining dataset: filter, dedup, decontaminate, pack."""
    from codetune.config import load_config
    from codetune.data.recipe import PretrainRecipe

    if show_config:
        _show_config(PretrainRecipe)
        return
    cfg = load_config(PretrainRecipe, recipe, set_, output_dir=output_dir, num_proc=num_proc)
    from codetune.data.pretrain import build_pretrain

    build_pretrain(cfg, force=force)


def tokenizer(
    recipe: RecipeOpt = None,
    set_: SetOpt = None,
    output_dir: Annotated[str, typer.Option("--output-dir", "-o",
                                            help="Tokenizer folder to write.")] = "runs/tokenizer",
    vocab_size: Annotated[int | None, typer.Option(help="Vocabulary size.")] = None,
    dataset: Annotated[str | None, typer.Option(
        help="Train on the kept files of a built pretrain dataset (its files/ folder).")] = None,
) -> None:
    """Train a byte-level BPE tokenizer (special + FIM tokens, ChatML template) on a corpus."""
    from codetune.data.tokenizer import train_corpus_tokenizer

    train_corpus_tokenizer(recipe, set_ or [], output_dir, vocab_size, dataset)


def _show_config(cls: type) -> None:
    from codetune.data.sources import SourceConfig

    # ``sources`` is a list of SourceConfig: show its keys instead of a long repr.
    print_config_help(cls, expand={"sources": (SourceConfig, "[{kind: stdlib}]")})


def register(app: typer.Typer) -> None:
    data = group("data", "Build training data: pretraining corpora, SFT sets, tokenizers.")
    data.command("pretrain")(pretrain)
    data.command("tokenizer")(tokenizer)
