"""Java, Go and Rust halves of ``carry_tests`` (see ``carry_targets`` for the shared rules).

No imports are added to the translated code: Java values use ``java.util.`` names, Rust maps
``std::collections::`` paths, and Go compares with an equality function written for the
declared type (``reflect`` would need an import and calls a nil slice unequal to ``[]int{}``).
"""

from __future__ import annotations

import re
from typing import Any

from codetune.data.sft.carry_targets import (
    Check,
    NotCarried,
    Signature,
    Target,
    Ty,
    _escape,
    _find,
    _fits,
    _prefix,
    split_top,
)

_JAVA_KINDS = {**dict.fromkeys(("int", "Integer", "long", "Long", "short", "Short", "byte",
                                "Byte"), "int"),
               **dict.fromkeys(("double", "Double", "float", "Float"), "float"),
               "boolean": "bool", "Boolean": "bool", "String": "str"}
_JAVA_LISTS = {"List": "ArrayList", "ArrayList": "ArrayList", "Collection": "ArrayList",
               "LinkedList": "LinkedList"}
_JAVA_MAPS = {"Map": "HashMap", "HashMap": "HashMap", "TreeMap": "TreeMap",
              "LinkedHashMap": "LinkedHashMap"}
_JAVA_MODIFIERS = r"\b(public|private|protected|static|final|synchronized|abstract)\b"


class Java(Target):
    definition = (r"\b(?P<name>\w+)\s*\((?P<params>[^()]*)\)\s*(?:throws\s+[\w.,\s]+)?\{")
    main = r"\bstatic\s+(?:public\s+)?void\s+main\s*\("

    def signature(self, code: str, name: str) -> Signature:
        self.check_main(code)
        m = _find(code, self.definition, name)
        head = _prefix(code, m.start())
        ret = re.sub(_JAVA_MODIFIERS, "", head).strip()
        owner = re.findall(r"\bclass\s+(\w+)", code[:m.start()])
        if not ret or ret.startswith("<") or not owner:  # generic methods are not carried
            raise NotCarried("signature_not_parsed")
        types = []
        for p in split_top(m.group("params")):
            p = re.sub(r"\bfinal\b", "", p).strip()
            if "..." in p:
                raise NotCarried("unsupported_type")
            types.append(p.rsplit(None, 1)[0])
        static = re.search(r"\bstatic\b", head) is not None
        call = f"{owner[-1]}.{m.group('name')}" if static else \
            f"new {owner[-1]}().{m.group('name')}"
        return Signature(m.group("name"), tuple(types), ret, call=call)

    def parse_type(self, text: str) -> Ty:
        t = " ".join(text.replace("java.util.", "").split())
        if t.endswith("[]"):
            return Ty("list", t, (self.parse_type(t[:-2]),), ref=True)  # ref: an array
        generic = re.fullmatch(r"(\w+)\s*<(.*)>", t)
        if generic and generic.group(1) in _JAVA_LISTS:
            return Ty("list", _JAVA_LISTS[generic.group(1)], (self.parse_type(generic.group(2)),))
        if generic and generic.group(1) in _JAVA_MAPS:
            kv = split_top(generic.group(2))
            if len(kv) != 2:
                raise NotCarried("unsupported_type")
            return Ty("dict", _JAVA_MAPS[generic.group(1)], tuple(map(self.parse_type, kv)))
        if t not in _JAVA_KINDS:
            raise NotCarried("unsupported_type")
        return Ty(_JAVA_KINDS[t], t)

    def value(self, value: Any, ty: Ty) -> str:
        _fits(value, ty)
        if ty.kind == "bool":
            return "true" if value else "false"
        if ty.kind == "int":
            cast = {"long": "L", "Long": "L"}.get(ty.text, "")
            prefix = {"short": "(short)", "Short": "(short)", "byte": "(byte)",
                      "Byte": "(byte)"}.get(ty.text, "")
            return f"{prefix}{value}{cast}"
        if ty.kind == "float":
            return repr(float(value)) + ("f" if ty.text.lower() == "float" else "")
        if ty.kind == "str":
            return _escape(value, "\\u{:04x}")
        if ty.kind == "list":
            items = ", ".join(self.value(v, ty.args[0]) for v in value)
            if ty.ref:
                return f"new {ty.text}{{{items}}}"
            return f"new java.util.{ty.text}<>(java.util.Arrays.asList({items}))" if items \
                else f"new java.util.{ty.text}<>()"
        entries = ", ".join(f"java.util.Map.entry({self.value(k, ty.args[0])}, "
                            f"{self.value(v, ty.args[1])})" for k, v in value.items())
        return f"new java.util.{ty.text}<>(java.util.Map.ofEntries({entries}))"

    def program(self, sig: Signature, checks: list[Check]) -> str:
        ret = self.parse_type(sig.result)
        lines = ["class CodetuneCarriedTests {",
                 "    public static void main(String[] args) {"]
        for i, c in enumerate(checks, 1):
            got, want = f"{sig.call}({self.args(sig, c)})", self.value(c.expected, ret)
            if c.tolerance is not None:
                same = c.within(f"Math.abs(({got}) - ({want}))")
            elif ret.kind == "list" and ret.ref:
                same = (f"java.util.Arrays.deepEquals(new Object[]{{{got}}}, "
                        f"new Object[]{{{want}}})")
            elif ret.text[:1].islower():  # a primitive
                same = f"{got} == {want}"
            else:
                same = f"java.util.Objects.equals({got}, {want})"
            lines.append(f'        if (!({same})) throw new AssertionError("carried test {i}");')
        return "\n".join(lines + ["    }", "}"]) + "\n"


