"""tree-sitter code augmentation (semantics-preserving rewrites) and bug injection.

``augment(code, "rename_identifiers", rng, tests=...)`` and ``mutate(code, "off_by_one", rng)``
return an ``Outcome`` whose code always re-parses. Grammars: ``grammars.register_grammar``.
"""

from codetune.data.augment.grammars import parse, parses, register_grammar
from codetune.data.augment.mutations import MUTATIONS
from codetune.data.augment.registry import (
    AUGMENTATIONS,
    AugmentationSpec,
    Outcome,
    augment,
    get_augmentation,
    get_mutation,
    mutate,
)

__all__ = ["AUGMENTATIONS", "MUTATIONS", "AugmentationSpec", "Outcome", "augment",
           "get_augmentation", "get_mutation", "mutate", "parse", "parses", "register_grammar"]
