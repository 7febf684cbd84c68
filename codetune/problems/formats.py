"""Row parsers for the problem formats people have: one function per format, row -> Problem.

* ``codecontests``: ``deepmind/code_contests`` (``description``, ``public_tests`` /
  ``private_tests`` / ``generated_tests`` as ``{input: [...], output: [...]}``, ``time_limit``,
  ``solutions``), and SandboxFusion's packing of it (``content``, ``test`` = JSON list of
  ``{"input": {"stdin"}, "output": {"stdout"}}``);
* ``apps`` (APPS and TACO): ``question``, ``input_output`` JSON (``inputs``, ``outputs``,
  ``fn_name`` for call-based problems), ``solutions`` JSON, ``starter_code``;
* ``livecodebench``: ``question_content``, ``public_test_cases`` / ``private_test_cases``
  (JSON, or LiveCodeBench's base64 + zlib + pickle packing), ``metadata`` (``func_name``),
  ``starter_code``; and SandboxFusion's packing (``content``, ``test`` packed ``input_output``);
* ``jsonl``: codetune's own (``prompt``, ``cases: [{input, output}]``, optional ``checker``,
  ``checker_code``, ``entry_point``, ``atol``, ``rtol``, ``time_limit_s``, ``reference``).

A bad row raises ``RowError(field, message)``; the loader adds the file and line.
"""

from __future__ import annotations

import base64
import io
import json
import pickle
import zlib
from typing import Any

from codetune.problems.model import Problem

PYTHON3 = 3  # deepmind/code_contests' Language enum

# APPS/TACO call-based outputs are often wrapped in a one-element list; their harness accepts
# the bare value too (apps/eval/testing_util.py). Tuples compare as lists.
APPS_CALL_CHECKER = '''def _plain(v):
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def check(input, expected, actual):
    got, want = _plain(actual), _plain(expected)
    return got == want or (isinstance(want, list) and len(want) == 1 and got == want[0])
'''

# LiveCodeBench's stdin comparison: stripped lines equal, else their numbers equal as Decimals.
LCB_STDIO_CHECKER = '''from decimal import Decimal, InvalidOperation


def check(input, expected, actual):
    want = [line.strip() for line in expected.strip().split("\\n")]
    got = [line.strip() for line in actual.strip().split("\\n")]
    if len(want) != len(got):
        return False, "wrong number of lines"
    for w, g in zip(want, got):
        if w == g:
            continue
        try:
            if [Decimal(x) for x in w.split()] != [Decimal(x) for x in g.split()]:
                return False
        except InvalidOperation:
            return False
    return True
'''


class RowError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _json(row: dict, key: str, default: Any = None) -> Any:
    value = row.get(key, default)
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else default
        except json.JSONDecodeError as exc:
            raise RowError(key, f"not valid JSON ({exc.msg})") from None
    return value


class _PlainUnpickler(pickle.Unpickler):
    """Only plain data: a packed test file must never import anything."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def unpack_lcb(value: Any, field: str) -> Any:
    """LiveCodeBench's packing (base64 of zlib of a pickle of JSON), plain JSON, or data."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text[:1] in "[{":
        return _json({field: text}, field)
    try:
        data = _PlainUnpickler(io.BytesIO(zlib.decompress(base64.b64decode(text)))).load()
    except Exception as exc:  # binascii, zlib and pickle errors alike: the field is corrupt
        raise RowError(field, f"not JSON nor base64+zlib+pickle ({type(exc).__name__})") from None
    return _json({field: data}, field) if isinstance(data, str) else data


def _time_limit(value: Any) -> float | None:
    if isinstance(value, dict) and (value.get("seconds") or value.get("nanos")):
        return float(value.get("seconds") or 0) + float(value.get("nanos") or 0) / 1e9
    return float(value) if isinstance(value, int | float) and value > 0 else None


def codecontests(row: dict, index: int) -> Problem:
    pid = str(row.get("name") or row.get("id") or index)
    if "content" in row and "test" in row:  # SandboxFusion's packing
        tests = _json(row, "test", [])
        cases = []
        for i, t in enumerate(tests):
            if not isinstance(t, dict) or "stdout" not in (t.get("output") or {}):
                raise RowError(f"test[{i}].output.stdout", "missing")
            cases.append({"input": (t.get("input") or {}).get("stdin", ""),
                          "output": t["output"]["stdout"]})
        labels = _json(row, "labels", {}) or {}
        return Problem(id=str(labels.get("name") or pid), prompt=row["content"], cases=cases,
                       reference=row.get("canonical_solution") or "")
    if "description" not in row:
        raise RowError("description", "missing (a deepmind/code_contests row has one)")
    cases = []
    for part in ("public_tests", "private_tests", "generated_tests"):
        tests = _json(row, part, {}) or {}
        inputs, outputs = tests.get("input") or [], tests.get("output") or []
        if len(inputs) != len(outputs):
            raise RowError(f"{part}.output", f"{len(inputs)} inputs but {len(outputs)} outputs")
        cases += [{"input": i, "output": o} for i, o in zip(inputs, outputs, strict=True)]
    solutions = _json(row, "solutions", {}) or {}
    python = [s for lang, s in zip(solutions.get("language") or [],
                                   solutions.get("solution") or [], strict=False)
              if lang == PYTHON3]
    return Problem(id=pid, prompt=row["description"], cases=cases,
                   time_limit_s=_time_limit(row.get("time_limit")),
                   reference=python[0] if python else "")


