"""Exact and MinHash near dedup on datatrove's sharded stages, with codetune's semantics.

* Exact: datatrove's ``ExactDedupSignature`` (SHA-1 of the whitespace-normalized text; priority
  encodes the task so the first copy in (task, position) order wins) and ``ExactDedupFilter``;
  ``ExactDuplicates`` replaces ``ExactFindDedups`` to also record which copy each one matched.
* Near: ``CodetuneMinhashSignature`` is datatrove's ``MinhashDedupSignature`` (bucket files,
  sorted per task) fed codetune's 5-gram MinHash, so signatures equal the in-memory path's.
  ``VerifiedBucketPairs`` replaces stage 2: datatrove's stage 2 emits *consecutive* equal band
  values and its stage 3 unions them transitively, so a chain A~B~C drops C even when C is far
  from A, and band collisions below the threshold are never checked. Here every pair sharing a
  band value is verified on the full 256-slot signature, and ``GreedyNearDedup`` drops a file only
  when it matches a file already *kept* (as ``NearDedup`` does), writing datatrove's ``.remove``
  files for its stage 4 ``MinhashDedupFilter``.
"""

from __future__ import annotations

import heapq
import json
import re
import struct
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup.exact_dedup import ExactDedupConfig
from datatrove.pipeline.dedup.exact_dedup import read_sigs as read_exact_sigs
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
from datatrove.pipeline.dedup.minhash import read_sigs as read_band_sigs
from datatrove.utils.hashing import HashConfig

_WS_RE = re.compile(r"\s+")
PAIR = struct.Struct("<IIIIf")  # rank_a, doc_a, rank_b, doc_b, signature Jaccard (a before b)
EXACT_PAIR = struct.Struct("<IIII")  # dropped rank, doc; kept rank, doc
MAX_PRIORITY = 65535


def normalized_text(doc: Any) -> str:
    """The text exact dedup hashes: whitespace runs collapsed (as ``normalized_hash``)."""
    return _WS_RE.sub(" ", doc.text).strip()


def shard_priority(doc: Any) -> int:
    """datatrove keeps the highest priority copy: earlier tasks win, then earlier positions."""
    return MAX_PRIORITY - int(doc.metadata["shard"])


def exact_config() -> ExactDedupConfig:
    return ExactDedupConfig(content_getter=normalized_text, document_priority=shard_priority,
                            hash_config=HashConfig(precision=64, hash_fc="sha1"))


