"""``codetune data pretrain`` with ``executor: local | slurm | ray``: the build as datatrove stages.

Stages (tasks): read + filter + exact-dedup signatures (N) → exact duplicates (1) → MinHash
signatures (N) → verified band pairs (one per band) → greedy near-dup decisions (1) → kept files:
dedup filters, decontamination, split (N) → tokenizer (1) → tokenize + FIM + pack (N) →
finalize (1). Every stage's outputs and datatrove's completion markers live in the work folder,
so re-running a killed build skips the finished tasks; the output folder appears atomically.
"""

from __future__ import annotations

import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

from codetune.console import log
from codetune.data.recipe import PretrainRecipe
from codetune.errors import CodetuneError

MAX_TASKS = 65534  # exact dedup's priority field is 16 bits: one value per task


def work_dir(recipe: PretrainRecipe) -> Path:
    out = Path(recipe.output_dir).expanduser()
    ex = recipe.executor
    return Path(ex.work_dir).expanduser() if ex.work_dir else out.with_name(out.name + ".work")


def prepare_work(work: Path, key: str, force: bool) -> None:
    """Reuse the work folder of an interrupted build of the same recipe and inputs, else start
    clean (another recipe's stage outputs must never be mixed in)."""
    stamp = work / "recipe.key"
    if work.exists() and (force or not stamp.is_file() or stamp.read_text() != key):
        log.info("%s: from another recipe/inputs (or --force): starting clean", work)
        shutil.rmtree(work)
    if stamp.is_file():
        log.info("%s: resuming; finished tasks are skipped", work)
    work.mkdir(parents=True, exist_ok=True)
    stamp.write_text(key)


def stages(recipe: PretrainRecipe, work: Path, key: str, started: float
           ) -> list[tuple[str, list, int]]:
    """(name, datatrove pipeline, tasks) of every stage, in order."""
    from datatrove.pipeline.dedup import ExactDedupFilter, ExactDedupSignature
    from datatrove.pipeline.dedup.minhash import MinhashDedupFilter

    from codetune.data.dedup import lsh_params
    from codetune.data.sharded import assemble, clusters, near_dedup, steps, tokens

    d, n, w = recipe.dedup, recipe.executor.tasks, str(work)
    bands, rows = lsh_params(d.threshold, d.num_perm, d.lsh_recall)
    exact_cfg = near_dedup.exact_config()
    exact_filter = [ExactDedupFilter(f"{w}/exact_dups", exact_cfg)] if d.exact else []
    near_filter = [MinhashDedupFilter(f"{w}/near_remove")] if d.near else []
    decon = ([steps.DecontaminateStep(recipe.decontaminate, w)]
             if recipe.decontaminate.enabled else [])
    executor = {"kind": recipe.executor.kind, "tasks": n, "bands_rows": [bands, rows],
                "workers": recipe.executor.resolved_workers()}
    out: list[tuple[str, list, int]] = [
        ("read", [steps.SourceShardReader(recipe.sources, w),
                  steps.QualityFilters(recipe.filters, w), steps.shard_writer(f"{w}/docs"),
                  steps.IdList(f"{w}/doc_ids")]
         + ([ExactDedupSignature(f"{w}/exact_sigs", exact_cfg)] if d.exact else []), n)]
    if d.exact:
        out.append(("exact", [near_dedup.ExactDuplicates(f"{w}/exact_sigs",
                                                         f"{w}/exact_dups")], 1))
    if d.near:
        out += [("minhash", [steps.ShardReader(f"{w}/docs"), *exact_filter,
                             near_dedup.CodetuneMinhashSignature(
                                 f"{w}/minhash", d.num_perm, d.ngram, d.seed, bands, rows)], n),
                ("pairs", [near_dedup.VerifiedBucketPairs(f"{w}/minhash", f"{w}/pairs", bands,
                                                          rows, d.num_perm, d.threshold)], bands)]
    if d.exact or d.near:
        out.append(("clusters", [clusters.GreedyNearDedup(w)], 1))
    t = recipe.tokenize
    out += [
        ("kept", [steps.ShardReader(f"{w}/docs"), *exact_filter, *near_filter, *decon,
                  steps.SplitTagger(t.validation_fraction, t.split_seed),
                  steps.shard_writer(f"{w}/files")], n),
        ("tokenizer", [tokens.TokenizerStage(recipe, f"{w}/files", f"{w}/tokenizer")], 1),
        ("tokens", [steps.ShardReader(f"{w}/files"), tokens.TokenizeShard(recipe, w)], n),
        ("finalize", [assemble.Finalize(recipe, w, recipe.output_dir, key, executor,
                                        started)], 1)]
    return out


