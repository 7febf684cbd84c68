"""HumanEval+ and MBPP+ judged with evalplus' semantics (``--benchmark humaneval+|mbpp+``).

Each sample gets two verdicts, as in evalplus: *base* (``base_input``) and *plus*
(``plus_input``); a sample counts for ``humaneval+`` when both pass (evalplus' "base + extra
tests"), for ``humaneval`` (``base_pass_at_k``) when base passes.

* Expected outputs: the canonical solution run on every input **in the sandbox**, each call
  timed; cached per task (solution + inputs + machine + image) under
  ``$CODETUNE_CACHE_DIR/evalplus`` (default ``~/.cache/codetune/evalplus``).
* Time limits, evalplus' rule: per input ``max(floor_s, factor x reference time)`` (1 s, 4x).
  The sandbox has one per-case limit per job, so a job gets the **largest** of its inputs'
  limits; the whole job is cut at ``min(60, sum of the per-input limits) + 2`` s, as evalplus
  kills its process.
* Comparison: ``codetune.eval.evalplus_data.CHECKER`` (a special judge, in the judge process).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import platform
import sys
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codetune.artifacts import atomic_write_json
from codetune.console import log, progress
from codetune.errors import CodetuneError
from codetune.eval import evalplus_data as epd
from codetune.eval.benchmark_registry import Task, register_benchmark
from codetune.eval.builtin_benchmarks import CHAT_INSTRUCTION, HUMANEVAL_STOP, _unknown_options
from codetune.eval.execution import SampleResult, sandbox_pool
from codetune.eval.execution import execute as execute_plain
from codetune.eval.passk import overall_pass_at_k
from codetune.problems.model import Problem, job_for
from codetune.sandbox.types import ExecutionJob, ExecutionResult

MIN_TIME_LIMIT_S = 1.0  # evalplus DEFAULT_MIN_TIME_LIMIT
TIME_LIMIT_FACTOR = 4.0  # evalplus DEFAULT_GT_TIME_LIMIT_FACTOR
TASK_TIMEOUT_S = 60.0  # evalplus EVALPLUS_TIMEOUT_PER_TASK
GROUND_TRUTH_LIMIT_S = 300.0  # the canonical solution on all of one task's inputs


@dataclass
class EvalplusTask(Task):
    """A HumanEval+/MBPP+ task: the inputs and how evalplus compares outputs."""

    dataset: str = "humaneval"  # evalplus' name: humaneval | mbpp
    base_input: list = dataclasses.field(default_factory=list)
    plus_input: list = dataclasses.field(default_factory=list)
    atol: float = 0.0
    reference_program: str = ""  # prompt + canonical_solution, as evalplus runs it
    truth: dict | None = None  # base, plus (tagged), base_time, plus_time; from the sandbox

    def problem(self) -> Problem:
        return dataclasses.replace(super().problem(), tests=[], checker="special",
                                   checker_code=epd.checker_code(self.dataset,
                                                                 self.entry_point or "",
                                                                 self.atol))

    def evalplus_job(self, job_id: str, program: str, part: str) -> ExecutionJob:
        """The job judging ``program`` on the ``base`` or ``plus`` inputs."""
        if self.truth is None:
            raise CodetuneError(f"{self.task_id}: expected outputs not computed yet")
        inputs = self.base_input if part == "base" else self.plus_input
        limits = [max(MIN_TIME_LIMIT_S, TIME_LIMIT_FACTOR * t) for t in self.truth[part + "_time"]]
        cases = [{"input": [epd.encode(list(inp))], "output": out}
                 for inp, out in zip(inputs, self.truth[part], strict=True)]
        problem = dataclasses.replace(self.problem(), id=job_id, entry_point="evalplus_call_",
                                      cases=cases, time_limit_s=None)
        job = job_for(problem, epd.candidate_program(program, self.entry_point or ""), job_id,
                      case_timeout_s=max(limits, default=MIN_TIME_LIMIT_S))
        return dataclasses.replace(job, timeout_s=min(TASK_TIMEOUT_S, sum(limits)) + 2.0)


def _load(benchmark: str, options: dict[str, Any]) -> list[Task]:
    _unknown_options(options, {"path"}, benchmark)
    tasks: list[Task] = []
    for row in epd.load_rows(benchmark, options.get("path")):
        mbpp = benchmark == "mbpp+"
        tasks.append(EvalplusTask(
            task_id=row["task_id"], prompt=row["prompt"], tests=[],
            chat_prompt=CHAT_INSTRUCTION.format(prompt=row["prompt"].strip()),
            code_prefix=row["prompt"], entry_point=row["entry_point"],
            canonical_solution=row["canonical_solution"] if mbpp
            else row["prompt"] + row["canonical_solution"],
            stop=list(HUMANEVAL_STOP), dataset=epd.DATASET[benchmark],
            base_input=row["base_input"], plus_input=row["plus_input"],
            atol=float(row.get("atol") or 0.0),
            reference_program=row["prompt"] + row["canonical_solution"]))
    return tasks


@register_benchmark("humaneval+")
def load_humaneval_plus(options: dict[str, Any]) -> list[Task]:
    """HumanEval+ (evalplus v0.1.10, 164 tasks); ``path`` overrides the release file."""
    return _load("humaneval+", options)


@register_benchmark("mbpp+")
def load_mbpp_plus(options: dict[str, Any]) -> list[Task]:
    """MBPP+ (evalplus v0.2.0, 378 tasks); ``path`` overrides the release file."""
    return _load("mbpp+", options)


def cache_root() -> Path:
    if os.environ.get("CODETUNE_CACHE_DIR"):
        return Path(os.environ["CODETUNE_CACHE_DIR"]) / "evalplus"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "codetune" / "evalplus"


GROUND_TRUTH_MEMORY_MB = 2048  # trusted reference code (evalplus runs it without a limit)
# A reference that runs out of memory at that (MBPP+ 255 builds 1.7 M tuples: 1.2 GiB, more
# than a pool container holds) is rerun alone in a one-container pool with this much
# (address space; the container gets 512 MiB more).
GROUND_TRUTH_RETRY_MEMORY_MB = 4096


def _spec(task: EvalplusTask) -> dict[str, Any]:
    return {"code": task.reference_program, "entry_point": task.entry_point,
            "not_none": task.dataset == "mbpp" and
            task.entry_point in epd.MBPP_OUTPUT_NOT_NONE_TASKS,
            "base": epd.encode(task.base_input), "plus": epd.encode(task.plus_input)}


def ensure_ground_truth(tasks: Sequence[EvalplusTask], pool: Any) -> None:
    """Set each task's expected outputs and reference times: from the cache, else measured by
    running its canonical solution in ``pool`` (all uncached tasks in one batch)."""
    sys.set_int_max_str_digits(0)
    image = getattr(getattr(pool, "config", None), "image", "")
    todo, paths = [], {}
    for task in tasks:
        if task.truth is not None:
            continue
        blob = json.dumps([_spec(task), platform.node(), platform.machine(), os.cpu_count(),
                           image, epd.CODEC_VERSION], sort_keys=True)
        path = cache_root() / f"{hashlib.sha256(blob.encode()).hexdigest()[:32]}.json"
        paths[task.task_id] = path
        if path.exists():
            task.truth = json.loads(path.read_text(encoding="utf-8"))
        else:
            todo.append(task)
    if not todo:
        return
    log.info("evalplus: computing expected outputs of %d tasks in the sandbox (cached after)",
             len(todo))
    start = time.perf_counter()
    results = pool.run_many([_truth_job(t, GROUND_TRUTH_MEMORY_MB) for t in todo])
    results = _rerun_out_of_memory(todo, results, pool)
    failed = []
    for task, result in zip(todo, results, strict=True):
        if not result.passed or "gt.json.z" not in result.files:
            failed.append(f"{task.task_id} ({result.verdict}: "
                          f"{(result.reason or result.stderr)[:160]})")
            continue
        task.truth = json.loads(zlib.decompress(base64.b64decode(result.files["gt.json.z"])))
        atomic_write_json(paths[task.task_id], task.truth)  # cached even if another fails
    if failed:
        raise CodetuneError(f"the canonical solution did not run on its inputs in the sandbox "
                            f"for {len(failed)} task(s): {'; '.join(failed)[:600]}")
    log.info("evalplus: expected outputs in %.1f s", time.perf_counter() - start)


def _truth_job(task: EvalplusTask, memory_mb: int) -> ExecutionJob:
    """The canonical solution on every input of ``task``, timed, outputs fetched as a file."""
    return ExecutionJob(id=f"truth/{task.task_id}", code=epd.DRIVER,
                        cases=[{"input": None, "output": None}], checker="exact",
                        case_timeout_s=GROUND_TRUTH_LIMIT_S, timeout_s=GROUND_TRUTH_LIMIT_S + 5,
                        memory_mb=memory_mb,
                        files={"inputs.json": base64.b64encode(
                            json.dumps(_spec(task)).encode()).decode()},
                        fetch_files=["gt.json.z"])


def _rerun_out_of_memory(todo: list, results: list, pool: Any) -> list:
    """Rerun the references that ran out of memory in ``pool`` in a one-container pool of the
    same config with ``GROUND_TRUTH_RETRY_MEMORY_MB`` (trusted code: evalplus gives it no
    limit). A remote pool's hosts set their own limits: those stay failures."""
    from codetune.sandbox import SandboxConfig, open_pool

    retry = [i for i, r in enumerate(results) if r.verdict == "memory_limit"]
    config = getattr(pool, "config", None)
    if not retry or not isinstance(config, SandboxConfig) or config.backend == "remote":
        return results
    bigger = dataclasses.replace(config, workers=1,
                                 container_memory_mb=max(config.container_memory_mb,
                                                         GROUND_TRUTH_RETRY_MEMORY_MB + 512))
    log.info("evalplus: %d reference run(s) ran out of memory (%s); rerunning with %d MiB",
             len(retry), ", ".join(todo[i].task_id for i in retry), GROUND_TRUTH_RETRY_MEMORY_MB)
    with open_pool(bigger) as big:
        again = big.run_many([_truth_job(todo[i], GROUND_TRUTH_RETRY_MEMORY_MB) for i in retry])
    results = list(results)
    for i, result in zip(retry, again, strict=True):
        results[i] = result
    return results