def apps(row: dict, index: int) -> Problem:
    if "question" not in row:
        raise RowError("question", "missing (an APPS/TACO row has one)")
    io_spec = _json(row, "input_output", {}) or {}
    inputs, outputs = io_spec.get("inputs") or [], io_spec.get("outputs")
    if outputs is None or len(outputs) != len(inputs):
        raise RowError("input_output.outputs", f"{len(inputs)} inputs but "
                       f"{'no' if outputs is None else len(outputs)} outputs")
    solutions = _json(row, "solutions", []) or []
    fn_name = io_spec.get("fn_name")
    starter = row.get("starter_code") or ""
    pid = str(row.get("problem_id", row.get("id", index)))
    if fn_name:
        for i, args in enumerate(inputs):
            if not isinstance(args, list):
                raise RowError(f"input_output.inputs[{i}]", "call-based inputs are arg lists")
        cases = [{"input": a, "output": o} for a, o in zip(inputs, outputs, strict=True)]
        return Problem(id=pid, prompt=row["question"] + (f"\n\n{starter}" if starter else ""),
                       cases=cases, entry_point=fn_name, checker="special",
                       checker_code=APPS_CALL_CHECKER, reference=solutions[0] if solutions else "")
    cases = [{"input": _text(i), "output": _text(o)} for i, o in zip(inputs, outputs, strict=True)]
    return Problem(id=pid, prompt=row["question"], cases=cases,
                   reference=solutions[0] if solutions else "")


def _text(value: Any) -> str:
    return "\n".join(map(str, value)) + "\n" if isinstance(value, list) else str(value)


def livecodebench(row: dict, index: int) -> Problem:
    if "content" in row and "test" in row:  # SandboxFusion's packing
        packed = unpack_lcb(row["test"], "test")
        spec = _json(packed, "input_output", {}) if isinstance(packed, dict) else {}
        labels = _json(row, "labels", {}) or {}
        tests = [{"input": i, "output": o, "testtype": "functional" if spec.get("fn_name")
                  else "stdin"} for i, o in zip(spec.get("inputs") or [],
                                                spec.get("outputs") or [], strict=False)]
        if len(spec.get("outputs") or []) != len(spec.get("inputs") or []):
            raise RowError("test.input_output.outputs", "not one output per input")
        return _lcb_problem(str(labels.get("task_id") or row.get("id") or index),
                            row["content"], tests, spec.get("fn_name"))
    if "question_content" not in row:
        raise RowError("question_content", "missing (a LiveCodeBench row has one)")
    tests = []
    for part in ("public_test_cases", "private_test_cases"):
        value = unpack_lcb(row.get(part) or "[]", part)
        for i, t in enumerate(value or []):
            if not isinstance(t, dict) or "output" not in t:
                raise RowError(f"{part}[{i}].output", "missing")
            tests.append(t)
    meta = _json(row, "metadata", {}) or {}
    return _lcb_problem(str(row.get("question_id") or index), row["question_content"], tests,
                        meta.get("func_name"))


def _lcb_problem(pid: str, prompt: str, tests: list[dict], fn_name: str | None) -> Problem:
    if fn_name and any(t.get("testtype") == "functional" for t in tests):
        cases = []
        for i, t in enumerate(tests):
            try:  # one JSON value per line: the arguments; the output is JSON too
                args = [json.loads(line) for line in str(t["input"]).split("\n") if line.strip()]
                cases.append({"input": args, "output": json.loads(t["output"])})
            except json.JSONDecodeError as exc:
                raise RowError(f"tests[{i}]", f"functional case is not JSON ({exc.msg})") \
                    from None
        return Problem(id=pid, prompt=prompt, cases=cases, entry_point=fn_name,
                       checker="special", checker_code=APPS_CALL_CHECKER)
    cases = [{"input": t["input"], "output": t["output"]} for t in tests]
    return Problem(id=pid, prompt=prompt, cases=cases, checker="special",
                   checker_code=LCB_STDIO_CHECKER)


JSONL_FIELDS = ("prompt", "cases", "checker", "checker_code", "entry_point", "atol", "rtol",
                "time_limit_s", "reference", "tests", "setup", "code_prefix", "language")


def plain(row: dict, index: int) -> Problem:
    if "prompt" not in row:
        raise RowError("prompt", "missing")
    if not row.get("cases") and not row.get("tests"):
        raise RowError("cases", "missing (give cases: [{input, output}], or tests)")
    cases = row.get("cases") or []
    if not isinstance(cases, list):
        raise RowError("cases", "must be a list of {input, output}")
    for i, case in enumerate(cases):
        if not isinstance(case, dict) or "input" not in case:
            raise RowError(f"cases[{i}].input", "missing")
        if "output" not in case and row.get("checker") != "special":
            raise RowError(f"cases[{i}].output", "missing")
    values = {k: row[k] for k in JSONL_FIELDS if row.get(k) is not None}
    return Problem(id=str(row.get("id", row.get("task_id", index))), **values)


PARSERS = {"codecontests": codecontests, "apps": apps, "taco": apps,
           "livecodebench": livecodebench, "jsonl": plain}


def detect(row: dict) -> str | None:
    """The format of ``row`` from its keys, or None."""
    if "question_content" in row or ("content" in row and isinstance(row.get("test"), str)
                                      and not row["test"].lstrip().startswith("[")):
        return "livecodebench"
    if "description" in row and ("public_tests" in row or "private_tests" in row):
        return "codecontests"
    if "content" in row and "test" in row:
        return "codecontests"
    if "question" in row and "input_output" in row:
        return "apps"
    if "prompt" in row and ("cases" in row or "tests" in row):
        return "jsonl"
    return None
