"""Summaries and reports: pass@k per run, paired comparison, plots written as PNGs."""

from __future__ import annotations

import json

import pytest

from codetune.artifacts import atomic_write_json
from codetune.errors import CodetuneError
from codetune.eval.benchmark_catalog import load_tasks
from codetune.eval.execution import SampleResult
from codetune.eval.report import paired_comparison, write_report
from codetune.eval.samples import Sample
from codetune.eval.summary import build_summary

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _summary(tasks, passed: dict[str, list[bool]], label: str, codebleu: bool = False):
    """A summary built by the real code from given verdicts (no execution involved)."""
    samples, results = [], []
    by_id = {t.task_id: t for t in tasks}
    for task_id, verdicts in passed.items():
        for cid, ok in enumerate(verdicts):
            samples.append(Sample(task_id, cid, "", by_id[task_id].canonical_solution))
            results.append(SampleResult(task_id, cid, ok, "passed" if ok else "failed", "",
                                        int(ok), 1, 0.01))
    summary = build_summary("humaneval", tasks, samples, results, [1, 2, 5], 1.0,
                            with_codebleu=codebleu)
    summary["label"] = label
    return summary


@pytest.fixture(scope="module")
def tasks():
    return load_tasks("humaneval", {"limit": 4})


def test_summary_counts_and_reports_k_it_cannot_compute(tasks):
    s = _summary(tasks, {"HumanEval/0": [True, False], "HumanEval/1": [False, False]}, "a")
    assert s["pass_at_k"] == {"pass@1": 0.25, "pass@2": 0.5}
    assert "pass@5" in s["pass_at_k_not_computed"]
    assert s["tasks_without_samples"] == ["HumanEval/2", "HumanEval/3"]
    assert s["per_task"]["HumanEval/0"] == {"n": 2, "correct": 1, "pass@1": 0.5, "pass@2": 1.0,
                                            "pass@5": None}


def test_summary_codebleu_of_canonical_programs_is_one(tasks):
    s = _summary(tasks, {"HumanEval/0": [True]}, "a", codebleu=True)
    assert s["codebleu"]["codebleu"] == pytest.approx(1.0) and s["codebleu"]["pairs"] == 1


def test_paired_comparison_counts_gained_and_lost(tasks):
    a = _summary(tasks, {t.task_id: [i < 2] for i, t in enumerate(tasks)}, "a")
    b = _summary(tasks, {t.task_id: [i in (1, 2, 3)] for i, t in enumerate(tasks)}, "b")
    c = paired_comparison(a, b)
    assert (c["shared_tasks"], c["gained"], c["lost"]) == (4, 2, 1)
    assert c["mcnemar_z"] == pytest.approx(1 / 3 ** 0.5)


def test_report_compares_runs_with_table_and_plots(tmp_path, tasks):
    runs = []
    for label, verdicts in (("sft", [True, False]), ("grpo", [True, True])):
        run = tmp_path / label
        atomic_write_json(run / "summary.json", _summary(
            tasks, {t.task_id: verdicts for t in tasks}, label, codebleu=label == "grpo"))
        runs.append(run)
    report = write_report(runs, tmp_path / "report")
    text = report.read_text()
    assert "| sft | humaneval | 4 | 2 | 0.5000 | 1.0000 |" in text
    assert "| grpo | humaneval | 4 | 2 | 1.0000 | 1.0000 |" in text
    assert "sft -> grpo" in text and "CodeBLEU" in text
    for png in ("pass_at_k.png", "task_grid_humaneval.png", "codebleu.png"):
        assert (tmp_path / "report" / png).read_bytes()[:8] == PNG_MAGIC


def test_report_of_a_dir_without_summary_is_an_error(tmp_path):
    with pytest.raises(CodetuneError, match="no summary.json"):
        write_report([tmp_path], tmp_path / "out")


def test_report_of_a_non_eval_json_is_an_error(tmp_path):
    (tmp_path / "summary.json").write_text(json.dumps({"loss": 1.0}))
    with pytest.raises(CodetuneError, match="not an eval summary"):
        write_report([tmp_path], tmp_path / "out")
