"""Docstring and comment removal or rewrite (comment removal works for every grammar)."""

from __future__ import annotations

import random
import re

from tree_sitter import Node

from codetune.data.augment.edits import Edit, apply_edits
from codetune.data.augment.grammars import parse, text, walk


def _line_bounds(data: bytes, node: Node) -> tuple[int, int, bool]:
    """(line start, line end incl. newline, node alone on its lines?) for ``node``."""
    start = data.rfind(b"\n", 0, node.start_byte) + 1
    end = data.find(b"\n", node.end_byte)
    end = len(data) if end < 0 else end + 1
    alone = not data[start:node.start_byte].strip() and not data[node.end_byte:end].strip()
    return start, end, alone


def strip_comments(code: str, rng: random.Random | None = None, *, language: str = "python",
                   tests: str = "") -> str | None:
    """Remove every comment; whole-line comments take their line with them."""
    data = code.encode("utf-8")
    tree = parse(data, language)
    edits = []
    for n in walk(tree.root_node):
        if n.type != "comment":
            continue
        start, end, alone = _line_bounds(data, n)
        if alone:
            edits.append(Edit(start, end, ""))
        else:  # trailing comment: drop it with the spaces before it
            before = len(data[start:n.start_byte].rstrip())
            edits.append(Edit(start + before, n.end_byte, " " if language != "python" else ""))
    return apply_edits(code, edits) if edits else None


def docstring_nodes(root: Node) -> list[tuple[Node, Node]]:
    """(docstring expression statement, its block) for the module, classes and functions."""
    found = []
    blocks = [root] + [n.child_by_field_name("body") for n in walk(root)
                       if n.type in ("function_definition", "class_definition")]
    for block in blocks:
        if block is None or not block.named_children:
            continue
        first = block.named_children[0]
        if (first.type == "expression_statement" and len(first.named_children) == 1
                and first.named_children[0].type == "string"
                and not any(c.type == "interpolation" for c in first.named_children[0].children)):
            found.append((first, block))
    return found


def strip_docstrings(code: str, rng: random.Random | None = None, *, tests: str = "") -> str | None:
    """Remove docstrings (a body left empty gets ``pass``); skipped if code reads ``__doc__``."""
    if "__doc__" in code:
        return None
    data = code.encode("utf-8")
    edits = []
    for stmt, block in docstring_nodes(parse(data).root_node):
        start, end, alone = _line_bounds(data, stmt)
        if len(block.named_children) > 1 and alone:
            edits.append(Edit(start, end, ""))
        else:
            edits.append(Edit.replace(stmt, "pass"))
    return apply_edits(code, edits) if edits else None


def docstring_summary(code: str, rng: random.Random | None = None, *, tests: str = "",
                      ) -> str | None:
    """Rewrite multi-paragraph docstrings to their first paragraph (the summary)."""
    if "__doc__" in code:
        return None
    edits = []
    for stmt, _ in docstring_nodes(parse(code).root_node):
        string = stmt.named_children[0]
        start, end = string.children[0], string.children[-1]
        raw = string.text[start.end_byte - string.start_byte:end.start_byte - string.start_byte]
        body = raw.decode("utf-8")
        paragraphs = re.split(r"\n[ \t]*\n", body.strip("\n"), maxsplit=1)
        if len(paragraphs) < 2:
            continue
        summary = paragraphs[0].rstrip()
        quote = text(end)[-1:]
        if not summary.strip() or summary.endswith(("\\", quote)):
            continue
        edits.append(Edit(start.end_byte, end.start_byte, summary))
    return apply_edits(code, edits) if edits else None
