"""The language registry: every language codetune knows, in one table.

A language is its name and aliases (SandboxFusion's names among them: ``nodejs``, ``cpp``,
``rust``...), file extension, markdown fence tags, tree-sitter grammar, the Debian packages its
toolchain needs in the sandbox image, and how the sandbox compiles and runs it. Adding a
language is one entry here plus its image packages; data filters, static rewards, grammars,
CodeBLEU, code extraction and the sandbox all read this table.

Command templates: ``{src}`` the source file, ``{out}`` the binary, ``{build}`` the job's build
directory, ``{main}`` the entry class/file stem, ``{memory}`` the job's memory limit in MiB.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from codetune.errors import CodetuneError
from codetune.plugins import import_object


@dataclass(frozen=True)
class Language:
    """One language: naming, parsing and how the sandbox builds and runs it."""

    name: str
    aliases: tuple[str, ...] = ()
    extension: str = ""
    fence_tags: tuple[str, ...] = ()
    grammar: str | None = None  # tree-sitter wheel ``module[:function]`` (default: language)
    packages: tuple[str, ...] = ()  # Debian packages of the toolchain (image build)
    compile: tuple[str, ...] = ()  # empty: interpreted
    run: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    compile_timeout_s: float = 30.0  # the compiler's own wall-clock limit
    compile_memory_mb: int = 1024  # the compiler's address-space limit (0: none, see heap)
    heap_limited: bool = False  # a VM that reserves huge address space (JVM, V8): no
    # RLIMIT_AS; the heap flag in ``run`` ({memory}) and the container's cgroup cap memory
    hello: str = ""  # a program printing "hello" (``codetune sandbox check``)

    @property
    def sandbox_names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


# Go's runtime reserves address space up front (no RLIMIT_AS): GOMEMLIMIT is its heap cap.
# GOCACHE is the image's read-only build cache, warmed at image build with testify and the
# standard packages (codetune/sandbox/warm.py): a job compiles only its own package. Go
# writes nothing there (a read-only cache only misses); the runner falls back to a fresh cache
# in the job's build directory when the image has none.
GO_CACHE = "/opt/codetune/gocache"
# Node's startup snapshots, made at image build (codetune/sandbox/warm.py): a pristine heap.
# V8 refuses a snapshot made under other V8 flags, so there is one per heap size in
# NODE_SNAPSHOT_MB (a job with another memory limit starts without one).
NODE_SNAPSHOT = "/opt/codetune/node-{memory}.blob"
NODE_SNAPSHOT_MB = (256, 512, 1024, 2048)
NODE_FLAGS = ("--max-old-space-size={memory}", "--stack-size=8192")
_NODE = ("node", "--snapshot-blob", NODE_SNAPSHOT, *NODE_FLAGS)
_GO_ENV = {"GOCACHE": GO_CACHE, "GO111MODULE": "off", "GOPATH": "/usr/share/gocode",
           "CGO_ENABLED": "0", "GOFLAGS": "-p=2", "GOMAXPROCS": "2", "GOMEMLIMIT": "{memory}MiB"}

LANGUAGES: dict[str, Language] = {lang.name: lang for lang in (
    Language("python", ("py", "python3"), ".py", ("python", "py", "python3"),
             "tree_sitter_python", ("python3",), (), ("python3", "-I", "{src}"),
             hello='print("hello")'),
    # C parses with the C++ grammar (tree-sitter-c is not a dependency; syntax only)
    Language("c", (), ".c", ("c", "h"), "tree_sitter_cpp", ("gcc", "libc6-dev"),
             ("gcc", "-O2", "-std=gnu17", "-o", "{out}", "{src}", "-lm"), ("{out}",),
             hello='#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n'),
    Language("cpp", ("c++", "cxx", "cc"), ".cpp", ("cpp", "c++", "cc", "cxx", "hpp"),
             "tree_sitter_cpp", ("g++",),
             ("g++", "-O2", "-std=gnu++17", "-o", "{out}", "{src}"), ("{out}",),
             hello='#include <cstdio>\nint main() { std::puts("hello"); return 0; }\n'),
    Language("java", (), ".java", ("java",), "tree_sitter_java",
             ("default-jdk-headless", "libjavatuples-java"),
             ("javac", "-J-Xmx512m", "-J-XX:+UseSerialGC", "-J-XX:TieredStopAtLevel=1",
              "-encoding", "UTF-8", "-nowarn", "-cp", "/usr/share/java/javatuples.jar",
              "-d", "{build}", "{src}"),
             ("java", "-ea", "-Xmx{memory}m", "-Xss64m", "-XX:+UseSerialGC",
              "-XX:TieredStopAtLevel=1", "-cp", "{build}:/usr/share/java/javatuples.jar",
              "{main}"),
             compile_memory_mb=0, heap_limited=True,
             hello='public class Main {\n  public static void main(String[] a) {\n'
                   '    System.out.println("hello");\n  }\n}\n'),
    Language("javascript", ("js", "node", "nodejs"), ".js", ("javascript", "js", "jsx", "node"),
             "tree_sitter_javascript", ("nodejs",), (),
             (*_NODE, "{src}"),
             heap_limited=True, hello='console.log("hello");\n'),
    Language("typescript", ("ts",), ".ts", ("typescript", "ts", "tsx"),
             "tree_sitter_typescript:language_typescript", ("nodejs", "node-typescript"),
             ("tsc", "--target", "es2020", "--module", "commonjs", "--skipLibCheck",
              "--outDir", "{build}", "{src}"),
             (*_NODE, "{build}/{main}.js"),
             compile_memory_mb=0, heap_limited=True, hello='console.log("hello");\n'),
    Language("go", ("golang",), ".go", ("go", "golang"), "tree_sitter_go",
             ("golang-go", "golang-github-stretchr-testify-dev"),
             ("go", "build", "-o", "{out}", "{src}"), ("{out}",), _GO_ENV,
             compile_timeout_s=60.0, compile_memory_mb=0, heap_limited=True,
             hello='package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n'),
    # Debug build as MultiPL-E's harness compiles (`rustc file.rs`: opt-level 0, so integer
    # overflow panics as there), std linked as a shared library: 2.5x less compile time in the
    # image (0.32 vs 0.80 s wall for a HumanEval/0-like test program; linking a static std
    # dominated), same verdicts on all 164 canonical solutions.
    Language("rust", ("rs",), ".rs", ("rust", "rs"), "tree_sitter_rust", ("rustc",),
             ("rustc", "--edition", "2021", "-C", "prefer-dynamic", "-C", "rpath", "-o", "{out}",
              "{src}"),
             ("{out}",), compile_timeout_s=60.0, compile_memory_mb=0,
             hello='fn main() { println!("hello"); }\n'),
    Language("bash", ("sh", "shell"), ".sh", ("bash", "sh", "shell", "console"),
             "tree_sitter_bash", ("bash",), (), ("bash", "{src}"), hello="echo hello\n"),
)}

_BY_NAME = {alias: lang for lang in LANGUAGES.values() for alias in lang.sandbox_names}


def get_language(name: str | None, where: str = "language") -> Language:
    """The language named ``name`` (or one of its aliases, case-insensitive); an unknown name is
    a one-line error naming ``where`` and the closest known name."""
    key = str(name or "python").strip().lower()
    if key in _BY_NAME:
        return _BY_NAME[key]
    near = difflib.get_close_matches(key, list(_BY_NAME), n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    aliases = ", ".join(sorted(set(_BY_NAME) - set(LANGUAGES)))
    raise CodetuneError(f"{where}: unknown language {name!r}{hint}; known: "
                        f"{', '.join(LANGUAGES)} (aliases: {aliases})")


def resolve_languages(spec: str | list[str] | tuple[str, ...], where: str = "--languages"
                      ) -> tuple[str, ...]:
    """``"python,cpp,js"`` or ``"all"`` as canonical names (python always included, in
    registry order)."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    items = [str(item).strip() for item in items if str(item).strip()]
    if any(item.lower() == "all" for item in items):
        return tuple(LANGUAGES)
    chosen = {get_language(item, where).name for item in items} | {"python"}
    return tuple(name for name in LANGUAGES if name in chosen)


