"""Mixture control: task ratios, the per-source cap, and spreading over source records."""

from __future__ import annotations

import random
from collections import Counter

from codetune.config import load_config
from codetune.data.sft.config import SFTRecipe
from codetune.data.sft.render import mix
from codetune.data.sft.report import SFTReport


def _samples() -> list[dict]:
    rows = []
    for task, n, source in (("generate", 100, "a"), ("explain", 30, "b"), ("fix", 60, "a")):
        rows += [{"task": task, "source": source, "source_id": f"{task}{i // 2}"}
                 for i in range(n)]
    return rows


def _cfg(**mixture) -> SFTRecipe:
    return load_config(SFTRecipe, None, tasks=["generate", "explain", "fix"],
                       mixture={"ratios": {"generate": 0.5, "explain": 0.25, "fix": 0.25},
                                **mixture})


def test_ratios_are_met_and_the_scarcest_task_limits_the_total():
    report = SFTReport()
    out = Counter(s["task"] for s in mix(_samples(), _cfg(), random.Random(0), report))
    assert out == {"generate": 60, "explain": 30, "fix": 30}
    assert report.mixture["exhausted"] == ["explain"]
    assert report.drops["mixture"]["ratio:generate"] == 40


def test_total_caps_the_selection():
    out = mix(_samples(), _cfg(total=40), random.Random(0), SFTReport())
    assert Counter(s["task"] for s in out) == {"generate": 20, "explain": 10, "fix": 10}


def test_max_per_source_caps_each_source():
    report = SFTReport()
    out = mix(_samples(), _cfg(max_per_source=50), random.Random(0), report)
    assert Counter(s["source"] for s in out)["a"] <= 50
    assert report.drops["mixture"]["max_per_source:a"] == 110


def test_first_samples_of_every_record_come_before_second_ones():
    out = mix(_samples(), _cfg(), random.Random(0), SFTReport())
    fix_ids = [s["source_id"] for s in out if s["task"] == "fix"]
    assert len(set(fix_ids)) == len(fix_ids) == 30


def test_a_scarce_task_gives_all_it_has_and_the_others_fill_the_total():
    out = mix(_samples(), _cfg(total=120), random.Random(0), SFTReport())
    counts = Counter(s["task"] for s in out)
    assert counts["explain"] == 30 and counts["generate"] == 60 and counts["fix"] == 30
    out = mix(_samples(), _cfg(total=150), random.Random(0), SFTReport())
    counts = Counter(s["task"] for s in out)
    assert counts["explain"] == 30 and counts["generate"] == 80 and counts["fix"] == 40


def test_strict_keeps_exact_shares_even_below_the_total():
    out = mix(_samples(), _cfg(total=150, strict=True), random.Random(0), SFTReport())
    assert Counter(s["task"] for s in out) == {"generate": 60, "explain": 30, "fix": 30}
