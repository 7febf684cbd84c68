"""HumanEval+ / MBPP+ data as evalplus 0.3.1 reads it, and the code that judges with its semantics.

* rows: the evalplus release files (``codetune.benchmark_data``), MBPP+ inputs deserialised with
  evalplus' own per-task table (tuples, sets, complex numbers that JSON cannot carry);
* a tagged JSON form for values (tuples, sets, complex, dicts with any keys): inputs and expected
  outputs travel in jobs as JSON, and are rebuilt with their exact types on each side;
* ``DRIVER``: runs the canonical solution on every input in the sandbox, timing each call (the
  expected outputs and the reference times of evalplus' ``get_groundtruth``);
* ``SHIM``: appended to a candidate program: exec'd in a fresh namespace as evalplus does (no
  ``__main__``, output swallowed), called with the tagged inputs;
* ``CHECKER``: evalplus' comparison (``unsafe_execute``): ``==``, its special oracles, the
  set-compared and not-None MBPP+ tasks, ``atol`` (1e-6 forced for float outputs, kept for the
  following inputs as evalplus does) with ``np.allclose(rtol=1e-7)`` semantics in plain Python.
  It runs in the judge, never in the candidate's process.

Ported from evalplus (Apache-2.0): ``evalplus/data/mbpp.py``, ``evalplus/eval/__init__.py``,
``evalplus/eval/_special_oracle.py``.
"""

from __future__ import annotations

from typing import Any

from codetune.artifacts import read_jsonl
from codetune.benchmark_data import benchmark_file

CODEC_VERSION = 2  # in the ground-truth cache key: digests of big outputs changed with 2
FILES = {"humaneval+": "evalplus/HumanEvalPlus-v0.1.10.jsonl.gz",
         "mbpp+": "evalplus/MbppPlus-v0.2.0.jsonl.gz"}
DATASET = {"humaneval+": "humaneval", "mbpp+": "mbpp"}  # evalplus' own names
MBPP_OUTPUT_NOT_NONE_TASKS = ["check_str", "text_match_three", "text_starta_endb"]
MBPP_OUTPUT_SET_EQ_TASKS = ["similar_elements", "find_char_long", "common_in_nested_lists",
                            "extract_singly", "larg_nnum", "intersection_array",
                            "find_dissimilar", "Diff"]

_TUPLES_1 = {2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616,
             630, 726, 740, 744, 809}
_TUPLES_2 = {63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780}


def _deep_tuple(v):
    return tuple(_deep_tuple(x) for x in v) if isinstance(v, list) else v


def mbpp_deserialize_inputs(task_id: str, inputs: list) -> list:
    """evalplus 0.3.1's ``mbpp_deserialize_inputs``: the types the JSON release cannot hold."""
    n = int(task_id.split("/")[-1])
    if n in _TUPLES_1:
        return [[tuple(x) for x in inp] for inp in inputs]
    if n in _TUPLES_2:
        return [[[tuple(x) for x in xs] for xs in inp] for inp in inputs]
    if n in (75, 413, 444, 753):
        return [[[tuple(x) for x in inp[0]]] + [inp[1]] for inp in inputs]
    if n in (106, 750):
        return [[inp[0]] + [tuple(inp[1])] for inp in inputs]
    if n == 115:
        return [[[set(i) if isinstance(i, list) and len(i) else {} for i in inp[0]]]
                for inp in inputs]
    if n == 124:
        return [(float(inp[0]), complex(inp[1])) for inp in inputs]
    if n in (250, 405, 446, 617, 720, 763, 808):
        return [[tuple(inp[0])] + [inp[1]] for inp in inputs]
    if n in (259, 401, 445):
        return [[tuple(tuple(x) for x in xs) for xs in inp] for inp in inputs]
    if n == 278:  # one argument: a tuple whose list items become tuples
        return [[tuple(tuple(i) if isinstance(i, list) else i for i in inp[0])]
                for inp in inputs]
    if n == 307:
        return [[tuple(inp[0])] + [inp[1], inp[2]] for inp in inputs]
    if n == 722:
        return [[{k: tuple(v) for k, v in inp[0].items()}] + inp[1:] for inp in inputs]
    if n == 252:
        return [[complex(inp[0])] for inp in inputs]
    if n in (580, 615, 791):
        return [_deep_tuple(inp) for inp in inputs]
    return inputs


def load_rows(benchmark: str, path: str | None = None) -> list[dict[str, Any]]:
    """The release rows of ``humaneval+`` or ``mbpp+`` (inputs with evalplus' types)."""
    rows = list(read_jsonl(path or benchmark_file(FILES[benchmark])))
    if benchmark == "mbpp+":
        for row in rows:
            row["base_input"] = mbpp_deserialize_inputs(row["task_id"], row["base_input"])
            row["plus_input"] = mbpp_deserialize_inputs(row["task_id"], row["plus_input"])
    return rows


