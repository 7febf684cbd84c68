"""Bug injection by AST mutation (Python): each operator returns one mutant or ``None``.

Operators pick a random applicable site inside a function; the caller keeps a mutant only when
the sandbox shows the original passing and the mutant failing at least one test.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from tree_sitter import Node

from codetune.data.augment.edits import Edit, apply_edits
from codetune.data.augment.grammars import parse, text, walk
from codetune.data.augment.scope import binding_nodes, function_units, name_occurrences

COMPARISON_SWAPS = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
ARITHMETIC_SWAPS = {"+": "-", "-": "+", "*": "+", "/": "*", "//": "/", "%": "//", "**": "*",
                    "+=": "-=", "-=": "+=", "*=": "+=", "//=": "/=", "/=": "*="}

Mutation = Callable[..., "str | None"]


def _sites(code: str, pick: Callable[[Node], list[Edit]]) -> list[list[Edit]]:
    root = parse(code).root_node
    out: list[list[Edit]] = []
    for unit in function_units(root):
        body = unit.child_by_field_name("body")
        for n in walk(body) if body else []:
            edits = pick(n)
            if edits:
                out.append(edits)
    return out


def _mutate(code: str, rng: random.Random, pick: Callable[[Node], list[Edit]]) -> str | None:
    sites = _sites(code, pick)
    return apply_edits(code, rng.choice(sites)) if sites else None


def off_by_one(code: str, rng: random.Random) -> str | None:
    """An integer literal ±1, or ``range(..., n)`` → ``range(..., n + 1)``."""
    def pick(n: Node) -> list[Edit]:
        if n.type == "integer" and text(n).isdigit():
            v = int(text(n))
            return [Edit.replace(n, str(v + 1 if v == 0 or rng.random() < 0.5 else v - 1))]
        if n.type == "call" and text(n.child_by_field_name("function")) == "range":
            args = n.child_by_field_name("arguments").named_children
            stop = args[1] if len(args) > 1 else (args[0] if args else None)
            if stop is not None and stop.type not in ("integer", "keyword_argument"):
                return [Edit(stop.end_byte, stop.end_byte, " + 1")]
        return []
    return _mutate(code, rng, pick)


def _operator_swap(swaps: dict[str, str], types: tuple[str, ...]) -> Callable[[Node], list[Edit]]:
    def pick(n: Node) -> list[Edit]:
        if n.type not in types:
            return []
        for c in n.children:
            if not c.is_named and c.type in swaps:
                return [Edit.replace(c, swaps[c.type])]
        return []
    return pick


def wrong_comparison(code: str, rng: random.Random) -> str | None:
    """``<`` ↔ ``<=``, ``>`` ↔ ``>=``, ``==`` ↔ ``!=`` in one comparison."""
    return _mutate(code, rng, _operator_swap(COMPARISON_SWAPS, ("comparison_operator",)))


def wrong_arithmetic(code: str, rng: random.Random) -> str | None:
    """One arithmetic operator replaced (``+`` → ``-``, ``*`` → ``+``, ``//`` → ``/`` ...)."""
    return _mutate(code, rng, _operator_swap(ARITHMETIC_SWAPS,
                                             ("binary_operator", "augmented_assignment")))


def swapped_arguments(code: str, rng: random.Random) -> str | None:
    """Two adjacent positional arguments of a call swapped."""
    def pick(n: Node) -> list[Edit]:
        if n.type != "argument_list":
            return []
        args = n.named_children
        for a, b in zip(args, args[1:], strict=False):
            if a.type in ("keyword_argument", "list_splat", "dictionary_splat", "comment") or \
                    b.type in ("keyword_argument", "list_splat", "dictionary_splat", "comment"):
                continue
            if text(a) != text(b):
                return [Edit.replace(a, text(b)), Edit.replace(b, text(a))]
        return []
    return _mutate(code, rng, pick)


def wrong_variable(code: str, rng: random.Random) -> str | None:
    """One read of a local variable replaced by another local of the same function."""
    root = parse(code).root_node
    sites = []
    for unit in function_units(root):
        bindings = {b.id for b, _ in binding_nodes(unit)}
        names = sorted({text(b) for b, _ in binding_nodes(unit)})
        for occ in name_occurrences(unit.child_by_field_name("body")):
            if occ.id in bindings or text(occ) not in names or \
                    occ.parent.type in ("global_statement", "nonlocal_statement"):
                continue
            others = [n for n in names if n != text(occ)]
            if others:
                sites.append(Edit.replace(occ, rng.choice(others)))
    return apply_edits(code, [rng.choice(sites)]) if sites else None


def missing_return(code: str, rng: random.Random) -> str | None:
    """``return expr`` → ``expr`` (the value is computed and dropped)."""
    def pick(n: Node) -> list[Edit]:
        if n.type == "return_statement" and n.named_children:
            return [Edit.replace(n, text(n.named_children[0]))]
        return []
    return _mutate(code, rng, pick)


def inverted_condition(code: str, rng: random.Random) -> str | None:
    """The condition of one ``if``/``elif``/``while`` negated."""
    def pick(n: Node) -> list[Edit]:
        if n.type in ("if_statement", "elif_clause", "while_statement"):
            cond = n.child_by_field_name("condition")
            if cond is not None:
                before = n.text[cond.start_byte - n.start_byte - 1:cond.start_byte - n.start_byte]
                space = "" if before.isspace() else " "
                return [Edit.replace(cond, f"{space}not ({text(cond)})")]
        return []
    return _mutate(code, rng, pick)


MUTATIONS: dict[str, Mutation] = {
    "off_by_one": off_by_one,
    "wrong_comparison": wrong_comparison,
    "wrong_arithmetic": wrong_arithmetic,
    "swapped_arguments": swapped_arguments,
    "wrong_variable": wrong_variable,
    "missing_return": missing_return,
    "inverted_condition": inverted_condition,
}