@dataclass
class EvalplusResult(SampleResult):
    """A sample's verdict: ``passed`` is base and plus (evalplus' "+" score)."""

    base_status: str = ""  # evalplus' words: pass | fail | timeout
    plus_status: str = ""
    base_passed: bool = False


def _evalplus_status(status: str) -> str:
    return {"passed": "pass", "timeout": "timeout"}.get(status, "fail")


def execute(samples, tasks: dict[str, Task], timeout_s: float, pool=None, sandbox_config=None
            ) -> tuple[list[SampleResult], float]:
    """``codetune.eval.execution.execute``, with base + plus verdicts for evalplus tasks."""
    if not any(isinstance(t, EvalplusTask) for t in tasks.values()):
        return execute_plain(samples, tasks, timeout_s, pool, sandbox_config)
    with sandbox_pool(pool, sandbox_config) as active:
        needed = {s.task_id: tasks[s.task_id] for s in samples}
        ensure_ground_truth(list(needed.values()), active)
        keys = [(s, part) for s in samples for part in ("base", "plus")]
        # No inputs (MBPP+ 793 has no plus inputs): evalplus' all() of nothing is a pass.
        run = [i for i, (s, part) in enumerate(keys)
               if getattr(tasks[s.task_id], part + "_input")]
        verdicts = [ExecutionResult(f"{s.task_id}#{s.completion_id}/{part}", "passed", True)
                    for s, part in keys]
        jobs = [tasks[keys[i][0].task_id].evalplus_job(
            f"{keys[i][0].task_id}#{keys[i][0].completion_id}/{keys[i][1]}", keys[i][0].program,
            keys[i][1]) for i in run]
        with progress() as bar:
            bar_task = bar.add_task("executing (base + plus)", total=len(jobs))
            start = time.perf_counter()
            ran = active.run_many(jobs, on_result=lambda _: bar.advance(bar_task, 1))
            elapsed = time.perf_counter() - start
        for i, result in zip(run, ran, strict=True):
            verdicts[i] = result
    results = []
    for i, sample in enumerate(samples):
        base, plus = verdicts[2 * i], verdicts[2 * i + 1]
        both = bool(base.passed and plus.passed)
        worst = plus if base.passed else base
        results.append(EvalplusResult(
            sample.task_id, sample.completion_id, both, worst.status,
            "" if both else f"{'plus' if base.passed else 'base'}: {worst.reason}",
            base.tests_passed + plus.tests_passed, base.tests_total + plus.tests_total,
            round(base.duration_s + plus.duration_s, 4), sample.finish_reason, sample.truncated,
            base_status=_evalplus_status(base.status), plus_status=_evalplus_status(plus.status),
            base_passed=bool(base.passed)))
    log.info("executed %d samples (base + plus) in %.1f s (%.1f samples/s)", len(samples),
             elapsed, len(samples) / max(elapsed, 1e-9))
    return results, elapsed


