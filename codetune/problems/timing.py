"""Time limits that mean the same on every machine: evalplus' calibrated rule.

A fixed limit judges a slow CPU harshly (evalplus #5: the same samples 0.40 on a laptop, 0.23 on
a slow cloud CPU). Calibrated: per case ``max(floor, factor x the reference solution's time)``,
measured in this sandbox on this machine, so a limit scales with the machine that enforces it.
Problems carry one per-case limit, so the slowest case of the reference sets it. Measurements are
cached per problem (reference + cases + machine + sandbox image) in
``$CODETUNE_CACHE_DIR/time_limits`` (default ``~/.cache/codetune/time_limits``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codetune.artifacts import atomic_write_json
from codetune.console import log
from codetune.errors import CodetuneError
from codetune.problems.model import Problem, job_for


@dataclass
class TimeLimitConfig:
    """How per-case time limits are set."""

    mode: str = field(default="fixed", metadata={
        "help": "fixed: the problem's own limit, else fixed_s; calibrated: max(floor_s, factor x "
                "the reference solution's slowest case time in this sandbox) (evalplus)."})
    fixed_s: float = field(default=4.0, metadata={"help": "per-case limit in fixed mode, s."})
    factor: float = field(default=4.0, metadata={
        "help": "calibrated: multiple of the reference's time (evalplus gt_time_limit_factor)."})
    floor_s: float = field(default=1.0, metadata={
        "help": "calibrated: smallest limit, s (evalplus min_time_limit)."})
    measure_limit_s: float = field(default=20.0, metadata={
        "help": "calibrated: per-case limit while the reference is measured, s."})


def cache_root() -> Path:
    if os.environ.get("CODETUNE_CACHE_DIR"):
        return Path(os.environ["CODETUNE_CACHE_DIR"]) / "time_limits"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "codetune" / "time_limits"


def _cache_key(problem: Problem, pool: Any) -> str:
    image = getattr(getattr(pool, "config", None), "image", "")
    backend = getattr(getattr(pool, "config", None), "backend", "")
    blob = json.dumps([problem.reference, problem.cases, problem.tests, problem.setup,
                       problem.entry_point, platform.node(), platform.machine(), os.cpu_count(),
                       image, backend], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def _cache_path(problem: Problem, pool: Any) -> Path:
    return cache_root() / f"{_cache_key(problem, pool)}.json"


def reference_times(problems: list[Problem], pool: Any, measure_limit_s: float = 20.0
                    ) -> list[float]:
    """Each reference solution's slowest case time (s) in ``pool``: measured once (all uncached
    problems in one batch) and cached."""
    for p in problems:
        if not p.reference:
            raise CodetuneError(f"{p.where or p.id}: field 'reference': calibrated time limits "
                                "need a reference solution (or use time_limit.mode=fixed)")
    cached = {i: _cache_path(p, pool) for i, p in enumerate(problems)}
    todo = [i for i, path in cached.items() if not path.exists()]
    jobs = [job_for(dataclasses.replace(problems[i], time_limit_s=None), problems[i].reference,
                    f"calibrate/{i}", timeout_s=measure_limit_s, case_timeout_s=measure_limit_s)
            for i in todo]
    for i, result in zip(todo, pool.run_many(jobs) if jobs else [], strict=True):
        p = problems[i]
        if not result.passed:
            raise CodetuneError(f"{p.where or p.id}: field 'reference': the reference solution "
                                f"is not accepted in the sandbox ({result.verdict}: "
                                f"{result.reason[:160]}); fix it or use time_limit.mode=fixed")
        times = [float(c.get("time_s", 0.0)) for c in result.cases] or [result.duration_s]
        atomic_write_json(cached[i], {"problem": p.id, "reference_s": max(times),
                                      "cases": len(times)})
    if todo:
        log.info("calibrated time limits: measured %d reference solutions (%d cached)",
                 len(todo), len(problems) - len(todo))
    return [float(json.loads(cached[i].read_text(encoding="utf-8"))["reference_s"])
            for i in range(len(problems))]


def with_time_limits(problems: list[Problem], cfg: TimeLimitConfig,
                     pool: Any = None) -> list[Problem]:
    """Copies of ``problems`` whose per-case ``time_limit_s`` follows ``cfg``."""
    if cfg.mode == "fixed":
        return [dataclasses.replace(p, time_limit_s=p.time_limit_s or cfg.fixed_s)
                for p in problems]
    if cfg.mode != "calibrated":
        raise CodetuneError(f"time_limit.mode {cfg.mode!r}: use fixed or calibrated")
    if pool is None:
        raise CodetuneError("calibrated time limits need a sandbox pool to measure in")
    times = reference_times(problems, pool, cfg.measure_limit_s)
    return [dataclasses.replace(p, time_limit_s=round(max(cfg.floor_s, cfg.factor * t), 3))
            for p, t in zip(problems, times, strict=True)]
