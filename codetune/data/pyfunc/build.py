"""Write the task family to disk: JSONL per part, one HF ``DatasetDict``, a manifest.

Parts: ``sft_train`` (SFT templates, with solutions), ``rl_train`` (RL-only templates: prompts and
tests only, the solution columns are blank), and fresh evaluation
draws ``sft_eval``, ``rl_eval``, ``heldout_eval`` that share no prompt with the training parts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from codetune.artifacts import atomic_dir, atomic_write_json, write_jsonl
from codetune.config import save_config
from codetune.console import log
from codetune.data.pyfunc.family import generate_tasks, iter_template_table, self_check
from codetune.data.pyfunc.template import Task
from codetune.errors import CodetuneError

PARTS = ("sft_train", "rl_train", "sft_eval", "rl_eval", "heldout_eval")


@dataclass
class TaskFamilyConfig:
    """How many tasks of each part to draw (recipe: ``datasets_recipes/tasks_pyfunc.yaml``)."""

    seed: int = field(default=0, metadata={"help": "Seed of every draw; same seed, same tasks."})
    sft_train: int = field(default=6000, metadata={"help": "Tasks of SFT templates, for SFT."})
    rl_train: int = field(default=2000, metadata={
        "help": "Prompts of RL-only templates, for GRPO."})
    sft_eval: int = field(default=1000, metadata={"help": "Fresh tasks of SFT templates."})
    rl_eval: int = field(default=1000, metadata={
        "help": "Fresh tasks of RL-only templates (the paired RL comparison needs >= 1000)."})
    heldout_eval: int = field(default=1000, metadata={"help": "Tasks of held-out templates."})
    n_tests: int = field(default=4, metadata={"help": "Assert lines per task."})
    self_check: bool = field(default=True, metadata={
        "help": "Run every reference solution against its asserts before writing."})
    hf_dataset: bool = field(default=True, metadata={
        "help": "Also save a HF DatasetDict (load_from_disk) under <out>/hf."})


def draw_parts(cfg: TaskFamilyConfig) -> dict[str, list[Task]]:
    """All five parts; eval parts exclude every training prompt."""
    sft = generate_tasks("sft", cfg.sft_train, cfg.seed, "train", cfg.n_tests)
    rl = generate_tasks("rl", cfg.rl_train, cfg.seed, "train", cfg.n_tests)
    seen = [t.prompt for t in sft + rl]
    return {
        "sft_train": sft,
        "rl_train": rl,
        "sft_eval": generate_tasks("sft", cfg.sft_eval, cfg.seed, "eval", cfg.n_tests, seen),
        "rl_eval": generate_tasks("rl", cfg.rl_eval, cfg.seed, "eval", cfg.n_tests, seen),
        "heldout_eval": generate_tasks("heldout", cfg.heldout_eval, cfg.seed, "eval",
                                       cfg.n_tests, seen),
    }


def build_task_family(cfg: TaskFamilyConfig, out_dir: str | Path) -> dict[str, int]:
    """Draw, self-check and write the family into ``out_dir``; return rows per part."""
    parts = draw_parts(cfg)
    if cfg.self_check:
        every = [t for tasks in parts.values() for t in tasks]
        failures = self_check(every)
        if failures:
            tid, err = failures[0]
            raise CodetuneError(f"{len(failures)} reference solutions fail their own tests, "
                                f"first {tid}: {err}")
        log.info("task family: all %d reference solutions pass their tests", len(every))
    counts = {name: len(tasks) for name, tasks in parts.items()}
    with atomic_dir(out_dir) as tmp:
        rows = {name: [_row(name, t) for t in tasks] for name, tasks in parts.items()}
        for name, part_rows in rows.items():
            write_jsonl(tmp / f"{name}.jsonl", part_rows)
        if cfg.hf_dataset:
            _save_hf(rows, tmp / "hf")
        atomic_write_json(tmp / "manifest.json", {
            "family": "pyfunc", "counts": counts,
            "templates_per_part": {n: dict(Counter(t.template for t in ts))
                                   for n, ts in parts.items()},
            "templates": list(iter_template_table())})
        save_config(cfg, tmp)
    return counts


def _row(part: str, task: Task) -> dict:
    """A JSONL row (also a ``--benchmark jsonl`` task); RL training rows carry no solution."""
    row = task.to_dict()
    if part == "rl_train":
        row["solution"] = row["canonical_solution"] = ""
    return row


def _save_hf(rows: dict[str, list[dict]], path: Path) -> None:
    from datasets import Dataset, DatasetDict, disable_progress_bars

    disable_progress_bars()
    DatasetDict({name: Dataset.from_list(part_rows)
                 for name, part_rows in rows.items() if part_rows}).save_to_disk(str(path))


def load_part(out_dir: str | Path, part: str) -> list[dict]:
    """Rows of one part written by ``build_task_family``."""
    from codetune.artifacts import read_jsonl

    if part not in PARTS:
        raise CodetuneError(f"unknown task part {part!r}; use one of {', '.join(PARTS)}")
    return list(read_jsonl(Path(out_dir) / f"{part}.jsonl"))
