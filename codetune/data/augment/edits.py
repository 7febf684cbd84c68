"""Byte-range edits on source text: transformations compute edits, then apply them at once."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node


@dataclass(frozen=True)
class Edit:
    """Replace bytes ``[start, end)`` of the UTF-8 source with ``text``."""

    start: int
    end: int
    text: str

    @classmethod
    def replace(cls, node: Node, text: str) -> Edit:
        return cls(node.start_byte, node.end_byte, text)


def apply_edits(source: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (any order) to ``source``; overlapping ones raise ValueError."""
    data = source.encode("utf-8")
    out: list[bytes] = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos:
            raise ValueError(f"overlapping edits at byte {e.start}")
        out.append(data[pos:e.start])
        out.append(e.text.encode("utf-8"))
        pos = e.end
    out.append(data[pos:])
    return b"".join(out).decode("utf-8")