def base_plus_summary(results: Sequence[SampleResult], ks: Sequence[int]) -> dict[str, Any]:
    """``base_pass_at_k`` and ``plus_pass_at_k`` (= ``pass_at_k``) for evalplus results."""
    if not results or not isinstance(results[0], EvalplusResult):
        return {}
    counts: dict[str, list[int]] = {}
    for r in results:
        n_c = counts.setdefault(r.task_id, [0, 0, 0])
        n_c[0] += 1
        n_c[1] += int(r.base_passed)
        n_c[2] += int(r.passed)
    base, _ = overall_pass_at_k({t: (n, b) for t, (n, b, _) in counts.items()}, ks)
    plus, _ = overall_pass_at_k({t: (n, p) for t, (n, _, p) in counts.items()}, ks)
    return {"base_pass_at_k": base, "plus_pass_at_k": plus}


def write_eval_results(path: str | os.PathLike, results: Sequence[SampleResult], samples,
                       dataset_hash: str = "") -> None:
    """evalplus' ``eval_results.json`` (``eval: {task_id: [{solution, base_status, ...}]}``)."""
    out: dict[str, list] = {}
    for r, s in zip(results, samples, strict=True):
        if isinstance(r, EvalplusResult):
            out.setdefault(r.task_id, []).append({
                "task_id": r.task_id, "solution": s.program, "base_status": r.base_status,
                "plus_status": r.plus_status, "base_fail_tests": [], "plus_fail_tests": []})
    atomic_write_json(path, {"date": time.strftime("%Y-%m-%d %H:%M"), "hash": dataset_hash,
                             "eval": out})