_GO_INTS = {"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32",
            "uint64"}


class Go(Target):
    definition = r"\bfunc\s+(?P<name>\w+)\s*\((?P<params>[^()]*)\)\s*(?P<ret>[^{]*)\{"
    main = r"\bfunc\s+main\s*\("

    def signature(self, code: str, name: str) -> Signature:
        self.check_main(code)
        m = _find(code, self.definition, name)
        ret = m.group("ret").strip()
        if not ret or ret.startswith("("):
            raise NotCarried("signature_not_parsed")  # no result, or several
        types: list[str] = []
        pending = 0  # `a, b int`: names waiting for the type that follows them
        for p in split_top(m.group("params")):
            parts = p.split(None, 1)
            if len(parts) == 1:
                pending += 1
                continue
            types += [parts[1]] * (pending + 1)
            pending = 0
        if pending or "..." in "".join(types):
            raise NotCarried("signature_not_parsed")
        return Signature(m.group("name"), tuple(types), ret, call=m.group("name"))

    def parse_type(self, text: str) -> Ty:
        t = "".join(text.split())
        if t.startswith("[]"):
            return Ty("list", t, (self.parse_type(t[2:]),))
        mm = re.fullmatch(r"map\[(\w+)\](.+)", t)
        if mm:
            return Ty("dict", t, (self.parse_type(mm.group(1)), self.parse_type(mm.group(2))))
        kinds = {"string": "str", "bool": "bool", "float64": "float", "float32": "float",
                 **dict.fromkeys(_GO_INTS, "int")}
        if t not in kinds:
            raise NotCarried("unsupported_type")
        return Ty(kinds[t], t)

    def value(self, value: Any, ty: Ty) -> str:
        _fits(value, ty)
        if ty.kind == "bool":
            return "true" if value else "false"
        if ty.kind in ("int", "float"):
            return f"{ty.text}({value if ty.kind == 'int' else repr(float(value))})"
        if ty.kind == "str":
            return _escape(value, "\\x{:02x}")
        if ty.kind == "list":
            return f"{ty.text}{{{', '.join(self.value(v, ty.args[0]) for v in value)}}}"
        pairs = ", ".join(f"{self.value(k, ty.args[0])}: {self.value(v, ty.args[1])}"
                          for k, v in value.items())
        return f"{ty.text}{{{pairs}}}"

    def equal(self, ty: Ty, a: str, b: str) -> str:
        """A Go expression true when ``a == b`` for values of type ``ty`` (nil == empty)."""
        if ty.kind == "list":
            inner = self.equal(ty.args[0], "x[i]", "y[i]")
            return (f"func(x, y {ty.text}) bool {{ if len(x) != len(y) {{ return false }}; "
                    f"for i := range x {{ if !({inner}) {{ return false }} }}; return true }}"
                    f"({a}, {b})")
        if ty.kind == "dict":
            inner = self.equal(ty.args[1], "vx", "vy")
            return (f"func(x, y {ty.text}) bool {{ if len(x) != len(y) {{ return false }}; "
                    f"for k, vx := range x {{ vy, ok := y[k]; if !ok || !({inner}) "
                    f"{{ return false }} }}; return true }}({a}, {b})")
        return f"{a} == {b}"

    def program(self, sig: Signature, checks: list[Check]) -> str:
        ret = self.parse_type(sig.result)
        lines = ["func main() {"]
        for i, c in enumerate(checks, 1):
            got, want = f"{sig.call}({self.args(sig, c)})", self.value(c.expected, ret)
            if c.tolerance is not None:
                same = c.within(f"func(d float64) float64 {{ if d < 0 {{ return -d }}; return d }}"
                                f"(float64({got}) - float64({want}))")
            else:
                same = self.equal(ret, got, want)
            lines.append(f'\tif !({same}) {{\n\t\tpanic("Assertion failed: carried test {i}")'
                         "\n\t}")
        return "\n".join(lines + ["}"]) + "\n"