def fence_tags(name: str) -> tuple[str, ...]:
    """Fence tags that mark a block of this language ("" = an untagged fence)."""
    try:
        return (*get_language(name).fence_tags, "")
    except CodetuneError:
        return (str(name), "")


def grammar_target(name: str) -> str | None:
    """``module:function`` of a language's tree-sitter grammar (None: unknown or without one)."""
    try:
        grammar = get_language(name).grammar
    except CodetuneError:
        return None
    if grammar is None:
        return None
    return grammar if ":" in grammar else f"{grammar}:language"


def installed_grammars() -> dict[str, str]:
    """Language name -> ``module:function`` for every grammar wheel installed here."""
    import importlib.util

    found = {}
    for name in LANGUAGES:
        target = grammar_target(name)
        if target and importlib.util.find_spec(target.partition(":")[0]) is not None:
            found[name] = target
    return found


def load_grammar(name: str):
    """The ``tree_sitter.Language`` of a language (a one-line error naming the wheel when it
    is not installed)."""
    from tree_sitter import Language as TSLanguage

    target = grammar_target(name)
    if target is None:
        raise CodetuneError(f"no tree-sitter grammar for language {name!r}; languages with one: "
                            f"{', '.join(n for n in LANGUAGES if grammar_target(n))}")
    module = target.partition(":")[0]
    return TSLanguage(import_object(target, f"tree-sitter grammar for {name}",
                                    hint=f"pip install {module.replace('_', '-')}")())


def image_packages(languages: tuple[str, ...]) -> tuple[str, ...]:
    """The Debian packages an image with these languages needs (sorted, unique)."""
    packages = {"python3", "libstdc++6"}
    for name in languages:
        packages.update(get_language(name).packages)
    return tuple(sorted(packages))
