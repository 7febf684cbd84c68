"""``codetune data pretrain``: sources → quality filters → dedup → decontamination → token blocks.

The output folder loads with ``datasets.load_from_disk(out)`` (``train``/``validation`` splits of
``input_ids`` blocks) and also holds ``tokenizer/``, ``files/`` (the kept files), ``config.yaml``
(the resolved recipe), ``report.json``, ``drops.jsonl`` (every dropped file and why),
``clusters.json`` and ``run.log``. It is built in a temp folder and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codetune.artifacts import atomic_dir, atomic_write_json, write_jsonl
from codetune.config import save_config, to_plain
from codetune.console import log
from codetune.data.decontaminate import Decontaminate
from codetune.data.dedup import ExactDedup, NearDedup
from codetune.data.filters import build_filters, first_drop
from codetune.data.pipeline import Pipeline, Step
from codetune.data.pretrain_tokens import write_token_splits
from codetune.data.recipe import BuildResult, PretrainRecipe, log_into
from codetune.data.report import filter_rows, near_dup_families, print_report
from codetune.data.sharded.config import EXECUTOR_KINDS
from codetune.data.sources import Source, make_source
from codetune.errors import CodetuneError

BUILDER_VERSION = 1
REPORT_NAME = "report.json"


def cache_key(recipe: PretrainRecipe, sources: list[Source]) -> str:
    """Hash of the recipe (less where it is written) and every input file's size and mtime."""
    plain = to_plain(recipe)
    plain.pop("output_dir", None)
    plain.pop("cache", None)
    ex = plain.pop("executor", {})
    if ex.get("kind", "memory") != "memory":  # where/how it runs does not change the output
        plain["executor"] = {"kind": "sharded", "tasks": ex["tasks"]}
    tok = Path(recipe.tokenize.tokenizer).expanduser() if recipe.tokenize.tokenizer else None
    tok_fp = ([[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in sorted(tok.iterdir())]
              if tok and tok.is_dir() else recipe.tokenize.tokenizer)
    blob = json.dumps({"v": BUILDER_VERSION, "recipe": plain, "tokenizer": tok_fp,
                       "inputs": [s.fingerprint() for s in sources]}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _cached(out: Path, key: str) -> dict | None:
    try:
        report = json.loads((out / REPORT_NAME).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return report if report.get("cache_key") == key else None


def build_pretrain(recipe: PretrainRecipe, force: bool = False) -> BuildResult:
    """Build (or reuse) the dataset the recipe describes; returns where and the report."""
    sources = [make_source(c) for c in recipe.sources]
    labels = [s.cfg.label for s in sources]
    if not sources or len(set(labels)) != len(labels):
        raise CodetuneError(f"recipe sources: need at least one, with distinct names ({labels})")
    out = Path(recipe.output_dir).expanduser()
    key = cache_key(recipe, sources)
    if recipe.cache and not force and (report := _cached(out, key)):
        log.info("%s: recipe and inputs unchanged, reusing the built dataset", out)
        print_report(report, reused=True)
        return BuildResult(out, report, reused=True)
    if recipe.executor.kind not in EXECUTOR_KINDS:
        raise CodetuneError(f"recipe executor.kind={recipe.executor.kind!r}: use one of "
                            f"{', '.join(EXECUTOR_KINDS)}")
    if recipe.executor.kind != "memory":
        from codetune.data.sharded.build import build_sharded

        return build_sharded(recipe, key, force)
    start = time.time()
    with atomic_dir(out) as tmp:
        handler = log_into(tmp / "run.log")
        try:
            report = _build(recipe, sources, tmp)
        finally:
            log.removeHandler(handler)
            handler.close()
        report.update(cache_key=key, elapsed_s=round(time.time() - start, 2))
        atomic_write_json(tmp / REPORT_NAME, report)
        save_config(recipe, tmp)
    print_report(report)
    log.info("wrote %s", out)
    return BuildResult(out, report, reused=False)


def _read_sources(sources: list[Source]) -> Iterator[dict]:
    for src in sources:
        log.info("reading source %s (%s %s)", src.cfg.label, src.cfg.kind, src.cfg.path)
        yield from src.records()


def _drop_reasons(batch: dict[str, list], filters: list) -> dict[str, list]:
    rows = [dict(zip(batch, vals, strict=True)) for vals in zip(*batch.values(), strict=True)]
    return {"drop": [":".join(d) if (d := first_drop(filters, r)) else "" for r in rows]}


def _build(recipe: PretrainRecipe, sources: list[Source], tmp: Path) -> dict:
    import datasets

    from codetune.console import is_quiet

    if is_quiet():
        datasets.disable_progress_bars()

    work = tmp / "_work"
    features = datasets.Features({k: datasets.Value("string") for k in (
        "id", "path", "source", "language", "text")} | {"size_bytes": datasets.Value("int64")})
    try:
        files = datasets.Dataset.from_generator(
            _read_sources, gen_kwargs={"sources": sources}, features=features,
            cache_dir=str(work / "read"), split=datasets.NamedSplit("sources"))
    except ValueError as exc:  # datasets: 'Instruction "train" corresponds to no data'
        if "no data" not in str(exc):
            raise
        skipped = {k: v for s in sources for k, v in s.stats.items() if k.startswith("skipped")}
        raise CodetuneError(f"no files read from the sources {[s.cfg.label for s in sources]} "
                            f"(skipped: {skipped or 'none'}); check their path and include "
                            "globs") from None
    report: dict[str, Any] = {"sources": _source_rows(files, sources), "files_in": len(files),
                              "bytes_in": int(sum(files["size_bytes"])) if len(files) else 0}
    drops: list[dict] = []
    kept = _apply_filters(recipe, files, report, drops)
    kept = _dedup_and_decontaminate(recipe, kept, report, drops, work)
    if len(kept) == 0:
        raise CodetuneError(_empty_message(report))

    report.update(write_token_splits(recipe, kept, tmp))
    write_jsonl(tmp / "drops.jsonl", drops)
    shutil.rmtree(work, ignore_errors=True)
    return report


def _source_rows(files: Any, sources: list[Source]) -> list[dict]:
    per_source = Counter(files["source"]) if len(files) else Counter()
    # from_generator may run the generator in a copy of the sources: recount from the data.
    return [{"name": s.cfg.label, "kind": s.cfg.kind, "path": s.cfg.path,
             "files_read": per_source.get(s.cfg.label, 0),
             "skipped": {k.split(":", 1)[1]: v for k, v in s.stats.items()
                         if k.startswith("skipped:")}} for s in sources]


def _apply_filters(recipe: PretrainRecipe, files: Any, report: dict, drops: list) -> Any:
    filters = build_filters(recipe.filters)
    nproc = recipe.num_proc if recipe.num_proc > 1 and len(files) >= 2 * recipe.num_proc else None
    marked = files.map(_drop_reasons, batched=True, batch_size=64, num_proc=nproc,
                       fn_kwargs={"filters": filters}, desc="quality filters")
    reasons = marked["drop"]
    report["filters"] = filter_rows([f.name for f in filters], reasons, len(files))
    drops += [{"id": i, "step": r.split(":")[0], "reason": r.split(":", 1)[1]}
              for i, r in zip(marked["id"], reasons, strict=True) if r]
    return marked.filter(lambda r: r == "", input_columns="drop").remove_columns("drop")


def _dedup_and_decontaminate(recipe: PretrainRecipe, kept: Any, report: dict, drops: list,
                             work: Path) -> Any:
    import datasets

    d, c = recipe.dedup, recipe.decontaminate
    exact = ExactDedup("text", id_key="id")
    near = NearDedup("text", d.threshold, d.num_perm, d.ngram, d.seed, "id", d.lsh_recall)
    decon = (Decontaminate("text", c.benchmarks, c.ngram, c.min_matches, id_key="id")
             if c.enabled else None)
    steps: list[Step] = [s for s, on in ((exact, d.exact), (near, d.near), (decon, c.enabled))
                         if on and s is not None]
    pipe = Pipeline(steps)
    # Streamed to Arrow on disk: memory holds signatures and hashes, never the corpus.
    out = datasets.Dataset.from_generator(
        _run_pipeline, gen_kwargs={"pipe": pipe, "files": kept}, features=kept.features,
        cache_dir=str(work / "dedup"), split=datasets.NamedSplit("dedup_decontaminate"),
    ) if len(kept) else kept
    report["steps"] = pipe.report()
    _report_dedup(report, drops, exact, near if d.near else None, decon)
    return out


def _report_dedup(report: dict, drops: list, exact: ExactDedup, near: NearDedup | None,
                  decon: Decontaminate | None) -> None:
    """Summaries, clusters and per-file drop records of the dedup/decontamination steps."""
    drops += [{"id": m, "step": "exact_dedup", "reason": "exact_duplicate", "kept": k}
              for k, members in exact.duplicates.items() for m in members]
    report["dedup"] = {"exact_duplicates": exact.stats["dropped"],
                       "near_duplicates": near.stats["dropped"] if near else 0,
                       "near_dup_clusters": len(near.clusters) if near else 0,
                       "lsh_bands_rows": list(near.params) if near else None}
    if near is not None:
        report["near_dup_clusters"] = near.cluster_report(limit=50)
        report["near_dup_families"] = near_dup_families(near.clusters)
        drops += [{"id": m, "step": "near_dedup", "reason": "near_duplicate", "kept": k}
                  for k, members in near.clusters.items() for m in members]
    if decon is not None:
        report["decontamination"] = {"dropped": decon.stats["dropped"], "matched": {
            k.split(":", 1)[1]: v for k, v in decon.stats.items() if k.startswith("matched:")}}
        report["decontaminated"] = [{"id": k, "items": v} for k, v in decon.matches.items()]
        drops += [{"id": k, "step": "decontaminate", "reason": "benchmark_overlap", "items": v}
                  for k, v in decon.matches.items()]


def _run_pipeline(pipe: Pipeline, files: Any) -> Iterator[dict]:
    yield from pipe.run(iter(files))


def _empty_message(report: dict) -> str:
    parts = [f"{r['step']}: {r['dropped']}" for r in report.get("filters", []) + report.get(
        "steps", []) if r["dropped"]]
    skipped = sum(sum(s["skipped"].values()) for s in report["sources"])
    return (f"no files left to tokenize: {report['files_in']} read ({skipped} skipped unreadable"
            f"/binary/undecodable), dropped by {', '.join(parts) or 'nothing'}; check the "
            "sources' path/include globs and the filter thresholds")

