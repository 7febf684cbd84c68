"""An ExecutionJob in a language other than Python, as the runner's ``program``.

The runner (sandbox/runner/programs.py) compiles and runs what this module lays out: the source
files, the compile and run commands of codetune/languages.py with their placeholders filled,
and, for an assert-style test program, a per-job random **completion marker**. The test code is
wrapped so that the marker is printed only after the test code ran to its end:

* C/C++: the tests' ``main`` is renamed (``#define main``) and a new ``main`` calls it, then
  prints the marker; ``exit(0)`` or ``_exit(0)`` inside the solution never reaches it;
* Java: a harness class calls the program's ``main`` and then prints the marker (an
  ``AssertionError`` or ``System.exit`` never reaches it);
* JavaScript/TypeScript: a prologue makes ``console.assert`` throw (Node's prints and exits 0)
  and cannot be replaced by the solution; an epilogue prints the marker;
* Go: ``TestMain`` in a second file prints it only when every test passed (``go test``
  programs), or a wrapper ``main`` after the renamed one;
* Rust: ``#[test]`` programs get a last test (libtest runs them in name order on one thread)
  that prints it; ``fn main`` programs a wrapper ``main``;
* Bash: the marker is the script's last command.

The runner accepts only exit code 0 (from the kernel), the marker line, and no assertion
failure on stderr. The marker is 128 random bits chosen per job on the trusted side.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from codetune.errors import CodetuneError
from codetune.languages import Language, get_language

SRC_DIR = "src"
_MAIN_ARGS = re.compile(r"\bmain\s*\(\s*(void)?\s*\)")
_JAVA_PUBLIC = re.compile(r"^\s*public\s+(?:final\s+|abstract\s+)*class\s+(\w+)", re.MULTILINE)
_JAVA_CLASS = re.compile(r"\b(?:class|interface|enum|record)\s+(\w+)")
_JAVA_MAIN = re.compile(r"\bstatic\s+(?:public\s+)?void\s+main\s*\(")
_GO_PACKAGE = re.compile(r"^\s*package\s+(\w+)", re.MULTILINE)
_GO_TEST = re.compile(r"\bfunc\s+Test\w*\s*\(\s*\w+\s+\*testing\.T\s*\)")
_RUST_MAIN = re.compile(r"\bfn\s+main\s*\(\s*\)")

# Text that marks an assertion failure: a nonzero exit with it is "failed", not "error".
ASSERTION_WORDS = {"c": ["Assertion"], "cpp": ["Assertion"], "java": ["AssertionError"],
                   "javascript": ["AssertionError", "Assertion failed"],
                   "typescript": ["AssertionError", "Assertion failed"],
                   "go": ["--- FAIL", "FAIL"], "rust": ["panicked"], "bash": [""]}
# Text on stderr that fails a test program even when it exits 0.
FAILURE_MARKERS = {"javascript": ["Assertion failed"], "typescript": ["Assertion failed"]}


def is_supported(language: str | None) -> bool:
    try:
        get_language(language)
    except CodetuneError:
        return False
    return True


def identical_programs(jobs: list) -> dict[int, list[int]]:
    """For each non-Python job that repeats (same language, code, tests, cases and limits; ids
    aside), the indexes of its repeats: a batch runs each such program once (a GRPO group
    often samples one answer several times, and for compiled languages the compile dominates).
    Python jobs always run: they are cheap and the pool's timing tests count them."""
    first: dict[str, int] = {}
    twins: dict[int, list[int]] = {}
    for index, job in enumerate(jobs):
        if not is_supported(job.language) or get_language(job.language).name == "python":
            continue
        key = json.dumps({**job.to_dict(), "id": ""}, sort_keys=True, default=str)
        if key in first:
            twins.setdefault(first[key], []).append(index)
        else:
            first[key] = index
    return twins


def program_payload(job: Any, limits: dict) -> dict:
    """The ``program`` field of a non-Python job (an unknown language raises CodetuneError)."""
    lang = get_language(job.language, f"job {job.id}: language")
    tests = job.tests if isinstance(job.tests, str) else "\n".join(map(str, job.tests or []))
    marker = None
    if job.cases or not tests.strip():
        sources, main, compile_extra, run_extra = {lang.extension: job.code}, "main", [], []
        sources, main = _name_sources(lang, job.code, sources, main)
    else:
        marker = secrets.token_hex(16)
        sources, main, compile_extra, run_extra = _wrap(lang, job.code, tests, marker)
    build = "{build}"
    files = {f"{SRC_DIR}/{name}": text for name, text in sources.items()}
    first = next(iter(files))
    values = {"src": f"{build}/{first}", "out": f"{build}/prog", "main": main,
              "memory": str(int(limits.get("memory_mb") or 512))}
    compile_cmd = [_fill(a, values) for a in lang.compile]
    if lang.name == "go" and first.endswith("_test.go"):  # `go test` programs
        compile_cmd = ["go", "test", "-c", "-vet=off", *compile_cmd[2:]]
    if compile_cmd:
        compile_cmd += [f"{build}/{name}" for name in list(files)[1:]] + compile_extra
    return {
        "language": lang.name, "sources": files, "marker": marker,
        "compile": compile_cmd, "run": [_fill(a, values) for a in lang.run] + run_extra,
        "env": {k: _fill(v, values) for k, v in _env(lang).items()},
        "compile_timeout_s": lang.compile_timeout_s,
        "compile_memory_mb": lang.compile_memory_mb, "heap_limited": lang.heap_limited,
        "assertion_words": ASSERTION_WORDS.get(lang.name, []),
        "failure_markers": FAILURE_MARKERS.get(lang.name, []) if marker else [],
    }


def _fill(arg: str, values: dict) -> str:
    for key, value in values.items():
        arg = arg.replace("{" + key + "}", value)
    return arg


