"""Templates as data, and the sources: code units, MBPP's train split, problems, parallel pairs."""

from __future__ import annotations

import json
import random
import shutil
import subprocess

import pytest

from codetune.data.augment import parses
from codetune.data.sft.config import TASKS, SFTSourceConfig
from codetune.data.sft.sources import mbpp, parallel, problems, read_source
from codetune.data.sft.templates import choose_template, load_templates
from codetune.errors import CodetuneError
from codetune.paths import REPO_ROOT

SAMPLE = REPO_ROOT / "datasets_recipes" / "translate_sample.jsonl"
MODULE = '''"""Module doc."""


# Add two numbers
# and return the sum.
def add(a, b=1):
    """Return a + b.

    Longer text.
    """
    return a + b


class Box:
    """A box."""

    def size(self):
        # no docstring here
        return 3
'''


def test_shipped_templates_cover_every_task_in_english_and_chinese():
    templates = load_templates()
    for task in TASKS:
        langs = {t.lang for t in templates[task]}
        assert {"en", "zh"} <= langs and len(templates[task]) >= 3


def test_template_needs_its_fields():
    templates = load_templates()["fix"]
    values = {"buggy_code": "x", "failure": "", "language": "Python", "lang_tag": "python",
              "code": "y", "description": ""}
    for _ in range(20):
        t = choose_template(templates, values, ["en", "zh"], random.Random(_))
        assert "failure" not in t.needs and "description" not in t.needs


def test_user_template_dir_adds_templates(tmp_path):
    (tmp_path / "mine.yaml").write_text(
        "task: explain\ncompletion: '{explanation}'\ntemplates:\n"
        "  - {name: explain_fr, lang: fr, needs: [code], prompt: 'Explique: {code}'}\n")
    templates = load_templates([str(tmp_path)])
    assert any(t.name == "explain_fr" for t in templates["explain"])


def test_bad_template_file_is_a_one_line_error(tmp_path):
    (tmp_path / "bad.yaml").write_text("task: explain\ntemplates:\n  - {name: x, lang: en}\n")
    with pytest.raises(CodetuneError, match="lacks prompt"):
        load_templates([str(tmp_path)])


def test_code_units_carry_signature_docstring_and_comments(tmp_path):
    (tmp_path / "m.py").write_text(MODULE)
    units = {u["id"]: u for u in read_source(SFTSourceConfig(paths=[str(tmp_path)],
                                                             min_lines=1))}
    add = units["m.py:add"]
    assert add["signature"] == "def add(a, b=1)"
    assert add["docstring"].startswith("Return a + b.") and "Longer text." in add["docstring"]
    assert add["comments"] == "Add two numbers\nand return the sum."
    assert units["m.py:Box.size"]["code"].startswith("def size(self):")
    assert units["m.py:Box"]["unit_type"] == "class"


def test_mbpp_source_reads_the_train_split():
    rows = list(mbpp(SFTSourceConfig(kind="mbpp")))
    ids = {int(r["id"]) for r in rows}
    assert len(rows) == 374 and min(ids) == 601 and max(ids) == 974


def test_problems_jsonl_without_tests_is_an_error(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"text": "t", "code": "x = 1"}) + "\n")
    with pytest.raises(CodetuneError, match="p.jsonl:1"):
        list(problems(SFTSourceConfig(kind="problems", paths=[str(path)])))


def test_translate_sample_pairs_both_parse():
    rows = list(parallel(SFTSourceConfig(kind="parallel", paths=[str(SAMPLE)])))
    assert len(rows) >= 20
    for row in rows:
        assert parses(row["code"]["python"], "python")
        assert parses(row["code"]["javascript"], "javascript")


def test_translate_sample_python_side_passes_its_tests():
    for row in map(json.loads, SAMPLE.read_text().splitlines()):
        namespace: dict = {}
        exec(row["python"] + "\n" + "\n".join(row["tests"]["python"]), namespace)


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_translate_sample_javascript_side_passes_its_tests():
    """All rows in one node process, each in its own function scope; failures name the row."""
    program = ["const assert = require('assert');", "const failed = [];"]
    for row in map(json.loads, SAMPLE.read_text().splitlines()):
        body = row["javascript"] + "\n" + "\n".join(row["tests"]["javascript"])
        program.append(f"try {{ (() => {{\n{body}\n}})(); }} catch (e) {{ "
                       f"failed.push({json.dumps(row['id'])} + ': ' + e.message); }}")
    program.append("if (failed.length) { console.error(failed.join('\\n')); process.exit(1); }")
    done = subprocess.run(["node", "-e", "\n".join(program)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-600:]
