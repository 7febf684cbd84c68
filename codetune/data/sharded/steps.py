"""codetune's readers and filters as datatrove pipeline steps, plus the per-shard side files.

Every step gets ``rank`` and ``world_size`` from the executor. Counts and dropped-file records a
task produces are written once, atomically, when its stream ends (``side_path``), so a task that
is killed and re-run replaces them: nothing is counted twice.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from codetune.artifacts import atomic_write_json, atomic_write_text


def side_path(work: str | Path, kind: str, rank: int, ext: str = "json") -> Path:
    """``work/side/<kind>/<rank>.<ext>``: one task's counts or drop records."""
    return Path(work) / "side" / kind / f"{rank:05d}.{ext}"


def write_drops(work: str | Path, kind: str, rank: int, drops: list[dict]) -> None:
    text = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in drops)
    atomic_write_text(side_path(work, kind, rank, "jsonl"), text)


def doc_record(doc: Document) -> dict[str, Any]:
    """The codetune record (``id, path, source, language, text, size_bytes``) of a Document."""
    return {"id": doc.id, "text": doc.text, **{k: doc.metadata.get(k) for k in (
        "path", "source", "language", "size_bytes", "split")}}


class SourceShardReader(PipelineStep):
    """Reads this task's share of the recipe's sources: a contiguous slice of each file-tree
    source's sorted file list (dir, git, stdlib), every ``world_size``-th row of table sources
    (jsonl, parquet, hf, functions). Global order is (task, position in task)."""

    name = "codetune sources"
    type = "📖 - READER"

    def __init__(self, sources: list, work: str) -> None:
        super().__init__()
        self.source_cfgs, self.work = sources, work

    def _records(self, src: Any, rank: int, world_size: int) -> Iterator[dict]:
        from codetune.data.sources import DirSource, StdlibSource

        if isinstance(src, DirSource | StdlibSource):
            files = src.files()
            if src.cfg.max_files:
                files = files[: src.cfg.max_files]
            lo, hi = rank * len(files) // world_size, (rank + 1) * len(files) // world_size
            for rel, path in files[lo:hi]:
                text = src._read(path)
                if text is not None:
                    yield src.record(rel, text)
            return
        for i, rec in enumerate(src.records()):
            if i % world_size == rank:
                yield rec

    def run(self, data: DocumentsPipeline = None, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        from codetune.data.sources import make_source

        rows = []
        for cfg in self.source_cfgs:
            src = make_source(cfg)
            n = nbytes = 0
            for rec in self._records(src, rank, world_size):
                n, nbytes = n + 1, nbytes + rec["size_bytes"]
                self.stat_update("read")
                meta = {k: rec[k] for k in ("path", "source", "language", "size_bytes")}
                yield Document(text=rec["text"], id=rec["id"], metadata=meta | {"shard": rank})
            rows.append({"name": cfg.label, "read": n, "bytes": nbytes, "skipped": {
                k.split(":", 1)[1]: v for k, v in src.stats.items() if k.startswith("skipped:")}})
        atomic_write_json(side_path(self.work, "sources", rank), rows)


class QualityFilters(PipelineStep):
    """The recipe's quality filters (``codetune.data.filters``); first drop reason per file."""

    name = "codetune quality filters"
    type = "🔻 - FILTER"

    def __init__(self, cfg: Any, work: str) -> None:
        super().__init__()
        self.cfg, self.work = cfg, work

    def run(self, data: DocumentsPipeline, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        from codetune.data.filters import build_filters, first_drop

        filters = build_filters(self.cfg)
        counts: dict[str, Counter] = {f.name: Counter() for f in filters}
        drops, n_in = [], 0
        for doc in data:
            n_in += 1
            hit = first_drop(filters, doc_record(doc))
            if hit is None:
                self.stat_update("kept")
                yield doc
                continue
            self.stat_update("dropped")
            counts[hit[0]][hit[1]] += 1
            drops.append({"id": doc.id, "step": hit[0], "reason": hit[1]})
        write_drops(self.work, "filter_drops", rank, drops)
        atomic_write_json(side_path(self.work, "filters", rank), {
            "in": n_in, "names": [f.name for f in filters],
            "counts": {k: dict(v) for k, v in counts.items()}})


class DecontaminateStep(PipelineStep):
    """``codetune.data.decontaminate.Decontaminate`` per document (the benchmark n-gram table is
    built once per task, small and fixed: it does not grow with the corpus)."""

    name = "codetune decontaminate"
    type = "🔻 - FILTER"

    def __init__(self, cfg: Any, work: str) -> None:
        super().__init__()
        self.cfg, self.work = cfg, work

    def run(self, data: DocumentsPipeline, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        from codetune.data.decontaminate import Decontaminate

        c = self.cfg
        step = Decontaminate("text", c.benchmarks, c.ngram, c.min_matches, id_key="id")
        drops, matched, n_in = [], Counter(), 0
        for doc in data:
            n_in += 1
            items = step.matched_items(doc.text)
            if not items:
                yield doc
                continue
            self.stat_update("dropped")
            matched.update(sorted({it.split(":", 1)[0] for it in items}))
            drops.append({"id": doc.id, "step": "decontaminate", "reason": "benchmark_overlap",
                          "items": items})
        write_drops(self.work, "decontaminate_drops", rank, drops)
        atomic_write_json(side_path(self.work, "decontaminate", rank),
                          {"in": n_in, "dropped": len(drops), "matched": dict(matched)})


class IdList(PipelineStep):
    """Writes each passing document's id, one JSON string per line (``<folder>/<rank>.txt``):
    later stages name files by (task, position) and look the ids up here."""

    name = "codetune id list"
    type = "💾 - WRITER"

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.folder = folder

    def run(self, data: DocumentsPipeline, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        path = Path(self.folder) / f"{rank:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            for doc in data:
                f.write(json.dumps(doc.id) + "\n")
                yield doc


class SplitTagger(PipelineStep):
    """Train/validation by a hash of the file id (``codetune.data.pretrain_tokens.split_of``)."""

    name = "codetune split"
    type = "🏷 - TAGGER"

    def __init__(self, fraction: float, seed: int) -> None:
        super().__init__()
        self.fraction, self.seed = fraction, seed

    def run(self, data: DocumentsPipeline, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        from codetune.data.pretrain_tokens import split_of

        for doc in data:
            doc.metadata["split"] = split_of(doc.id, self.fraction, self.seed)
            yield doc


def shard_writer(folder: str | Path) -> JsonlWriter:
    """One gzip JSONL shard per task: ``<folder>/<rank:05d>.jsonl.gz``."""
    return JsonlWriter(str(folder), output_filename="${rank}.jsonl.gz")


class ShardReader(JsonlReader):
    """Reads back exactly this task's shard written by ``shard_writer`` (none: no documents)."""

    name = "codetune shard reader"

    def __init__(self, folder: str | Path) -> None:
        super().__init__(str(folder), file_progress=False)

    def run(self, data: DocumentsPipeline = None, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        name = f"{rank:05d}.jsonl.gz"
        if self.data_folder.isfile(name):
            for doc in self.read_files_shard([name]):
                doc.metadata.pop("file_path", None)
                yield doc
