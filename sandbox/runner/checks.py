"""HumanEval-style ``check(candidate)`` programs split into one test per top-level assert.

The reference verdict is unchanged (it passes only if every assert passes and nothing raises),
but a reward also learns how many of the asserts held: each top-level statement of ``check``
that contains an assert is guarded and reported on its own. ``assert True`` padding is ignored.
"""

from __future__ import annotations

import ast
import re

RECORD = "__codetune_record__"
_EXC = "__codetune_exc__"


def instrument(program: str):
    """``(code, units)`` for a program defining ``check``, or None to run it as one test.
    Cached: the same tests come back for every sample of a prompt."""
    if program in _cache:
        return _cache[program]
    result = _instrument(program)
    if len(_cache) >= 512:
        _cache.pop(next(iter(_cache)))
    _cache[program] = result
    return result


_cache: dict[str, object] = {}


def _instrument(program: str):
    try:
        tree = ast.parse(program)
    except SyntaxError:
        return None
    checks = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"]
    if not checks:
        return None
    lines = program.splitlines()
    check, units, body = checks[-1], 0, []
    for stmt in check.body:
        text = "\n".join(lines[stmt.lineno - 1:stmt.end_lineno])
        if _is_test(stmt, text):
            body.append(_guard(stmt, units, text.strip().splitlines()[0][:200]))
            units += 1
        else:
            body.append(stmt)
    if units == 0:
        return None
    check.body = body
    return compile(tree, "<test 0>", "exec"), units


def _is_test(stmt: ast.stmt, text: str) -> bool:
    """A statement holding an assert other than ``assert True`` padding (a text test: walking
    the AST of every statement cost more than running most checks)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return False
    if isinstance(stmt, ast.Assert):
        return not isinstance(stmt.test, ast.Constant)
    return _ASSERT.search(text) is not None


_ASSERT = re.compile(r"\bassert\b")


def _guard(stmt: ast.stmt, index: int, source: str) -> ast.stmt:
    """try: <stmt> / except Exception as e: record(i, e, src) / else: record(i, None, '')"""
    at = {"lineno": stmt.lineno, "col_offset": stmt.col_offset,
          "end_lineno": stmt.end_lineno, "end_col_offset": stmt.end_col_offset}

    def record(exc: ast.expr, text: str) -> ast.stmt:
        call = ast.Call(func=ast.Name(RECORD, ast.Load(), **at),
                        args=[ast.Constant(index, **at), exc, ast.Constant(text, **at)],
                        keywords=[], **at)
        return ast.Expr(call, **at)

    handler = ast.ExceptHandler(type=ast.Name("Exception", ast.Load(), **at), name=_EXC,
                                body=[record(ast.Name(_EXC, ast.Load(), **at), source)], **at)
    return ast.Try(body=[stmt], handlers=[handler], orelse=[record(ast.Constant(None, **at), "")],
                   finalbody=[], **at)
