"""tree-sitter grammar registry: language name → ``Language``, plus parse and re-parse checks.

Grammars are pluggable: ``register_grammar("rust", "tree_sitter_rust:language")`` adds one by
the ``module:function`` that returns its language pointer (the tree-sitter 0.22+ wheel API).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from functools import cache

from tree_sitter import Language, Node, Parser, Tree

from codetune.errors import CodetuneError
from codetune.languages import LANGUAGES, grammar_target
from codetune.plugins import import_object

# From the language registry (codetune/languages.py); register_grammar adds more.
GRAMMARS: dict[str, str] = {name: grammar_target(name) for name in LANGUAGES
                            if grammar_target(name)}
ALIASES = {alias: lang.name for lang in LANGUAGES.values() for alias in lang.aliases}
EXTENSIONS = {**{lang.extension: lang.name for lang in LANGUAGES.values()},
              ".mjs": "javascript", ".cc": "cpp", ".hpp": "cpp", ".h": "cpp"}


def register_grammar(name: str, target: str) -> None:
    """Add (or replace) a grammar: ``target`` is ``module:function`` returning a language ptr."""
    GRAMMARS[name] = target
    language.cache_clear()


def canonical(name: str) -> str:
    """The registry name for ``name`` (accepts aliases such as ``js``/``py``)."""
    key = ALIASES.get(name.lower(), name.lower())
    if key not in GRAMMARS:
        raise CodetuneError(f"unknown language '{name}'; registered grammars: "
                            f"{', '.join(sorted(GRAMMARS))} (add one with register_grammar)")
    return key


@cache
def language(name: str) -> Language:
    """The tree-sitter ``Language`` for ``name`` (loaded once)."""
    key = canonical(name)
    module = GRAMMARS[key].partition(":")[0]
    ptr = import_object(GRAMMARS[key], f"grammar {key!r}", default_attr="language",
                        hint=f"pip install {module.replace('_', '-')}")()
    return Language(ptr)


@cache
def _parser(name: str) -> Parser:
    return Parser(language(name))


def parse(code: str | bytes, lang: str = "python") -> Tree:
    """Parse ``code`` with the grammar for ``lang``."""
    data = code.encode("utf-8") if isinstance(code, str) else code
    return _parser(canonical(lang)).parse(data)


def has_errors(tree: Tree) -> bool:
    """True if the tree holds an ERROR or MISSING node anywhere."""
    return tree.root_node.has_error


def parses(code: str, lang: str = "python") -> bool:
    """True when ``code`` parses without error nodes (and, for Python, also compiles)."""
    if not code.strip() or has_errors(parse(code, lang)):
        return False
    if canonical(lang) == "python":
        try:
            with warnings.catch_warnings():  # e.g. invalid escape sequences in real code
                warnings.simplefilter("ignore")
                compile(code, "<augmented>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


def text(node: Node) -> str:
    """The source text of ``node``."""
    return node.text.decode("utf-8") if node.text is not None else ""


def walk(node: Node) -> Iterator[Node]:
    """Every node under ``node`` (pre-order, ``node`` included)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def ancestors(node: Node) -> Iterator[Node]:
    """The parents of ``node``, nearest first."""
    p = node.parent
    while p is not None:
        yield p
        p = p.parent
