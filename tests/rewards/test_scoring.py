"""`codetune rewards score`: one column per reward added to a JSONL of completions."""

import json

import pytest

from codetune.errors import CodetuneError
from codetune.rewards.scoring import score_file


def test_score_file_adds_a_column_per_reward(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    rows = [{"completion": "def f(x):\n    return x\n"}, {"completion": "def f(:"}]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    means = score_file(str(src), ["static"], str(out))
    scored = [json.loads(line) for line in out.open()]
    assert [r["reward/static"] for r in scored] == [1.0, 0.0]
    assert means == {"static": 0.5}


def test_row_without_completion_is_an_error(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": "x"}) + "\n")
    with pytest.raises(CodetuneError, match="in.jsonl:1: no 'completion' column"):
        score_file(str(src), ["static"], str(tmp_path / "o.jsonl"))
