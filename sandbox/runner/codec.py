"""Plain-data codec between the candidate and the judge (stdlib only, runs in the image).

Values cross as tagged JSON. Decoding only ever builds exact builtin types, so an object the
candidate made can never reach the judge: subclasses are flattened to their base type's real
contents, and anything else travels as an opaque handle ("L") that the receiver wraps in a proxy.

The judge decodes *strictly*: a value naming one of the judge's own objects ("R") is a protocol
error (what the candidate returns is data, never a judge-side object), and a global by name
("g") is taken only from a fixed table of exact value types (no attribute walk).
"""

from __future__ import annotations

import builtins
import collections
import datetime
import decimal
import fractions
import importlib
import json
import os
import struct
import sys
import types

MAX_MESSAGE = 64 * 1024 * 1024  # bytes in one framed message
MAX_ITEMS = 1_000_000  # items taken from an iterator the candidate returned
BIG_INT_BITS = 1 << 14  # larger ints travel as hex (tagged "x")
_HEADER = struct.Struct(">I")
_ITERATORS = (types.GeneratorType, map, filter, zip, enumerate, reversed,
              type(iter([])), type(iter(())), type(iter(range(0))), type(iter("")),
              type(iter(set())), type(iter({}.items())), type(iter({}.keys())),
              type(iter({}.values())))
# The only globals the judge takes by name from the candidate: exact value types, looked up in
# this table (never by walking attributes), so no name can reach a judge-side function.
SAFE_GLOBALS = {
    ("builtins", t.__name__): t
    for t in (bool, int, float, complex, str, bytes, bytearray, list, tuple, dict, set,
              frozenset, range, slice, object)
} | {
    (t.__module__, t.__qualname__): t
    for t in (fractions.Fraction, decimal.Decimal, collections.Counter, collections.OrderedDict,
              collections.defaultdict, collections.deque, datetime.date, datetime.time,
              datetime.datetime, datetime.timedelta)
}
_VIEWS = {type({}.keys()): "dk", type({}.values()): "dv", type({}.items()): "di"}


class ProtocolError(BaseException):
    """The peer sent something that is not a well-formed message. A BaseException, so that no
    ``except Exception`` in test code (or a guarded HumanEval assert) can swallow it: it ends
    the job."""


class Codec:
    """Encode/decode values for one side; ``export`` turns a local object into a handle id,
    ``proxy(id, type_name, text)`` wraps a peer's handle, ``local(id)`` resolves our own."""

    def __init__(self, export, proxy, local, is_proxy, strict: bool = False):
        self.export, self.proxy, self.local, self.is_proxy = export, proxy, local, is_proxy
        self.strict = strict  # the judge: no own objects back, globals only from SAFE_GLOBALS

    def encode(self, v, depth: int = 0):
        t = type(v)
        if t is int and v.bit_length() > BIG_INT_BITS:
            return ["x", hex(v)]  # linear; decimal text of a huge int is quadratic (30 s+)
        if v is None or t is bool or t is int or t is float or t is str:
            return v
        if depth > 200:
            raise ValueError("value nested deeper than 200 levels")
        d = depth + 1
        if t is list:
            return ["l", [self.encode(x, d) for x in v]]
        if t is tuple:
            return ["t", [self.encode(x, d) for x in v]]
        if t is dict:
            return ["d", [[self.encode(k, d), self.encode(x, d)] for k, x in v.items()]]
        if t is set or t is frozenset:
            return ["s" if t is set else "fs", [self.encode(x, d) for x in v]]
        if self.is_proxy(v):
            return ["R", v._handle]
        return self._encode_other(v, t, d)

    def _encode_other(self, v, t, d):
        # Honest subclasses (Counter, namedtuple, IntEnum, ...) become their base type's contents.
        if isinstance(v, bool):
            return bool(v)
        if isinstance(v, int):
            return self.encode(int.__int__(v), d)
        if isinstance(v, float):
            return float.__float__(v)
        if isinstance(v, str):
            return str.__str__(v)
        if isinstance(v, dict):
            return ["d", [[self.encode(k, d), self.encode(x, d)] for k, x in dict.items(v)]]
        if isinstance(v, (list, tuple, set, frozenset)):
            base = next(b for b in (list, tuple, set, frozenset) if isinstance(v, b))
            tag = {list: "l", tuple: "t", set: "s", frozenset: "fs"}[base]
            return [tag, [self.encode(x, d) for x in base.__iter__(v)]]
        if isinstance(v, (bytes, bytearray)):
            return ["ba" if isinstance(v, bytearray) else "b", bytes(v).hex()]
        if isinstance(v, complex):
            return ["c", complex.__complex__(v).real, complex.__complex__(v).imag]
        if t is range:
            return ["r", v.start, v.stop, v.step]
        if t is fractions.Fraction:
            return ["fr", v.numerator, v.denominator]
        if t is decimal.Decimal:
            return ["dec", str(v)]
        if v is Ellipsis:
            return ["e"]
        if t in _VIEWS:
            return [_VIEWS[t], [self.encode(x, d) for x in _take(v)]]
        if isinstance(v, _ITERATORS):
            return ["it", [self.encode(x, d) for x in _take(v)]]
        handle = self.export(v)
        ref = _global_ref(v)
        if ref is not None:  # int, str, math.floor, collections.Counter ... by name
            return ["g", ref[0], ref[1], handle, _type_name(v), _short_repr(v)]
        return ["L", handle, _type_name(v), _short_repr(v)]

    def decode(self, x):
        if type(x) is not list:
            return x
        if len(x) == 0 or type(x[0]) is not str:
            raise ProtocolError("untagged list")
        tag, rest = x[0], x[1:]
        try:
            return _DECODERS[tag](self, *rest)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ProtocolError(f"bad value tagged {tag!r}: {exc}") from None


