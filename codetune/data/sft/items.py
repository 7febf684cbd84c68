"""Turn source records into task items (before augmentation, verification and templating).

An item is a dict: ``task``, ``source``, ``source_id``, ``language``, ``code`` (the code that
augmentation rewrites: the target for generate/fix/translate, the shown code for explain),
``values`` (template fields), and for problems ``tests``/``setup``/``entry_point``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from codetune.data.augment.comments import strip_docstrings
from codetune.data.augment.grammars import parse, parses, text, walk
from codetune.data.sft.carry_tests import NotCarried, carry

MIN_EXPLANATION_WORDS = 4
MAX_EXPLANATION_CHARS = 1200


def first_paragraph(doc: str) -> str:
    return re.split(r"\n\s*\n", doc.strip(), maxsplit=1)[0].strip()


def _base(record: dict, task: str, code: str, **values: str) -> dict:
    return {"task": task, "source": record["source"], "source_id": record["id"],
            "language": record.get("language", "python"), "code": code, "values": values,
            "tests": record.get("tests") or [], "setup": record.get("setup", ""),
            "entry_point": record.get("entry_point"), "augmentations": []}


def _called_function(code: str, tests: list[str] | str) -> str:
    """Signature of the function the tests call (MBPP code may define helpers first)."""
    test_text = tests if isinstance(tests, str) else "\n".join(tests)
    best = ""
    for n in walk(parse(code).root_node):
        if n.type == "function_definition" and n.parent is not None and n.parent.type == "module":
            name = text(n.child_by_field_name("name"))
            colon = next(c for c in n.children if c.type == ":")
            sig = " ".join(n.text[:colon.start_byte - n.start_byte].decode("utf-8").split())
            if re.search(rf"\b{re.escape(name)}\s*\(", test_text):
                return sig
            best = best or sig
    return best


def generate_items(record: dict) -> Iterator[dict]:
    """Docstring/description + signature → implementation."""
    if record["kind"] == "unit" and record["docstring"]:
        yield _base(record, "generate", record["code"], name=record["name"],
                    description=first_paragraph(record["docstring"]),
                    signature=record["signature"], tests_example="", tests_all="")
    elif record["kind"] == "problem":
        tests = record["tests"]
        example = tests[0] if isinstance(tests, list) and tests else ""
        sig = _called_function(record["code"], tests)
        name = sig.split("(")[0].replace("def ", "").strip()
        yield _base(record, "generate", record["code"], name=name, description=record["text"],
                    signature=sig, tests_example=example,
                    tests_all="\n".join(tests) if isinstance(tests, list) else str(tests))


def explain_items(record: dict) -> Iterator[dict]:
    """Code → its real docstring (shown without it) or the comment block above it."""
    if record["kind"] != "unit":
        return
    doc = record["docstring"] or record["comments"]
    if len(doc.split()) < MIN_EXPLANATION_WORDS:
        return
    if len(doc) > MAX_EXPLANATION_CHARS:
        doc = first_paragraph(doc)
    shown = strip_docstrings(record["code"]) if record["docstring"] else record["code"]
    if shown is None or not parses(shown):
        return
    item = _base(record, "explain", shown, name=record["name"], explanation=doc)
    item["tests"] = []  # the shown code has no tests (only problems do)
    yield item


def fix_items(record: dict) -> Iterator[dict]:
    """Problems with tests: bugs are injected (and checked) later."""
    if record["kind"] == "problem":
        yield _base(record, "fix", record["code"], description=record["text"])


def translate_items(record: dict) -> Iterator[dict]:
    """Every ordered language pair of a parallel row whose both sides parse."""
    if record["kind"] != "pair":
        return
    codes = record["code"]
    for src, src_code in codes.items():
        for dst, dst_code in codes.items():
            if src == dst:
                continue
            if not parses(src_code, src) or not parses(dst_code, dst):
                yield {"drop": "unparsable_pair", "task": "translate", "source": record["source"]}
                continue
            item = _base({**record, "language": dst}, "translate",
                         dst_code.rstrip() + "\n", source_code=src_code.rstrip() + "\n",
                         source_lang=src)
            item["tests"], item["carry"] = carried_tests(record.get("tests"), item["code"], dst)
            yield item


def carried_tests(tests: dict | list | None, code: str, language: str) -> tuple[list | str, str]:
    """(tests, ``carried`` or why not) for a translation into ``language``: a pair's Python
    asserts as they are for Python, else carried to the target language (``carry_tests``)."""
    python = tests.get("python") if isinstance(tests, dict) else tests
    python = [python] if isinstance(python, str) else list(python or [])
    if not python:
        return [], "no_source_tests"
    if language == "python":
        return python, "carried"
    try:
        return carry(python, code, language), "carried"
    except NotCarried as exc:
        return [], exc.reason


TASK_BUILDERS = {"generate": generate_items, "explain": explain_items, "fix": fix_items,
                 "translate": translate_items}
