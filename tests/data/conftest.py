"""A small real corpus for the data-builder tests: stdlib modules (a codec family included)
plus planted bad files (binary, undecodable, empty, unparsable, duplicates, a leaked benchmark)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import sysconfig
from pathlib import Path

import pytest

STDLIB = Path(sysconfig.get_paths()["stdlib"])
REAL_FILES = ["textwrap.py", "colorsys.py", "bisect.py", "heapq.py", "fnmatch.py", "glob.py",
              "shlex.py", "string.py", "stat.py", "calendar.py", "copy.py", "keyword.py",
              "encodings/cp1252.py", "encodings/cp1254.py", "encodings/iso8859_15.py",
              "encodings/cp437.py", "encodings/cp860.py"]


def rename_identifiers(text: str, names: dict[str, str]) -> str:
    for old, new in names.items():
        text = re.sub(rf"\b{old}\b", new, text)
    return text


def humaneval_row(index: int = 0) -> dict:
    from codetune.benchmark_data import benchmark_file

    with gzip.open(benchmark_file("HumanEval.jsonl.gz"), "rt") as fh:
        return [json.loads(line) for line in fh][index]


def build_corpus(root: Path) -> Path:
    for rel in REAL_FILES:
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(STDLIB / rel, dest)
    text = (STDLIB / "textwrap.py").read_text()
    (root / "planted").mkdir()
    (root / "planted/textwrap_renamed.py").write_text(
        rename_identifiers(text, {"width": "line_width"}).replace("# ", "#  "))
    heapq = (STDLIB / "heapq.py").read_text()
    (root / "planted/heapq_spaces.py").write_text(heapq.replace("\n", "  \n"))
    (root / "planted/binary.py").write_bytes(b"\x00\x01\x02 not text")
    (root / "planted/latin1.py").write_bytes(b"# caf\xe9\nx = 1\n")
    (root / "planted/empty.py").write_text("\n\n")
    (root / "planted/broken.py").write_text("def f(:\n    return 1\n" * 3)
    row = humaneval_row(0)
    (root / "planted/leaked.py").write_text(
        "import math\n\n\n" + row["prompt"] + row["canonical_solution"] + "\n\nprint(1)\n")
    (root / "notes.txt").write_text("not matched by the include glob\n")
    return root


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("corpus") / "src")