# The tagged form, shared verbatim by the host and the sandbox-side programs below.
CODEC = r'''
def _enc(v):
    t = type(v)
    if v is None or t in (bool, int, str):
        return v
    if t is float:
        return v if v == v and v not in (float("inf"), float("-inf")) else {"f": repr(v)}
    if t is list:
        return [_enc(x) for x in v]
    if t is tuple:
        return {"t": [_enc(x) for x in v]}
    if t is set or t is frozenset:
        return {"s" if t is set else "fs": [_enc(x) for x in v]}
    if t is dict:
        return {"d": [[_enc(k), _enc(x)] for k, x in v.items()]}
    if t is complex:
        return {"c": [_enc(v.real), _enc(v.imag)]}
    for base in (bool, int, float, str, dict, list, tuple, set, frozenset, complex):
        if isinstance(v, base):  # Counter, OrderedDict, namedtuple, IntEnum ...: their
            return _enc(base(v) if base is not dict else dict(v.items()))  # base's contents
    raise TypeError(f"cannot carry a {t.__name__} value")


def _dec(v):
    if type(v) is list:
        return [_dec(x) for x in v]
    if type(v) is not dict:
        return v
    (tag, x), = v.items()
    if tag == "t":
        return tuple(_dec(i) for i in x)
    if tag == "s":
        return set(_dec(i) for i in x)
    if tag == "fs":
        return frozenset(_dec(i) for i in x)
    if tag == "d":
        return {_dec(k): _dec(i) for k, i in x}
    if tag == "c":
        return complex(_dec(x[0]), _dec(x[1]))
    if tag == "f":
        return float(x)
    if tag == "h":
        return v  # a digest stands for an output too big to carry (compared by digest)
    raise ValueError(f"unknown tag {tag!r}")


BIG = 1 << 20  # characters of canonical text above which an output travels as its digest


def _bigkey(v):
    """The digest standing for ``v`` when it is too big to carry, else None. Streamed: the
    canonical text (types kept, sets and dicts in sorted order) is hashed as it is made, so a
    big output costs no second copy of itself (MBPP+ 255: 1.7 M tuples)."""
    import hashlib
    if type(v) is int:  # str() of a huge int is quadratic: hash its bytes
        if v.bit_length() <= 100_000:
            return None
        raw = v.to_bytes((v.bit_length() + 8) // 8, "big", signed=True)
        return "int:" + hashlib.sha256(raw).hexdigest()
    digest, parts, size = hashlib.sha256(), [], 0

    def put(text):
        nonlocal size
        parts.append(text)
        size += len(text)
        if len(parts) >= 4096:
            digest.update("".join(parts).encode("utf-8", "surrogatepass"))
            parts.clear()

    _canon(v, put)
    if size <= BIG:
        return None
    digest.update("".join(parts).encode("utf-8", "surrogatepass"))
    return "canon:" + digest.hexdigest()


_FLAT = frozenset((str, int, float, bool, complex, type(None)))


def _canon(v, put):
    import json
    t = type(v)
    if v is None or t in (bool, int, float, complex):
        put(t.__name__[0] + repr(v) + ";")
    elif t is str:
        put(json.dumps(v) + ";")
    elif (t is list or t is tuple) and all(type(x) in _FLAT for x in v):
        put("R" + repr(v) + ";")  # exact scalars only: repr keeps every type apart, in C
    elif t is list or t is tuple:
        put("[" if t is list else "(")
        for x in v:
            _canon(x, put)
        put("]" if t is list else ")")
    elif t in (set, frozenset, dict):
        items = []
        for x in (v.items() if t is dict else v):
            chunk = []
            _canon(x, chunk.append)
            items.append("".join(chunk))
        put({set: "{", frozenset: "F{", dict: "<"}[t] + "".join(sorted(items)) + "}")
    else:
        for base in (bool, int, float, str, dict, list, tuple, set, frozenset, complex):
            if isinstance(v, base):  # a subclass: its base's contents, as _enc carries it
                return _canon(base(v) if base is not dict else dict(v.items()), put)
        raise TypeError(f"cannot carry a {t.__name__} value")
'''

_codec: dict[str, Any] = {}
exec(compile(CODEC, "<evalplus codec>", "exec"), _codec)
encode, decode = _codec["_enc"], _codec["_dec"]

