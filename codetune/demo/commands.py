"""``codetune demo``: the whole pipeline on a CPU laptop."""

from __future__ import annotations

from typing import Annotated

import typer

from codetune.commands import ConfigOpt, SetOpt


def demo(
    quick: Annotated[bool, typer.Option("--quick", help="CI budget (~5 min): valid artifacts, "
                                        "numbers are noise.")] = False,
    out: Annotated[str, typer.Option("--out", "-o", help="Output folder (report.md inside).")
                   ] = "demo_report",
    redo: Annotated[list[str] | None, typer.Option(
        "--redo", help="Rerun this stage even if done (repeatable): data, pretrain, "
        "eval_pretrain, sft, eval_sft, rm, grpo, eval_grpo.")] = None,
    only: Annotated[list[str] | None, typer.Option(
        "--only", help="Run just this stage (repeatable); earlier stages must be done.")] = None,
    publish: Annotated[str | None, typer.Option(
        "--publish", help="Also copy the report to this .md path (plots beside it).")] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Run every stage (corpus → tokenizer → pretrain → SFT → RM → GRPO → eval) and report."""
    import dataclasses

    from codetune.config import load_config
    from codetune.console import console
    from codetune.demo.config import DemoConfig, quick_config
    from codetune.demo.pipeline import run_demo
    from codetune.demo.report import publish_report

    base = dataclasses.asdict(quick_config()) if quick else {}
    cfg = load_config(DemoConfig, config, set_, **base)
    report = run_demo(cfg, out, redo=redo, mode="quick" if quick else "full", only=only)
    console.print(f"report: {report}")
    if publish:
        console.print(f"published: {publish_report(out, publish)}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
