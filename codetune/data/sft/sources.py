"""SFT inputs: code units (tree-sitter), problems with tests (MBPP, any JSONL), parallel pairs.

Every source yields plain dict records with ``kind`` = ``unit`` | ``problem`` | ``pair``.
A user source is ``package.module:function`` taking the ``SFTSourceConfig`` and yielding such
records.
"""

from __future__ import annotations

import ast
import dataclasses
import glob
import inspect
from collections.abc import Iterator
from pathlib import Path

from tree_sitter import Node

from codetune.artifacts import read_jsonl
from codetune.data.augment.grammars import EXTENSIONS, GRAMMARS, canonical, parse, parses, text
from codetune.data.sft.config import SFTSourceConfig
from codetune.errors import CodetuneError
from codetune.plugins import import_object, is_plugin_name

MBPP_HELDOUT = range(1, 601)  # prompt 1-10, test 11-510, validation 511-600 (train: 601-974)


def parse_id_ranges(spec: str) -> set[int]:
    """``"601-974,3"`` → the set of ids; an empty spec means no restriction (empty set)."""
    ids: set[int] = set()
    for part in filter(None, (p.strip() for p in spec.split(","))):
        lo, _, hi = part.partition("-")
        try:
            ids |= set(range(int(lo), int(hi or lo) + 1))
        except ValueError:
            raise CodetuneError(f"task_ids: bad range '{part}'; expected e.g. 601-974") from None
    return ids


def resolve_path(path: str) -> str:
    """``path`` as given if it exists, else the shipped file (``datasets_recipes/...``)."""
    from codetune.paths import resolve_recipe

    return str(resolve_recipe(path))


def _files(cfg: SFTSourceConfig) -> list[Path]:
    if not cfg.paths:
        from codetune.data.source_base import stdlib_python_files

        files = stdlib_python_files()
    else:
        files = []
        for pattern in cfg.paths:
            p = Path(pattern)
            if p.is_dir():
                files += sorted(f for f in p.rglob("*") if EXTENSIONS.get(f.suffix) == cfg.language)
            elif p.is_file():
                files.append(p)
            else:
                matched = sorted(Path(m) for m in glob.glob(pattern, recursive=True))
                if not matched:
                    raise CodetuneError(f"sources.paths: '{pattern}' matches no file")
                files += matched
    return files[:cfg.max_files] if cfg.max_files else files


def _docstring(body: Node | None) -> str:
    if body is None or not body.named_children:
        return ""
    first = body.named_children[0]
    if first.type != "expression_statement" or first.named_children[0].type != "string":
        return ""
    try:
        value = ast.literal_eval(text(first.named_children[0]))
    except (ValueError, SyntaxError):
        return ""
    return inspect.cleandoc(value) if isinstance(value, str) else ""


def _leading_comments(node: Node) -> str:
    """The block of ``#`` comments directly above ``node`` (a real human description)."""
    lines: list[str] = []
    prev, row = node.prev_sibling, node.start_point.row
    while prev is not None and prev.type == "comment" and prev.end_point.row == row - 1:
        lines.insert(0, text(prev).lstrip("#").strip())
        prev, row = prev.prev_sibling, prev.start_point.row
    return "\n".join(lines).strip()


def _dedent(node: Node, source: bytes) -> str:
    start = source.rfind(b"\n", 0, node.start_byte) + 1
    col = node.start_byte - start
    lines = source[start:node.end_byte].decode("utf-8").split("\n")
    out = [lines[0][col:]] + [ln[col:] if ln[:col].strip() == "" else ln for ln in lines[1:]]
    return "\n".join(out) + "\n"


def _signature(fn: Node) -> str:
    colon = next((c for c in fn.children if c.type == ":"), None)
    head = fn.text[:colon.start_byte - fn.start_byte] if colon else fn.text.split(b"\n")[0]
    return " ".join(head.decode("utf-8").split())


def _units_in(tree_root: Node, source: bytes) -> Iterator[tuple[str, Node, Node]]:
    """(qualified name, definition node, node to cut from) for functions, methods, classes."""
    for stmt in tree_root.named_children:
        outer = stmt
        if stmt.type == "decorated_definition":
            stmt = stmt.child_by_field_name("definition")
        if stmt.type not in ("function_definition", "class_definition"):
            continue
        name = text(stmt.child_by_field_name("name"))
        yield name, stmt, outer
        if stmt.type == "class_definition":
            body = stmt.child_by_field_name("body")
            for member in body.named_children if body else []:
                outer_m = member
                if member.type == "decorated_definition":
                    member = member.child_by_field_name("definition")
                if member.type == "function_definition":
                    yield f"{name}.{text(member.child_by_field_name('name'))}", member, outer_m


