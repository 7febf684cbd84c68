"""Python name analysis on tree-sitter trees: which identifiers a rename may touch.

Renaming is *unit-uniform*: within one top-level function (or method) every occurrence of a
name bound inside it is renamed. That is semantics-preserving when the name is not also a
module-level name, builtin, imported name, ``global``, keyword-argument name, class attribute or
nested def/class name, and the unit does not introspect its frame (``locals()``, ``eval``...).
"""

from __future__ import annotations

import builtins
import keyword
from collections.abc import Iterator

from tree_sitter import Node

from codetune.data.augment.grammars import ancestors, text, walk

BUILTINS = frozenset(dir(builtins)) | {"self", "cls", "__class__", "print"}
INTROSPECTION = frozenset({"locals", "vars", "eval", "exec", "globals", "_getframe",
                           "currentframe", "f_locals", "__dict__", "getframeinfo"})
FUNCTION_TYPES = ("function_definition",)
COMPREHENSIONS = ("list_comprehension", "set_comprehension", "dictionary_comprehension",
                  "generator_expression")
_PATTERN_TYPES = ("pattern_list", "tuple_pattern", "list_pattern", "tuple", "list",
                  "list_splat_pattern", "parenthesized_expression", "as_pattern_target")


def name_occurrences(node: Node) -> Iterator[Node]:
    """Identifiers under ``node`` that name a variable (not an attribute, keyword or import)."""
    for n in walk(node):
        if n.type != "identifier":
            continue
        parent = n.parent
        if parent is None:
            continue
        if parent.type == "attribute" and parent.child_by_field_name("attribute") == n:
            continue
        if parent.type in ("keyword_argument", "keyword_pattern") and \
                parent.child_by_field_name("name") == n:
            continue
        if parent.type in ("dotted_name", "aliased_import", "import_from_statement",
                           "import_statement"):
            continue
        yield n


def _target_names(node: Node | None) -> Iterator[str]:
    """Names bound by an assignment-like target (skips attributes and subscripts)."""
    if node is None:
        return
    if node.type == "identifier":
        yield text(node)
    elif node.type in _PATTERN_TYPES or node.type.endswith("_pattern"):
        for c in node.named_children:
            yield from _target_names(c)


def parameter_names(params: Node | None) -> set[str]:
    """Names bound by a ``parameters``/``lambda_parameters`` node."""
    names: set[str] = set()
    if params is None:
        return names
    for p in params.named_children:
        if p.type == "identifier":
            names.add(text(p))
        elif p.type in ("default_parameter", "typed_default_parameter"):
            names |= set(_target_names(p.child_by_field_name("name")))
        elif p.type in ("typed_parameter", "list_splat_pattern", "dictionary_splat_pattern"):
            names |= {text(c) for c in p.named_children if c.type == "identifier"}
    return names


def bound_names(unit: Node) -> set[str]:
    """Every name bound anywhere inside ``unit`` (params, targets, loops, ``as``, walrus)."""
    names = parameter_names(unit.child_by_field_name("parameters"))
    for n in walk(unit):
        t = n.type
        if t in ("assignment", "augmented_assignment", "for_statement", "for_in_clause"):
            names |= set(_target_names(n.child_by_field_name("left")))
        elif t == "named_expression":
            names |= set(_target_names(n.child_by_field_name("name")))
        elif t == "as_pattern_target":
            names |= set(_target_names(n))
        elif t in ("lambda", "function_definition") and n is not unit:
            names |= parameter_names(n.child_by_field_name("parameters"))
    return names


def module_names(root: Node) -> set[str]:
    """Names a rename must never touch, wherever they appear in the module.

    Module-level bindings, imports, ``global`` declarations, def/class names, names bound in
    class bodies and keyword-argument names.
    """
    names: set[str] = set()
    for stmt in root.named_children:
        if stmt.type == "expression_statement" and stmt.named_children:
            first = stmt.named_children[0]
            if first.type in ("assignment", "augmented_assignment"):
                names |= set(_target_names(first.child_by_field_name("left")))
        elif stmt.type in ("for_statement", "with_statement", "try_statement", "if_statement"):
            names |= bound_names(stmt)
    for n in walk(root):
        t = n.type
        if t in ("import_statement", "import_from_statement", "future_import_statement"):
            names |= {text(i) for i in walk(n) if i.type == "identifier"}
        elif t in ("global_statement",):
            names |= {text(i) for i in n.named_children}
        elif t in ("function_definition", "class_definition"):
            names.add(text(n.child_by_field_name("name")))
        elif t in ("keyword_argument", "keyword_pattern"):
            names.add(text(n.child_by_field_name("name")))
    for cls in (n for n in walk(root) if n.type == "class_definition"):
        body = cls.child_by_field_name("body")
        for stmt in body.named_children if body else []:
            if stmt.type == "expression_statement" and stmt.named_children:
                first = stmt.named_children[0]
                if first.type in ("assignment", "augmented_assignment"):
                    names |= set(_target_names(first.child_by_field_name("left")))
    return names


