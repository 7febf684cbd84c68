"""The SFT-data recipe: every knob of ``codetune data sft``, loaded from YAML."""

from __future__ import annotations

from dataclasses import dataclass, field

from codetune.sandbox.config import SandboxConfig

TASKS = ("generate", "explain", "fix", "translate")


@dataclass
class SFTSourceConfig:
    """One input: code units from files, problems with tests, or parallel translations."""

    kind: str = field(default="code_units", metadata={
        "help": "code_units (functions/classes from source files), mbpp, problems (JSONL with "
                "text/code/tests), parallel (JSONL of language→code pairs) or "
                "package.module:function yielding records."})
    name: str = field(default="", metadata={
        "help": "Source name in the report and for mixture.max_per_source (default: kind)."})
    paths: list[str] = field(default_factory=list, metadata={
        "help": "Files, folders or globs; code_units with none reads the interpreter's stdlib; "
                "mbpp with none reads mbpp.jsonl through codetune.benchmark_data."})
    language: str = field(default="python", metadata={
        "help": "Language of code_units/problems (a registered tree-sitter grammar)."})
    task_ids: str = field(default="601-974", metadata={
        "help": "mbpp: task-id ranges to use, e.g. '601-974' (the train split) or '601-700,900'."})
    max_files: int = field(default=0, metadata={"help": "code_units: read at most this many "
                                                "files (0 = all)."})
    max_records: int = field(default=0, metadata={
        "help": "Stop after this many units/problems/pairs from this source (0 = all)."})
    min_lines: int = field(default=3, metadata={"help": "code_units: shortest unit (lines)."})
    max_lines: int = field(default=60, metadata={"help": "code_units: longest unit (lines)."})


@dataclass
class AugmentConfig:
    """tree-sitter augmentation of the code in each sample (variants are extra samples)."""

    variants: int = field(default=1, metadata={
        "help": "Augmented variants made per base sample (0 = no augmentation)."})
    names: list[str] = field(default_factory=lambda: [
        "rename_identifiers", "strip_comments", "docstring_summary", "reindent", "dead_code",
        "for_to_while", "while_to_for"], metadata={
        "help": "Augmentations to draw from (registry names or package.module:function)."})
    max_stack: int = field(default=2, metadata={
        "help": "Augmentations chained in one variant (1..max_stack, drawn at random)."})
    tasks: list[str] = field(default_factory=lambda: ["generate", "explain", "fix"], metadata={
        "help": "Task types whose samples get augmented variants."})


@dataclass
class FixConfig:
    """Bug injection for the fix task (kept only if the sandbox shows the bug)."""

    operators: list[str] = field(default_factory=lambda: [
        "off_by_one", "wrong_comparison", "wrong_arithmetic", "swapped_arguments",
        "wrong_variable", "missing_return", "inverted_condition"], metadata={
        "help": "Mutation operators (registry names or package.module:function)."})
    mutants_per_problem: int = field(default=2, metadata={
        "help": "Distinct bugs tried per problem (each a separate sample if caught)."})
    include_failure: float = field(default=0.5, metadata={
        "help": "Share of fix samples whose prompt shows the failing test's output."})


@dataclass
class SFTDedupConfig:
    """Dedup of the source records (before augmentation: variants are near-dups by design)."""

    exact: bool = field(default=True, metadata={
        "help": "Drop records whose whitespace-normalized code was seen before."})
    near: bool = field(default=True, metadata={"help": "MinHash-LSH near dedup of the code."})
    threshold: float = field(default=0.9, metadata={
        "help": "Estimated Jaccard of token 5-gram sets at/above which records are near-dups."})
    num_perm: int = field(default=256, metadata={"help": "MinHash permutations."})
    ngram: int = field(default=5, metadata={"help": "Tokens per shingle."})
    seed: int = field(default=42, metadata={"help": "MinHash seed (fixed: deterministic runs)."})


