"""The templates of the ``pyfunc`` task family and their split (sft / rl / heldout).

Designed so RL has something real to learn: the RL-only templates are new *combinations* of
phrases and operations the SFT templates teach (e.g. SFT sees "the sum of the elements ... that
are greater than" and "... that are odd"; RL-only asks "the sum of the elements ... that are
odd"), so an SFT model solves some of them and GRPO has reward variance to climb. Held-out
templates are never trained on: a few recombinations and a few unseen word→operator mappings.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from codetune.data.pyfunc.template import Template


def _c(lo: int, hi: int) -> Callable[[random.Random], int]:
    return lambda rng: rng.randint(lo, hi)


def _word(rng: random.Random) -> str:
    return rng.choice(("ab", "xy", "ing", "er", "_", "!", "zz", "ok"))


def _char(rng: random.Random) -> str:
    return rng.choice("aeiorntl")


def _sep(rng: random.Random) -> str:
    return rng.choice(("-", ", ", "+", "/", " ", ":"))


# Phrase → expression over the loop variable x; constants named c.
MAPS: dict[str, tuple[str, str, Callable | None]] = {
    "plus": ("plus {c}", "x + {c}", _c(2, 9)),
    "times": ("times {c}", "x * {c}", _c(2, 9)),
    "minus": ("minus {c}", "x - {c}", _c(2, 9)),
    "squared": ("squared", "x * x", None),
    "negated": ("negated", "-x", None),
    "halved": ("halved (rounded down)", "x // 2", None),
}
FILTERS: dict[str, tuple[str, str, Callable | None]] = {
    "greater": ("greater than {c}", "x > {c}", _c(0, 12)),
    "less": ("less than {c}", "x < {c}", _c(0, 12)),
    "even": ("even", "x % 2 == 0", None),
    "odd": ("odd", "x % 2 == 1", None),
    "divisible": ("divisible by {c}", "x % {c} == 0", _c(3, 5)),
    "positive": ("positive", "x > 0", None),
}
# (shape, fragment) → split; shapes missing from a table default to sft.
_SPLIT = {
    ("sum_map", "minus"): "rl", ("sum_map", "negated"): "rl", ("sum_map", "halved"): "heldout",
    ("sum_filter", "less"): "rl", ("sum_filter", "odd"): "rl",
    ("sum_filter", "positive"): "heldout",
    ("count_filter", "even"): "rl", ("count_filter", "divisible"): "rl",
    ("count_filter", "less"): "heldout",
}
_SHAPES = {
    "list_map": (MAPS, "Return a list of each element of {xs} {phrase}.",
                 "[{expr} for x in {xs}]"),
    "list_filter": (FILTERS, "Return a list of the elements of {xs} that are {phrase}.",
                    "[x for x in {xs} if {expr}]"),
    "sum_map": (MAPS, "Return the sum of each element of {xs} {phrase}.",
                "sum([{expr} for x in {xs}])"),
    "sum_filter": (FILTERS, "Return the sum of the elements of {xs} that are {phrase}.",
                   "sum([x for x in {xs} if {expr}])"),
    "count_filter": (FILTERS, "Return the number of elements of {xs} that are {phrase}.",
                     "len([x for x in {xs} if {expr}])"),
}


def _list_templates() -> list[Template]:
    out = []
    for shape, (fragments, doc, body) in _SHAPES.items():
        for frag, (phrase, expr, const) in fragments.items():
            split = _SPLIT.get((shape, frag), "sft")
            consts = {"c": const} if const else {}
            out.append(Template(
                name=f"{shape}_{frag}", split=split, category="lists",
                doc=doc.replace("{phrase}", phrase), body=body.replace("{expr}", expr),
                args=(("xs", "ints"),), consts=consts))
    return out


_S = (("s", "str"),)
_WS = (("ws", "strs"),)
_D = (("d", "dict"),)
_AB = (("a", "int"), ("b", "int"))
_OTHER: list[tuple[str, str, str, str, str, tuple, dict[str, Any]]] = [
    # name, split, category, doc, body, args, consts
    ("list_max", "sft", "lists", "Return the largest element of {xs}.", "max({xs})",
     (("xs", "ints"),), {}),
    ("str_upper", "sft", "strings", "Return {s} in upper case.", "{s}.upper()", _S, {}),
    ("str_reverse", "sft", "strings", "Return {s} reversed.", "{s}[::-1]", _S, {}),
    ("str_count", "sft", "strings", "Return the number of times {ch!r} occurs in {s}.",
     "{s}.count({ch!r})", _S, {"ch": _char}),
    ("str_repeat", "sft", "strings", "Return {s} repeated {c} times.", "{s} * {c}", _S,
     {"c": _c(2, 4)}),
    ("str_prefix", "sft", "strings", "Return the first {c} characters of {s}.", "{s}[:{c}]", _S,
     {"c": _c(2, 6)}),
    ("str_concat", "sft", "strings", "Return {s} followed by {w!r}.", "{s} + {w!r}", _S,
     {"w": _word}),
    ("str_reverse_upper", "rl", "strings", "Return {s} reversed, in upper case.",
     "{s}[::-1].upper()", _S, {}),
    ("str_suffix", "heldout", "strings", "Return the last {c} characters of {s}.", "{s}[-{c}:]",
     _S, {"c": _c(2, 6)}),
    ("words_upper", "sft", "words", "Return a list of each string in {ws} in upper case.",
     "[w.upper() for w in {ws}]", _WS, {}),
    ("words_len", "sft", "words", "Return a list of the length of each string in {ws}.",
     "[len(w) for w in {ws}]", _WS, {}),
    ("words_longer", "sft", "words",
     "Return a list of the strings in {ws} that are longer than {c} characters.",
     "[w for w in {ws} if len(w) > {c}]", _WS, {"c": _c(2, 4)}),
    ("words_join", "sft", "words", "Return the strings in {ws} joined with {sep!r}.",
     "{sep!r}.join({ws})", _WS, {"sep": _sep}),
    ("words_count_longer", "rl", "words",
     "Return the number of strings in {ws} that are longer than {c} characters.",
     "len([w for w in {ws} if len(w) > {c}])", _WS, {"c": _c(2, 4)}),
    ("words_total_len", "heldout", "words",
     "Return the sum of the length of each string in {ws}.", "sum([len(w) for w in {ws}])",
     _WS, {}),
    ("dict_sum_values", "sft", "dicts", "Return the sum of the values in {d}.",
     "sum({d}.values())", _D, {}),
    ("dict_keys_greater", "sft", "dicts",
     "Return a sorted list of the keys of {d} whose value is greater than {c}.",
     "sorted([k for k in {d} if {d}[k] > {c}])", _D, {"c": _c(3, 15)}),
    ("dict_get", "sft", "dicts", "Return the value for key {k!r} in {d}, or {c} if it is missing.",
     "{d}.get({k!r}, {c})", _D, {"k": lambda rng: rng.choice(("apple", "river", "stone", "tiger")),
                                 "c": _c(-5, -1)}),
    ("dict_count_greater", "rl", "dicts",
     "Return the number of keys of {d} whose value is greater than {c}.",
     "len([k for k in {d} if {d}[k] > {c}])", _D, {"c": _c(3, 15)}),
    ("dict_max_value", "heldout", "dicts", "Return the largest value in {d}.",
     "max({d}.values())", _D, {}),
    ("arith_linear", "sft", "arith", "Return {a} times {c} plus {b}.", "{a} * {c} + {b}", _AB,
     {"c": _c(2, 9)}),
    ("arith_larger", "sft", "arith", "Return the larger of {a} and {b}.", "max({a}, {b})", _AB,
     {}),
    ("arith_absdiff", "sft", "arith", "Return the absolute difference of {a} and {b}.",
     "abs({a} - {b})", _AB, {}),
    ("arith_linear_minus", "rl", "arith", "Return {a} times {c} minus {b}.", "{a} * {c} - {b}",
     _AB, {"c": _c(2, 9)}),
    ("arith_modulo", "heldout", "arith", "Return {a} modulo {c}.", "{a} % {c}", _AB[:1],
     {"c": _c(3, 9)}),
]


def all_templates() -> list[Template]:
    """Every template of the family, in a fixed order."""
    other = [Template(name=n, split=sp, category=cat, doc=doc, body=body, args=args, consts=cs)
             for n, sp, cat, doc, body, args, cs in _OTHER]
    return _list_templates() + other


TEMPLATES: dict[str, Template] = {t.name: t for t in all_templates()}


def templates_for(split: str) -> list[Template]:
    """The templates of one split (``sft``, ``rl`` or ``heldout``)."""
    return [t for t in TEMPLATES.values() if t.split == split]
