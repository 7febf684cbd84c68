import json
import sysconfig
from pathlib import Path

import pytest

from codetune.benchmark_data import benchmark_file
from codetune.data.decontaminate import Decontaminate
from codetune.errors import CodetuneError
from tests.data.conftest import humaneval_row

STDLIB = Path(sysconfig.get_paths()["stdlib"])


@pytest.fixture(scope="module")
def decon():
    return Decontaminate(id_key="id")


def test_file_holding_a_humaneval_solution_is_dropped(decon):
    row = humaneval_row(10)
    text = "import os\n\n" + row["prompt"] + row["canonical_solution"]
    kept = list(decon.run([{"id": "leak", "text": text}]))
    assert kept == []
    assert decon.matches["leak"] == [f"humaneval:{row['task_id']}"]


def test_reformatted_mbpp_solution_is_dropped():
    with open(benchmark_file("mbpp.jsonl")) as fh:
        row = next(json.loads(line) for line in fh if json.loads(line)["task_id"] == 1)
    code = row["code"].replace("\r\n", "\n").replace("\t", "        ").replace(",", " , ")
    step = Decontaminate(benchmarks=["mbpp"])
    assert list(step.run([{"text": "# utils\n" + code}])) == []
    assert step.stats["matched:mbpp"] == 1


def test_ordinary_stdlib_modules_are_kept(decon):
    recs = [{"id": n, "text": (STDLIB / n).read_text()}
            for n in ("textwrap.py", "heapq.py", "bisect.py", "shlex.py")]
    assert len(list(decon.run(recs))) == 4


def test_sft_record_fields_are_checked_together():
    row = humaneval_row(3)
    step = Decontaminate(text_key=["prompt", "completion"], benchmarks=["humaneval"])
    recs = [{"prompt": row["prompt"], "completion": row["canonical_solution"]},
            {"prompt": "Write a function that adds two numbers.", "completion": "return a + b"}]
    assert len(list(step.run(recs))) == 1


def test_unknown_benchmark_names_the_choices():
    with pytest.raises(CodetuneError, match="humaneval, mbpp"):
        Decontaminate(benchmarks=["humaneva"])


def test_benchmark_from_a_module_function():
    step = Decontaminate(benchmarks=["tests.data.test_decontaminate:secret_benchmark"])
    recs = [{"text": "x = 1  # the quick brown fox jumps over the lazy dog again and again"},
            {"text": "print('hello world')"}]
    assert [r["text"] for r in step.run(recs)] == ["print('hello world')"]


def secret_benchmark():
    yield "secret/1", "the quick brown fox jumps over the lazy dog again and again today"
