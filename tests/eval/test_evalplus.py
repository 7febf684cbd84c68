"""HumanEval+/MBPP+ with evalplus' semantics: its comparison, its MBPP+ types, its verdicts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from codetune.eval import evalplus_data as epd


def _checker(dataset: str, entry: str, atol: float = 0.0):
    ns: dict = {}
    exec(epd.checker_code(dataset, entry, atol), ns)

    def check(inp, exp, got):
        verdict = ns["check"]([epd.encode(list(inp))], epd.encode(exp), got)
        return verdict[0] if isinstance(verdict, tuple) else verdict  # (False, why) or a bool
    return check


def test_values_cross_as_tagged_json_with_their_types():
    value = [(1, 2), {3}, frozenset({4}), {(5, 6): 1.5j}, float("inf"), None, "x"]
    assert epd.decode(json.loads(json.dumps(epd.encode(value)))) == value
    assert type(epd.decode(epd.encode((1,)))) is tuple


def test_mbpp_plus_inputs_get_evalplus_types():
    rows = {r["task_id"]: r for r in epd.load_rows("mbpp+")}
    assert isinstance(rows["Mbpp/2"]["base_input"][0][0], tuple)
    assert isinstance(rows["Mbpp/124"]["base_input"][0][1], complex)


def test_comparison_follows_evalplus():
    exact = _checker("humaneval", "f")
    assert exact([1], [1, 2], [1, 2]) is True
    assert exact([1], (1, 2), [1, 2]) is False  # a list is not the expected tuple
    assert exact([1], 0.5, 0.5 + 1e-9) is True  # float outputs: atol 1e-6 is forced
    assert exact([1], "a", "b") is False
    sets = _checker("mbpp", "similar_elements")  # Mbpp/2: compared as sets
    assert sets([(1, 2), (2, 1)], (1, 2), (2, 1)) is True
    not_none = _checker("mbpp", "check_str")  # only "not None" is checked
    assert not_none(["a"], True, "match") is True and not_none(["a"], True, None) is False


def test_atol_stays_forced_for_later_inputs_as_in_evalplus():
    check = _checker("humaneval", "f")
    assert check([1], 1.0, 1.0) is True  # sets atol = 1e-6 for the rest of the job
    assert check([2], [1, 2], [1.0000001, 2]) is True  # evalplus: allclose on the int list


def _codetune(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codetune.cli", *args], capture_output=True,
                          text=True, timeout=600)


@pytest.mark.docker
@pytest.mark.slow
def test_eval_samples_humaneval_plus_gives_evalplus_verdicts(tmp_path):
    """A few tasks, evalplus' sample format in; base/plus verdicts equal evalplus' own."""
    evalplus_eval = pytest.importorskip("evalplus.evaluate", reason="pip install evalplus==0.3.1")
    from evalplus.gen.util import trusted_exec

    rows = {r["task_id"]: r for r in epd.load_rows("humaneval+")}
    ids = ["HumanEval/0", "HumanEval/2", "HumanEval/13", "HumanEval/53"]
    samples = []
    for task_id in ids:
        row = rows[task_id]
        samples.append({"task_id": task_id, "solution": row["prompt"] + row["canonical_solution"]})
        samples.append({"task_id": task_id, "completion": "    return None\n"})
    samples.append({"task_id": "HumanEval/13", "solution":  # right for small, slow for big
                    "def greatest_common_divisor(a, b):\n"
                    "    return max(d for d in range(1, min(a, b) + 1) if a % d == b % d == 0)\n"})
    path = tmp_path / "samples.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in samples))
    out = _codetune("eval", "samples", "--samples", str(path), "--benchmark", "humaneval+",
                    "--k", "1", "-o", str(tmp_path / "out"))
    assert out.returncode == 0, out.stderr[-2000:]
    ours = [json.loads(x) for x in (tmp_path / "out" / "results.jsonl").open()]
    theirs = []
    for s in samples:
        row = rows[s["task_id"]]
        ref = row["prompt"] + row["canonical_solution"]
        truth = {}
        for part in ("base", "plus"):
            truth[part], truth[part + "_time"] = trusted_exec(
                ref, row[part + "_input"], row["entry_point"], record_time=True)
        got = evalplus_eval.check_correctness(
            "humaneval", 0, row, s.get("solution") or row["prompt"] + s["completion"], truth,
            fast_check=True)
        theirs.append([got["base"][0], got["plus"][0]])
    def verdict(status: str) -> str:  # evalplus under fast_check reports a timeout as fail
        return "pass" if status == "pass" else "fail"

    assert [[verdict(r["base_status"]), verdict(r["plus_status"])] for r in ours] == \
        [[verdict(b), verdict(p)] for b, p in theirs]
    assert theirs[0] == ["pass", "pass"] and theirs[1] == ["fail", "fail"]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["base_pass_at_k"]["pass@1"] >= summary["plus_pass_at_k"]["pass@1"]
    assert (tmp_path / "out" / "eval_results.json").exists()
