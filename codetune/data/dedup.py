"""Exact and near deduplication steps over dict records (any text field: files, SFT pairs).

Near dedup follows bigcode's recipe: token 5-gram shingles, MinHash signatures, LSH candidate
search (``datasketch.MinHashLSH``) and a signature-Jaccard check of each candidate. Records are
processed in input order and the first of each near-duplicate cluster is kept, so the result is
deterministic and streaming (memory holds only the kept records' signatures).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from codetune.data.pipeline import BaseStep, Record, record_text

# bigcode's near-dedup tokenization: ASCII identifiers/words only, punctuation and spacing
# ignored. Matched on UTF-8 bytes, so tokens go to CRC32 without a per-token encode.
TOKEN_RE = re.compile(rb"[A-Za-z_0-9]+")
_WS_RE = re.compile(r"\s+")
_SHINGLE_BASE = np.uint64(1_000_003)
_CHUNK = 512


def normalized_hash(text: str) -> str:
    """SHA-256 of the text with every whitespace run collapsed (formatting-only copies match)."""
    return hashlib.sha256(_WS_RE.sub(" ", text).strip().encode("utf-8")).hexdigest()


class ExactDedup(BaseStep):
    """Drop records whose whitespace-normalized text was already seen (first one kept).

    ``duplicates`` maps each kept record's id (``id_key`` field, else its position) to the ids
    of the copies dropped.
    """

    name = "exact_dedup"

    def __init__(self, text_key: str | Sequence[str] = "text", id_key: str | None = None) -> None:
        super().__init__()
        self.text_key, self.id_key = text_key, id_key
        self._seen: dict[str, Any] = {}
        self.duplicates: dict[Any, list[Any]] = {}

    def run(self, records: Iterable[Record]) -> Iterator[Record]:
        for i, record in enumerate(records):
            self.seen(record)
            rid = record.get(self.id_key, i) if self.id_key else i
            digest = normalized_hash(record_text(record, self.text_key))
            if digest in self._seen:
                self.drop("exact_duplicate")
                self.duplicates.setdefault(self._seen[digest], []).append(rid)
                continue
            self._seen[digest] = rid
            yield self.keep(record)


def ngram_hashes(text: str, n: int, token_re: re.Pattern[Any] = TOKEN_RE,
                 short: bool = True, unique: bool = True) -> np.ndarray:
    """64-bit hashes of the text's token n-grams (sorted and unique when ``unique``).

    A text with fewer than ``n`` tokens gives one shingle of all its tokens when ``short`` is
    set, else nothing.
    """
    if isinstance(token_re.pattern, bytes):
        tokens = token_re.findall(text.encode("utf-8", "surrogatepass"))
    else:
        tokens = [t.encode("utf-8", "surrogatepass") for t in token_re.findall(text)]
    if not tokens or (len(tokens) < n and not short):
        return np.empty(0, dtype=np.uint64)
    th = np.fromiter(map(zlib.crc32, tokens), dtype=np.uint64, count=len(tokens))
    n = min(n, len(th))
    m = len(th) - n + 1
    out = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            out = out * _SHINGLE_BASE + th[k:k + m]
    return np.unique(out) if unique else out


class MinHasher:
    """MinHash signatures of token n-gram sets, vectorised with numpy.

    Tokens are hashed with CRC32, n-grams combined by a polynomial rolling hash, and each of the
    ``num_perm`` permutations is a multiply-add hash mod 2^64 whose top 32 bits are kept
    (min commutes with that monotone shift, so it is applied once to the minimum).
    """

    def __init__(self, num_perm: int = 256, ngram: int = 5, seed: int = 42) -> None:
        if num_perm < 2 or ngram < 1:
            raise ValueError("num_perm must be >= 2 and ngram >= 1")
        self.num_perm, self.ngram, self.seed = num_perm, ngram, seed
        rng = np.random.default_rng(seed)
        odd = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
        self._a = odd * np.uint64(2) + np.uint64(1)
        self._b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)

    def shingles(self, text: str) -> np.ndarray:
        """Sorted unique hashes of the text's token n-grams."""
        return ngram_hashes(text, self.ngram)

    def signature_of_shingles(self, shingles: np.ndarray) -> np.ndarray:
        """The MinHash signature (uint64 values below 2^32) of a shingle-hash array."""
        best = np.full(self.num_perm, np.iinfo(np.uint64).max, dtype=np.uint64)
        if len(shingles) == 0:
            return best >> np.uint64(32)
        buf = np.empty((min(len(shingles), _CHUNK), self.num_perm), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for i in range(0, len(shingles), _CHUNK):
                chunk = shingles[i:i + _CHUNK]
                part = buf[:len(chunk)]
                np.multiply(chunk[:, None], self._a, out=part)
                part += self._b
                np.minimum(best, part.min(axis=0), out=best)
        return best >> np.uint64(32)

    def signature(self, text: str) -> np.ndarray:
        # A minimum ignores repeats, so the shingle multiset needs no de-duplication here.
        return self.signature_of_shingles(ngram_hashes(text, self.ngram, unique=False))


def signature_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity: the fraction of equal signature slots."""
    return float(np.count_nonzero(a == b)) / len(a)


def candidate_probability(jaccard: float, bands: int, rows: int) -> float:
    """Chance that LSH with ``bands`` x ``rows`` makes a pair of this Jaccard a candidate."""
    return 1.0 - (1.0 - jaccard**rows) ** bands


def lsh_params(threshold: float, num_perm: int, recall: float) -> tuple[int, int]:
    """(bands, rows) with the most rows per band (fewest spurious candidates) such that a pair
    exactly at ``threshold`` becomes a candidate with probability >= ``recall``."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if candidate_probability(threshold, bands, rows) >= recall:
            best = (bands, rows)
    return best


class NearDedup(BaseStep):
    """MinHash-LSH near dedup: drop a record whose estimated Jaccard with a kept one >= threshold.

    Bands are chosen so a pair at the threshold is a candidate with probability ``lsh_recall``
    (candidates are verified on the full signature: extra ones cost time, not precision).
    ``clusters`` maps each kept record's id to the ids of the records dropped as its near-dups.
    """

    name = "near_dedup"

    def __init__(self, text_key: str | Sequence[str] = "text", threshold: float = 0.7,
                 num_perm: int = 256, ngram: int = 5, seed: int = 42,
                 id_key: str | None = None, lsh_recall: float = 0.99) -> None:
        super().__init__()
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        from datasketch import MinHashLSH

        self.text_key, self.threshold, self.id_key = text_key, threshold, id_key
        self.hasher = MinHasher(num_perm, ngram, seed)
        self.params = lsh_params(threshold, num_perm, lsh_recall)
        self.lsh = MinHashLSH(num_perm=num_perm, params=self.params)
        self._kept_sigs: list[np.ndarray] = []
        self._kept_ids: list[Any] = []
        self.clusters: dict[Any, list[Any]] = {}

    def check(self, record_id: Any, signature: np.ndarray) -> int | None:
        """Index of the most similar kept record at/above threshold, else index this one."""
        from datasketch import LeanMinHash

        mh = LeanMinHash(seed=self.hasher.seed, hashvalues=signature, scheme="legacy")
        best, best_sim = None, -1.0
        for idx in self.lsh.query(mh):
            sim = signature_jaccard(signature, self._kept_sigs[idx])
            if sim >= self.threshold and (sim > best_sim or (sim == best_sim and idx < best)):
                best, best_sim = idx, sim
        if best is None:
            self.lsh.insert(len(self._kept_sigs), mh, check_duplication=False)
            self._kept_sigs.append(signature)
            self._kept_ids.append(record_id)
        return best

    def run(self, records: Iterable[Record]) -> Iterator[Record]:
        for i, record in enumerate(records):
            self.seen(record)
            shingles = ngram_hashes(record_text(record, self.text_key), self.hasher.ngram,
                                    unique=False)
            if len(shingles) == 0:
                self.stats["too_short_to_compare"] += 1
                yield self.keep(record)
                continue
            rid = record.get(self.id_key, i) if self.id_key else i
            match = self.check(rid, self.hasher.signature_of_shingles(shingles))
            if match is None:
                yield self.keep(record)
                continue
            self.drop("near_duplicate")
            self.clusters.setdefault(self._kept_ids[match], []).append(rid)
        self.stats["clusters"] = len(self.clusters)

    def cluster_report(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Clusters (kept id + dropped ids), largest first."""
        rows = sorted(self.clusters.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))
        return [{"kept": k, "dropped": v, "size": len(v) + 1} for k, v in rows[:limit]]