def _env(lang: Language) -> dict:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
           "TMPDIR": "/tmp"}
    env.update(lang.env)
    return env


def _name_sources(lang: Language, code: str, sources: dict, main: str) -> tuple[dict, str]:
    """File names a program's language dictates (Java: the public class; Go tests)."""
    ext = lang.extension
    text = sources.pop(ext)
    if lang.name == "java":
        public = _JAVA_PUBLIC.search(text)
        main = _java_main_class(text) or (public.group(1) if public else "Main")
        return {f"{public.group(1) if public else 'Main'}{ext}": text}, main
    if lang.name == "go" and _GO_TEST.search(text):
        return {f"main_test{ext}": text}, main
    return {f"main{ext}": text}, main


def _wrap(lang: Language, code: str, tests: str, marker: str):
    """(sources, main, extra compile args, extra run args) of a test program with its marker."""
    name = lang.name
    if name in ("c", "cpp"):
        args = "" if _MAIN_ARGS.search(tests) else "argc, argv"
        text = (f"{code}\n#define main __attribute__((optimize(\"O0\"))) codetune_user_main\n"
                f"{tests}\n#undef main\n#include <stdio.h>\n"
                f"int main(int argc, char **argv) {{\n  (void)argc; (void)argv;\n"
                f"  codetune_user_main({args});\n  fflush(stdout);\n"
                f"  fputs(\"\\n{marker}\\n\", stdout);\n  fflush(stdout);\n  return 0;\n}}\n")
        return {f"main{lang.extension}": text}, "main", [], []
    if name == "java":
        text = f"{code}\n{tests}\n"
        sources, main = _name_sources(lang, text, {lang.extension: text}, "Main")
        harness = (f"public class CodetuneHarness {{\n  public static void main(String[] a) "
                   f"throws Throwable {{\n    {main}.main(a);\n    System.out.flush();\n"
                   f"    System.out.println(\"\\n{marker}\");\n    System.out.flush();\n  }}\n}}\n")
        return {**sources, "CodetuneHarness.java": harness}, "CodetuneHarness", [], []
    if name in ("javascript", "typescript"):
        cast = " as any" if name == "typescript" else ""
        prologue = ("Object.defineProperty(console, \"assert\", {value: function assert(ok" +
                    (": any, ...rest: any[]" if cast else ", ...rest") + ") { if (!ok) { throw "
                    "new Error(\"Assertion failed\" + (rest.length ? \": \" + rest.join(\" \") "
                    ": \"\")); } }, writable: false, configurable: false});")
        epilogue = (f"\n;(globalThis{cast}).process.stdout.write(\"\\n{marker}\\n\");\n")
        return {f"main{lang.extension}": f"{prologue}\n{code}\n{tests}\n{epilogue}"}, \
            "main", [], []
    if name == "go":
        return _wrap_go(lang, code, tests, marker)
    if name == "rust":
        if "#[test]" in tests or "#[test]" in code:
            last = (f"\n#[cfg(test)]\nmod zzzz_codetune {{\n    #[test]\n    fn zzzz_done() "
                    f"{{ println!(\"\\n{marker}\"); }}\n}}\n")
            return {"main.rs": f"{code}\n{tests}\n{last}"}, "main", ["--test"], \
                ["--test-threads=1", "--nocapture"]
        renamed = _RUST_MAIN.sub("fn codetune_user_main()", tests)
        wrapper = (f"\nfn main() {{\n    codetune_user_main();\n    use std::io::Write;\n"
                   f"    let mut out = std::io::stdout();\n    let _ = out.flush();\n"
                   f"    println!(\"\\n{marker}\");\n}}\n")
        return {"main.rs": f"{code}\n{renamed}\n{wrapper}"}, "main", [], []
    if name == "bash":
        return {"main.sh": f"{code}\n{tests}\nprintf '\\n%s\\n' '{marker}'\n"}, "main", [], []
    raise CodetuneError(f"language {name!r} has no test-program wrapper")


def _wrap_go(lang: Language, code: str, tests: str, marker: str):
    text = f"{code}\n{tests}\n"
    package = _GO_PACKAGE.search(text)
    pkg = package.group(1) if package else "main"
    if not package:
        text = f"package main\n\n{text}"
    if _GO_TEST.search(text):
        hook = (f"package {pkg}\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"testing\"\n)\n\n"
                f"func TestMain(m *testing.M) {{\n\tcode := m.Run()\n\tif code == 0 {{\n"
                f"\t\tfmt.Println(\"\\n{marker}\")\n\t}}\n\tos.Exit(code)\n}}\n")
        sources = {"main_test.go": text, "codetune_main_test.go": hook}
        return sources, "main", [], []
    text = re.sub(r"\bfunc\s+main\s*\(\s*\)", "func codetuneUserMain()", text)
    hook = (f"package main\n\nimport \"os\"\n\nfunc main() {{\n\tcodetuneUserMain()\n"
            f"\tos.Stdout.WriteString(\"\\n{marker}\\n\")\n}}\n")
    return {"main.go": text, "codetune_main.go": hook}, "main", [], []


def _java_main_class(text: str) -> str | None:
    """The top-level class whose body holds ``static void main`` (brace depth, roughly:
    comments and strings are blanked first)."""
    clean = re.sub(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'",
                   lambda m: " " * len(m.group(0)), text, flags=re.DOTALL)
    found = _JAVA_MAIN.search(clean)
    if not found:
        return None
    depth, current = 0, None
    for pos, char in enumerate(clean[:found.start()]):
        if char == "{":
            if depth == 0:
                head = _JAVA_CLASS.findall(clean[:pos])
                current = head[-1] if head else current
            depth += 1
        elif char == "}":
            depth -= 1
    return current
