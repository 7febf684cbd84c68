"""Scope-aware identifier renaming for Python (see ``scope`` for what is never touched)."""

from __future__ import annotations

import random

from codetune.data.augment.edits import Edit, apply_edits
from codetune.data.augment.grammars import parse, text, walk
from codetune.data.augment.scope import (
    BUILTINS,
    function_units,
    module_names,
    name_occurrences,
    renameable_names,
)

# Readable replacement names; a numeric suffix is added when all are taken.
NAME_POOL = (
    "value", "item", "acc", "idx", "count", "total", "elem", "node", "buf", "res", "tmp", "key",
    "val", "cur", "nxt", "data", "seq", "part", "chunk", "entry", "token", "flag", "pos", "size",
    "step", "left", "right", "head", "tail", "out", "current", "temp", "result_value", "element",
    "index", "number", "accum", "holder", "piece", "cursor", "marker", "probe", "slot", "unit",
    "word", "arr", "lst", "num", "aux", "state",
)


class NameAllocator:
    """Hands out fresh identifiers that collide with nothing in the source or its tests."""

    def __init__(self, taken: set[str], rng: random.Random) -> None:
        self.taken = set(taken) | BUILTINS
        self.rng = rng

    def fresh(self, old: str) -> str:
        pool = [n for n in NAME_POOL if n not in self.taken]
        if pool:
            new = self.rng.choice(pool)
        else:
            base, k = self.rng.choice(NAME_POOL), 1
            while f"{base}_{k}" in self.taken:
                k += 1
            new = f"{base}_{k}"
        if old.isupper() and len(old) > 1:
            new = new.upper()
        self.taken.add(new)
        return new


def identifiers_in(code: str, language: str = "python") -> set[str]:
    """Every identifier-like token in ``code`` (names, attributes, keyword names)."""
    tree = parse(code, language)
    return {text(n) for n in walk(tree.root_node) if n.type.endswith("identifier")}


def rename_identifiers(code: str, rng: random.Random, *, tests: str = "",
                       fraction: float = 1.0, rename_parameters: bool = False) -> str | None:
    """Rename local variables of every function to fresh names; ``None`` if nothing qualifies.

    ``tests`` is the code that will run against ``code``: any name it mentions is protected
    (keyword arguments in a test call would break if a parameter were renamed).
    """
    tree = parse(code)
    root = tree.root_node
    protected = identifiers_in(tests) if tests.strip() else set()
    alloc = NameAllocator(identifiers_in(code) | protected, rng)
    if any(n.type == "wildcard_import" for n in walk(root)):
        return None  # free names may come from the star import
    excluded = module_names(root) | protected
    edits: list[Edit] = []
    for unit in function_units(root):
        names = sorted(renameable_names(unit, excluded, rename_parameters))
        names = [n for n in names if rng.random() < fraction] or names[:1]
        mapping = {n: alloc.fresh(n) for n in names}
        for occ in name_occurrences(unit):
            new = mapping.get(text(occ))
            if new is not None:
                edits.append(Edit.replace(occ, new))
    return apply_edits(code, edits) if edits else None
