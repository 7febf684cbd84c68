"""Stage configs: dataclasses with documented defaults, loaded from YAML, overridden with ``--set``.

A config is any dataclass (nested dataclasses allowed, TRL's configs included). ``load_config``
reads a YAML file into it, applies ``a.b=value`` overrides with type conversion, and rejects an
unknown key with the nearest valid one. ``save_config`` writes the resolved config beside outputs.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import os
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

from codetune.artifacts import atomic_write_text
from codetune.errors import CodetuneError

T = TypeVar("T")

RESOLVED_CONFIG_NAME = "config.yaml"


# ---------------------------------------------------------------- YAML with line numbers
def _read_yaml(path: Path) -> tuple[dict, dict[str, int]]:
    """Return the mapping in ``path`` and a map from dotted key to its 1-based line."""
    if not path.exists():
        raise CodetuneError(f"{path}: config file not found")
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise CodetuneError(f"{where}: invalid YAML ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise CodetuneError(f"{path}:1: expected a mapping of config keys at the top level")
    lines: dict[str, int] = {}

    def walk(n: yaml.Node, prefix: str) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = f"{prefix}{k.value}"
                lines[key] = k.start_mark.line + 1
                walk(v, key + ".")

    walk(node, "")
    return data, lines


# ---------------------------------------------------------------- type conversion
class CliValue(str):
    """A ``--set`` value as typed: converted by the field's type, or parsed as a YAML scalar
    where no type is known (the leaves of ``dict`` fields), never kept as a raw string."""


def _resolve_hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except Exception:  # forward refs a library did not make resolvable
        return {f.name: f.type for f in dataclasses.fields(cls)}


def _convert(value: Any, tp: Any, where: str) -> Any:
    """Convert ``value`` (a YAML value or a CLI string) to type ``tp``; error names ``where``."""
    origin = typing.get_origin(tp)
    if tp is Any or tp is None or isinstance(tp, str):
        return _yaml_scalar(value)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None or (isinstance(value, str) and value.lower() in ("none", "null", "~")):
            if type(None) in args:
                return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(value, arg, where)
            except CodetuneError as exc:
                errors.append(str(exc))
        raise errors[0] if len(errors) == 1 else CodetuneError(
            f"{where}: {value!r} matches none of {tp}")
    if origin is typing.Literal:
        choices = typing.get_args(tp)
        for c in choices:
            if value == c or str(value) == str(c):
                return c
        raise CodetuneError(f"{where}: {value!r} is not one of {', '.join(map(str, choices))}")
    if origin in (list, tuple, set, typing.Sequence) or tp in (list, tuple):
        if isinstance(value, str):
            value = _yaml_scalar(value)
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list | tuple):
            value = [value]
        args = typing.get_args(tp)
        inner = args[0] if args else Any
        items = [_convert(v, inner, where) for v in value]
        return tuple(items) if (origin is tuple or tp is tuple) else items
    if origin is dict or tp is dict:
        if isinstance(value, str):
            value = _yaml_scalar(value)
        if not isinstance(value, dict):
            raise CodetuneError(f"{where}: expected a mapping, got {value!r}")
        args = typing.get_args(tp)
        inner = args[1] if len(args) == 2 else Any
        return {k: _convert(v, inner, _subkey(where, k)) if inner is not Any else _cli_leaves(v)
                for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise CodetuneError(f"{where}: expected a mapping of {tp.__name__} keys")
        return build_dataclass(tp, value, prefix=where + ".")
    if tp is bool:
        if isinstance(value, bool):
            return value
        s = str(value).strip().lower()
        if s in ("1", "true", "yes", "on", "y"):
            return True
        if s in ("0", "false", "no", "off", "n"):
            return False
        raise CodetuneError(f"{where}: expected true/false, got {value!r}")
    if tp is int:
        if isinstance(value, bool):
            raise CodetuneError(f"{where}: expected an integer, got {value!r}")
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise CodetuneError(f"{where}: expected an integer, got {value!r}") from None
        if f != int(f):
            raise CodetuneError(f"{where}: expected an integer, got {value!r}")
        return int(f)
    if tp is float:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise CodetuneError(f"{where}: expected a number, got {value!r}") from None
    if tp is str:
        return str(value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            names = ", ".join(str(m.value) for m in tp)
            raise CodetuneError(f"{where}: {value!r} is not one of {names}") from None
    return _yaml_scalar(value)


def _subkey(where: str, key: Any) -> str:
    """``... key 'a.b'`` → ``... key 'a.b.<key>'`` (error locations of mapping entries)."""
    return f"{where[:-1]}.{key}'" if where.endswith("'") else f"{where}.{key}"


def _cli_leaves(value: Any) -> Any:
    """``--set`` strings inside an untyped mapping become YAML scalars (``false`` → False)."""
    if isinstance(value, CliValue):
        return _yaml_scalar(value)
    if isinstance(value, dict):
        return {k: _cli_leaves(v) for k, v in value.items()}
    return value


def convert_fields(cls: type, data: dict, prefix: str) -> dict:
    """Check a pass-through section (``trl:``, ``train.extra``) against dataclass ``cls``:
    an unknown key is an error naming the nearest field, each value gets the field's type."""
    fields = {f.name for f in dataclasses.fields(cls) if f.init}
    hints = _resolve_hints(cls)
    out = {}
    for key, value in data.items():
        if key not in fields:
            near = difflib.get_close_matches(str(key), sorted(fields), n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            raise CodetuneError(f"{prefix}.{key}: not a {cls.__name__} field{hint}")
        out[key] = _convert(value, hints.get(key, Any), f"key '{prefix}.{key}'")
    return out


def _yaml_scalar(value: Any) -> Any:
    if isinstance(value, str):
        value = str(value)
        try:
            return yaml.safe_load(value)
        except yaml.YAMLError:
            return value
    return value


# ---------------------------------------------------------------- building configs
def _unknown_key(key: str, valid: list[str], where: str) -> CodetuneError:
    near = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    hint = f"; did you mean '{near[0]}'?" if near else f"; valid keys: {', '.join(sorted(valid))}"
    return CodetuneError(f"{where}: unknown key '{key}'{hint}")


def build_dataclass(cls: type[T], data: dict, prefix: str = "",
                    lines: dict[str, int] | None = None, source: str = "") -> T:
    """Build ``cls`` from a mapping, converting types; unknown keys are an error."""
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    hints = _resolve_hints(cls)
    kwargs = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        loc = _location(source, lines, dotted)
        if key not in fields:
            raise _unknown_key(str(key), list(fields), loc)
        tp = hints.get(key, fields[key].type)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp) and isinstance(value, dict):
            # Keys not given keep the section's own default (which may differ from tp's defaults).
            base = _field_default(fields[key])
            section = build_dataclass(tp, value, dotted + ".", lines, source)
            if dataclasses.is_dataclass(base) and not isinstance(base, type):
                given = {k: getattr(section, k) for k in value}
                section = dataclasses.replace(base, **given)
            kwargs[key] = section
        else:
            kwargs[key] = _convert(value, tp, loc)
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as exc:
        where = source or cls.__name__
        raise CodetuneError(f"{where}: invalid {cls.__name__} ({exc})") from None


