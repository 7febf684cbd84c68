"""Checkers: does a program's output (or a function's return value) match the expected one?

Stdlib only: the judge runs them inside the sandbox, and the host imports the same file for
tests and calibration. Output checkers compare text; ``values_equal`` compares call results.
"""

from __future__ import annotations

import math

OUTPUT_CHECKERS = ("exact", "tokens", "lines", "float", "unordered")


def check_output(checker: str, expected: str, actual: str, atol: float = 0.0,
                 rtol: float = 0.0) -> bool:
    """``exact``: byte for byte; ``tokens``: the same whitespace-separated tokens (the
    competitive-programming default); ``lines``: the same lines, trailing whitespace and blank
    lines at the end ignored; ``float``: tokens, numbers within ``atol + rtol * |expected|``;
    ``unordered``: the same lines in any order."""
    if checker == "exact":
        return actual == expected
    if checker == "tokens":
        return actual.split() == expected.split()
    if checker == "lines":
        return _lines(actual) == _lines(expected)
    if checker == "float":
        got, want = actual.split(), expected.split()
        return len(got) == len(want) and all(_token_close(g, w, atol, rtol)
                                             for g, w in zip(got, want, strict=True))
    if checker == "unordered":
        return sorted(_lines(actual)) == sorted(_lines(expected))
    raise ValueError(f"unknown checker {checker!r}; expected one of {', '.join(OUTPUT_CHECKERS)}")


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _token_close(got: str, want: str, atol: float, rtol: float) -> bool:
    if got == want:
        return True
    try:
        g, w = float(got), float(want)
    except ValueError:
        return False
    if math.isnan(g) or math.isnan(w):
        return math.isnan(g) and math.isnan(w)
    return abs(g - w) <= atol + rtol * abs(w)


def values_equal(actual, expected, atol: float = 0.0, unordered: bool = False) -> bool:
    """A call case's return value against the expected one: ``==`` first; then, as evalplus and
    LiveCodeBench do, tuples equal lists, numbers within ``atol``, and with ``unordered`` a
    sequence compares as a multiset (evalplus' set-compared MBPP+ tasks)."""
    try:  # the judge's values are exact builtin types: their == is the reference's
        if actual == expected:
            return True
    except Exception:
        return False
    if _is_number(actual) and _is_number(expected):
        if isinstance(actual, complex) or isinstance(expected, complex):
            return abs(actual - expected) <= atol
        if math.isnan(actual) or math.isnan(expected):
            return math.isnan(actual) and math.isnan(expected)
        return atol > 0 and abs(actual - expected) <= atol
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) != len(expected):
            return False
        if unordered:
            return _multiset_equal(list(actual), list(expected), atol)
        return all(values_equal(a, e, atol) for a, e in zip(actual, expected, strict=True))
    if isinstance(actual, (set, frozenset)) and isinstance(expected, (set, frozenset)):
        return actual == expected
    if isinstance(actual, dict) and isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(
            values_equal(actual[k], expected[k], atol) for k in actual)
    if unordered and isinstance(actual, (list, tuple, set, frozenset)) \
            and isinstance(expected, (list, tuple, set, frozenset)):
        return _multiset_equal(list(actual), list(expected), atol)
    return False


def _is_number(v) -> bool:
    return isinstance(v, (int, float, complex)) and not isinstance(v, bool)


def _multiset_equal(actual: list, expected: list, atol: float) -> bool:
    left = list(expected)
    for item in actual:
        for i, want in enumerate(left):
            if values_equal(item, want, atol):
                del left[i]
                break
        else:
            return False
    return not left


def load_special_checker(source: str):
    """The ``check(input, expected, actual)`` function a special judge defines (trusted code
    from the problem, run in the judge: never in the candidate's process)."""
    namespace: dict = {"__name__": "codetune_checker"}
    exec(compile(source, "<checker>", "exec"), namespace)
    check = namespace.get("check")
    if not callable(check):
        raise ValueError("the checker program defines no check(input, expected, actual)")
    return check


def run_special(check, case_input, expected, actual) -> tuple[bool, str]:
    """Call a special judge; it returns a bool or ``(bool, message)``."""
    verdict = check(case_input, expected, actual)
    if isinstance(verdict, tuple):
        return bool(verdict[0]), str(verdict[1]) if len(verdict) > 1 else ""
    return bool(verdict), ""