def function_units(root: Node) -> list[Node]:
    """Top-level functions and methods (functions not nested in another function)."""
    return [n for n in walk(root) if n.type in FUNCTION_TYPES
            and not any(a.type == "function_definition" for a in ancestors(n))]


def _is_parameter_name(n: Node, params: Node) -> bool:
    parent = n.parent
    if parent == params:
        return True
    if parent is None or parent.parent != params:
        return False
    if parent.type in ("default_parameter", "typed_default_parameter"):
        return parent.child_by_field_name("name") == n
    return parent.type in ("typed_parameter", "list_splat_pattern", "dictionary_splat_pattern")


def scope_of(n: Node) -> Node | None:
    """The function, lambda or comprehension whose namespace ``n`` is looked up in.

    Parameter defaults and annotations belong to the enclosing scope; so does the first
    iterable of a comprehension (Python evaluates it outside).
    """
    child, p = n, n.parent
    while p is not None:
        if p.type in ("function_definition", "lambda"):
            params = p.child_by_field_name("parameters")
            if child == p.child_by_field_name("body") or (
                    child == params and _is_parameter_name(n, params)):
                return p
        elif p.type in COMPREHENSIONS:
            first = next((c for c in p.named_children if c.type == "for_in_clause"), None)
            if not (child == first and _within(n, first.child_by_field_name("right"))):
                return p
        child, p = p, p.parent
    return None


def _within(n: Node, outer: Node | None) -> bool:
    return outer is not None and outer.start_byte <= n.start_byte and n.end_byte <= outer.end_byte


def binding_nodes(unit: Node) -> Iterator[tuple[Node, Node | None]]:
    """(identifier, scope it binds in) for every binding inside ``unit``."""
    for n in walk(unit):
        t = n.type
        targets: list[Node] = []
        if t in ("function_definition", "lambda"):
            params = n.child_by_field_name("parameters")
            targets = [i for i in walk(params) if i.type == "identifier"
                       and _is_parameter_name(i, params)] if params else []
        elif t in ("assignment", "augmented_assignment", "for_statement", "for_in_clause"):
            targets = list(_target_nodes(n.child_by_field_name("left")))
        elif t == "as_pattern_target":
            targets = list(_target_nodes(n))
        elif t == "named_expression":  # walrus binds in the enclosing function, not comprehension
            name = n.child_by_field_name("name")
            scope = next((a for a in ancestors(n) if a.type in ("function_definition", "lambda")),
                         None)
            yield name, scope
            continue
        for i in targets:
            yield i, scope_of(i)


def _target_nodes(node: Node | None) -> Iterator[Node]:
    if node is None:
        return
    if node.type == "identifier":
        yield node
    elif node.type in _PATTERN_TYPES or node.type.endswith("_pattern"):
        for c in node.named_children:
            yield from _target_nodes(c)


def unresolved_names(unit: Node, names: set[str]) -> set[str]:
    """Those of ``names`` used somewhere in ``unit`` without a binding inside ``unit``."""
    bound: dict[int, set[str]] = {}
    for ident, scope in binding_nodes(unit):
        if scope is not None:
            bound.setdefault(scope.id, set()).add(text(ident))
    bad: set[str] = set()
    seen: set[tuple[int, str]] = set()
    for occ in name_occurrences(unit):
        name = text(occ)
        if name not in names or name in bad:
            continue
        scope = scope_of(occ)
        if scope is None or (scope.id, name) in seen:
            bad |= {name} if scope is None else set()
            continue
        seen.add((scope.id, name))
        while scope is not None and name not in bound.get(scope.id, ()):
            scope = scope_of(scope) if scope != unit else None
        if scope is None:
            bad.add(name)
    return bad


def introspects(unit: Node) -> bool:
    """True if the unit reads its own frame or namespace, or uses ``match`` (skip renaming it)."""
    for n in walk(unit):
        if n.type == "identifier" and text(n) in INTROSPECTION:
            return True
        if n.type in ("match_statement", "class_definition"):
            return True
    return False


def renameable_names(unit: Node, excluded: set[str], rename_parameters: bool = False,
                     ) -> set[str]:
    """Names in ``unit`` that may be renamed uniformly without changing behaviour.

    ``excluded`` is ``module_names(root)`` plus any protected names (e.g. used by tests).
    """
    if introspects(unit):
        return set()
    names = bound_names(unit) - excluded - BUILTINS
    if not rename_parameters:
        names -= parameter_names(unit.child_by_field_name("parameters"))
    names = {n for n in names if not n.startswith("__") and not keyword.iskeyword(n)}
    return names - unresolved_names(unit, names)
