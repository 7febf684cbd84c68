"""Dead-code insertion: statements that never run or never matter, inside function bodies."""

from __future__ import annotations

import random

from codetune.data.augment.edits import Edit, apply_edits
from codetune.data.augment.grammars import parse
from codetune.data.augment.rename import NameAllocator, identifiers_in
from codetune.data.augment.scope import function_units, introspects

# {n}: a fresh name; {i}: the statement's indentation; {u}: one more level.
DEAD_CODE = (
    "{n} = None",
    "if False:\n{i}{u}{n} = 0",
    "while False:\n{i}{u}break",
    "for {n} in ():\n{i}{u}pass",
    "{n} = []\n{i}del {n}",
    "assert True",
)


def insert_dead_code(code: str, rng: random.Random, *, tests: str = "") -> str | None:
    """Insert one dead statement before a random statement of a function body."""
    data = code.encode("utf-8")
    root = parse(data).root_node
    sites = []
    for unit in function_units(root):
        if introspects(unit):
            continue
        body = unit.child_by_field_name("body")
        stmts = body.named_children if body else []
        for k, stmt in enumerate(stmts):
            line_start = data.rfind(b"\n", 0, stmt.start_byte) + 1
            indent = data[line_start:stmt.start_byte]
            if indent.strip() or stmt.start_point.row == unit.start_point.row:
                continue
            if k == 0 and stmt.type == "expression_statement" and \
                    stmt.named_children and stmt.named_children[0].type == "string":
                continue  # keep the docstring first
            sites.append((line_start, indent.decode("utf-8")))
    if not sites:
        return None
    line_start, indent = rng.choice(sites)
    unit_ws = "\t" if "\t" in indent else "    "
    name = NameAllocator(identifiers_in(code) | identifiers_in(tests or "pass"), rng).fresh("_")
    snippet = rng.choice(DEAD_CODE).format(n=name, i=indent, u=unit_ws)
    return apply_edits(code, [Edit(line_start, line_start, f"{indent}{snippet}\n")])
