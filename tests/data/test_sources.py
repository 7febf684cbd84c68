import json
import subprocess

import pytest

from codetune.data.sources import SourceConfig, make_source
from codetune.errors import CodetuneError


def test_dir_source_counts_binary_and_undecodable_files(corpus_dir):
    src = make_source(SourceConfig(kind="dir", path=str(corpus_dir), name="c"))
    recs = list(src.records())
    paths = {r["path"] for r in recs}
    assert "planted/binary.py" not in paths and "planted/latin1.py" not in paths
    assert "notes.txt" not in paths and "encodings/cp437.py" in paths
    assert src.stats["skipped:binary"] == 1 and src.stats["skipped:undecodable"] == 1
    assert all(r["language"] == "python" and r["id"] == f"c:{r['path']}" for r in recs)


def test_exclude_glob_skips_files(corpus_dir):
    src = make_source(SourceConfig(kind="dir", path=str(corpus_dir), exclude=["planted/**"]))
    assert not any(r["path"].startswith("planted/") for r in src.records())


def test_git_source_reads_tracked_files_only(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "untracked.py").write_text("y = 2\n")
    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "a.py"], check=True)
    src = make_source(SourceConfig(kind="git", path=str(tmp_path)))
    assert [r["path"] for r in src.records()] == ["a.py"]


def test_jsonl_source_without_the_text_column_names_it(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"code": "x = 1", "path": "a.py"}) + "\n")
    src = make_source(SourceConfig(kind="jsonl", path=str(path)))
    with pytest.raises(CodetuneError, match="no column 'content'.*code"):
        list(src.records())
    src = make_source(SourceConfig(kind="jsonl", path=str(path), text_field="code"))
    assert [r["text"] for r in src.records()] == ["x = 1"]


def test_parquet_and_hf_disk_sources(tmp_path):
    import datasets

    ds = datasets.Dataset.from_list([{"content": "def f():\n    return 1\n", "path": "f.py"},
                                     {"content": "class A {}", "path": "A.java"}])
    ds.to_parquet(str(tmp_path / "part.parquet"))
    ds.save_to_disk(str(tmp_path / "hf"))
    pq = make_source(SourceConfig(kind="parquet", path=str(tmp_path / "*.parquet"),
                                  languages=["python"]))
    assert [r["path"] for r in pq.records()] == ["f.py"]
    hf = make_source(SourceConfig(kind="hf", path=str(tmp_path / "hf")))
    assert [r["language"] for r in hf.records()] == ["python", "java"]


def test_unknown_source_kind_is_an_error():
    with pytest.raises(CodetuneError, match="dir, git, jsonl"):
        make_source(SourceConfig(kind="svn"))


def test_stdlib_source_reads_the_interpreters_library():
    src = make_source(SourceConfig(kind="stdlib", include=["json/*.py"]))
    assert {r["path"] for r in src.records()} >= {"json/__init__.py", "json/decoder.py"}


def test_unreachable_hub_dataset_is_a_one_line_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    src = make_source(SourceConfig(kind="hf", path="no-such-org/no-such-dataset"))
    with pytest.raises(CodetuneError, match="cannot load dataset 'no-such-org/no-such-dataset'"):
        list(src.records())
