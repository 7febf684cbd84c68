"""``codetune demo``: run every stage in order, each into its own folder with a completion marker.

A stage whose folder holds ``DONE.json`` is reused; ``redo`` removes the named stages' folders
first so they (alone) run again from the earlier stages' artifacts. The report is rebuilt from
what is on disk at the end of every run.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codetune.artifacts import atomic_write_json
from codetune.config import save_config
from codetune.console import add_log_file, log
from codetune.demo.config import DemoConfig
from codetune.demo.report import write_report
from codetune.demo.stages import (
    MARKER,
    STAGE_DIRS,
    Layout,
    stage_data,
    stage_grpo,
    stage_pretrain,
    stage_rm,
    stage_sft,
)
from codetune.errors import CodetuneError

StageFn = Callable[[DemoConfig, Layout, Any], dict[str, Any]]


def _eval(stage: str, **options: Any) -> StageFn:
    def run(cfg: DemoConfig, lay: Layout, pool: Any) -> dict[str, Any]:
        from codetune.demo.evaluation import evaluate_stage

        summaries = evaluate_stage(stage, cfg, lay, pool, **options)
        skipped = summaries.pop("skipped", [])
        return {**{name: {"pass_at_k": s["pass_at_k"], "codebleu": s.get("codebleu", {})}
                   for name, s in summaries.items()}, "skipped": skipped}
    return run


STAGE_FUNCTIONS: dict[str, StageFn] = {
    "data": stage_data,
    "pretrain": stage_pretrain,
    # The pretrained model has not seen the task format: two parts show where it starts.
    "eval_pretrain": _eval("pretrain", parts=("sft_eval", "heldout_eval"), passk=False),
    "sft": stage_sft,
    "eval_sft": _eval("sft"),
    "rm": stage_rm,
    "grpo": stage_grpo,
    "eval_grpo": _eval("grpo", public=True),
}
# (stage name, folder under the output dir, function), in pipeline order.
STAGES: list[tuple[str, str, StageFn]] = [(name, sub, STAGE_FUNCTIONS[name])
                                          for name, sub in STAGE_DIRS]
STAGE_NAMES = [name for name, _, _ in STAGES]


def is_done(folder: Path) -> bool:
    return (folder / MARKER).exists()


def run_stage(name: str, folder: Path, fn: StageFn, cfg: DemoConfig, lay: Layout,
              pool: Any) -> dict[str, Any]:
    """Run one stage unless its marker exists; a half-finished folder is cleared first."""
    if is_done(folder):
        log.info("demo: stage %s already done (%s), reusing it", name, folder)
        import json

        return json.loads((folder / MARKER).read_text())
    if folder.exists():
        shutil.rmtree(folder)
    log.info("demo: stage %s -> %s", name, folder)
    start = time.perf_counter()
    metrics = fn(cfg, lay, pool)
    skipped = metrics.pop("skipped", [])  # parts left out for lack of data (demo/skips.py)
    marker = {"stage": name, "elapsed_s": round(time.perf_counter() - start, 1),
              "metrics": metrics, "skipped": skipped}
    atomic_write_json(folder / MARKER, marker)
    log.info("demo: stage %s done in %.0f s", name, marker["elapsed_s"])
    return marker


def run_demo(cfg: DemoConfig, out_dir: str | Path, redo: list[str] | None = None,
             mode: str = "full", pool: Any = None, only: list[str] | None = None) -> Path:
    """Run (or resume) the demo into ``out_dir``; returns the report path.

    ``redo``: stages to run again even if done; ``only``: run just these stages (their inputs
    must be done), e.g. an evaluation in a second process while training continues.
    """
    out = Path(out_dir)
    lay = Layout(out)
    for flag, names in (("--redo", redo), ("--only", only)):
        for name in names or []:
            if name not in STAGE_NAMES:
                raise CodetuneError(f"{flag} {name}: unknown stage; stages: "
                                    f"{', '.join(STAGE_NAMES)}")
    out.mkdir(parents=True, exist_ok=True)
    add_log_file(out / "run.log")
    save_config(cfg, out, name="demo_config.yaml")
    for name, sub, _ in STAGES:
        if name in (redo or []) and (out / sub).exists():
            shutil.rmtree(out / sub)
    start = time.perf_counter()
    with _pool(pool) as active:
        for name, sub, fn in STAGES:
            if not only or name in only:
                run_stage(name, out / sub, fn, cfg, lay, active)
    report = write_report(lay, cfg, mode=mode, run_wall_s=time.perf_counter() - start)
    log.info("demo: report written to %s", report)
    return report


class _pool:
    """Use the caller's sandbox pool, or start one for the whole demo."""

    def __init__(self, pool: Any) -> None:
        self.given, self.own = pool, None

    def __enter__(self) -> Any:
        if self.given is not None:
            return self.given
        from codetune.sandbox import SandboxConfig, SandboxPool

        self.own = SandboxPool(SandboxConfig()).start()
        return self.own

    def __exit__(self, *exc: Any) -> None:
        if self.own is not None:
            self.own.close()
