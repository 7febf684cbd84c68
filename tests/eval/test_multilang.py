"""MultiPL-E and HumanEval-X benchmarks: loaders, MultiPL-E's sample format, per-sample verdicts
in every language, and HumanEval-X canonical solutions passing in the sandbox."""

from __future__ import annotations

import json

import pytest

from codetune.eval.benchmark_catalog import load_tasks
from codetune.eval.samples import read_samples

STRLEN = "HumanEval_23_strlen"
# MultiPL-E's strlen, per language: a right and a wrong completion (cut before the stop token,
# as MultiPL-E's own completion files hold them).
COMPLETIONS = {
    "cpp": ("    return string.size();", "    return string.size() + 1;"),
    "java": ("        return string.length();", "        return 0l;"),
    "js": ("  return string.length;\n}", "  return string.length - 1;\n}"),
    "ts": ("  return string.length;\n}", "  return 7;\n}"),
    "go": ("    return len(myString)\n}\n", "    return 1\n}\n"),
    "rs": ("    string.len() as isize", "    0"),
    "sh": ("    echo ${#1}", "    echo 0"),
}


@pytest.mark.parametrize("suffix,language,rows", [
    ("cpp", "cpp", 161), ("java", "java", 158), ("js", "javascript", 161),
    ("ts", "typescript", 159), ("go", "go", 154), ("rs", "rust", 156), ("sh", "bash", 158)])
def test_multipl_e_loads_with_its_language_and_stop_tokens(suffix, language, rows):
    tasks = load_tasks(f"multipl-e-{suffix}")
    assert abs(len(tasks) - rows) <= 8 and {t.language for t in tasks} == {language}
    strlen = next(t for t in tasks if t.task_id == STRLEN)
    assert strlen.stop and strlen.code_prefix == strlen.prompt and not strlen.canonical_solution


@pytest.mark.parametrize("folder,language", [
    ("cpp", "cpp"), ("java", "java"), ("js", "javascript"), ("go", "go"), ("rust", "rust")])
def test_humaneval_x_loads_164_tasks_with_canonical_programs(folder, language):
    tasks = load_tasks(f"humaneval-x-{folder}")
    assert len(tasks) == 164 and {t.language for t in tasks} == {language}
    assert all(t.canonical_solution.startswith(t.code_prefix) for t in tasks)


def test_rust_declarations_lose_the_crates_the_sandbox_lacks():
    task = load_tasks("humaneval-x-rust", {"limit": 1})[0]
    assert "use rand" not in task.code_prefix and "fn has_close_elements" in task.code_prefix


def test_multipl_e_completion_files_expand_to_one_sample_per_completion(tmp_path):
    path = tmp_path / "s.jsonl"
    row = {"name": STRLEN, "language": "cpp", "completions": [
        "    return string.size();\n}\nint junk;", "    return 0;"]}
    path.write_text(json.dumps(row) + "\n")
    samples = read_samples(path, load_tasks("multipl-e-cpp")).samples
    assert [s.completion_id for s in samples] == [0, 1]
    assert samples[0].completion == "    return string.size();"  # cut at the stop token "\n}"


@pytest.mark.docker
@pytest.mark.slow
def test_every_multipl_e_language_gives_per_sample_verdicts(tmp_path, sandbox_pool):
    from codetune.eval.config import SamplesEvalConfig
    from codetune.eval.run import evaluate_samples

    for suffix, (right, wrong) in COMPLETIONS.items():
        path = tmp_path / f"{suffix}.jsonl"
        path.write_text(json.dumps({"name": STRLEN, "completions": [right, wrong]}) + "\n")
        cfg = SamplesEvalConfig(samples=str(path), benchmark=f"multipl-e-{suffix}", k=[1],
                                output_dir=str(tmp_path / suffix))
        evaluate_samples(cfg, pool=sandbox_pool)
        results = [json.loads(line) for line in
                   (tmp_path / suffix / "results.jsonl").read_text().splitlines()]
        assert [r["passed"] for r in results] == [True, False], (suffix, results)
        assert results[1]["status"] == "failed", (suffix, results[1]["reason"])


@pytest.mark.docker
@pytest.mark.slow
def test_the_eval_samples_command_gives_per_sample_verdicts_in_every_language(tmp_path):
    # `codetune eval samples --benchmark multipl-e-<lang>` on MultiPL-E's own completion-file
    # format (one row per problem, a list of completions), through the CLI and its own pool.
    import subprocess
    import sys

    for suffix, (right, wrong) in COMPLETIONS.items():
        path = tmp_path / f"{suffix}.jsonl"
        path.write_text(json.dumps({"name": STRLEN, "language": suffix,
                                    "completions": [wrong, right]}) + "\n")
        out = tmp_path / f"out-{suffix}"
        proc = subprocess.run([sys.executable, "-m", "codetune.cli", "eval", "samples",
                               "--samples", str(path), "--benchmark", f"multipl-e-{suffix}",
                               "--k", "1", "--output-dir", str(out)],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, (suffix, proc.stderr[-2000:])
        results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
        assert [(r["completion_id"], r["passed"]) for r in results] == [(0, False), (1, True)], \
            (suffix, results)
        summary = json.loads((out / "summary.json").read_text())
        assert summary["pass_at_k"]["pass@1"] == pytest.approx(0.5), (suffix, summary)
