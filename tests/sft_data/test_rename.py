"""Scope-aware renaming: what it must never touch, and that real code keeps its behaviour."""

from __future__ import annotations

import doctest
import importlib
import inspect
import random
import types

import pytest

from codetune.data.augment import augment
from codetune.data.augment.rename import rename_identifiers

CODE = '''import os
from math import pi
LIMIT = 3

def area(r, scale=1):
    total = pi * r * r
    parts = [total for total in range(LIMIT)]
    out = dict(total=total, scale=scale)
    return os.path.join(str(out), str(parts))
'''


def _renamed(code: str, seed: int = 0, **kw) -> str:
    out = rename_identifiers(code, random.Random(seed), **kw)
    assert out is not None
    return out


def test_locals_are_renamed():
    out = _renamed(CODE)
    assert "parts = " not in out and "out = " not in out


def test_builtins_imports_globals_and_attributes_are_kept():
    out = _renamed(CODE)
    for kept in ("import os", "from math import pi", "pi *", "LIMIT", "os.path.join", "str(",
                 "range(", "dict("):
        assert kept in out


def test_keyword_argument_names_are_never_renamed():
    out = _renamed(CODE)
    assert "dict(total=" in out and "scale=" in out


def test_names_also_used_as_keywords_keep_their_binding():
    # `total` appears as a keyword argument, so renaming the variable would be unsafe to judge.
    assert "total = pi * r * r" in _renamed(CODE)


def test_parameters_are_kept_by_default_and_renamed_on_request():
    code = "def f(alpha):\n    beta = alpha + 1\n    return beta\n"
    assert "def f(alpha)" in _renamed(code)
    assert "def f(alpha)" not in _renamed(code, rename_parameters=True)


def test_free_name_shadowed_in_a_comprehension_is_left_alone():
    code = "def f(xs):\n    a = [pi for pi in xs]\n    return a, pi\n"
    out = _renamed(code)
    assert "for pi in xs" in out and "return" in out and ", pi" in out


def test_closure_variables_are_renamed_consistently():
    code = ("def outer(n):\n    acc0 = n * 2\n    def inner(k):\n        return acc0 + k\n"
            "    return inner(1)\n")
    out = _renamed(code)
    ns: dict = {}
    exec(compile(out, "<t>", "exec"), ns)
    assert ns["outer"](5) == 11 and "acc0" not in out


def test_functions_using_locals_are_not_renamed():
    code = "def f(a):\n    b = a + 1\n    return '%(b)s' % locals()\n"
    assert rename_identifiers(code, random.Random(0)) is None


def test_names_used_by_tests_are_protected():
    code = "def f(a):\n    helper = a + 1\n    return helper\n"
    out = rename_identifiers(code, random.Random(0), tests="assert helper", rename_parameters=True)
    assert out is not None and "helper" in out


@pytest.mark.parametrize("module", ["statistics", "fractions"])
def test_renamed_stdlib_module_passes_its_doctests(module):
    """Rename every function of a real stdlib module and run the original doctests on it."""
    assert doctests_after(module, "rename_identifiers", seed=1) >= 10


def doctests_after(module: str, augmentation: str, seed: int) -> int:
    """Apply ``augmentation`` to a stdlib module's source; run its original doctests on it."""
    orig = importlib.import_module(module)
    source = inspect.getsource(orig)
    result = augment(source, augmentation, random.Random(seed))
    assert result.code is not None and result.code != source
    changed = types.ModuleType(f"{module}_augmented")
    changed.__file__ = orig.__file__
    exec(compile(result.code, orig.__file__, "exec"), changed.__dict__)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    attempted = 0
    for test in doctest.DocTestFinder().find(orig):
        if test.examples:
            copy = doctest.DocTest(test.examples, dict(changed.__dict__), test.name,
                                   test.filename, test.lineno, test.docstring)
            res = runner.run(copy, out=lambda s: None)
            assert res.failed == 0, f"{test.name} failed after {augmentation}"
            attempted += res.attempted
    return attempted
