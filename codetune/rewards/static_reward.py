"""Static-analysis reward: ``StaticReport.score`` of each completion's extracted code."""

from __future__ import annotations

from typing import Any

from codetune.code.assemble import program_text
from codetune.code.extraction import DEFAULT_STOP_SEQUENCES
from codetune.rewards.registry import RewardFunc, register_reward
from codetune.rewards.static import StaticConfig, analyse


@register_reward("static")
def static_reward(stop_sequences: list[str] | None = None, **config: Any) -> RewardFunc:
    """Score in [0, 1] from parse validity, ruff, bandit and complexity; never runs the code."""
    from codetune.config import build_dataclass

    cfg = build_dataclass(StaticConfig, config)
    stops = tuple(stop_sequences) if stop_sequences is not None else DEFAULT_STOP_SEQUENCES

    def static(completions: list, code_prefix: Any = None, entry_point: Any = None,
               log_metric: Any = None, **columns: Any) -> list[float | None]:
        n = len(completions)
        prefix = code_prefix if isinstance(code_prefix, list) else [code_prefix] * n
        entry = entry_point if isinstance(entry_point, list) else [entry_point] * n
        codes = [program_text(c, p, e, cfg.language, stops)
                 for p, c, e in zip(prefix, completions, entry, strict=True)]
        reports = analyse(codes, cfg)
        static.last_reports = reports  # type: ignore[attr-defined]
        if log_metric is not None and reports:
            log_metric("static/parse_rate", sum(r.parses for r in reports) / len(reports))
            log_metric("static/lint_per_program",
                       sum(len(r.lint) for r in reports) / len(reports))
        return [r.score for r in reports]

    return static
