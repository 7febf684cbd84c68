"""The plain-data codec on its own (fast; the Docker tests cover the same code in the image)."""

from __future__ import annotations

import importlib.util
import math
from fractions import Fraction

import pytest

from codetune.sandbox.backends import RUNNER_DIR

_spec = importlib.util.spec_from_file_location("codetune_runner_codec", RUNNER_DIR / "codec.py")
codec = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(codec)


class FakeProxy:
    def __init__(self, handle, type_name, text):
        self._handle, self.type_name = handle, type_name


def _codec(types_only: bool = True) -> codec.Codec:
    exported: list = []

    def export(obj):
        exported.append(obj)
        return len(exported)

    return codec.Codec(export, FakeProxy, lambda h: exported[h - 1],
                       lambda v: isinstance(v, FakeProxy), types_only)


def _round_trip(value, types_only: bool = True):
    c = _codec(types_only)
    return c.decode(c.encode(value))


@pytest.mark.parametrize("value", [
    None, True, 0, -(10 ** 60), 1.5, -0.0, "é\ud800", b"\x00\xff", bytearray(b"ab"), 1 + 2j,
    (1, (2, [3])), {1: "a", (1, 2): {3}}, frozenset({1, 2}), range(1, 9, 2), Fraction(1, 3),
    {"k": [None, float("inf")]},
])
def test_plain_values_round_trip_with_exact_types(value):
    back = _round_trip(value)
    assert back == value and type(back) is type(value)


def test_nan_round_trips():
    assert math.isnan(_round_trip(float("nan")))


def test_lying_subclasses_are_flattened_to_exact_builtins():
    class Liar(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    class LyingList(list):
        def __eq__(self, other):
            return True

    back = _round_trip([Liar(5), LyingList([1])])
    assert back == [5, [1]] and type(back[0]) is int and type(back[1]) is list
    assert back[0] != 2


def test_other_objects_become_handles():
    class Thing:
        pass

    back = _round_trip(Thing())
    assert isinstance(back, FakeProxy) and back.type_name == "Thing"


def test_judge_takes_only_safe_stdlib_types_by_name():
    import collections
    import os

    assert _round_trip(int) is int and _round_trip(collections.Counter) is collections.Counter
    assert isinstance(_round_trip(os.system), FakeProxy)  # a function: stays in the candidate
    assert _round_trip(os.system, types_only=False) is os.system


def test_generators_are_materialized_as_iterators():
    back = _round_trip(x * 2 for x in range(3))
    assert list(back) == [0, 2, 4]


@pytest.mark.parametrize("bad", [["?", 1], [], ["t", 5], ["d", [[1]]], ["r", "a", 1, 1]])
def test_malformed_values_are_protocol_errors(bad):
    with pytest.raises(codec.ProtocolError):
        _codec().decode(bad)


def test_the_judge_refuses_its_own_objects_as_values():
    c = _codec(True)
    handle = c.export(print)
    with pytest.raises(codec.ProtocolError):
        c.decode(["R", handle])
    with pytest.raises(codec.ProtocolError):
        c.decode(["l", [1, ["R", handle]]])
    candidate_side = _codec(False)
    assert candidate_side.decode(["R", candidate_side.export(print)]) is print


@pytest.mark.parametrize("module, qualname", [
    ("builtins", "type"), ("builtins", "exec"), ("typing", "operator.attrgetter"),
    ("collections", "Counter.__init__"), ("os", "system"), ("builtins", "int.__subclasses__"),
    (["builtins"], "int"),
])
def test_the_judge_takes_no_global_outside_its_table_and_walks_no_attribute(module, qualname):
    back = _codec(True).decode(["g", module, qualname, 3, "x", "y"])
    assert isinstance(back, FakeProxy) and back._handle == 3


def test_protocol_errors_are_not_swallowed_by_except_exception():
    assert not issubclass(codec.ProtocolError, Exception)


def test_huge_ints_travel_as_hex_both_ways():
    value = 7 ** 400_000  # ~1.1 million bits: decimal text would take many seconds
    encoded = _codec(True).encode(value)
    assert encoded[0] == "x"
    assert _round_trip(value) == value and _round_trip(-value) == -value
    assert type(_round_trip(value)) is int and _round_trip(2 ** 64) == 2 ** 64
