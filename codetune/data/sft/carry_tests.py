"""Carry Python assert tests to another language, the MultiPL-E way (Cassano et al., 2023).

A test is ``assert f(<literals>) == <literal>`` (either side), ``assert f(...)``,
``assert not f(...)`` or ``assert abs(f(...) - <number>) < <tolerance>`` (kept as a tolerance in
the target), over ints, floats, strings, bools, lists/tuples and dicts. The target's
function is found by name (``sum_list`` matches ``sumList``); statically typed targets take
every argument's and the result's type from that function's signature, parsed from the
translated code. Anything else is *not carried* (:class:`NotCarried`, with a reason the SFT
report counts): the translation then has no test, never a guessed one.
"""

from __future__ import annotations

import ast
from typing import Any

from codetune.data.sft.carry_targets import (
    Bash,
    C,
    Check,
    Cpp,
    JavaScript,
    NotCarried,
    Target,
    TypeScript,
    python_type,
)
from codetune.data.sft.carry_typed import Go, Java, Rust
from codetune.languages import get_language

__all__ = ["Check", "NotCarried", "carry", "carried_languages", "parse_check", "parse_checks",
           "python_type"]


def _literal(node: ast.expr) -> Any:
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise NotCarried("not_a_literal") from None
    _check_value(value)
    return value


def _check_value(value: Any) -> None:
    if isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise NotCarried("unsupported_value")
        return
    if isinstance(value, list | tuple):
        for v in value:
            _check_value(v)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _check_value(k)
            _check_value(v)
        return
    raise NotCarried("unsupported_value")  # None, sets, complex, bytes


def _call(node: ast.expr) -> tuple[str, tuple[Any, ...]]:
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.keywords \
            or any(isinstance(a, ast.Starred) for a in node.args):
        raise NotCarried("test_shape")
    return node.func.id, tuple(_literal(a) for a in node.args)


def parse_check(line: str) -> Check:
    """One Python assert line as a :class:`Check` (else :class:`NotCarried`)."""
    try:
        tree = ast.parse(line.strip())
    except SyntaxError:
        raise NotCarried("test_syntax") from None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assert):
        raise NotCarried("test_shape")
    test = tree.body[0].test
    near = _tolerance_check(test)
    if near is not None:
        return near
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return Check(*_call(test.operand), expected=False)
    if isinstance(test, ast.Call):
        return Check(*_call(test), expected=True)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
        left, right = test.left, test.comparators[0]
        if isinstance(left, ast.Call):
            return Check(*_call(left), expected=_literal(right))
        if isinstance(right, ast.Call):
            return Check(*_call(right), expected=_literal(left))
    raise NotCarried("test_shape")


def _number(node: ast.expr) -> float | None:
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _tolerance_check(test: ast.expr) -> Check | None:
    """``abs(f(...) - 2.5) < 1e-6`` (either operand order; ``<=`` too) as a check with a
    tolerance; None for any other shape."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Lt | ast.LtE)
            and isinstance(test.left, ast.Call) and isinstance(test.left.func, ast.Name)
            and test.left.func.id == "abs" and len(test.left.args) == 1
            and isinstance(test.left.args[0], ast.BinOp)
            and isinstance(test.left.args[0].op, ast.Sub)):
        return None
    tolerance = _number(test.comparators[0])
    diff = test.left.args[0]
    call, other = (diff.left, diff.right) if isinstance(diff.left, ast.Call) else \
        (diff.right, diff.left)
    expected = _number(other)
    if tolerance is None or tolerance <= 0 or expected is None or not isinstance(call, ast.Call):
        return None
    name, args = _call(call)
    return Check(name, args, expected, tolerance=float(tolerance),
                 inclusive=isinstance(test.ops[0], ast.LtE))


def parse_checks(tests: list[str]) -> list[Check]:
    """Every test line as a check; one line that is not carried makes the whole set not carried
    (a subset of the tests would verify less than the source promised)."""
    if not tests:
        raise NotCarried("no_source_tests")
    checks = [parse_check(t) for t in tests if t.strip()]
    if len({c.name for c in checks}) != 1:
        raise NotCarried("several_functions")
    return checks


def carry(tests: list[str], target_code: str, language: str) -> str:
    """The test program, in ``language``, of the Python assert lines ``tests`` against
    ``target_code`` (raises :class:`NotCarried` with the reason)."""
    lang = get_language(language).name
    targets = carried_languages()
    if lang not in targets:
        raise NotCarried("unsupported_language")
    checks = parse_checks(tests)
    target = targets[lang]
    sig = target.signature(target_code, checks[0].name)
    if sig.params is not None and any(len(c.args) != len(sig.params) for c in checks):
        raise NotCarried("arity_mismatch")
    return target.program(sig, checks)


def carried_languages() -> dict[str, Target]:
    """Language name -> its ``Target`` (``carry_targets``, ``carry_typed``)."""
    return {"javascript": JavaScript(), "typescript": TypeScript(), "c": C(), "cpp": Cpp(),
            "java": Java(), "go": Go(), "rust": Rust(), "bash": Bash()}