def make_executor(recipe: PretrainRecipe, name: str, pipeline: list, tasks: int, work: Path,
                  depends: Any = None) -> Any:
    ex = recipe.executor
    logs = str(work / "logs" / name)
    workers = min(ex.resolved_workers(), tasks)
    if ex.kind == "local":
        from datatrove.executor import LocalPipelineExecutor

        return LocalPipelineExecutor(pipeline, tasks=tasks, workers=workers, logging_dir=logs,
                                     start_method="fork")
    if ex.kind == "ray":
        from datatrove.executor import RayPipelineExecutor

        return RayPipelineExecutor(pipeline, tasks=tasks, workers=workers, logging_dir=logs,
                                   cpus_per_task=ex.cpus_per_task,
                                   mem_per_cpu_gb=ex.mem_per_cpu_gb)
    from datatrove.executor import SlurmPipelineExecutor

    return SlurmPipelineExecutor(
        pipeline, tasks=tasks, time=ex.time, partition=ex.partition, logging_dir=logs,
        cpus_per_task=ex.cpus_per_task, mem_per_cpu_gb=ex.mem_per_cpu_gb, qos=ex.qos,
        workers=ex.workers or -1, job_name=f"codetune-{name}", depends=depends,
        venv_path=ex.venv_path or str(Path(sys.prefix) / "bin" / "activate"),
        sbatch_args=dict(ex.sbatch_args) or None)


def check_executor(recipe: PretrainRecipe) -> None:
    ex = recipe.executor
    where = "recipe executor"
    if not 1 <= ex.tasks <= MAX_TASKS:
        raise CodetuneError(f"{where}.tasks={ex.tasks}: must be between 1 and {MAX_TASKS}")
    if ex.kind == "slurm":
        if not ex.partition:
            raise CodetuneError(f"{where}.partition: required for executor kind slurm")
        if shutil.which("sbatch") is None:
            raise CodetuneError(f"{where}.kind=slurm: no 'sbatch' on PATH; run on a Slurm "
                                "login node, or use kind local/ray")
    if ex.kind == "ray":
        import ray

        if not ray.is_initialized():
            # ray.init installs its own SIGTERM/SIGINT handlers in this process; keep ours
            # (checkpoint-on-SIGTERM in the trainers, Ctrl-C) as they were.
            saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
            ray.init(address=ex.ray_address or None, include_dashboard=False,
                     log_to_driver=False, configure_logging=False)
            for sig, handler in saved.items():
                signal.signal(sig, handler)


def run_stages(recipe: PretrainRecipe, work: Path, key: str) -> bool:
    """Run (local/ray: here, in order) or submit (slurm: a dependent job chain) every stage;
    True when the build finished here."""
    started = time.time()
    chain = None
    for name, pipeline, tasks in stages(recipe, work, key, started):
        chain = make_executor(recipe, name, pipeline, tasks, work, depends=chain)
        if recipe.executor.kind == "slurm":
            continue
        log.info("stage %s: %d task(s)", name, tasks)
        chain.run()
        missing = chain.get_incomplete_ranks(skip_completed=True)
        if missing:
            raise CodetuneError(
                f"stage {name}: tasks {missing[:10]} did not finish (logs: {work}/logs/{name}/"
                "logs); fix the cause and rerun the same command: finished tasks are skipped")
    if recipe.executor.kind == "slurm":
        chain.run()
        log.info("submitted the Slurm job chain; the dataset appears in %s when its last job "
                 "ends (logs: %s/logs)", recipe.output_dir, work)
        return False
    return True


def build_sharded(recipe: PretrainRecipe, key: str, force: bool) -> Any:
    """The datatrove build of ``recipe`` (its output is reused by the caller's cache check)."""
    import json

    from codetune.data.recipe import BuildResult, log_into
    from codetune.data.report import print_report

    check_executor(recipe)
    work = work_dir(recipe)
    prepare_work(work, key, force)
    handler = log_into(work / "run.log")
    try:
        done = run_stages(recipe, work, key)
    finally:
        log.removeHandler(handler)
        handler.close()
    out = Path(recipe.output_dir).expanduser()
    if not done:
        return BuildResult(out, {"submitted": str(work)}, reused=False)
    shutil.copy(work / "run.log", out / "run.log")
    if not recipe.executor.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    report = json.loads((out / "report.json").read_text())
    print_report(report)
    log.info("wrote %s", out)
    return BuildResult(out, report, reused=False)
