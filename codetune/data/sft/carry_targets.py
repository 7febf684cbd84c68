"""What ``carry_tests`` works with (checks, signatures, types, the ``Target`` base) and its
JavaScript and C++ halves: find the target function's signature in translated code, write
Python literals as that language's values of the signature's types, and assemble the test
program (MultiPL-E's translators, ``humaneval_to_<lang>.py``, do the same per type).

Each value is written from its *declared* type (``std::vector<long>{1, 2}``, ``6L``,
``[]int64{1, 2}``, ``vec![1i64]``): an int where ``double`` is declared becomes ``2.0``, a value
whose kind does not fit the type makes the tests *not carried* (``type_mismatch``).
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any


class NotCarried(Exception):
    """The tests cannot be carried; ``reason`` is a short report key (``type_mismatch``...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Check:
    """One test: ``name(*args)`` must equal ``expected``; with ``tolerance``, a number within it
    (Python's ``abs(f(x) - 2.5) < 1e-6``; ``inclusive``: ``<=``)."""

    name: str
    args: tuple[Any, ...]
    expected: Any
    tolerance: float | None = None
    inclusive: bool = False

    def within(self, distance: str) -> str:
        """``distance < tolerance`` (or ``<=``) as C-family source."""
        return f"{distance} {'<=' if self.inclusive else '<'} {self.tolerance!r}"


@dataclass(frozen=True)
class Signature:
    """The target function: its name, parameter type texts, result type text, and how to call
    it (``Cls.name`` for Java, ``new Cls().name`` for an instance method)."""

    name: str
    params: tuple[str, ...] | None  # None: untyped (JavaScript), arity not checked
    result: str
    call: str = ""


def name_key(name: str) -> str:
    """``sum_list``, ``sumList`` and ``SumList`` are one name."""
    return name.replace("_", "").lower()


def python_type(value: Any) -> str:
    """``int``/``float``/``str``/``bool``/``list``/``dict``: the kind a literal is."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, tuple):
        return "list"
    return type(value).__name__


_KEYWORDS = {"if", "for", "while", "switch", "return", "catch", "sizeof", "else", "do", "new"}


@dataclass(frozen=True)
class Ty:
    """A parsed type: ``kind`` (int/float/str/bool/list/dict), its spelling, element types."""

    kind: str
    text: str
    args: tuple[Ty, ...] = ()
    ref: bool = False  # Rust: passed by reference (``&[T]``, ``&str``)


def split_top(text: str, sep: str = ",") -> list[str]:
    """``text`` split at ``sep`` outside brackets (``map<K, V>, int`` is two parts)."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "<[({"
        depth -= ch in ">])}"
        if ch == sep and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return [p for p in parts + [cur.strip()] if p]


def _fits(value: Any, ty: Ty) -> None:
    kind = python_type(value)
    if kind != ty.kind and not (kind == "int" and ty.kind == "float"):
        raise NotCarried("type_mismatch")


def _escape(s: str, control: str) -> str:
    """A double-quoted string literal; ``control`` formats other control characters."""
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\n\t\r":
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}[ch])
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(control.format(ord(ch)))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _definitions(code: str, pattern: str) -> list[re.Match]:
    return [m for m in re.finditer(pattern, code) if m.group("name") not in _KEYWORDS]


def _find(code: str, pattern: str, name: str) -> re.Match:
    """The definition of the function the Python tests call (``sum_list`` ~ ``sumList``)."""
    defs = _definitions(code, pattern)
    found = [m for m in defs if name_key(m.group("name")) == name_key(name)]
    if not found:
        raise NotCarried("function_not_found")
    return found[0]


def _untyped_signature(definition: str, code: str, name: str) -> Signature:
    """The function of an untyped target (JavaScript, Bash): found by name, arity unchecked;
    ``definition`` names it in group ``name`` or ``name2``."""
    for m in re.finditer(definition, code):
        found = m.group("name") or m.group("name2")
        if name_key(found) == name_key(name):
            return Signature(found, None, "", call=found)
    raise NotCarried("function_not_found")


def _prefix(code: str, start: int) -> str:
    """Declaration text before a function name: back to the last ``;``, ``{`` or ``}``."""
    head = code[:start]
    cut = max(head.rfind(c) for c in ";{}")
    lines = [ln for ln in head[cut + 1:].splitlines()
             if not ln.strip().startswith(("#", "//", "*", "/*", "@"))]
    return " ".join(" ".join(lines).split())


class Target(ABC):
    """One language: ``signature`` from code, ``value`` from a literal, ``program`` of checks."""

    definition = ""  # regex of a function definition (group ``name``)
    main = ""  # regex of a program entry point: code that has one is not carried

    @abstractmethod
    def signature(self, code: str, name: str) -> Signature: ...

    @abstractmethod
    def program(self, sig: Signature, checks: list[Check]) -> str: ...

    def value(self, value: Any, ty: Ty) -> str:
        raise NotCarried("unsupported_type")  # untyped targets write literals themselves

    def parse_type(self, text: str) -> Ty:
        raise NotCarried("unsupported_type")

    def check_main(self, code: str) -> None:
        if self.main and re.search(self.main, code):
            raise NotCarried("program_has_main")

    def args(self, sig: Signature, check: Check) -> str:
        types = sig.params or ()
        return ", ".join(self.value(v, self.parse_type(t))
                         for v, t in zip(check.args, types, strict=True))


class JavaScript(Target):
    definition = (r"(?:function\s*\*?\s*(?P<name>[A-Za-z_$][\w$]*)\s*\("
                  r"|(?:const|let|var)\s+(?P<name2>[A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?"
                  r"(?:function\b|\([^()]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>))")

    def signature(self, code: str, name: str) -> Signature:
        return _untyped_signature(self.definition, code, name)

    def literal(self, value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return repr(value)
        if isinstance(value, str):
            return json.dumps(value)
        if isinstance(value, list | tuple):
            return "[" + ", ".join(self.literal(v) for v in value) + "]"
        if any(not isinstance(k, str) for k in value):
            raise NotCarried("non_string_keys")  # JS objects stringify their keys
        pairs = (f"{json.dumps(k)}: {self.literal(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"

    header = 'const codetuneAssert = require("node:assert");'

    def program(self, sig: Signature, checks: list[Check]) -> str:
        lines = [self.header]
        for c in checks:
            args = ", ".join(self.literal(a) for a in c.args)
            got, want = f"{sig.call}({args})", self.literal(c.expected)
            if c.tolerance is not None:
                lines.append(f"codetuneAssert.ok({c.within(f'Math.abs({got} - {want})')});")
            else:
                lines.append(f"codetuneAssert.deepStrictEqual({got}, {want});")
        return "\n".join(lines) + "\n"


class TypeScript(JavaScript):
    """JavaScript's checks, type-checked by ``tsc``: ``require`` is declared as MultiPL-E's
    TypeScript tests declare it; arrow functions may annotate their result."""

    definition = (r"(?:function\s*\*?\s*(?P<name>[A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\s*\("
                  r"|(?:const|let|var)\s+(?P<name2>[A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*"
                  r"(?:async\s*)?(?:function\b|\([^()]*\)\s*(?::[^=]+?)?=>|[A-Za-z_$][\w$]*\s*=>))")
    header = 'declare var require: any;\nconst codetuneAssert = require("node:assert");'


_CPP_INTS = {"int", "long", "long long", "short", "unsigned", "unsigned int", "unsigned long",
             "size_t", "int64_t", "int32_t", "uint64_t", "uint32_t", "long int", "long long int"}


class Cpp(Target):
    definition = r"\b(?P<name>\w+)\s*\((?P<params>[^()]*)\)\s*(?:const\s*)?(?:noexcept\s*)?\{"
    main = r"\bint\s+main\s*\("

    def signature(self, code: str, name: str) -> Signature:
        self.check_main(code)
        m = _find(code, self.definition, name)
        ret = re.sub(r"\b(static|inline|constexpr|extern)\b", "", _prefix(code, m.start()))
        if not ret.strip() or "template" in ret:
            raise NotCarried("signature_not_parsed")
        params = [re.sub(r"=.*$", "", p).strip() for p in split_top(m.group("params"))]
        types = []
        for p in params:
            if p == "void":
                continue
            pm = re.match(r"(.*?[\s&*>])(\w+)$", p)
            types.append(pm.group(1).strip() if pm else p)
        return Signature(m.group("name"), tuple(types), ret.strip(), call=m.group("name"))

    def parse_type(self, text: str) -> Ty:
        t = " ".join(re.sub(r"\b(const|volatile)\b|&", " ", text).split())
        if "*" in t:
            raise NotCarried("unsupported_type")
        base = t.replace("std::", "")
        inner = re.fullmatch(r"(?:std::)?(vector|list|deque)\s*<(.*)>", t)
        if inner:
            return Ty("list", t, (self.parse_type(inner.group(2)),))
        inner = re.fullmatch(r"(?:std::)?(map|unordered_map)\s*<(.*)>", t)
        if inner:
            kv = split_top(inner.group(2))
            if len(kv) != 2:
                raise NotCarried("unsupported_type")
            return Ty("dict", t, tuple(self.parse_type(x) for x in kv))
        kinds = {"string": "str", "bool": "bool", "float": "float", "double": "float",
                 "long double": "float", **{i: "int" for i in _CPP_INTS}}
        if base not in kinds:
            raise NotCarried("unsupported_type")
        return Ty(kinds[base], t)

    def value(self, value: Any, ty: Ty) -> str:
        _fits(value, ty)
        if ty.kind == "bool":
            return "true" if value else "false"
        if ty.kind == "int":
            return f"{value}LL" if abs(value) >= 2**31 else str(value)
        if ty.kind == "float":
            return repr(float(value))
        if ty.kind == "str":
            return f"{ty.text}({_escape(value, chr(92) + '{:03o}')})"
        if ty.kind == "list":
            return f"{ty.text}{{{', '.join(self.value(v, ty.args[0]) for v in value)}}}"
        pairs = (f"{{{self.value(k, ty.args[0])}, {self.value(v, ty.args[1])}}}"
                 for k, v in value.items())
        return f"{ty.text}{{{', '.join(pairs)}}}"

    def program(self, sig: Signature, checks: list[Check]) -> str:
        ret = self.parse_type(sig.result)
        lines = ["#include <cassert>", "int main() {"]
        for c in checks:
            got, want = f"{sig.call}({self.args(sig, c)})", self.value(c.expected, ret)
            if c.tolerance is not None:
                distance = f"[](double d) {{ return d < 0 ? -d : d; }}(({got}) - ({want}))"
                lines.append(f"    assert(({c.within(distance)}));")
            else:
                lines.append(f"    assert(({got} == {want}));")
        return "\n".join(lines + ["    return 0;", "}"]) + "\n"


_C_KINDS = {**dict.fromkeys(_CPP_INTS | {"long long int", "unsigned long long", "char"}, "int"),
            "float": "float", "double": "float", "long double": "float", "bool": "bool",
            "_Bool": "bool"}


class C(Cpp):
    """C: scalars and strings (``char *``); arrays need a length convention, so they are not
    carried. Strings compare with ``strcmp``; ``assert.h``/``string.h`` come with the checks."""

    def parse_type(self, text: str) -> Ty:
        t = " ".join(re.sub(r"\b(const|volatile|static|inline|extern)\b", " ", text).split())
        if re.fullmatch(r"char\s*\*", t):
            return Ty("str", "char *")
        if "*" in t or "[" in t or t not in _C_KINDS:
            raise NotCarried("unsupported_type")
        return Ty(_C_KINDS[t], t)

    def value(self, value: Any, ty: Ty) -> str:
        """C++'s ints and floats; bools as 1/0 (no ``stdbool.h`` needed), bare string literals."""
        _fits(value, ty)
        if ty.kind == "bool":
            return "1" if value else "0"
        if ty.kind == "str":
            return _escape(value, chr(92) + "{:03o}")
        return super().value(value, ty)

    def program(self, sig: Signature, checks: list[Check]) -> str:
        ret = self.parse_type(sig.result)
        lines = ["#include <assert.h>", "#include <string.h>",
                 "static double codetune_distance(double d) { return d < 0 ? -d : d; }",
                 "int main(void) {"]
        for c in checks:
            got, want = f"{sig.call}({self.args(sig, c)})", self.value(c.expected, ret)
            if c.tolerance is not None:
                same = c.within(f"codetune_distance(({got}) - ({want}))")
            elif ret.kind == "str":
                same = f"strcmp({got}, {want}) == 0"
            elif ret.kind == "bool":
                same = f"!!({got}) == {want}"
            else:
                same = f"({got}) == {want}"
            lines.append(f"    assert(({same}));")
        return "\n".join(lines + ["    return 0;", "}"]) + "\n"


class Bash(Target):
    """Bash, as MultiPL-E's shell tests write it: arguments are strings (a list is its items
    joined by spaces), the function prints its result, and the printed text is compared with
    the expected value written the same way (``true``/``false`` for bools). Dicts and nested
    lists have no such form: not carried."""

    definition = (r"(?m)^\s*(?:function\s+(?P<name>[A-Za-z_][\w-]*)\s*(?:\(\s*\))?"
                  r"|(?P<name2>[A-Za-z_][\w-]*)\s*\(\s*\))\s*\{")

    def signature(self, code: str, name: str) -> Signature:
        return _untyped_signature(self.definition, code, name)

    def text(self, value: Any) -> str:
        """The shell text of ``value``: what the function takes or prints."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float | str):
            return str(value) if not isinstance(value, float) else repr(value)
        if isinstance(value, list | tuple) and all(
                isinstance(v, int | float | str) and not isinstance(v, bool) for v in value):
            return " ".join(self.text(v) for v in value)
        raise NotCarried("unsupported_type")

    def program(self, sig: Signature, checks: list[Check]) -> str:
        import shlex

        if any(c.tolerance is not None for c in checks):
            raise NotCarried("unsupported_type")  # printed text has no tolerance
        lines = ['codetune_check() { if [[ "$1" != "$2" ]]; then',
                 '    echo "carried test $3 failed: got \'$1\', want \'$2\'" >&2; exit 1; fi; }']
        for i, c in enumerate(checks, 1):
            args = " ".join(shlex.quote(self.text(a)) for a in c.args)
            lines.append(f'codetune_check "$({sig.call} {args})" '
                         f"{shlex.quote(self.text(c.expected))} {i}")
        return "\n".join(lines) + "\n"
