"""Sanitisation of generated code (evalplus-style); ``codetune.code.assemble`` applies it.

Steps, each documented because harnesses disagree here (bigcode-evaluation-harness #159):
1. ``truncate_at_stop``: cut a base model's continuation at the first stop sequence.
2. ``extract_code``: from a chat answer, the fenced block that defines the entry point (else the
   longest python/untagged block) -- the one rule of ``codetune.code.extraction``.
3. ``sanitize``: only top-level imports and the definitions the entry point and the tests need
   (functions, classes, constant assignments); drops ``print`` calls,
   ``if __name__ == "__main__":`` blocks, stray asserts and example usage.
"""

from __future__ import annotations

import ast
import functools
import re
import warnings
from collections.abc import Sequence

# End tokens a decoder leaves in the text when it does not skip special tokens: text ends there.
END_TOKENS = ("<|im_end|>", "<|endoftext|>", "</s>", "<|eot_id|>", "<|end|>", "<eos>")


def truncate_at_stop(text: str, stop: Sequence[str]) -> str:
    """``text`` up to the earliest occurrence of any stop sequence (end tokens included)."""
    cut = len(text)
    for s in (*stop, *END_TOKENS):
        if s:
            pos = text.find(s)
            if pos != -1:
                cut = min(cut, pos)
    return text[:cut]


@functools.cache
def definition_pattern(entry_point: str) -> re.Pattern[str]:
    """``def entry_point(`` (or ``async def``) at the start of a line, indented or not."""
    return re.compile(rf"^\s*(async\s+)?def\s+{re.escape(entry_point)}\s*\(", re.MULTILINE)


def select_block(blocks: Sequence[str], entry_point: str | None = None) -> str:
    """The one rule eval and rewards share: the block defining ``entry_point``, else the longest."""
    if entry_point:
        pattern = definition_pattern(entry_point)
        defining = [b for b in blocks if pattern.search(b)]
        if defining:
            return defining[0].strip("\n")
    return max(blocks, key=len).strip("\n")


def _parse(code: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings (invalid escapes) in model output
        return ast.parse(code)


def longest_parsable_prefix(code: str) -> str:
    """The longest prefix of whole lines that parses (a truncated generation loses its tail)."""
    lines = code.splitlines()
    for end in range(len(lines), 0, -1):
        candidate = "\n".join(lines[:end])
        try:
            _parse(candidate)
        except (SyntaxError, ValueError):
            continue
        return candidate
    return ""


def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _used_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _segment(code: str, node: ast.stmt) -> str:
    lines = code.splitlines()
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return "\n".join(lines[start - 1:node.end_lineno])


def _reachable(defs: dict[str, ast.stmt], roots: Sequence[str]) -> set[str]:
    seen: set[str] = set()
    stack = [r for r in roots if r in defs]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack += [u for u in _used_names(defs[name]) if u in defs and u not in seen]
    return seen


def sanitize(code: str, entry_point: str | Sequence[str] | None = None) -> str:
    """Imports + the definitions ``entry_point`` depends on (all definitions without one).

    ``entry_point`` may be several names (e.g. every name an MBPP test or setup refers to).
    """
    code = longest_parsable_prefix(code)
    if not code.strip():
        return ""
    tree = _parse(code)
    kept_kinds = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                  ast.ClassDef, ast.Assign, ast.AnnAssign)
    defs: dict[str, ast.stmt] = {}
    for node in tree.body:
        for name in _defined_names(node):
            defs[name] = node  # a later definition wins, as it would at run time
    roots = [entry_point] if isinstance(entry_point, str) else list(entry_point or [])
    roots = [r for r in roots if r in defs]
    wanted = _reachable(defs, roots) if roots else set(defs)
    keep = []
    for node in tree.body:
        if not isinstance(node, kept_kinds):
            continue
        names = _defined_names(node)
        if names and not any(n in wanted and defs[n] is node for n in names):
            continue
        keep.append(_segment(code, node))
    return "\n".join(keep) + "\n" if keep else ""
