"""Formatting changes for Python: re-indent with another unit, trim trailing blanks.

Indentation is recomputed from the tree (depth = enclosing blocks), so tabs, 2- or 4-space
code all come out consistent; lines inside multi-line strings are left byte-for-byte.
"""

from __future__ import annotations

import random

from tree_sitter import Node

from codetune.data.augment.grammars import ancestors, parse, walk

CLAUSES = ("elif_clause", "else_clause", "except_clause", "except_group_clause",
           "finally_clause", "case_clause", "comment")


def _string_rows(root: Node) -> set[int]:
    """Rows that start inside a multi-line string (their whitespace is string content)."""
    rows: set[int] = set()
    for n in walk(root):
        if n.type == "string" and n.end_point.row > n.start_point.row:
            rows.update(range(n.start_point.row + 1, n.end_point.row + 1))
    return rows


def _logical_node(node: Node) -> Node:
    """The statement or clause ``node`` belongs to."""
    for n in [node, *ancestors(node)]:
        if n.type in CLAUSES or (n.parent is not None and n.parent.type in ("block", "module")):
            return n
    return node


def _current_unit(lines: list[str]) -> str:
    for line in lines:
        ws = line[:len(line) - len(line.lstrip())]
        if ws and line.strip():
            return "\t" if "\t" in ws else ("  " if len(ws) == 2 else "    ")
    return "    "


def reindent(code: str, rng: random.Random, *, tests: str = "", unit: str | None = None,
             ) -> str | None:
    """Re-indent Python with a different indentation unit (2 ↔ 4 spaces; tabs → spaces)."""
    tree = parse(code)
    root = tree.root_node
    lines = code.split("\n")
    if unit is None:
        unit = {"    ": "  ", "  ": "    ", "\t": rng.choice(["    ", "  "])}[_current_unit(lines)]
    skip = _string_rows(root)
    old_width: dict[int, int] = {}
    new_width: dict[int, int] = {}
    out = []
    for row, line in enumerate(lines):
        stripped = line.lstrip(" \t")
        if row in skip or not stripped.strip():
            out.append(line if row in skip else "")
            continue
        col = len(line.encode("utf-8")) - len(stripped.encode("utf-8"))
        leaf = root.descendant_for_point_range((row, col), (row, col))
        logical = _logical_node(leaf)
        ws = line[:len(line) - len(stripped)].expandtabs(8)
        old_width[row] = len(ws)
        start = logical.start_point
        if start == (row, col) or logical.type == "comment":
            depth = sum(1 for a in ancestors(logical) if a.type == "block")
            new_width[row] = depth * len(unit)
            indent = unit * depth
        else:  # continuation line: keep its offset from the line that opened the statement
            base = start.row
            offset = len(ws) - old_width.get(base, 0)
            indent = " " * max(0, new_width.get(base, 0) + offset)
            new_width[row] = len(indent)
        out.append(indent + stripped.rstrip())
    result = "\n".join(out)
    return result if result != code else None
