"""Stages import only downward (docs/architecture.md): no upward import, no pair of modules that
import each other, no package cycle -- function-level (lazy) imports included."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "codetune"
# Bottom to top. "core" is every module directly under codetune/ except the ones listed in "top".
STAGES = ("core", "sandbox", "code", "problems", "data", "models", "train", "rewards", "eval",
          "rl", "demo", "top")
TOP_MODULES = {"cli", "benchmark_scripts"}  # the CLI entry points: may import every stage


def module_files(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` under ``root`` (a package directory)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, int]]:
    """(imported module inside the package, line) for every import in the file, at any depth."""
    pkg = name.split(".")[0]
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(here[:len(here) - node.level + 1] + ([base] if base else []))
            # ``from pkg import submodule`` imports the submodule; a name imports ``pkg`` itself
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            if target != pkg and not target.startswith(pkg + "."):
                continue
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target != name:
                found.append((target, node.lineno))
    return found


def stage_of(name: str) -> str:
    parts = name.split(".")
    if len(parts) == 1:
        return "core"
    if len(parts) == 2 and parts[1] in TOP_MODULES:
        return "top"
    return parts[1] if parts[1] in STAGES else "core"


def _where(path: Path, line: int, root: Path) -> str:
    return f"{path.relative_to(root.parent)}:{line}"


def layering_violations(root: Path) -> list[str]:
    """Every upward import, mutual import and package cycle under ``root``, one line each."""
    modules = module_files(root)
    edges = {name: imports_of(name, path, modules) for name, path in modules.items()}
    problems = []
    for name, found in edges.items():
        stage = stage_of(name)
        if stage not in STAGES:
            problems.append(f"{modules[name].relative_to(root.parent)}: stage {stage!r} is not "
                            "in tests/test_layering.py STAGES (add it where it belongs)")
            continue
        for target, line in found:
            other = stage_of(target)
            if other in STAGES and STAGES.index(other) > STAGES.index(stage):
                problems.append(f"{_where(modules[name], line, root)}: {stage} imports {target} "
                                f"(stage {other}, above it): move the shared piece down")
            if name < target and any(t == name for t, _ in edges.get(target, [])):
                back = next(ln for t, ln in edges[target] if t == name)
                problems.append(f"{_where(modules[name], line, root)} and "
                                f"{_where(modules[target], back, root)}: {name} and {target} "
                                "import each other")
    problems += package_cycles(edges, modules, root)
    return problems


def _package(name: str, modules: dict[str, Path]) -> str:
    return name if modules[name].name == "__init__.py" else name.rsplit(".", 1)[0]


def package_cycles(edges: dict, modules: dict[str, Path], root: Path) -> list[str]:
    """Cycles between packages that do not contain one another (Tarjan's SCCs)."""
    graph: dict[str, dict[str, str]] = defaultdict(dict)  # package -> package -> file:line
    for name, found in edges.items():
        a = _package(name, modules)
        for target, line in found:
            b = _package(target, modules)
            if a != b and not a.startswith(b + ".") and not b.startswith(a + "."):
                graph[a].setdefault(b, _where(modules[name], line, root))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            members = []
            while True:
                w = stack.pop()
                members.append(w)
                if w == v:
                    break
            if len(members) > 1:
                arrows = [f"{a} -> {b} ({graph[a][b]})" for a in sorted(members)
                          for b in sorted(graph[a]) if b in members]
                cycles.append("package cycle: " + "; ".join(arrows))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_stages_import_only_downward():
    problems = layering_violations(PACKAGE)
    assert not problems, "\n".join(problems)


def test_every_stage_folder_is_placed():
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert folders <= set(STAGES), f"place {sorted(folders - set(STAGES))} in STAGES"


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "codetune"
    for rel, text in {"__init__.py": "", "errors.py": "", **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(root).parents:
            (root / parent / "__init__.py").touch()
        path.write_text(text)
    return root


def test_a_clean_tree_passes(tmp_path):
    root = _tree(tmp_path, {"sandbox/pool.py": "from codetune.errors import X\n",
                            "eval/run.py": "from codetune.sandbox import pool\n",
                            "cli.py": "import codetune.eval.run\n"})
    assert layering_violations(root) == []


def test_an_upward_lazy_import_fails_naming_file_and_line(tmp_path):
    root = _tree(tmp_path, {"sandbox/pool.py": "import os\n\ndef f():\n"
                                               "    from codetune.eval.run import g\n",
                            "eval/run.py": "def g():\n    pass\n"})
    problems = layering_violations(root)
    assert len(problems) == 1
    assert problems[0].startswith("codetune/sandbox/pool.py:4: sandbox imports codetune.eval.run")


@pytest.mark.parametrize("form", ["from codetune.data import b", "from . import b",
                                  "import codetune.data.b"])
def test_two_modules_importing_each_other_fail(tmp_path, form):
    root = _tree(tmp_path, {"data/a.py": f"{form}\n",
                            "data/b.py": "def f():\n    from codetune.data.a import x\n"})
    problems = layering_violations(root)
    assert any("codetune.data.a and codetune.data.b import each other" in p for p in problems)
    assert any("codetune/data/b.py:2" in p for p in problems)


def test_a_package_cycle_fails(tmp_path):
    root = _tree(tmp_path, {"data/x/a.py": "from codetune.data.y.b import f\n",
                            "data/y/b.py": "from codetune.data.y.c import g\n",
                            "data/y/c.py": "from codetune.data.x.d import h\n",
                            "data/x/d.py": ""})
    problems = layering_violations(root)
    assert any(p.startswith("package cycle: codetune.data.x -> codetune.data.y") for p in problems)
    assert not any("import each other" in p for p in problems)  # three files, no direct pair
