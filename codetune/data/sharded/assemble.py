"""The last stage (one task): the side files of every task become ``report.json`` and
``drops.jsonl`` (the in-memory build's format), the Arrow shards become the tokenized
``DatasetDict`` and ``files/``, and the folder is renamed into place (atomic)."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from codetune.artifacts import atomic_dir, atomic_write_json
from codetune.config import save_config
from codetune.data.report import filter_rows, near_dup_families
from codetune.errors import CodetuneError

DROP_KINDS = ("filter_drops", "exact_drops", "near_drops", "decontaminate_drops")


def _side(work: Path, kind: str) -> list[Any]:
    return [json.loads(p.read_text()) for p in sorted((work / "side" / kind).glob("*.json"))]


def source_rows(work: Path, recipe: Any) -> list[dict]:
    read, skipped, nbytes = Counter(), {}, 0
    for rows in _side(work, "sources"):
        for r in rows:
            read[r["name"]] += r["read"]
            nbytes += r.get("bytes", 0)
            skipped.setdefault(r["name"], Counter()).update(r["skipped"])
    return [{"name": c.label, "kind": c.kind, "path": c.path, "files_read": read[c.label],
             "skipped": dict(skipped.get(c.label, {})), "_bytes": nbytes}
            for c in recipe.sources]


def filter_report(work: Path) -> tuple[list[dict], int]:
    parts = _side(work, "filters")
    names = parts[0]["names"] if parts else []
    reasons = [f"{n}:{why}" for p in parts for n, c in p["counts"].items()
               for why, k in c.items() for _ in range(k)]
    n_in = sum(p["in"] for p in parts)
    return filter_rows(names, reasons, n_in), n_in - len(reasons)


def step_rows(work: Path, recipe: Any, n_in: int) -> tuple[list[dict], dict]:
    d, c = recipe.dedup, recipe.decontaminate
    dedup = (_side(work, "dedup") or [{"exact_dropped": 0, "near_dropped": 0, "clusters": {}}])[0]
    rows = []
    if d.exact:
        n = dedup["exact_dropped"]
        rows.append({"step": "exact_dedup", "in": n_in, "kept": n_in - n, "dropped": n,
                     "reasons": {"exact_duplicate": n} if n else {}})
        n_in -= n
    if d.near:
        n = dedup["near_dropped"]
        rows.append({"step": "near_dedup", "in": n_in, "kept": n_in - n, "dropped": n,
                     "reasons": {"near_duplicate": n} if n else {},
                     "clusters": len(dedup["clusters"])})
        n_in -= n
    if c.enabled:
        parts = _side(work, "decontaminate")
        n = sum(p["dropped"] for p in parts)
        matched = sum((Counter(p["matched"]) for p in parts), Counter())
        rows.append({"step": "decontaminate", "in": n_in, "kept": n_in - n, "dropped": n,
                     "reasons": {"benchmark_overlap": n} if n else {},
                     **{f"matched:{k}": v for k, v in sorted(matched.items())}})
    return rows, dedup


def token_report(work: Path, block_size: int) -> dict:
    totals: dict[str, Counter] = {}
    for part in _side(work, "tokens"):
        for split, st in part.items():
            totals.setdefault(split, Counter()).update(st)
    out = {}
    for split, st in totals.items():
        if st["files"]:
            out[split] = {"files": st["files"], "tokens": st["tokens"], "blocks": st["blocks"],
                          "block_tokens": st["blocks"] * block_size,
                          "dropped_tail_tokens": st["tokens"] - st["blocks"] * block_size,
                          "fim_psm": st["fim_psm"], "fim_spm": st["fim_spm"]}
    return out


def build_report(work: Path, recipe: Any, executor: dict) -> dict:
    sources = source_rows(work, recipe)
    nbytes = sources[0].pop("_bytes") if sources else 0
    for s in sources:
        s.pop("_bytes", None)
    filters, kept = filter_report(work)
    steps, dedup = step_rows(work, recipe, kept)
    clusters = dedup["clusters"]
    top = sorted(clusters.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))[:50]
    tokens = token_report(work, recipe.tokenize.block_size)
    decon = [json.loads(line) for p in sorted((work / "side" / "decontaminate_drops").glob(
        "*.jsonl")) for line in p.read_text().splitlines()]
    report: dict[str, Any] = {
        "sources": sources, "files_in": sum(s["files_read"] for s in sources),
        "bytes_in": nbytes, "filters": filters, "steps": steps,
        "dedup": {"exact_duplicates": dedup["exact_dropped"],
                  "near_duplicates": dedup["near_dropped"],
                  "near_dup_clusters": len(clusters), "verified_pairs": dedup.get(
                      "verified_pairs", 0), "lsh_bands_rows": executor.pop("bands_rows")},
        "near_dup_clusters": [{"kept": k, "dropped": v, "size": len(v) + 1} for k, v in top],
        "near_dup_families": near_dup_families(clusters),
        "files_out": {s: t["files"] for s, t in tokens.items()}, "tokens": tokens,
        "tokenizer": json.loads((work / "side" / "tokenizer.json").read_text()),
        "block_size": recipe.tokenize.block_size,
        "fim": {"rate": recipe.fim.rate, "spm_rate": recipe.fim.spm_rate},
        "executor": executor}
    if recipe.decontaminate.enabled:
        report["decontamination"] = {"dropped": len(decon), "matched": {
            k.split(":", 1)[1]: v for k, v in steps[-1].items() if k.startswith("matched:")}}
        report["decontaminated"] = [{"id": d["id"], "items": d["items"]} for d in decon]
    return report


def save_linked(paths: list[Path], dest: Path) -> int:
    """A ``save_to_disk`` folder whose data files are the non-empty Arrow shards themselves
    (hard links; copies across filesystems): no row passes through this process, so memory does
    not grow with the corpus. Returns the rows."""
    import datasets

    parts = [(p, datasets.Dataset.from_file(str(p))) for p in paths]
    parts = [(p, d) for p, d in parts if len(d)]
    if not parts:
        return 0
    ds = datasets.concatenate_datasets([d for _, d in parts])
    dest.mkdir(parents=True)
    names = [f"data-{i:05d}-of-{len(parts):05d}.arrow" for i in range(len(parts))]
    for (path, _), name in zip(parts, names, strict=True):
        try:
            os.link(path, dest / name)
        except OSError:
            shutil.copyfile(path, dest / name)
    # the two metadata files Dataset.save_to_disk writes beside its shards
    state = {k: ds.__dict__[k] for k in ("_fingerprint", "_format_columns", "_format_kwargs",
                                         "_format_type", "_output_all_columns")}
    state.update(_split=None, _data_files=[{"filename": n} for n in names])
    (dest / "state.json").write_text(json.dumps(state, indent=2, sort_keys=True))
    info = asdict(ds.info)
    (dest / "dataset_info.json").write_text(json.dumps({k: info[k] for k in sorted(info)},
                                                       indent=2))
    return len(ds)


def write_datasets(work: Path, tmp: Path, keep_text: bool) -> None:
    splits = [s for s in ("train", "validation")
              if save_linked(sorted((work / "tokens" / s).glob("*.arrow")), tmp / s)]
    (tmp / "dataset_dict.json").write_text(json.dumps({"splits": splits}))
    if keep_text:
        save_linked(sorted((work / "files_arrow").glob("*.arrow")), tmp / "files")


class Finalize(PipelineStep):
    """Report, drops, datasets, tokenizer and resolved recipe, renamed into ``out`` at once."""

    name = "codetune finalize"
    type = "💾 - WRITER"

    def __init__(self, recipe: Any, work: str, out: str, key: str, executor: dict,
                 started: float) -> None:
        super().__init__()
        self.recipe, self.work, self.out, self.key = recipe, Path(work), Path(out), key
        self.executor, self.started = executor, started

    def run(self, data: DocumentsPipeline = None, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        report = build_report(self.work, self.recipe, dict(self.executor))
        tokens = report["tokens"]
        if not tokens.get("train", {}).get("blocks"):
            n = tokens.get("train", {}).get("tokens", 0)
            raise CodetuneError(f"the training files give {n} tokens, less than one block of "
                                f"{self.recipe.tokenize.block_size}: lower tokenize.block_size "
                                "or add sources")
        with atomic_dir(self.out) as tmp:
            write_datasets(self.work, tmp, self.recipe.keep_text)
            shutil.copytree(self.work / "tokenizer", tmp / "tokenizer")
            with open(tmp / "drops.jsonl", "w", encoding="utf-8") as out:
                for kind in DROP_KINDS:
                    for part in sorted((self.work / "side" / kind).glob("*.jsonl")):
                        with open(part, encoding="utf-8") as f:
                            shutil.copyfileobj(f, out)
            report.update(cache_key=self.key, elapsed_s=round(time.time() - self.started, 2))
            atomic_write_json(tmp / "report.json", report)
            save_config(self.recipe, tmp)
        return
        yield
