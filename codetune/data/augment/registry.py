"""Augmentation registry and the checked entry point ``augment``.

An augmentation is ``fn(code, rng, *, tests="") -> str | None`` (``None``: not applicable).
Users add their own by name or as ``package.module:function`` in a recipe. Every output is
re-parsed with the language's grammar (and compiled, for Python); one that fails never leaves.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from codetune.data.augment import mutations
from codetune.data.augment.comments import docstring_summary, strip_comments, strip_docstrings
from codetune.data.augment.deadcode import insert_dead_code
from codetune.data.augment.formatting import reindent
from codetune.data.augment.grammars import canonical, parses
from codetune.data.augment.loops import for_to_while, while_to_for
from codetune.data.augment.rename import rename_identifiers
from codetune.errors import CodetuneError
from codetune.plugins import import_object

Augmentation = Callable[..., "str | None"]


@dataclass(frozen=True)
class AugmentationSpec:
    """A registered augmentation: its function, languages, and whether it keeps behaviour."""

    fn: Augmentation
    languages: tuple[str, ...] = ("python",)
    preserves_semantics: bool = True


AUGMENTATIONS: dict[str, AugmentationSpec] = {
    "rename_identifiers": AugmentationSpec(rename_identifiers),
    "strip_comments": AugmentationSpec(strip_comments, ("python", "javascript", "java", "cpp")),
    "strip_docstrings": AugmentationSpec(strip_docstrings),
    "docstring_summary": AugmentationSpec(docstring_summary),
    "reindent": AugmentationSpec(reindent),
    "dead_code": AugmentationSpec(insert_dead_code),
    "for_to_while": AugmentationSpec(for_to_while),
    "while_to_for": AugmentationSpec(while_to_for),
}


def _import(target: str) -> Callable:
    return import_object(target, "augmentation")


def get_augmentation(name: str) -> AugmentationSpec:
    """A registered augmentation by name, or any ``module:function`` (assumed Python-only)."""
    if name in AUGMENTATIONS:
        return AUGMENTATIONS[name]
    if ":" in name:
        return AugmentationSpec(_import(name))
    raise CodetuneError(f"unknown augmentation '{name}'; choose from "
                        f"{', '.join(AUGMENTATIONS)} or give package.module:function")


def get_mutation(name: str) -> Callable[..., str | None]:
    """A bug-injection operator by name or ``module:function``."""
    if name in mutations.MUTATIONS:
        return mutations.MUTATIONS[name]
    if ":" in name:
        return _import(name)
    raise CodetuneError(f"unknown mutation '{name}'; choose from "
                        f"{', '.join(mutations.MUTATIONS)} or give package.module:function")


@dataclass
class Outcome:
    """The result of one attempt: new code, or why there is none."""

    code: str | None
    reason: str = ""  # "" (ok), "not_applicable", "unchanged", "unparsable", "error"


def augment(code: str, name: str, rng: random.Random, *, language: str = "python",
            tests: str = "") -> Outcome:
    """Apply augmentation ``name``; the result is guaranteed to re-parse (else a reason)."""
    spec = get_augmentation(name)
    lang = canonical(language)
    if lang not in spec.languages:
        return Outcome(None, "not_applicable")
    fn = partial(spec.fn, language=lang) if spec.fn is strip_comments else spec.fn
    return _checked(lambda: fn(code, rng, tests=tests), code, lang)


def mutate(code: str, name: str, rng: random.Random, *, language: str = "python") -> Outcome:
    """Inject one bug with operator ``name``; the mutant is guaranteed to re-parse."""
    if canonical(language) != "python":
        return Outcome(None, "not_applicable")
    fn = get_mutation(name)
    return _checked(lambda: fn(code, rng), code, "python")


def _checked(call: Callable[[], str | None], code: str, lang: str) -> Outcome:
    try:
        out = call()
    except (ValueError, IndexError, AttributeError, UnicodeDecodeError):
        return Outcome(None, "error")
    if out is None:
        return Outcome(None, "not_applicable")
    if out == code:
        return Outcome(None, "unchanged")
    if not parses(out, lang):
        return Outcome(None, "unparsable")
    return Outcome(out)
