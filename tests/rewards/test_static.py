"""Static-analysis reward: parse validity, ruff, bandit, complexity; code is never executed."""

from codetune.rewards import build_reward
from codetune.rewards.static import StaticConfig, analyse, parse_and_complexity

CLEAN = '''def add(a: int, b: int) -> int:
    """Return the sum of a and b."""
    return a + b
'''
MESSY = '''import os, sys
def add(a,b):
  try:
    x = eval("a+b"); return x
  except:
    if a == None: return undefined_name
'''


def test_lint_clean_function_scores_above_messy_one():
    clean, messy = build_reward("static")([CLEAN, MESSY])
    assert clean == 1.0
    assert 0.0 < messy < clean


def test_findings_name_ruff_and_bandit_rules():
    report = analyse([MESSY])[0]
    assert {"F401", "E722", "F821"} <= set(report.lint)
    assert any(s.startswith("B307") for s in report.security)  # eval


def test_unparseable_code_scores_zero():
    assert build_reward("static")(["def add(a, b:\n    return"]) == [0.0]


def test_hacking_code_scores_zero():
    assert build_reward("static")(["import sys\nsys.exit(0)\n"]) == [0.0]


def test_code_is_never_executed(tmp_path):
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w').write('x')\n"
    build_reward("static")([code])
    assert not marker.exists()


def test_complexity_counts_decisions_per_function():
    code = "def f(x):\n    if x and x > 1:\n        return 1\n    for i in x:\n        pass\n"
    assert parse_and_complexity(code) == (True, 4)


def test_complexity_over_threshold_lowers_the_score():
    branches = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(16))
    code = f"def f(x):\n{branches}    return -1\n"
    assert analyse([code], StaticConfig())[0].score < 1.0


def test_javascript_parse_validity():
    cfg = StaticConfig(language="javascript")
    assert [r.parses for r in analyse(["function f(a) { return a + 1; }", "function ("], cfg)] \
        == [True, False]


def test_fenced_completion_is_scored_on_its_code():
    assert build_reward("static")([f"Sure:\n```python\n{CLEAN}```\n"]) == [1.0]
