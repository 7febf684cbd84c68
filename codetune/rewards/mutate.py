"""Mutants of a reference solution: near-miss programs that pass some tests and fail others.

Used by preference mining when the policy's own samples all fail (a tiny or early model): the
reference and its mutants give pairs whose pass fractions differ, so a reward model has signal.
Mutations are single-token swaps (operators, comparisons, ``and``/``or``, integer constants,
booleans) found with ``tokenize``, so a mutant keeps the original's formatting and works on a
function body (a completion) as well as on a whole program. Every mutant is labelled by execution
like any sample; nothing assumes a mutant is wrong.
"""

from __future__ import annotations

import io
import random
import tokenize

_SWAPS = {"+": "-", "-": "+", "*": "+", "<": "<=", "<=": "<", ">": ">=", ">=": ">",
          "==": "!=", "!=": "==", "//": "%", "%": "//", "and": "or", "or": "and",
          "True": "False", "False": "True", "min": "max", "max": "min"}


def _sites(code: str) -> list[tuple[int, int, str, str]]:
    """(offset, length, old, new) for every mutable token."""
    starts = [0]
    for line in code.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    sites = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            text = tok.string
            new = _SWAPS.get(text) if tok.type in (tokenize.OP, tokenize.NAME) else None
            if tok.type == tokenize.NUMBER and text.isdigit():
                new = str(int(text) + 1)
            if new is not None:
                offset = starts[tok.start[0] - 1] + tok.start[1]
                sites.append((offset, len(text), text, new))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # a truncated fragment: keep the sites found so far
    return sites


def mutants(code: str, n: int, seed: int = 0) -> list[str]:
    """Up to ``n`` distinct single-token mutants of ``code``."""
    sites = _sites(code)
    random.Random(seed).shuffle(sites)
    out: list[str] = []
    for offset, length, _, new in sites[: n * 3]:
        text = code[:offset] + new + code[offset + length:]
        if text != code and text not in out:
            out.append(text)
        if len(out) >= n:
            break
    return out
