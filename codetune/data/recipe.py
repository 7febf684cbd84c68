"""The pretraining-data recipe: every knob of ``codetune data pretrain``, loaded from YAML, and
what a build returns (both the in-memory and the sharded builds)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from codetune.console import add_log_file, log
from codetune.data.filters import FilterConfig
from codetune.data.sharded.config import ExecutorConfig
from codetune.data.sources import SourceConfig


@dataclass
class DedupConfig:
    """Exact and MinHash-LSH near deduplication (bigcode: 5-grams, 256 permutations, 0.7)."""

    exact: bool = field(default=True, metadata={
        "help": "Drop copies whose whitespace-normalized text was seen before."})
    near: bool = field(default=True, metadata={"help": "Run MinHash LSH near dedup."})
    threshold: float = field(default=0.7, metadata={
        "help": "Estimated Jaccard of token 5-gram sets at/above which files are near-dups."})
    num_perm: int = field(default=256, metadata={"help": "MinHash permutations."})
    ngram: int = field(default=5, metadata={"help": "Tokens per shingle."})
    seed: int = field(default=42, metadata={"help": "MinHash seed (fixed: deterministic runs)."})
    lsh_recall: float = field(default=0.99, metadata={
        "help": "LSH bands/rows chosen so a pair at the threshold is a candidate with this "
                "probability (candidates are verified on the signature)."})


@dataclass
class DecontamConfig:
    """Drop files sharing a long word n-gram with benchmark prompts/solutions."""

    enabled: bool = field(default=True, metadata={"help": "Run decontamination."})
    benchmarks: list[str] = field(default_factory=lambda: ["humaneval", "mbpp"], metadata={
        "help": "Benchmark names (humaneval, mbpp) or package.module:function."})
    ngram: int = field(default=10, metadata={
        "help": "Word n-gram length (words of 2+ chars, numbers left out)."})
    min_matches: int = field(default=1, metadata={
        "help": "Shared n-grams needed to drop a file."})


@dataclass
class FIMConfig:
    """Fill-in-the-middle transform (Bavarian et al. 2022; StarCoder's PSM/SPM at 50%)."""

    rate: float = field(default=0.0, metadata={
        "help": "Fraction of training files turned into FIM examples (StarCoder: 0.5)."})
    spm_rate: float = field(default=0.5, metadata={
        "help": "Fraction of FIM examples in SPM order, the rest PSM."})
    seed: int = field(default=0, metadata={"help": "Seed of the split points."})


@dataclass
class TokenizeConfig:
    """Tokenizer and packing."""

    tokenizer: str = field(default="", metadata={
        "help": "HF tokenizer dir or hub id; empty: train a byte-level BPE on the corpus."})
    vocab_size: int = field(default=8000, metadata={
        "help": "Vocabulary size when training a tokenizer."})
    block_size: int = field(default=512, metadata={"help": "Tokens per packed training block."})
    validation_fraction: float = field(default=0.05, metadata={
        "help": "Fraction of files (split by file, not block) held out for validation."})
    split_seed: int = field(default=0, metadata={"help": "Seed of the train/validation split."})


@dataclass
class PretrainRecipe:
    """``codetune data pretrain``: sources → filters → dedup → decontaminate → tokens."""

    output_dir: str = field(default="runs/data/pretrain", metadata={
        "help": "Folder of the built dataset (written atomically)."})
    sources: list[SourceConfig] = field(default_factory=lambda: [SourceConfig(kind="stdlib")],
                                        metadata={"help": "Inputs, read in order."})
    filters: FilterConfig = field(default_factory=FilterConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    decontaminate: DecontamConfig = field(default_factory=DecontamConfig)
    tokenize: TokenizeConfig = field(default_factory=TokenizeConfig)
    fim: FIMConfig = field(default_factory=FIMConfig)
    num_proc: int = field(default=1, metadata={
        "help": "Processes for datasets.map (filters, tokenization)."})
    keep_text: bool = field(default=True, metadata={
        "help": "Also save the kept files (text, path, split) as a dataset in files/."})
    cache: bool = field(default=True, metadata={
        "help": "Reuse the output when recipe and input files are unchanged."})
    executor: ExecutorConfig = field(default_factory=ExecutorConfig, metadata={
        "help": "memory: this process; local/slurm/ray: sharded datatrove stages."})


@dataclass
class BuildResult:
    output_dir: Path
    report: dict
    reused: bool


def log_into(path: Path) -> logging.Handler:
    """Also log to ``path`` (a build's ``run.log``); the handler, to remove when done."""
    add_log_file(path)
    return log.handlers[-1]
