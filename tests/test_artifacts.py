"""Atomic artifacts: nothing half-written, stale temps of killed builds cleaned, JSONL errors."""

from __future__ import annotations

import os
import stat

import pytest

from codetune.artifacts import atomic_dir, atomic_write_text, read_jsonl
from codetune.errors import CodetuneError


def test_atomic_dir_replaces_only_on_success(tmp_path):
    out = tmp_path / "ds"
    with atomic_dir(out) as tmp:
        (tmp / "a").write_text("1")
    with pytest.raises(RuntimeError), atomic_dir(out) as tmp:
        (tmp / "a").write_text("2")
        raise RuntimeError("boom")
    assert (out / "a").read_text() == "1"
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]


def test_atomic_dir_output_is_world_readable(tmp_path):
    with atomic_dir(tmp_path / "ds") as tmp:
        (tmp / "a").write_text("1")
    assert stat.S_IMODE(os.stat(tmp_path / "ds").st_mode) & 0o055


def test_stale_temp_of_dead_process_is_removed(tmp_path):
    stale = tmp_path / ".ds.tmp-999999999-abc"
    stale.mkdir()
    with atomic_dir(tmp_path / "ds"):
        pass
    assert not stale.exists()


def test_read_jsonl_names_bad_line(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text('{"a": 1}\n\n{oops\n')
    with pytest.raises(CodetuneError, match=r"x\.jsonl:3: not valid JSON"):
        list(read_jsonl(p))


def test_atomic_write_text_leaves_no_temp(tmp_path):
    atomic_write_text(tmp_path / "f.txt", "hi")
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_atomic_write_text_file_is_readable_by_others(tmp_path):
    atomic_write_text(tmp_path / "f.txt", "hi")
    assert stat.S_IMODE(os.stat(tmp_path / "f.txt").st_mode) & 0o044
