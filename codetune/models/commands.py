"""``codetune model init``: create the embedded default model (random init, sized for CPU)."""

from __future__ import annotations

from typing import Annotated

import typer

from codetune.commands import ConfigOpt, SetOpt, group


def model_init(
    tokenizer: Annotated[str | None, typer.Option(help="Tokenizer dir or hub id.")] = None,
    output_dir: Annotated[
        str | None, typer.Option("--output-dir", "-o", help="Model dir to write.")] = None,
    arch: Annotated[str | None, typer.Option(help="Architecture: llama or qwen2.")] = None,
    size: Annotated[str | None, typer.Option(help="Size preset: 2m, 10m or 30m.")] = None,
    seed: Annotated[int | None, typer.Option(help="Initialisation seed.")] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Create a randomly initialised causal LM for TOKENIZER and save it as an HF model dir."""
    from codetune.config import load_config
    from codetune.models.factory import ModelInitConfig, init_model

    cfg = load_config(ModelInitConfig, config, set_, tokenizer=tokenizer, output_dir=output_dir,
                      arch=arch, size=size, seed=seed)
    print(init_model(cfg))


def register(app: typer.Typer) -> None:
    group("model", "Create and inspect models.").command("init")(model_init)
