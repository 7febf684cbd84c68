"""A task template: a docstring and a one-expression body with named holes, rendered with random
function/argument names, constants and test inputs.

Tests come from running the (trusted, template-authored) reference solution on random inputs,
so every rendered task has a solution that passes its own asserts by construction; the family's
self-check re-runs them in a separate interpreter anyway.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SPLITS = ("sft", "rl", "heldout")

WORDS = ("apple", "river", "stone", "cloud", "tiger", "lemon", "pixel", "ocean", "maple", "robot",
         "candle", "garden", "silver", "planet", "button", "forest", "pencil", "rocket", "winter",
         "banana", "castle", "dragon", "marble", "violet", "anchor", "bridge", "copper", "desert")
FUNC_VERBS = ("compute", "get", "make", "build", "find", "calc", "process", "transform", "solve",
              "handle", "apply", "derive", "eval", "produce", "collect", "render", "pick", "do")
FUNC_NOUNS = ("result", "values", "items", "answer", "output", "data", "total", "thing", "stuff",
              "info", "record", "batch", "entry", "sample", "series", "group", "block", "chunk")
# Argument names per kind; loop variables in bodies are x (ints), w (strings), k (keys).
ARG_NAMES: dict[str, tuple[str, ...]] = {
    "ints": ("xs", "nums", "values", "items", "data", "numbers", "seq", "arr", "lst", "vals"),
    "int": ("a", "b", "m", "n", "p", "q", "u", "v"),
    "str": ("s", "text", "word", "name", "line", "label", "token"),
    "strs": ("words", "names", "strings", "tokens", "labels", "parts", "terms"),
    "dict": ("d", "counts", "scores", "table", "mapping", "stock", "ages"),
}


def _ints(rng: random.Random) -> list[int]:
    return [rng.randint(-9, 20) for _ in range(rng.randint(3, 7))]


def _int(rng: random.Random) -> int:
    return rng.randint(-20, 50)


def _str(rng: random.Random) -> str:
    return rng.choice(WORDS) + rng.choice(("", rng.choice(WORDS)))


def _strs(rng: random.Random) -> list[str]:
    return [rng.choice(WORDS)[: rng.randint(2, 6)] for _ in range(rng.randint(2, 5))]


def _dict(rng: random.Random) -> dict[str, int]:
    keys = rng.sample(WORDS, rng.randint(2, 5))
    return {k: rng.randint(0, 20) for k in keys}


ARG_VALUES: dict[str, Callable[[random.Random], Any]] = {
    "ints": _ints, "int": _int, "str": _str, "strs": _strs, "dict": _dict,
}


@dataclass(frozen=True)
class Template:
    """One family of tasks: ``doc`` and ``body`` are ``str.format`` strings over arg roles and
    constants (``{xs}``, ``{c}``); ``body`` is the returned expression."""

    name: str
    split: str
    category: str
    doc: str
    body: str
    args: tuple[tuple[str, str], ...]  # (role, kind): kind is a key of ARG_NAMES
    consts: dict[str, Callable[[random.Random], Any]] = field(default_factory=dict)
    min_distinct: int = 2  # at least this many distinct expected outputs over the tests


@dataclass
class Task:
    """One rendered task: what a model sees (``prompt``), how it is judged (``tests``)."""

    task_id: str
    template: str
    split: str
    category: str
    prompt: str
    tests: list[str]
    solution: str
    entry_point: str

    @property
    def reference_completion(self) -> str:
        return self.solution[len(self.prompt):]

    def to_dict(self) -> dict[str, Any]:
        return {"task_id": self.task_id, "template": self.template, "split": self.split,
                "category": self.category, "prompt": self.prompt, "tests": list(self.tests),
                "solution": self.solution, "canonical_solution": self.reference_completion,
                "entry_point": self.entry_point}


def _arg_names(t: Template, rng: random.Random) -> dict[str, str]:
    names: dict[str, str] = {}
    for role, kind in t.args:
        pool = [n for n in ARG_NAMES[kind] if n not in names.values()]
        names[role] = rng.choice(pool)
    return names


def render(t: Template, rng: random.Random, task_id: str, n_tests: int = 4) -> Task:
    """Render ``t`` with names, constants and ``n_tests`` assert lines drawn from ``rng``."""
    names = _arg_names(t, rng)
    consts = {k: gen(rng) for k, gen in t.consts.items()}
    fmt = {**names, **consts}
    fn = f"{rng.choice(FUNC_VERBS)}_{rng.choice(FUNC_NOUNS)}"
    # The prompt stops at the closing quotes: byte-level BPE merges "\n" with the body's
    # indentation, so a prompt ending in "\n" would tokenize differently alone (generation)
    # than inside prompt + completion (training), and the model would see an unseen context.
    prompt = (f"def {fn}({', '.join(names[r] for r, _ in t.args)}):\n"
              f'    """{t.doc.format(**fmt)}"""')
    solution = prompt + f"\n    return {t.body.format(**fmt)}\n"
    namespace: dict[str, Any] = {}
    exec(compile(solution, f"<template {t.name}>", "exec"), namespace)  # noqa: S102 - our own code
    reference = namespace[fn]
    for _ in range(50):
        inputs = [tuple(ARG_VALUES[kind](rng) for _, kind in t.args) for _ in range(n_tests)]
        expected = [reference(*copy.deepcopy(args)) for args in inputs]
        if len({repr(e) for e in expected}) >= min(t.min_distinct, n_tests):
            break
    tests = [f"assert {fn}({', '.join(repr(a) for a in args)}) == {out!r}"
             for args, out in zip(inputs, expected, strict=True)]
    return Task(task_id=task_id, template=t.name, split=t.split, category=t.category,
                prompt=prompt, tests=tests, solution=solution, entry_point=fn)
