import sysconfig
from pathlib import Path

import numpy as np

from codetune.data.dedup import ExactDedup, MinHasher, NearDedup, signature_jaccard
from tests.data.conftest import rename_identifiers

STDLIB = Path(sysconfig.get_paths()["stdlib"])


def _stdlib(*names):
    return [{"id": n, "text": (STDLIB / n).read_text()} for n in names]


def test_exact_dedup_ignores_whitespace_only_changes():
    text = (STDLIB / "bisect.py").read_text()
    recs = [{"text": text}, {"text": text.replace("\n", "   \n")}, {"text": text + "\nx = 1\n"}]
    step = ExactDedup()
    assert len(list(step.run(recs))) == 2
    assert step.stats["dropped:exact_duplicate"] == 1
    assert step.duplicates == {0: [1]}


def test_near_dedup_drops_a_renamed_and_recommented_copy():
    original = (STDLIB / "textwrap.py").read_text()
    copy = rename_identifiers(original, {"width": "line_width"})
    copy = copy.replace("# Hardcode", "# Hard-code").replace("    ", "  ")
    step = NearDedup(id_key="id")
    kept = list(step.run([{"id": "orig", "text": original}, {"id": "copy", "text": copy}]))
    assert [r["id"] for r in kept] == ["orig"]
    assert step.clusters == {"orig": ["copy"]}


def test_near_dedup_keeps_unrelated_files():
    recs = _stdlib("bisect.py", "heapq.py", "fnmatch.py", "colorsys.py", "shlex.py")
    step = NearDedup(id_key="id")
    assert len(list(step.run(recs))) == 5
    assert step.stats["dropped"] == 0


def test_near_dedup_is_deterministic():
    recs = _stdlib("encodings/cp1252.py", "encodings/cp1254.py", "encodings/cp437.py",
                   "encodings/cp860.py", "bisect.py")
    runs = []
    for _ in range(2):
        step = NearDedup(id_key="id")
        runs.append(([r["id"] for r in step.run(recs)], step.clusters))
    assert runs[0] == runs[1]


def test_near_dedup_keeps_the_first_record_of_a_cluster():
    recs = _stdlib("encodings/cp860.py", "encodings/cp437.py")
    step = NearDedup(id_key="id")
    assert [r["id"] for r in step.run(recs)] == ["encodings/cp860.py"]


def test_near_dedup_reads_several_fields_of_sft_records():
    text = (STDLIB / "colorsys.py").read_text()
    half = len(text) // 2
    recs = [{"prompt": text[:half], "completion": text[half:]},
            {"prompt": text[:half], "completion": text[half:].replace("# ", "#: ")}]
    step = NearDedup(text_key=["prompt", "completion"])
    assert len(list(step.run(recs))) == 1


def test_signature_jaccard_estimates_true_jaccard():
    hasher = MinHasher(num_perm=256)
    a = (STDLIB / "encodings/cp1252.py").read_text()
    b = (STDLIB / "encodings/cp1250.py").read_text()
    sa, sb = set(hasher.shingles(a).tolist()), set(hasher.shingles(b).tolist())
    true = len(sa & sb) / len(sa | sb)
    est = signature_jaccard(hasher.signature(a), hasher.signature(b))
    assert 0.1 < true < 0.95
    assert abs(est - true) < 0.1


def test_stdlib_codec_modules_collapse_into_clusters():
    names = sorted(p.relative_to(STDLIB).as_posix() for p in (STDLIB / "encodings").glob("cp*.py"))
    step = NearDedup(id_key="id")
    list(step.run(_stdlib(*names)))
    dropped = sum(len(v) for v in step.clusters.values())
    assert len(step.clusters) >= 4
    assert dropped >= 10
    assert all(np.all(len(v) >= 1) for v in step.clusters.values())
