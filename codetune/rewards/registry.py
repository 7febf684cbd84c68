"""One registry of reward functions, addressable by name or ``package.module:function``.

A reward function has TRL's signature ``fn(completions, **columns) -> list[float | None]``
(``None`` for rows it does not apply to). Parameterised rewards come from *factories*: functions
that take keyword arguments and return a reward function (open-r1's ``get_*_reward`` pattern).
Built-ins register their factory under a short name; a user's own is named ``pkg.mod:fn`` in YAML
or on the CLI: a factory when it is marked with :func:`reward_factory` or given ``args``, else the
reward function itself.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Callable
from typing import Any

from codetune import plugins
from codetune.errors import CodetuneError

RewardFunc = Callable[..., list[float | None]]
_FACTORIES: dict[str, Callable[..., RewardFunc]] = {}
_BUILTIN_MODULES = ("codetune.rewards.execution", "codetune.rewards.static_reward",
                    "codetune.rewards.reward_model")


def reward_factory(fn: Callable[..., RewardFunc]) -> Callable[..., RewardFunc]:
    """Mark ``fn`` as a factory: ``pkg.mod:fn`` is then called with the spec's ``args``."""
    fn.is_reward_factory = True  # type: ignore[attr-defined]
    return fn


def register_reward(name: str) -> Callable[[Callable[..., RewardFunc]], Callable[..., RewardFunc]]:
    """Register a factory under ``name`` (built-ins and plug-ins that want a short name)."""

    def deco(factory: Callable[..., RewardFunc]) -> Callable[..., RewardFunc]:
        _FACTORIES[name] = reward_factory(factory)
        return factory

    return deco


def _load_builtins() -> None:
    for mod in _BUILTIN_MODULES:
        importlib.import_module(mod)


def available_rewards() -> list[str]:
    _load_builtins()
    return sorted(_FACTORIES)


def import_object(spec: str) -> Any:
    """Import a reward named ``package.module:attr`` (``codetune.plugins.import_object``)."""
    return plugins.import_object(spec, "reward")


def named(fn: RewardFunc, name: str) -> RewardFunc:
    """``fn`` under ``__name__ = name`` (TRL's log key ``rewards/<name>/mean``)."""
    if getattr(fn, "__name__", None) == name:
        return fn

    def reward(completions: list, **columns: Any) -> list[float | None]:
        return fn(completions, **columns)

    reward.__name__ = reward.__qualname__ = name
    reward.__wrapped__ = fn  # type: ignore[attr-defined]
    return reward


def _with_shared(factory: Callable, args: dict[str, Any], shared: dict[str, Any]) -> dict:
    """``args`` plus the ``shared`` values (e.g. a sandbox pool) the factory has parameters for."""
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return args
    extra = {k: v for k, v in shared.items() if k in params}
    return {**extra, **args}


def build_reward(name: str, args: dict[str, Any] | None = None,
                 display_name: str | None = None,
                 shared: dict[str, Any] | None = None) -> RewardFunc:
    """The reward function for a registry name or ``pkg.mod:fn`` spec, built with ``args``."""
    args = dict(args or {})
    shared = shared or {}
    _load_builtins()
    if name in _FACTORIES:
        fn = _FACTORIES[name](**_with_shared(_FACTORIES[name], args, shared))
        return named(fn, display_name or name)
    if ":" in name:
        obj = import_object(name)
        if not callable(obj):
            raise CodetuneError(f"reward {name!r} is not callable")
        if args or getattr(obj, "is_reward_factory", False):
            obj = obj(**_with_shared(obj, args, shared))
        return named(obj, display_name or getattr(obj, "__name__", name.rsplit(":", 1)[1]))
    near = difflib.get_close_matches(name, list(_FACTORIES), n=1)
    hint = f"did you mean '{near[0]}'?" if near else f"known: {', '.join(sorted(_FACTORIES))}"
    raise CodetuneError(f"unknown reward {name!r}; {hint} (or give 'package.module:function')")