class ExactDuplicates(PipelineStep):
    """Stage 2 of exact dedup (one task): merges the sorted signature files; every copy after the
    first of a hash is written to datatrove's ``.c4_dup`` files and, with the copy it matched,
    to ``exact_pairs.bin``."""

    name = "codetune exact duplicates"
    type = "🫂 - DEDUP"

    def __init__(self, sig_folder: str, out_folder: str) -> None:
        super().__init__()
        self.sig_folder, self.out_folder = Path(sig_folder), Path(out_folder)

    def run(self, data: DocumentsPipeline = None, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        cfg = exact_config().hash_config
        folder = get_datafolder(str(self.sig_folder))
        files = sorted(folder.list_files(subdirectory="0000", glob_pattern="*.c4_sig"))
        readers = [read_exact_sigs(folder.open(f, "rb"), i, cfg) for i, f in enumerate(files)]
        heap = [s for s in (next(r, None) for r in readers) if s is not None]
        heapq.heapify(heap)
        dups: dict[str, list[int]] = defaultdict(list)
        pairs = bytearray()
        first = None
        while heap:
            v = heapq.heappop(heap)
            if first is not None and first.hash_value == v.hash_value:
                dups[v.file_stem].append(v.doc_id)
                pairs += EXACT_PAIR.pack(int(v.file_stem), v.doc_id, int(first.file_stem),
                                         first.doc_id)
            else:
                first = v
            nxt = next(readers[v.file_id], None)
            if nxt is not None:
                heapq.heappush(heap, nxt)
        out = self.out_folder / "00000"
        out.mkdir(parents=True, exist_ok=True)
        for stem, ids in dups.items():
            (out / f"{stem}.c4_dup").write_bytes(np.array(sorted(ids), "<u4").tobytes())
        (self.out_folder / "exact_pairs.bin").write_bytes(bytes(pairs))
        return
        yield


class CodetuneMinhashSignature(MinhashDedupSignature):
    """datatrove's stage 1 with codetune's shingles and MinHash (``codetune.data.dedup``); also
    writes every document's full signature and id, for verification and the report."""

    name = "codetune MinHash signatures"

    def __init__(self, output_folder: str, num_perm: int, ngram: int, seed: int,
                 bands: int, rows: int) -> None:
        PipelineStep.__init__(self)  # the parent's __init__ loads a spaCy word tokenizer
        self.output_folder = get_datafolder(str(Path(output_folder) / "buckets"))
        self.root = Path(output_folder)
        self.config = MinhashConfig(n_grams=ngram, num_buckets=bands, hashes_per_bucket=rows,
                                    seed=seed, hash_config=HashConfig(precision=32,
                                                                      hash_fc="sha1"))
        self.num_hashes = bands * rows
        self.num_perm, self.seed, self.skip_existing_sigs = num_perm, seed, False
        self._parameters = None
        self._current: np.ndarray | None = None

    def get_shingles(self, text: str) -> np.ndarray:
        # The signature was computed in _with_signatures just before; only emptiness matters here.
        return np.empty(0 if self._current is None else 1, dtype=np.uint64)

    def get_signature(self, shingles: np.ndarray) -> list[list[int]]:
        sig = self._current[: self.num_hashes].astype(np.uint32)
        return [b.tolist() for b in np.split(sig, self.config.num_buckets)]

    def _with_signatures(self, data: DocumentsPipeline, rank: int) -> DocumentsPipeline:
        from codetune.data.dedup import MinHasher, ngram_hashes

        hasher = MinHasher(self.num_perm, self.config.n_grams, self.seed)
        for sub in ("full", "ids"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        empty = np.zeros(self.num_perm, dtype=np.uint32).tobytes()
        with open(self.root / "full" / f"{rank:05d}.u32", "wb") as full, \
                open(self.root / "ids" / f"{rank:05d}.txt", "w", encoding="utf-8") as ids:
            for doc in data:
                shingles = ngram_hashes(doc.text, self.config.n_grams, unique=False)
                self._current = (hasher.signature_of_shingles(shingles) if len(shingles)
                                 else None)
                full.write(empty if self._current is None
                           else self._current.astype(np.uint32).tobytes())
                ids.write(json.dumps(doc.id) + "\n")
                yield doc

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1):
        return super().run(self._with_signatures(data, rank), rank, world_size)


class VerifiedBucketPairs(PipelineStep):
    """Stage 2, one task per band: merge the band's sorted signature files; every pair of
    documents sharing the band value is checked on the full signature (Jaccard >= threshold)."""

    name = "codetune MinHash verified pairs"
    type = "🫂 - DEDUP"

    def __init__(self, minhash_folder: str, pairs_folder: str, bands: int, rows: int,
                 num_perm: int, threshold: float) -> None:
        super().__init__()
        self.root, self.pairs_folder = Path(minhash_folder), Path(pairs_folder)
        self.bands, self.rows, self.num_perm, self.threshold = bands, rows, num_perm, threshold

    def _full(self, stem: str) -> np.ndarray:
        path = self.root / "full" / f"{stem}.u32"
        if path.stat().st_size == 0:
            return np.zeros((0, self.num_perm), dtype=np.uint32)
        return np.memmap(path, dtype=np.uint32, mode="r").reshape(-1, self.num_perm)

    def run(self, data: DocumentsPipeline = None, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        cfg = MinhashConfig(num_buckets=self.bands, hashes_per_bucket=self.rows,
                            hash_config=HashConfig(precision=32, hash_fc="sha1"))
        folder = get_datafolder(str(self.root / "buckets"))
        files = sorted(folder.list_files(subdirectory=f"bucket_{rank:03d}",
                                         glob_pattern="*.minhash.sig"))
        full: dict[str, Any] = {}
        readers = [read_band_sigs(folder.open(f, "rb"), i, cfg) for i, f in enumerate(files)]
        heap = [s for s in (next(r, None) for r in readers) if s is not None]
        heapq.heapify(heap)
        out = bytearray()
        run_sig, members, member_sigs = None, [], []
        while heap:
            v = heapq.heappop(heap)
            if v.file_stem not in full:
                full[v.file_stem] = self._full(v.file_stem)
            sig = full[v.file_stem][v.doc_id]
            if v.sig != run_sig:
                run_sig, members, member_sigs = v.sig, [], []
            elif members:
                sims = np.count_nonzero(np.stack(member_sigs) == sig, axis=1) / self.num_perm
                for (stem, doc), sim in zip(members, sims.tolist(), strict=True):
                    if sim >= self.threshold:
                        out += PAIR.pack(int(stem), doc, int(v.file_stem), v.doc_id, sim)
            members.append((v.file_stem, v.doc_id))
            member_sigs.append(sig)
            nxt = next(readers[v.reader_id], None)
            if nxt is not None:
                heapq.heappush(heap, nxt)
        self.pairs_folder.mkdir(parents=True, exist_ok=True)
        (self.pairs_folder / f"{rank:05d}.bin").write_bytes(bytes(out))
        self.stat_update("verified_pairs", value=len(out) // PAIR.size)
        return
        yield