def _global(c, module, qualname, handle, type_name, text):
    if c.strict:
        obj = SAFE_GLOBALS.get((module, qualname)) if type(module) is type(qualname) is str \
            else None
    else:
        obj = _resolve(str(module), str(qualname))
    if obj is None:
        return c.proxy(int(handle), str(type_name), str(text))
    return obj


def _local(c, handle):
    if c.strict:
        raise ValueError("a judge-side object cannot come back as a value")
    return c.local(int(handle))


def _global_ref(v) -> tuple[str, str] | None:
    """(module, qualname) when ``v`` is a standard-library type or function reachable by name."""
    if not isinstance(v, (type, types.BuiltinFunctionType, types.FunctionType)):
        return None
    try:
        module, qualname = v.__module__, v.__qualname__
    except Exception:
        return None
    if not isinstance(module, str) or not isinstance(qualname, str):
        return None
    if _resolve(module, qualname) is not v:
        return None
    return module, qualname


def _resolve(module: str, qualname: str):
    if module != "builtins" and module.split(".")[0] not in sys.stdlib_module_names:
        return None
    try:
        obj = builtins if module == "builtins" else importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except Exception:
        return None
    return obj


def _seq(c, items):
    if type(items) is not list:
        raise ValueError("payload is not a list")
    return [c.decode(i) for i in items]


def _dict(c, items):
    out = {}
    for pair in items:
        k, v = pair
        out[c.decode(k)] = c.decode(v)
    return out


def _peer_handle(c, handle, type_name="object", text=""):
    return c.proxy(int(handle), str(type_name), str(text))


_DECODERS = {
    "l": lambda c, i: _seq(c, i),
    "t": lambda c, i: tuple(_seq(c, i)),
    "s": lambda c, i: set(_seq(c, i)),
    "fs": lambda c, i: frozenset(_seq(c, i)),
    "d": _dict,
    "x": lambda c, h: int(str(h), 16),
    "b": lambda c, h: bytes.fromhex(h),
    "ba": lambda c, h: bytearray.fromhex(h),
    "c": lambda c, re, im: complex(float(re), float(im)),
    "r": lambda c, a, b, s: range(int(a), int(b), int(s)),
    "fr": lambda c, n, d: fractions.Fraction(int(n), int(d)),
    "dec": lambda c, s: decimal.Decimal(str(s)),
    "e": lambda c: Ellipsis,
    "it": lambda c, i: iter(_seq(c, i)),
    "dk": lambda c, i: dict.fromkeys(_seq(c, i)).keys(),
    "dv": lambda c, i: dict(enumerate(_seq(c, i))).values(),
    "di": lambda c, i: dict(tuple(p) for p in _seq(c, i)).items(),
    "L": _peer_handle,
    "g": _global,
    "R": _local,
}


def _take(iterable):
    out = []
    for item in iterable:
        out.append(item)
        if len(out) > MAX_ITEMS:
            raise ValueError(f"iterator yielded more than {MAX_ITEMS} items")
    return out


def _type_name(v) -> str:
    try:
        return str.__str__(type(v).__name__)
    except Exception:
        return "object"


def _short_repr(v) -> str:
    try:
        text = repr(v)
        return str.__str__(text)[:200] if isinstance(text, str) else ""
    except BaseException:
        return ""


def send(fd: int, message) -> None:
    """Write one framed JSON message to ``fd``."""
    data = json.dumps(message, separators=(",", ":")).encode()
    if len(data) > MAX_MESSAGE:
        raise ValueError(f"message of {len(data)} bytes exceeds {MAX_MESSAGE}")
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def recv(fd: int):
    """Read one framed JSON message from ``fd``; ``EOFError`` when the peer is gone."""
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size))
    if size > MAX_MESSAGE:
        raise ProtocolError(f"message of {size} bytes exceeds {MAX_MESSAGE}")
    try:
        return json.loads(_read_exact(fd, size))
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"undecodable message: {exc}") from None


def _read_exact(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("peer closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)