@dataclass
class SFTDecontamConfig:
    """Drop records sharing a long word n-gram with benchmark prompts/solutions."""

    enabled: bool = field(default=True, metadata={"help": "Run decontamination."})
    benchmarks: list[str] = field(default_factory=lambda: [
        "humaneval", "humaneval-x", "codetune.data.sft.sources:mbpp_heldout_texts"], metadata={
        "help": "Benchmark names or package.module:function; MBPP's train split (601-974) is "
                "an SFT source, so only its held-out tasks (1-600) are checked by default; "
                "HumanEval-X guards the translate task's other languages (downloaded once like "
                "every benchmark file). Add multipl-e where its files are in CODETUNE_DATA_DIR "
                "(it has no official single-file release to download)."})
    ngram: int = field(default=10, metadata={"help": "Word n-gram length."})
    min_matches: int = field(default=1, metadata={"help": "Shared n-grams needed to drop."})


@dataclass
class MixtureConfig:
    """How many samples of each task end up in the dataset."""

    ratios: dict = field(default_factory=lambda: {
        "generate": 0.35, "explain": 0.2, "fix": 0.3, "translate": 0.15}, metadata={
        "help": "Target share per task type; the largest mix the pool supports is taken."})
    max_per_source: int = field(default=0, metadata={
        "help": "Cap on samples from any one source (0 = no cap)."})
    total: int = field(default=0, metadata={
        "help": "Samples in the final dataset (0 = the largest selection with exact ratios)."})
    strict: bool = field(default=False, metadata={
        "help": "With total > 0: true keeps exact shares (the scarcest task may limit the "
                "total); false lets a task short of its share give all it has while the "
                "others fill the total in their ratios."})


@dataclass
class SFTRecipe:
    """``codetune data sft``: sources → tasks → augmentation → verification → mix → dataset."""

    output_dir: str = field(default="runs/data/sft", metadata={
        "help": "Folder of the built HF dataset (written atomically)."})
    seed: int = field(default=0, metadata={"help": "Seed of every random choice."})
    sources: list[SFTSourceConfig] = field(default_factory=lambda: [
        SFTSourceConfig(kind="code_units", name="stdlib", max_files=150),
        SFTSourceConfig(kind="mbpp", name="mbpp")], metadata={"help": "Inputs, read in order."})
    tasks: list[str] = field(default_factory=lambda: list(TASKS), metadata={
        "help": "Task types to build: generate, explain, fix, translate."})
    template_languages: list[str] = field(default_factory=lambda: ["en", "zh"], metadata={
        "help": "Natural languages of the instruction templates to sample from."})
    template_dirs: list[str] = field(default_factory=list, metadata={
        "help": "Extra folders of template YAML files (added to the shipped ones)."})
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    fix: FixConfig = field(default_factory=FixConfig)
    mixture: MixtureConfig = field(default_factory=MixtureConfig)
    dedup: SFTDedupConfig = field(default_factory=SFTDedupConfig)
    decontaminate: SFTDecontamConfig = field(default_factory=SFTDecontamConfig)
    verify: bool = field(default=True, metadata={
        "help": "Run samples that have tests in the sandbox (required for fix samples)."})
    verify_batch_size: int = field(default=64, metadata={
        "help": "Jobs sent to SandboxPool.run_many at once."})
    verify_timeout_s: float = field(default=10.0, metadata={
        "help": "Wall-clock limit per sandbox job (seconds)."})
    translate_untested: str = field(default="keep", metadata={
        "help": "Translations whose Python tests cannot be carried to the target language "
                "(MultiPL-E's rule: asserts over literals, types from the target's signature): "
                "keep (unverified, counted as not_carried) or drop. Carried ones are kept "
                "only when they pass."})
    sandbox: SandboxConfig = field(default_factory=SandboxConfig)
    format: str = field(default="conversational", metadata={
        "help": "Columns for TRL SFTTrainer: conversational (prompt/completion as chat "
                "messages), text (prompt/completion strings) or messages (one chat column)."})
    validation_fraction: float = field(default=0.0, metadata={
        "help": "Share held out as a 'validation' split, by source record (0 = train only)."})
