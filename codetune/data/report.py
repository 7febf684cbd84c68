"""The build report: per-step kept/dropped counts, near-dup families, and the printed table."""

from __future__ import annotations

import posixpath
from collections import Counter
from typing import Any

from codetune.console import console


def filter_rows(names: list[str], reasons: list[str], n_in: int) -> list[dict]:
    """Per-filter rows from the first-drop column (``"filter:reason"`` or ``""``)."""
    by_filter: dict[str, Counter] = {n: Counter() for n in names}
    for r in reasons:
        if r:
            name, why = r.split(":", 1)
            by_filter[name][why] += 1
    rows, remaining = [], n_in
    for name in names:
        dropped = sum(by_filter[name].values())
        rows.append({"step": name, "in": remaining, "kept": remaining - dropped,
                     "dropped": dropped, "reasons": dict(sorted(by_filter[name].items()))})
        remaining -= dropped
    return rows


def near_dup_families(clusters: dict[Any, list[Any]]) -> dict[str, int]:
    """Near-duplicate files dropped, counted by folder ("source:dir"), largest first."""
    counts: Counter = Counter()
    for members in clusters.values():
        for m in members:
            counts[posixpath.dirname(str(m)) or "."] += 1
    return dict(counts.most_common())


def _detail(row: dict) -> str:
    parts = [f"{k} {v}" for k, v in row.get("reasons", {}).items()]
    if row.get("clusters"):
        parts.append(f"{row['clusters']} clusters")
    parts += [f"{k.split(':', 1)[1]} {v}" for k, v in row.items() if k.startswith("matched:")]
    return ", ".join(parts)


def print_report(report: dict, reused: bool = False) -> None:
    """A rich table: files in, dropped per filter/step, tokens out."""
    from rich.table import Table

    title = "pretraining data" + (" (cached: recipe and inputs unchanged)" if reused else "")
    table = Table(title=title, show_lines=False)
    for col, justify in (("step", "left"), ("in", "right"), ("kept", "right"),
                         ("dropped", "right"), ("detail", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for s in report.get("sources", []):
        skipped = ", ".join(f"{k} {v}" for k, v in s["skipped"].items())
        table.add_row(f"source {s['name']}", "", str(s["files_read"]), "", skipped)
    for row in report.get("filters", []) + report.get("steps", []):
        table.add_row(row["step"], str(row["in"]), str(row["kept"]), str(row["dropped"]),
                      _detail(row))
    fams = report.get("near_dup_families", {})
    if fams:
        top = ", ".join(f"{k} {v}" for k, v in list(fams.items())[:4])
        table.add_row("near-dup families", "", "", str(sum(fams.values())), top)
    for name, st in report.get("tokens", {}).items():
        fim = f", FIM psm {st['fim_psm']} spm {st['fim_spm']}" if st["fim_psm"] + st[
            "fim_spm"] else ""
        table.add_row(f"tokens {name}", str(st["files"]), f"{st['tokens']:,}",
                      f"{st['dropped_tail_tokens']:,}",
                      f"{st['blocks']} blocks x {report['block_size']}{fim}")
    console.print(table)
