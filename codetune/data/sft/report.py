"""What the SFT build kept and dropped, and why: counts per stage, task, template, augmentation."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from codetune.console import console

TRANSLATE_COUNTS = ("translated", "carried", "not_carried", "verified", "dropped")


class SFTReport:
    """Counters filled by each stage; ``to_dict`` is written as ``report.json``."""

    def __init__(self) -> None:
        self.sources: Counter = Counter()
        self.items: Counter = Counter()  # base task items before augmentation
        self.drops: dict[str, Counter] = defaultdict(Counter)  # stage -> reason -> n
        self.augment: Counter = Counter()  # "<name>:<ok|reason>"
        self.mutations: Counter = Counter()  # "<operator>:<ok|reason>" and caught/not_caught
        self.verification: Counter = Counter()
        self.steps: list[dict[str, Any]] = []  # dedup/decontamination step reports
        self.mixture: dict[str, Any] = {}
        self.final: dict[str, Counter] = defaultdict(Counter)
        # translate, per target language: translated, carried, not_carried, verified, dropped
        self.translate: dict[str, Counter] = defaultdict(Counter)
        self.not_carried: Counter = Counter()  # "<language>:<reason>"

    def drop(self, stage: str, reason: str, n: int = 1) -> None:
        self.drops[stage][reason] += n

    def count_final(self, samples: list[dict]) -> None:
        for s in samples:
            self.final["task"][s["task"]] += 1
            self.final["template"][s["template"]] += 1
            self.final["source"][s["source"]] += 1
            for name in s["augmentations"] or ["none"]:
                self.final["augmentation"][name] += 1
            if s.get("mutation"):
                self.final["mutation"][s["mutation"]] += 1

    def to_dict(self) -> dict[str, Any]:
        return {"sources": dict(self.sources), "items": dict(self.items),
                "dropped": {k: dict(v) for k, v in self.drops.items()},
                "augmentation_attempts": dict(sorted(self.augment.items())),
                "mutation_attempts": dict(sorted(self.mutations.items())),
                "verification": dict(self.verification),
                "translate": {lang: {k: c[k] for k in TRANSLATE_COUNTS}
                              for lang, c in sorted(self.translate.items())},
                "translate_not_carried": dict(sorted(self.not_carried.items())),
                "steps": self.steps,
                "mixture": self.mixture,
                "final": {k: dict(sorted(v.items())) for k, v in self.final.items()},
                "total": sum(self.final["task"].values())}

    def print(self) -> None:
        """A compact table of the final counts and the drops."""
        from rich.table import Table

        table = Table("what", "count", title="codetune data sft")
        for key in ("task", "source", "augmentation", "mutation"):
            for name, n in sorted(self.final[key].items()):
                table.add_row(f"{key}: {name}", str(n))
        for lang, counts in sorted(self.translate.items()):
            table.add_row(f"translate to {lang}", ", ".join(
                f"{k} {counts[k]}" for k in TRANSLATE_COUNTS))
        for stage, reasons in self.drops.items():
            for reason, n in sorted(reasons.items()):
                table.add_row(f"dropped at {stage}: {reason}", str(n))
        table.add_row("[bold]samples", f"[bold]{sum(self.final['task'].values())}")
        console.print(table)
