"""CodeBLEU equals the codebleu package on the same inputs, and is reproducible across runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from codetune.errors import CodetuneError
from codetune.eval.benchmark_catalog import load_tasks
from codetune.eval.codebleu import codebleu_score, read_code_list

PACKAGE_SCRIPT = """
import json, sys
from codebleu import calc_codebleu
req = json.load(sys.stdin)
print(json.dumps(calc_codebleu(req["references"], req["predictions"], "python")))
"""


@pytest.fixture(scope="module")
def pairs():
    """20 HumanEval references, each paired with the next task's solution (data-flow varies)."""
    tasks = load_tasks("humaneval", {"limit": 21})
    refs = [t.canonical_solution for t in tasks[:20]]
    preds = [t.canonical_solution for t in tasks[1:21]]
    return preds, refs


def _package(preds, refs, seed: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PACKAGE_SCRIPT], capture_output=True, text=True,
                         input=json.dumps({"predictions": preds, "references": refs}),
                         env={"PYTHONHASHSEED": seed, "PATH": ""}, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_equals_the_codebleu_package_on_the_same_inputs(pairs):
    preds, refs = pairs
    assert codebleu_score(preds, refs) == _package(preds, refs, "0")


def test_same_value_whatever_the_callers_hash_seed(pairs):
    preds, refs = pairs
    script = ("import json, sys; from codetune.eval.codebleu import codebleu_score; "
              "r = json.load(sys.stdin); print(json.dumps(codebleu_score(r['p'], r['r'])))")
    outs = set()
    for seed in ("1", "2", "3"):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             input=json.dumps({"p": preds, "r": refs}), check=True,
                             env={"PYTHONHASHSEED": seed, "PATH": ""})
        outs.add(out.stdout.strip().splitlines()[-1])
    assert len(outs) == 1


def test_identical_code_scores_one():
    code = "def f(a, b):\n    c = a + b\n    return c * 2\n"
    assert codebleu_score([code], [code])["codebleu"] == pytest.approx(1.0)


def test_a_matching_second_reference_raises_the_score():
    code = "def f(a):\n    return a + 1\n"
    other = "def g(x):\n    return x\n"
    both = codebleu_score([code], [[other, code]])["codebleu"]
    assert both > codebleu_score([code], [[other]])["codebleu"]


def test_length_mismatch_is_an_error():
    with pytest.raises(CodetuneError, match="2 predictions but 1 references"):
        codebleu_score(["a", "b"], ["a"])


def test_unknown_language_is_an_error():
    with pytest.raises(CodetuneError, match="language 'cobol' not available"):
        codebleu_score(["a"], ["a"], lang="cobol")


def test_evaluate_metric_loads_offline_and_agrees(pairs):
    import evaluate

    from codetune.paths import PACKAGE_DIR

    metric = evaluate.load(str(PACKAGE_DIR / "eval" / "metrics" / "codebleu"))
    preds, refs = pairs
    assert metric.compute(predictions=preds, references=refs) == codebleu_score(preds, refs)


def test_code_list_reads_jsonl_json_and_lines(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"prediction": "x = 1"}\n{"code": "y = 2"}\n')
    (tmp_path / "b.json").write_text('["x = 1", "y = 2"]')
    (tmp_path / "c.txt").write_text("x = 1\ny = 2\n")
    for name in ("a.jsonl", "b.json", "c.txt"):
        assert read_code_list(tmp_path / name, "prediction") == ["x = 1", "y = 2"]


def test_code_list_row_without_code_names_the_row(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"prediction": "x"}\n{"text": "y"}\n')
    with pytest.raises(CodetuneError, match="row 2 has none of the keys"):
        read_code_list(tmp_path / "a.jsonl", "prediction")