def _field_default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


def _location(source: str, lines: dict[str, int] | None, dotted: str) -> str:
    if source and lines and dotted in lines:
        return f"{source}:{lines[dotted]}: key '{dotted}'"
    if source:
        return f"{source}: key '{dotted}'"
    return f"key '{dotted}'"


def parse_overrides(overrides: list[str] | None) -> dict:
    """Turn ``["a.b=1", "c=x"]`` into a nested mapping of raw strings."""
    nested: dict = {}
    for item in overrides or []:
        if "=" not in item:
            raise CodetuneError(f"--set {item!r}: expected KEY=VALUE, e.g. --set train.lr=1e-4")
        key, value = item.split("=", 1)
        parts = key.strip().split(".")
        if not all(parts):
            raise CodetuneError(f"--set {item!r}: empty key part")
        node = nested
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise CodetuneError(f"--set {item!r}: '{p}' is set both as a value and a section")
        node[parts[-1]] = CliValue(value)
    return nested


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def load_config(cls: type[T], path: str | os.PathLike | None = None,
                overrides: list[str] | None = None, **values: Any) -> T:
    """Build ``cls`` from defaults, then ``path`` (YAML), then ``values``, then ``--set`` items."""
    data: dict = {}
    lines: dict[str, int] = {}
    source = ""
    if path:
        # A shipped recipe's repository path (datasets_recipes/x.yaml) works from anywhere.
        from codetune.paths import resolve_recipe

        path = resolve_recipe(path)
        data, lines = _read_yaml(path)
        source = str(path)
    # File keys are checked with their line numbers first.
    build_dataclass(cls, data, lines=lines, source=source)
    data = _merge(data, {k: v for k, v in values.items() if v is not None})
    sets = parse_overrides(overrides)
    if sets:
        build_dataclass(cls, sets, source="--set")
    return build_dataclass(cls, _merge(data, sets), source=source or "--set")


def to_plain(obj: Any) -> Any:
    """A YAML/JSON-safe copy of a config (dataclasses, enums, paths, tuples)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if not f.name.startswith("_")}
    if isinstance(obj, dict):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [to_plain(v) for v in obj]
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, Path):
        return str(obj)
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    return str(obj)


def save_config(config: Any, out_dir: str | os.PathLike,
                name: str = RESOLVED_CONFIG_NAME) -> Path:
    """Write the resolved config as YAML into ``out_dir`` (atomically) and return its path."""
    text = yaml.safe_dump(to_plain(config), sort_keys=False, allow_unicode=True)
    return atomic_write_text(Path(out_dir) / name, text)


def config_help(cls: type) -> list[tuple[str, str, str]]:
    """(key, default, help) for every field, nested dataclasses flattened with dots."""
    rows = []
    hints = _resolve_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints.get(f.name, f.type)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            rows += [(f"{f.name}.{k}", d, h) for k, d, h in config_help(tp)]
            continue
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else "")
        rows.append((f.name, repr(default), f.metadata.get("help", "")))
    return rows
