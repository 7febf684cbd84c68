"""``codetune eval run`` from a model dir to a report; the CLI's bad-input paths."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from codetune.eval.config import EvalConfig, SamplesEvalConfig
from codetune.eval.report import write_report
from codetune.eval.run import evaluate_model, evaluate_samples


def _codetune(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codetune.cli", *args], capture_output=True,
                          text=True, timeout=300)


@pytest.mark.docker
@pytest.mark.slow
def test_model_run_writes_human_eval_samples_that_re_evaluate_identically(
        tmp_path, tiny_model_dir, sandbox_pool):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        config = EvalConfig(model=str(tiny_model_dir), benchmark="humaneval", limit=3, n=2,
                            k=[1, 2], temperature=1.0, max_new_tokens=16, batch_size=6,
                            output_dir=str(tmp_path / "run"), label="tiny")
        summary = evaluate_model(config, pool=sandbox_pool)
    finally:
        torch.set_num_threads(threads)
    run = tmp_path / "run"
    samples = [json.loads(x) for x in (run / "samples.jsonl").read_text().splitlines()]
    assert [s["task_id"] for s in samples] == [f"HumanEval/{i}" for i in (0, 0, 1, 1, 2, 2)]
    assert all(isinstance(s["completion"], str) and "solution" in s for s in samples)
    assert summary["samples"] == 6 and set(summary["pass_at_k"]) == {"pass@1", "pass@2"}
    assert (run / "config.yaml").exists() and "codebleu" in summary["codebleu"]
    again = evaluate_samples(SamplesEvalConfig(samples=str(run / "samples.jsonl"), k=[1, 2],
                                               codebleu=False, output_dir=str(tmp_path / "re")),
                             pool=sandbox_pool)
    first = (run / "results.jsonl").read_text().splitlines()
    second = (tmp_path / "re" / "results.jsonl").read_text().splitlines()
    assert [json.loads(x)["status"] for x in first] == [json.loads(x)["status"] for x in second]
    assert again["pass_at_k"] == summary["pass_at_k"]
    assert (write_report([run, tmp_path / "re"], tmp_path / "report")).exists()


def test_cli_names_the_malformed_line_in_one_line(tmp_path):
    bad = tmp_path / "s.jsonl"
    bad.write_text('{"task_id": "HumanEval/0", "completion": ""}\n{oops\n')
    out = _codetune("eval", "samples", "--samples", str(bad))
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert out.returncode == 2 and len(lines) == 1
    assert "s.jsonl:2: not valid JSON" in lines[0] and "Traceback" not in out.stderr


def test_cli_rejects_k_above_n_before_loading(tmp_path):
    out = _codetune("eval", "run", "--model", str(tmp_path), "--n", "1", "--k", "1,10")
    assert out.returncode == 2 and "pass@10 needs at least 10 samples" in out.stderr


def test_cli_codebleu_prints_the_scores(tmp_path):
    (tmp_path / "p.txt").write_text("def f(a):\n")
    (tmp_path / "r.txt").write_text("def f(a):\n")
    out = _codetune("eval", "codebleu", "--predictions", str(tmp_path / "p.txt"),
                    "--references", str(tmp_path / "r.txt"), "-o", str(tmp_path / "cb.json"))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ngram_match_score"] == json.loads(
        (tmp_path / "cb.json").read_text())["ngram_match_score"]
