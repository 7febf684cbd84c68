"""``for i in range(...)`` ↔ ``while`` rewrites, only where provably equivalent.

Safe means: the loop variable is bound and used nowhere else in the function, the body has no
``continue``, ``else``, nested function or rebinding of the variable, and the bound is
loop-invariant (a literal, a name not rebound in the body, or ``len(name)`` of such a name).
"""

from __future__ import annotations

import random

from tree_sitter import Node

from codetune.data.augment.edits import Edit, apply_edits
from codetune.data.augment.grammars import ancestors, parse, text, walk
from codetune.data.augment.scope import _target_nodes, function_units, name_occurrences

_BINDERS = ("assignment", "augmented_assignment", "for_statement", "for_in_clause",
            "named_expression", "as_pattern_target", "delete_statement")


def _rebound(body: Node, name: str, skip: Node | None = None) -> bool:
    for n in walk(body):
        if n.type in _BINDERS and n is not skip:
            target = n.child_by_field_name("left") or n.child_by_field_name("name") or n
            if any(text(t) == name for t in _target_nodes(target)) or (
                    n.type == "delete_statement" and name in text(n).split()):
                return True
    return False


def _invariant(expr: Node, body: Node) -> bool:
    """``expr`` has the same value before every iteration of ``body``."""
    if expr.type == "integer":
        return True
    if expr.type == "identifier":
        return not _rebound(body, text(expr))
    if expr.type == "call" and text(expr.child_by_field_name("function")) == "len":
        args = expr.child_by_field_name("arguments").named_children
        if len(args) == 1 and args[0].type == "identifier":
            name = text(args[0])
            mutated = any(n.type == "attribute" and text(n.child_by_field_name("object")) == name
                          for n in walk(body))
            return not mutated and not _rebound(body, name) and \
                not any(n.type in ("subscript",) and text(n.child_by_field_name("value")) == name
                        and n.parent is not None and n.parent.type == "assignment"
                        for n in walk(body))
    if expr.type == "binary_operator" and text(expr.child_by_field_name("operator")) in "+-":
        return _invariant(expr.child_by_field_name("left"), body) and \
            _invariant(expr.child_by_field_name("right"), body)
    return False


def _body_ok(body: Node | None, var: str, header_row: int) -> bool:
    if body is None or body.start_point.row == header_row:
        return False
    return not any(n.type in ("continue_statement", "function_definition", "lambda",
                              "class_definition", "yield") for n in walk(body)) and \
        not _rebound(body, var)


def _only_inside(unit: Node, var: str, lo: int, hi: int) -> bool:
    return all(lo <= o.start_byte < hi for o in name_occurrences(unit) if text(o) == var)


def _indent(data: bytes, node: Node) -> str | None:
    start = data.rfind(b"\n", 0, node.start_byte) + 1
    ws = data[start:node.start_byte]
    return None if ws.strip() else ws.decode("utf-8")


def _for_site(data: bytes, unit: Node, loop: Node) -> list[Edit] | None:
    var, it, body = (loop.child_by_field_name(f) for f in ("left", "right", "body"))
    if var.type != "identifier" or it.type != "call" or text(it.child_by_field_name(
            "function")) != "range" or loop.children[0].type == "async" or any(
            c.type == "else_clause" for c in loop.children):
        return None
    args = it.child_by_field_name("arguments").named_children
    if not 1 <= len(args) <= 3 or any(a.type in ("keyword_argument", "list_splat")
                                      for a in args):
        return None
    start, stop, step = ("0", args[0], "1") if len(args) == 1 else (
        text(args[0]), args[1], text(args[2]) if len(args) == 3 else "1")
    if not step.isdigit() or int(step) == 0 or not _invariant(stop, body):
        return None
    name, ind = text(var), _indent(data, loop)
    if ind is None or not _body_ok(body, name, loop.start_point.row) or \
            not _only_inside(unit, name, loop.start_byte, loop.end_byte):
        return None
    body_ind = _indent(data, body.named_children[0])
    colon = next(c for c in loop.children if c.type == ":")
    return [Edit(loop.start_byte, colon.end_byte,
                 f"{name} = {start}\n{ind}while {name} < {text(stop)}:"),
            Edit(body.end_byte, body.end_byte, f"\n{body_ind}{name} += {step}")]


def _while_site(data: bytes, unit: Node, loop: Node) -> list[Edit] | None:
    cond, body = loop.child_by_field_name("condition"), loop.child_by_field_name("body")
    prev = loop.prev_named_sibling
    if cond.type != "comparison_operator" or len(cond.named_children) != 2 or \
            [c.type for c in cond.children][1] != "<" or prev is None or \
            prev.type != "expression_statement" or any(c.type == "else_clause"
                                                       for c in loop.children):
        return None
    var, stop = cond.named_children
    init = prev.named_children[0]
    stmts = body.named_children if body else []
    if var.type != "identifier" or init.type != "assignment" or len(stmts) < 2 or \
            text(init.child_by_field_name("left")) != text(var) or init.child_by_field_name(
            "type") is not None:
        return None
    last = stmts[-1].named_children[0] if stmts[-1].type == "expression_statement" else None
    name = text(var)
    if last is None or last.type != "augmented_assignment" or text(last.child_by_field_name(
            "left")) != name or text(last.children[1]) != "+=" or \
            not text(last.child_by_field_name("right")).isdigit():
        return None
    step = text(last.child_by_field_name("right"))
    if int(step) == 0 or _indent(data, prev) is None or not _invariant(stop, body) or \
            any(n.type in ("continue_statement", "function_definition", "lambda", "yield")
                for n in walk(body)) or _rebound(body, name, skip=last) or \
            not _only_inside(unit, name, prev.start_byte, loop.end_byte):
        return None
    colon = next(c for c in loop.children if c.type == ":")
    args = f"{text(init.child_by_field_name('right'))}, {text(stop)}" + (
        f", {step}" if step != "1" else "")
    line_start = data.rfind(b"\n", 0, stmts[-1].start_byte)
    return [Edit(prev.start_byte, colon.end_byte, f"for {name} in range({args}):"),
            Edit(line_start, stmts[-1].end_byte, "")]


def _rewrite(code: str, rng: random.Random, loop_type: str, site) -> str | None:
    data = code.encode("utf-8")
    root = parse(data).root_node
    candidates = []
    for unit in function_units(root):
        for loop in walk(unit):
            if loop.type == loop_type and not any(a.type == "lambda" for a in ancestors(loop)):
                edits = site(data, unit, loop)
                if edits:
                    candidates.append(edits)
    return apply_edits(code, rng.choice(candidates)) if candidates else None


def for_to_while(code: str, rng: random.Random, *, tests: str = "") -> str | None:
    """Rewrite one ``for v in range(...)`` loop as the equivalent ``while`` loop."""
    return _rewrite(code, rng, "for_statement", _for_site)


def while_to_for(code: str, rng: random.Random, *, tests: str = "") -> str | None:
    """Rewrite one counting ``while`` loop (``v = a; while v < b: ...; v += k``) as ``for``."""
    return _rewrite(code, rng, "while_statement", _while_site)