# Run in the sandbox on the canonical solution: evalplus' trusted_exec (deepcopy, time.time()).
DRIVER = CODEC + r'''
import copy, json, sys, time, zlib
sys.set_int_max_str_digits(0)


def _big(value):
    key = _bigkey(value)
    return _enc(value) if key is None else {"h": key}
spec = json.load(open("inputs.json"))
ns = {}
exec(spec["code"], ns)
fn = ns[spec["entry_point"]]
out = {}
for part in ("base", "plus"):
    values, times = [], []
    for inp in _dec(spec[part]):
        inp = copy.deepcopy(inp)
        start = time.time()
        ret = fn(*inp)
        times.append(time.time() - start)
        values.append(_big(ret is not None if spec["not_none"] else ret))
    out[part], out[part + "_time"] = values, times
open("gt.json.z", "wb").write(zlib.compress(json.dumps(out).encode(), 6))
'''

# Appended to the candidate's program (its own source is exec'd apart, as evalplus does).
SHIM = CODEC + r'''
import io as _io, sys as _sys
_sys.set_int_max_str_digits(0)
_sys.stdout = _sys.stderr = _io.StringIO()
_evalplus_ns = {}
exec(_EVALPLUS_SOURCE, _evalplus_ns)
_evalplus_fn = _evalplus_ns[_EVALPLUS_ENTRY]


def evalplus_call_(packed):
    _sys.stdout.seek(0)
    _sys.stdout.truncate()
    return _evalplus_fn(*_dec(packed))
'''

# The judge's comparison: evalplus' unsafe_execute, per input.
CHECKER = CODEC + r'''
import math

STATE = {"atol": ATOL}


def _poly(xs, x):
    return sum([coeff * math.pow(x, i) for i, coeff in enumerate(xs)])


def _surface_Area(base_edge, height):
    slant_height = math.sqrt((base_edge / 2) ** 2 + height**2)
    return round(base_edge**2 + 4 * (base_edge * slant_height) / 2)


def _digit_distance_nums(num1, num2):
    a, b = str(num1), str(num2)
    m = max(len(a), len(b))
    return sum(abs(int(x) - int(y)) for x, y in zip(a.zfill(m), b.zfill(m)))


def _is_floats(x):
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)) and x:
        return all(isinstance(i, float) for i in x)
    return False


def _num(x):
    return isinstance(x, (bool, int, float, complex))


def _close(a, b, atol):
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        if not (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))) or len(a) != len(b):
            raise ValueError("shapes differ")
        return all(_close(x, y, atol) for x, y in zip(a, b))
    if not (_num(a) and _num(b)):
        raise TypeError("not numbers")
    if isinstance(a, complex) or isinstance(b, complex):
        a, b = complex(a), complex(b)
    else:
        a, b = float(a), float(b)
        if math.isinf(a) or math.isinf(b):
            return a == b
    return abs(a - b) <= atol + 1e-07 * abs(b)


def _match(inp, out, exp):
    exact = out == exp
    if DATASET == "mbpp":
        if ENTRY == "are_equivalent":
            exact = True
        elif ENTRY == "sum_div":
            exact = exact or out == 0
        elif ENTRY == "surface_Area":
            exact = exact or abs(out - _surface_Area(*inp)) <= STATE["atol"]
        elif ENTRY == "digit_distance_nums":
            exact = exact or out == _digit_distance_nums(*inp)
        elif ENTRY in SET_EQ:
            exact = set(out) == set(exp)
        elif ENTRY in NOT_NONE:
            exact = out == exp if isinstance(out, bool) else exp == (out is not None)
    if DATASET == "humaneval" and ENTRY == "find_zero":
        return abs(_poly(*inp, out)) <= STATE["atol"]
    if STATE["atol"] == 0 and _is_floats(exp):
        STATE["atol"] = 1e-6
    if not exact and STATE["atol"] != 0:
        if type(out) is not type(exp):
            return False
        if isinstance(exp, (list, tuple)) and len(out) != len(exp):
            return False
        return _close(out, exp, STATE["atol"])
    return bool(exact)


def check(input, expected, actual):
    try:
        if type(expected) is dict and "h" in expected:  # too big to carry: exact, by digest
            return _bigkey(actual) == expected["h"]
        return _match(_dec(input[0]), actual, _dec(expected))
    except BaseException as exc:
        return False, f"{type(exc).__name__}: {exc}"[:200]
'''


def checker_code(dataset: str, entry_point: str, atol: float) -> str:
    """The special judge for one task (constants bound in front of ``CHECKER``)."""
    head = (f"DATASET = {dataset!r}\nENTRY = {entry_point!r}\nATOL = {float(atol)!r}\n"
            f"SET_EQ = {MBPP_OUTPUT_SET_EQ_TASKS!r}\nNOT_NONE = {MBPP_OUTPUT_NOT_NONE_TASKS!r}\n")
    return head + CHECKER


def candidate_program(solution: str, entry_point: str) -> str:
    """What runs in the candidate's process: the solution exec'd apart + the call shim."""
    return (f"_EVALPLUS_SOURCE = {solution!r}\n_EVALPLUS_ENTRY = {entry_point!r}\n" + SHIM)
