"""One task after the band stages: exact and near-duplicate decisions, with file ids resolved.

``GreedyNearDedup`` visits documents in (task, position) order and drops one when a verified pair
links it to a document still kept, choosing the most similar (ties: the earliest), exactly as the
in-memory ``NearDedup``. Memory holds the verified pairs and drops (they grow with the duplicates,
not the corpus); ids are looked up by streaming each shard's id list once.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from codetune.artifacts import atomic_write_json
from codetune.data.sharded.steps import side_path, write_drops

_PAIR_DTYPE = np.dtype([("ra", "<u4"), ("da", "<u4"), ("rb", "<u4"), ("db", "<u4"),
                        ("sim", "<f4")])
_EXACT_DTYPE = np.dtype([("rb", "<u4"), ("db", "<u4"), ("ra", "<u4"), ("da", "<u4")])


def _ids(id_file: Path, wanted: set[int]) -> dict[int, str]:
    """The ids on the given lines of a shard's id list (one JSON string per line)."""
    import json

    out: dict[int, str] = {}
    if not wanted:
        return out
    with open(id_file, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i in wanted:
                out[i] = json.loads(line)
    return out


def resolve_ids(id_folder: Path, keys: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
    by_rank: dict[int, set[int]] = defaultdict(set)
    for r, d in keys:
        by_rank[r].add(d)
    return {(r, d): doc_id for r, docs in by_rank.items()
            for d, doc_id in _ids(id_folder / f"{r:05d}.txt", docs).items()}


def greedy_drops(pairs: np.ndarray) -> dict[int, tuple[int, float]]:
    """Dropped gid → (kept gid, similarity), visiting documents in gid order (a < b in pairs)."""
    a = (pairs["ra"].astype(np.uint64) << np.uint64(32)) | pairs["da"]
    b = (pairs["rb"].astype(np.uint64) << np.uint64(32)) | pairs["db"]
    order = np.lexsort((a, b))
    a, b, sim = a[order].tolist(), b[order].tolist(), pairs["sim"][order].tolist()
    dropped: dict[int, tuple[int, float]] = {}
    i = 0
    while i < len(b):
        j, best, best_sim = i, None, -1.0
        while j < len(b) and b[j] == b[i]:
            if a[j] not in dropped and sim[j] > best_sim:  # a ascending: ties keep the earliest
                best, best_sim = a[j], sim[j]
            j += 1
        if best is not None:
            dropped[b[i]] = (best, best_sim)
        i = j
    return dropped


class GreedyNearDedup(PipelineStep):
    """Exact pairs → drop records; verified near pairs → greedy drops, datatrove ``.remove``
    files, clusters and drop records."""

    name = "codetune near-dup clusters"
    type = "🫂 - DEDUP"

    def __init__(self, work: str) -> None:
        super().__init__()
        self.work = Path(work)

    def _exact(self) -> int:
        raw = (self.work / "exact_dups" / "exact_pairs.bin").read_bytes()
        pairs = np.frombuffer(raw, dtype=_EXACT_DTYPE)
        keys = [(int(p["rb"]), int(p["db"])) for p in pairs] + [
            (int(p["ra"]), int(p["da"])) for p in pairs]
        ids = resolve_ids(self.work / "doc_ids", keys)
        write_drops(self.work, "exact_drops", 0, [
            {"id": ids[(int(p["rb"]), int(p["db"]))], "step": "exact_dedup",
             "reason": "exact_duplicate", "kept": ids[(int(p["ra"]), int(p["da"]))]}
            for p in pairs])
        return len(pairs)

    def run(self, data: DocumentsPipeline = None, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        n_exact = self._exact()
        files = sorted((self.work / "pairs").glob("*.bin"))
        pairs = np.unique(np.concatenate([np.fromfile(f, dtype=_PAIR_DTYPE) for f in files])
                          if files else np.zeros(0, _PAIR_DTYPE))
        dropped = greedy_drops(pairs)
        remove = self.work / "near_remove"
        remove.mkdir(parents=True, exist_ok=True)
        by_rank: dict[int, list[int]] = defaultdict(list)
        for gid in dropped:
            by_rank[gid >> 32].append(gid & 0xFFFFFFFF)
        for r, docs in by_rank.items():
            (remove / f"{r:06d}.remove").write_bytes(np.array(sorted(docs), "<u4").tobytes())
        split = [((g >> 32, g & 0xFFFFFFFF), (k >> 32, k & 0xFFFFFFFF))
                 for g, (k, _) in sorted(dropped.items())]
        ids = resolve_ids(self.work / "minhash" / "ids", [x for pair in split for x in pair])
        clusters: dict[str, list[str]] = {}
        drops = []
        for d, k in split:
            clusters.setdefault(ids[k], []).append(ids[d])
            drops.append({"id": ids[d], "step": "near_dedup", "reason": "near_duplicate",
                          "kept": ids[k]})
        write_drops(self.work, "near_drops", 0, drops)
        atomic_write_json(side_path(self.work, "dedup", 0), {
            "exact_dropped": n_exact, "near_dropped": len(dropped),
            "verified_pairs": int(len(pairs)), "clusters": clusters})
        return
        yield
