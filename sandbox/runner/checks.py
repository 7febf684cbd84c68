"""HumanEval-style ``check(candidate)`` programs split into one test per top-level assert.

The reference verdict is unchanged (it passes only if every assert passes and nothing raises),
but a reward also learns how many of the asserts held: each top-level statement of ``check``
that contains an assert is guarded and reported on its own. ``assert True`` padding is ignored.
"""

from __future__ import annotations

import ast

RECORD = "__codetune_record__"
_EXC = "__codetune_exc__"


def instrument(program: str):
    """``(code, units)`` for a program defining ``check``, or None to run it as one test."""
    try:
        tree = ast.parse(program)
    except SyntaxError:
        return None
    checks = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"]
    if not checks:
        return None
    check, units, body = checks[-1], 0, []
    for stmt in check.body:
        if _is_test(stmt):
            body.append(_guard(stmt, units))
            units += 1
        else:
            body.append(stmt)
    if units == 0:
        return None
    check.body = body
    ast.fix_missing_locations(tree)
    return compile(tree, "<test 0>", "exec"), units


def _is_test(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return False
    return any(isinstance(n, ast.Assert) and not isinstance(n.test, ast.Constant)
               for n in ast.walk(stmt))


def _guard(stmt: ast.stmt, index: int) -> ast.stmt:
    source = repr(ast.unparse(stmt).splitlines()[0][:200])
    guard = ast.parse(f"try:\n    pass\nexcept Exception as {_EXC}:\n"
                      f"    {RECORD}({index}, {_EXC}, {source})\n"
                      f"else:\n    {RECORD}({index}, None, '')\n").body[0]
    guard.body = [stmt]
    return ast.copy_location(guard, stmt)
