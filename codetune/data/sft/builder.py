"""``build_sft``: sources → dedup/decontaminate → task items → augmentation → sandbox checks →
templates → mixture → an HF dataset on disk that TRL's ``SFTTrainer`` takes unchanged."""

from __future__ import annotations

import random
from pathlib import Path

from codetune.console import log
from codetune.data.decontaminate import Decontaminate
from codetune.data.dedup import ExactDedup, NearDedup
from codetune.data.pipeline import Pipeline
from codetune.data.sft.config import TASKS, SFTRecipe
from codetune.data.sft.items import TASK_BUILDERS
from codetune.data.sft.output import write_dataset
from codetune.data.sft.render import mix, render_samples
from codetune.data.sft.report import SFTReport
from codetune.data.sft.sources import read_source
from codetune.data.sft.variants import make_mutants, make_variants
from codetune.data.sft.verify import failure_text, job_key, make_job, run_jobs
from codetune.errors import CodetuneError


def load_records(cfg: SFTRecipe, report: SFTReport) -> list[dict]:
    """Every source's records, exact/near-deduplicated and decontaminated."""
    records: list[dict] = []
    for src in cfg.sources:
        rows = list(read_source(src))
        report.sources[src.name or src.kind] += len(rows)
        records += rows
    steps = []
    if cfg.dedup.exact:
        steps.append(ExactDedup(text_key="code"))
    if cfg.dedup.near:
        steps.append(NearDedup(text_key="code", threshold=cfg.dedup.threshold,
                               num_perm=cfg.dedup.num_perm, ngram=cfg.dedup.ngram,
                               seed=cfg.dedup.seed))
    if cfg.decontaminate.enabled:
        steps.append(Decontaminate(text_key=["text", "docstring", "code"],
                                   benchmarks=cfg.decontaminate.benchmarks,
                                   ngram=cfg.decontaminate.ngram,
                                   min_matches=cfg.decontaminate.min_matches))
    pipeline = Pipeline(steps)
    kept = list(pipeline.run(records))
    report.steps = pipeline.report()
    return kept


def build_items(records: list[dict], cfg: SFTRecipe, report: SFTReport) -> list[dict]:
    unknown = set(cfg.tasks) - set(TASKS)
    if unknown:
        raise CodetuneError(f"tasks: unknown {sorted(unknown)}; choose from {', '.join(TASKS)}")
    items = []
    for record in records:
        for task in cfg.tasks:
            for item in TASK_BUILDERS[task](record):
                if "drop" in item:
                    report.drop("items", f"{task}:{item['drop']}")
                    continue
                report.items[task] += 1
                if task == "translate" and not _count_translation(item, cfg, report):
                    continue
                items.append(item)
    return items


def _count_translation(item: dict, cfg: SFTRecipe, report: SFTReport) -> bool:
    """Count a translation per target language; False when it is dropped for want of tests."""
    if cfg.translate_untested not in ("keep", "drop"):
        raise CodetuneError(f"translate_untested: {cfg.translate_untested!r}; use keep or drop")
    counts = report.translate[item["language"]]
    counts["translated"] += 1
    if item["carry"] == "carried":
        counts["carried"] += 1
        return True
    counts["not_carried"] += 1
    report.not_carried[f"{item['language']}:{item['carry']}"] += 1
    if cfg.translate_untested == "drop":
        report.drop("items", f"translate:not_carried:{item['carry']}")
        return False
    return True


def expand(items: list[dict], cfg: SFTRecipe, rng: random.Random,
           report: SFTReport) -> list[dict]:
    """Base items plus augmented variants; fix items become (verified later) mutants."""
    out = []
    for item in items:
        family = [item]
        if item["task"] in cfg.augment.tasks and cfg.augment.variants > 0:
            family += make_variants(item, cfg.augment, rng, report.augment)
        for member in family:
            if member["task"] == "fix":
                out += make_mutants(member, cfg.fix, rng, report.mutations)
            else:
                out.append(member)
    return out


def verify(items: list[dict], cfg: SFTRecipe, pool, report: SFTReport) -> list[dict]:
    """Keep items whose code passes its tests; fix mutants must also fail at least one."""
    with_tests = [it for it in items if it["tests"]]
    if not with_tests:
        return items
    if not cfg.verify:
        fixes = sum(1 for it in items if it["task"] == "fix")
        if fixes:
            log.warning("verify is off: %d fix samples dropped (bugs must be shown by tests)",
                        fixes)
            report.drop("verify", "fix_not_verified", fixes)
        return [it for it in items if it["task"] != "fix"]
    jobs = [make_job(job_key(it["code"], it), it["code"], it, cfg.verify_timeout_s)
            for it in with_tests]
    jobs += [make_job(job_key(it["values"]["buggy_code"], it), it["values"]["buggy_code"], it,
                      cfg.verify_timeout_s) for it in with_tests if it["task"] == "fix"]
    results = _run(jobs, cfg, pool)
    report.verification["jobs"] = len({j.id for j in jobs})
    report.verification["passed"] = sum(r.passed for r in results.values())
    return [it for it in items if _verdict(it, results, report)]


def _run(jobs, cfg: SFTRecipe, pool):
    if pool is not None:
        return run_jobs(pool, jobs, cfg.verify_batch_size)
    from codetune.sandbox import SandboxPool

    with SandboxPool(cfg.sandbox) as own:
        return run_jobs(own, jobs, cfg.verify_batch_size)


def _verdict(item: dict, results: dict, report: SFTReport) -> bool:
    if not item["tests"]:
        return True
    original = results[job_key(item["code"], item)]
    if item["task"] == "translate":
        report.translate[item["language"]]["verified" if original.passed else "dropped"] += 1
    if not original.passed:
        reason = "augmented_fails_tests" if item["augmentations"] else "reference_fails_tests"
        if item["task"] == "translate":
            reason = f"fails_carried_tests:{item['language']}"
        report.drop(f"verify:{item['task']}", reason)
        return False
    if item["task"] != "fix":
        return True
    buggy = results[job_key(item["values"]["buggy_code"], item)]
    op = item["mutation"]
    if buggy.passed:
        report.mutations[f"{op}:not_caught"] += 1
        report.drop("verify:fix", "bug_not_caught_by_tests")
        return False
    report.mutations[f"{op}:caught"] += 1
    item["values"]["failure"] = failure_text(buggy)
    return True


def build_sft(cfg: SFTRecipe, pool=None) -> Path:
    """Build the dataset described by ``cfg`` into ``cfg.output_dir``; returns that path.

    ``pool`` is an optional started ``SandboxPool`` (else one is started from ``cfg.sandbox``
    when some sample has tests to run).
    """
    rng = random.Random(cfg.seed)
    report = SFTReport()
    records = load_records(cfg, report)
    log.info("sft: %d records after dedup and decontamination", len(records))
    items = expand(build_items(records, cfg, report), cfg, rng, report)
    log.info("sft: %d candidate items (with augmented variants and mutants)", len(items))
    items = verify(items, cfg, pool, report)
    samples = render_samples(items, cfg, rng, report)
    samples = mix(samples, cfg, rng, report)
    if not samples:
        raise CodetuneError("sft: no sample survived; see the drops above (sources empty, "
                            "tasks without inputs, or every check failed)")
    return write_dataset(samples, cfg, report)