_RUST_INTS = {"i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128",
              "usize"}


class Rust(Target):
    definition = (r"\bfn\s+(?P<name>\w+)\s*(?P<generics><[^>]*>)?\s*\((?P<params>[^()]*)\)"
                  r"\s*(?:->\s*(?P<ret>[^{]+?))?\s*(?:where\b[^{]*)?\{")
    main = r"\bfn\s+main\s*\("

    def signature(self, code: str, name: str) -> Signature:
        self.check_main(code)
        m = _find(code, self.definition, name)
        if m.group("generics") or not m.group("ret"):
            raise NotCarried("signature_not_parsed")
        types = []
        for p in split_top(m.group("params")):
            if ":" not in p:
                raise NotCarried("signature_not_parsed")  # self: a method
            types.append(p.split(":", 1)[1].strip())
        return Signature(m.group("name"), tuple(types), m.group("ret").strip(),
                         call=m.group("name"))

    def parse_type(self, text: str) -> Ty:
        t = " ".join(text.split())
        ref = t.startswith("&")
        t = re.sub(r"^&\s*(?:'\w+\s+)?(?:mut\s+)?", "", t).replace("std::collections::", "")
        mm = re.fullmatch(r"Vec\s*<(.*)>|\[(.*)\]", t)
        if mm:  # text: the element type, for an empty ``Vec::<T>::new()``
            inner = (mm.group(1) or mm.group(2)).strip()
            return Ty("list", inner, (self.parse_type(inner),), ref=ref)
        mm = re.fullmatch(r"(HashMap|BTreeMap)\s*<(.*)>", t)
        if mm:
            kv = split_top(mm.group(2))
            if len(kv) != 2:
                raise NotCarried("unsupported_type")
            return Ty("dict", mm.group(1), tuple(map(self.parse_type, kv)), ref=ref)
        kinds = {"String": "str", "str": "str", "bool": "bool", "f64": "float", "f32": "float",
                 **dict.fromkeys(_RUST_INTS, "int")}
        if t not in kinds or (t == "str" and not ref):
            raise NotCarried("unsupported_type")
        return Ty(kinds[t], t, ref=ref and t != "str")

    def value(self, value: Any, ty: Ty) -> str:
        _fits(value, ty)
        amp = "&" if ty.ref else ""
        if ty.kind == "bool":
            return "true" if value else "false"
        if ty.kind == "int":
            return f"{amp}{value}{ty.text}"
        if ty.kind == "float":
            return f"{amp}{float(value)!r}{ty.text}"
        if ty.kind == "str":
            lit = _escape(value, "\\u{{{:x}}}")
            return f"{amp}String::from({lit})" if ty.text == "String" else lit
        if ty.kind == "list":
            items = ", ".join(self.value(v, ty.args[0]) for v in value)
            return f"{amp}vec![{items}]" if items else f"{amp}Vec::<{ty.text}>::new()"
        pairs = ", ".join(f"({self.value(k, ty.args[0])}, {self.value(v, ty.args[1])})"
                          for k, v in value.items())
        return f"{amp}std::collections::{ty.text}::from([{pairs}])" if pairs else \
            f"{amp}std::collections::{ty.text}::new()"

    def program(self, sig: Signature, checks: list[Check]) -> str:
        ret = self.parse_type(sig.result)
        lines = ["fn main() {"]
        for c in checks:
            got, want = f"{sig.call}({self.args(sig, c)})", self.value(c.expected, ret)
            if c.tolerance is not None:
                distance = f"(({got}) as f64 - ({want}) as f64).abs()"
                lines.append(f"    assert!({c.within(distance)});")
            else:
                lines.append(f"    assert_eq!({got}, {want});")
        return "\n".join(lines + ["}"]) + "\n"
