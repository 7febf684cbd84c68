"""Each augmentation on real code: it applies, re-parses, and keeps behaviour where checkable."""

from __future__ import annotations

import random

import pytest

from codetune.data.augment import AUGMENTATIONS, augment, parses
from codetune.data.augment.registry import Outcome
from codetune.data.sft.config import SFTSourceConfig
from codetune.data.sft.sources import code_units

LOOP = ("def total(xs, n):\n    acc = 0\n    for i in range(1, n, 2):\n        acc += xs[i]\n"
        "    return acc\n")


@pytest.fixture(scope="module")
def stdlib_units() -> list[dict]:
    return list(code_units(SFTSourceConfig(max_files=25, max_records=300)))


def broken_augmentation(code: str, rng: random.Random, *, tests: str = "") -> str:
    """A user augmentation that emits invalid code (for the re-parse guarantee)."""
    return code + "\n  def (:\n"


@pytest.mark.parametrize("name", ["strip_comments", "strip_docstrings", "docstring_summary",
                                  "reindent", "dead_code"])
def test_augmented_stdlib_module_passes_its_doctests(name):
    from tests.sft_data.test_rename import doctests_after

    assert doctests_after("statistics", name, seed=0) >= 50


def test_unparsable_output_is_never_emitted():
    out = augment("def f():\n    return 1\n",
                  "tests.sft_data.test_augmentations:broken_augmentation", random.Random(0))
    assert out == Outcome(None, "unparsable")


def test_every_augmentation_output_on_stdlib_reparses(stdlib_units):
    applied = 0
    for k, unit in enumerate(stdlib_units):
        for name in AUGMENTATIONS:
            out = augment(unit["code"], name, random.Random(k))
            if out.code is not None:
                applied += 1
                assert parses(out.code), (name, unit["id"])
    assert applied > len(stdlib_units)


def test_for_to_while_keeps_results():
    out = augment(LOOP, "for_to_while", random.Random(0)).code
    assert out is not None and "while i < n:" in out and "i += 2" in out
    ns_a: dict = {}
    ns_b: dict = {}
    exec(LOOP, ns_a)
    exec(out, ns_b)
    for n in range(0, 9):
        assert ns_a["total"](list(range(10)), n) == ns_b["total"](list(range(10)), n)


def test_while_to_for_undoes_for_to_while():
    there = augment(LOOP, "for_to_while", random.Random(0)).code
    back = augment(there, "while_to_for", random.Random(0)).code
    assert back is not None and "for i in range(1, n, 2):" in back


def test_for_to_while_refuses_loops_with_continue():
    code = ("def f(n):\n    s = 0\n    for i in range(n):\n        if i % 2:\n"
            "            continue\n        s += i\n    return s\n")
    assert augment(code, "for_to_while", random.Random(0)).reason == "not_applicable"


def test_for_to_while_refuses_when_loop_variable_is_used_after():
    code = "def f(n):\n    for i in range(n):\n        pass\n    return i\n"
    assert augment(code, "for_to_while", random.Random(0)).code is None


def test_reindent_turns_tabs_into_spaces_and_keeps_strings():
    code = "def f(a):\n\ts = '''x\n\t y'''\n\tif a:\n\t\treturn s\n\treturn (1 +\n\t\t2)\n"
    out = augment(code, "reindent", random.Random(0)).code
    assert out is not None and "\tif" not in out and "'''x\n\t y'''" in out


def test_strip_comments_works_for_brace_languages():
    js = "function f(a) {\n  // add one\n  return a + 1; /* done */\n}\n"
    out = augment(js, "strip_comments", random.Random(0), language="javascript").code
    assert out is not None and "//" not in out and "/*" not in out


def test_strip_docstrings_leaves_a_valid_body():
    out = augment('class A:\n    """Only a docstring."""\n', "strip_docstrings",
                  random.Random(0)).code
    assert out is not None and "pass" in out and '"""' not in out


def test_dead_code_goes_after_the_docstring():
    code = 'def f(a):\n    """Doc."""\n    return a\n'
    out = augment(code, "dead_code", random.Random(3)).code
    assert out is not None and out.index('"""Doc."""') < out.index("return") and \
        out.splitlines()[1].strip() == '"""Doc."""'


def test_grammar_registry_parses_every_shipped_language():
    assert parses("class A { int f() { return 1; } }", "java")
    assert parses("int f(int a) { return a + 1; }", "cpp")
    assert parses("const f = (a) => a + 1;", "js")
    assert not parses("int f( { return", "cpp")


def test_grammars_are_pluggable_by_module_function():
    from codetune.data.augment.grammars import GRAMMARS, register_grammar

    register_grammar("python_again", "tree_sitter_python:language")
    try:
        assert parses("x = 1\n", "python_again")
    finally:
        GRAMMARS.pop("python_again")


def test_unknown_language_is_a_codetune_error():
    from codetune.errors import CodetuneError

    with pytest.raises(CodetuneError, match="registered grammars"):
        parses("x", "cobol")
