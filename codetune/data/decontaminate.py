"""Decontamination: drop records that share a long token n-gram with a benchmark's prompts or
solutions (bigcode style; whitespace- and formatting-insensitive).

Benchmarks are named (``humaneval``, ``mbpp``, through ``codetune.benchmark_data``) or
given as ``package.module:function`` returning ``(item_id, text)`` pairs. Benchmark texts
shorter than ``ngram`` tokens are skipped: they are too generic to prove a leak.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from codetune.artifacts import read_jsonl
from codetune.data.dedup import ngram_hashes
from codetune.data.pipeline import BaseStep, Record, record_text
from codetune.errors import CodetuneError
from codetune.plugins import import_object, is_plugin_name

# Words of two or more characters that are not plain numbers: n-grams of punctuation, digits and
# one-letter names ("1 , 2 , 3 , ...", "x [ i ]") are everywhere in code and prove no leak.
DECONTAM_TOKEN_RE = re.compile(r"\b(?!\d+\b)\w\w+")

BenchmarkLoader = Callable[[], Iterable[tuple[str, str]]]


def _data_file(name: str) -> Path:
    from codetune.benchmark_data import benchmark_file

    return benchmark_file(name)


def humaneval_texts() -> Iterator[tuple[str, str]]:
    """HumanEval prompts (signature + docstring) and canonical solutions."""
    for row in read_jsonl(_data_file("HumanEval.jsonl.gz")):
        yield row["task_id"], row["prompt"]
        yield row["task_id"], row["prompt"] + row["canonical_solution"]


def mbpp_texts() -> Iterator[tuple[str, str]]:
    """MBPP problem statements, reference solutions and test asserts (all 974 tasks)."""
    for row in read_jsonl(_data_file("mbpp.jsonl")):
        tid = str(row["task_id"])
        yield tid, row["text"]
        yield tid, row["code"]
        yield tid, "\n".join(row.get("test_list") or [])


# Import/include/package lines are the same in every program of a language (MultiPL-E's Java
# prompts all start with the same seven imports): their n-grams prove no leak, so they go.
_BOILERPLATE = re.compile(r"^\s*(#include|import\b|package\b|using namespace|use\b|"
                          r"const \w+ = require\().*$", re.MULTILINE)
HUMANEVAL_X_LANGUAGES = ("cpp", "java", "js", "go", "rust")
MULTIPL_E_LANGUAGES = ("cpp", "java", "js", "ts", "go", "rs", "sh")


def humaneval_x_texts() -> Iterator[tuple[str, str]]:
    """HumanEval-X prompts and canonical solutions in C++, Java, JavaScript, Go and Rust (its
    Python half is HumanEval): translations must not reproduce them."""
    for lang in HUMANEVAL_X_LANGUAGES:
        for row in read_jsonl(_data_file(f"humaneval-x/humaneval_{lang}.jsonl.gz")):
            prompt = _BOILERPLATE.sub("", row["prompt"])
            yield row["task_id"], prompt
            yield row["task_id"], prompt + _BOILERPLATE.sub("", row["canonical_solution"])


def multipl_e_texts() -> Iterator[tuple[str, str]]:
    """MultiPL-E's HumanEval prompts in its seven languages (it ships no solutions; its licence
    forbids training on it)."""
    for lang in MULTIPL_E_LANGUAGES:
        for row in read_jsonl(_data_file(f"multipl-e/humaneval-{lang}.jsonl.gz")):
            yield f"{lang}/{row.get('name') or row['task_id']}", \
                _BOILERPLATE.sub("", row["prompt"])


BENCHMARKS: dict[str, BenchmarkLoader] = {"humaneval": humaneval_texts, "mbpp": mbpp_texts,
                                          "humaneval-x": humaneval_x_texts,
                                          "multipl-e": multipl_e_texts}


def resolve_benchmark(name: str) -> BenchmarkLoader:
    """A registered benchmark name, or ``package.module:function`` yielding (id, text) pairs."""
    if name.lower() in BENCHMARKS:
        return BENCHMARKS[name.lower()]
    if is_plugin_name(name):
        return import_object(name, "benchmark")
    raise CodetuneError(f"unknown benchmark {name!r}; use one of {', '.join(BENCHMARKS)} "
                        "or package.module:function")


class Decontaminate(BaseStep):
    """Drop records sharing at least ``min_matches`` token ``ngram``-grams with a benchmark."""

    name = "decontaminate"

    def __init__(self, text_key: str | Sequence[str] = "text",
                 benchmarks: Sequence[str] = ("humaneval", "mbpp"), ngram: int = 10,
                 min_matches: int = 1, id_key: str | None = None) -> None:
        super().__init__()
        if ngram < 2 or min_matches < 1:
            raise ValueError("ngram must be >= 2 and min_matches >= 1")
        self.text_key, self.ngram, self.min_matches = text_key, ngram, min_matches
        self.id_key = id_key
        self.benchmarks = list(benchmarks)
        self.matches: dict[Any, list[str]] = {}
        owner: dict[int, str] = {}
        for bench in self.benchmarks:
            for item_id, text in resolve_benchmark(bench)():
                for h in ngram_hashes(text, ngram, DECONTAM_TOKEN_RE, short=False).tolist():
                    owner.setdefault(h, f"{bench}:{item_id}")
        self._owner = owner
        self._keys = np.array(sorted(owner), dtype=np.uint64)
        self.stats["benchmark_ngrams"] = len(owner)

    def matched_items(self, text: str) -> list[str]:
        """Benchmark items (``bench:id``) whose n-grams occur in ``text``, if enough match."""
        hashes = ngram_hashes(text, self.ngram, DECONTAM_TOKEN_RE, short=False)
        if len(hashes) == 0 or len(self._keys) == 0:
            return []
        hits = hashes[np.isin(hashes, self._keys, assume_unique=True)]
        if len(hits) < self.min_matches:
            return []
        return sorted({self._owner[int(h)] for h in hits})

    def run(self, records: Iterable[Record]) -> Iterator[Record]:
        for i, record in enumerate(records):
            self.seen(record)
            items = self.matched_items(record_text(record, self.text_key))
            if not items:
                yield self.keep(record)
                continue
            benches = sorted({it.split(":", 1)[0] for it in items})
            for bench in benches:
                self.stats[f"matched:{bench}"] += 1
            self.drop("benchmark_overlap")
            rid = record.get(self.id_key, i) if self.id_key else i
            self.matches[rid] = items