def code_units(cfg: SFTSourceConfig) -> Iterator[dict]:
    """Functions, methods and classes with signature, docstring and comments (Python)."""
    if canonical(cfg.language) != "python":
        raise CodetuneError(f"sources: code_units supports python, got '{cfg.language}'")
    count = 0
    for path in _files(cfg):
        try:
            source = path.read_bytes().decode("utf-8").replace("\r\n", "\n").encode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        root = parse(source).root_node
        for qualname, node, outer in _units_in(root, source):
            code = _dedent(outer, source)
            n_lines = code.count("\n")
            if not cfg.min_lines <= n_lines <= cfg.max_lines or not parses(code):
                continue
            body = node.child_by_field_name("body")
            yield {"kind": "unit", "id": f"{path.name}:{qualname}", "language": "python",
                   "unit_type": node.type.split("_")[0], "name": qualname.split(".")[-1],
                   "signature": _signature(node) if node.type == "function_definition" else "",
                   "docstring": _docstring(body), "comments": _leading_comments(outer),
                   "code": code, "path": str(path)}
            count += 1
            if cfg.max_records and count >= cfg.max_records:
                return


def _problem(row: dict, where: str, language: str) -> dict:
    tests = row.get("tests", row.get("test_list"))
    code = row.get("code", row.get("solution"))
    description = row.get("text", row.get("prompt", row.get("description")))
    if not isinstance(code, str) or not isinstance(description, str) or not tests:
        raise CodetuneError(f"{where}: a problem needs 'text', 'code' and 'tests' columns")
    return {"kind": "problem", "id": str(row.get("task_id", row.get("id", where))),
            "language": language, "text": description.strip(),
            "code": code.replace("\r\n", "\n").rstrip() + "\n", "tests": tests,
            "setup": row.get("test_setup_code", row.get("setup", "")) or "",
            "entry_point": row.get("entry_point")}


def problems(cfg: SFTSourceConfig) -> Iterator[dict]:
    """Problems with tests from JSONL files with text/code/tests columns."""
    if not cfg.paths:
        raise CodetuneError("sources: kind 'problems' needs paths (JSONL with text/code/tests)")
    ids = parse_id_ranges(cfg.task_ids) if cfg.kind == "mbpp" else set()
    count = 0
    for path in map(resolve_path, cfg.paths):
        for lineno, row in enumerate(read_jsonl(path), 1):
            if ids and int(row.get("task_id", -1)) not in ids:
                continue
            yield _problem(row, f"{path}:{lineno}", cfg.language)
            count += 1
            if cfg.max_records and count >= cfg.max_records:
                return


def mbpp(cfg: SFTSourceConfig) -> Iterator[dict]:
    """MBPP problems (default: the train split, task ids 601-974, from the shared data dir)."""
    from codetune.benchmark_data import benchmark_file

    paths = cfg.paths or [str(benchmark_file("mbpp.jsonl"))]
    yield from problems(dataclasses.replace(cfg, paths=paths, kind="mbpp"))


def parallel(cfg: SFTSourceConfig) -> Iterator[dict]:
    """Translation pairs: JSONL rows mapping language names to code (two or more each)."""
    if not cfg.paths:
        raise CodetuneError("sources: kind 'parallel' needs paths (JSONL of language→code rows)")
    count = 0
    for path in map(resolve_path, cfg.paths):
        for lineno, row in enumerate(read_jsonl(path), 1):
            pair = {canonical(k): v for k, v in row.items()
                    if k.lower() in GRAMMARS or k.lower() in ("js", "py", "c++")}
            if len(pair) < 2:
                raise CodetuneError(f"{path}:{lineno}: a parallel row needs code in two or more "
                                    f"languages ({', '.join(GRAMMARS)})")
            yield {"kind": "pair", "id": str(row.get("id", f"{Path(path).name}:{lineno}")),
                   "code": pair, "tests": row.get("tests") or []}
            count += 1
            if cfg.max_records and count >= cfg.max_records:
                return


SOURCES = {"code_units": code_units, "problems": problems, "mbpp": mbpp, "parallel": parallel}


def read_source(cfg: SFTSourceConfig) -> Iterator[dict]:
    """Records of one configured source, each tagged with the source name."""
    if cfg.kind in SOURCES:
        fn = SOURCES[cfg.kind]
    elif is_plugin_name(cfg.kind):
        fn = import_object(cfg.kind, "sources.kind")
    else:
        raise CodetuneError(f"sources.kind: unknown '{cfg.kind}'; use one of "
                            f"{', '.join(SOURCES)} or package.module:function")
    name = cfg.name or cfg.kind
    for record in fn(cfg):
        yield {**record, "source": name}


def mbpp_heldout_texts() -> Iterator[tuple[str, str]]:
    """Decontamination texts of MBPP's prompt/test/validation tasks (1-600), not the train split."""
    from codetune.data.decontaminate import mbpp_texts

    for tid, body in mbpp_texts():
        if int(tid) in MBPP_HELDOUT:
            yield tid, body
