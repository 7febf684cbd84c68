"""Static analysis of candidate code: parse validity, lint, security, complexity. Never runs it.

Parse validity comes from tree-sitter (any language with a grammar installed); lint findings from
ruff and security findings from bandit (Python only), each called once per *batch* over a temp
folder of files, so a GRPO step pays one ruff process and one in-process bandit scan, not one per
completion. The score is in [0, 1]: 0 when the code does not parse, is empty or tries to hack the
reward; otherwise 1 minus capped, weighted penalties.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from codetune.rewards.hacking import hacking_findings

DECISION_NODES = {
    "if_statement", "elif_clause", "for_statement", "while_statement", "except_clause",
    "boolean_operator", "conditional_expression", "case_clause", "if_clause", "for_in_clause",
    "catch_clause", "switch_case", "ternary_expression", "do_statement", "for_in_statement",
    "enhanced_for_statement", "binary_expression_logical",
}


@dataclass
class StaticConfig:
    """How static findings turn into a score."""

    language: str = field(default="python", metadata={"help": "tree-sitter grammar: python, "
                                                      "javascript, java or cpp."})
    lint_select: str = field(default="E,F,W,B", metadata={"help": "ruff rule prefixes."})
    lint_ignore: str = field(default="E501,W291,W292,W293", metadata={
        "help": "ruff rules not counted (line length and whitespace are style, not quality)."})
    bandit_skip: str = field(default="B101", metadata={"help": "bandit tests skipped (B101: "
                                                       "assert is how tests are written)."})
    lint_weight: float = field(default=0.4, metadata={"help": "penalty at lint_cap findings."})
    lint_cap: int = field(default=5, metadata={"help": "lint findings for the full penalty."})
    security_weight: float = field(default=0.3, metadata={"help": "penalty at security_cap."})
    security_cap: float = field(default=3.0, metadata={
        "help": "severity-weighted bandit findings (low 1, medium 2, high 3) for full penalty."})
    complexity_weight: float = field(default=0.2, metadata={"help": "penalty at max complexity."})
    complexity_threshold: int = field(default=10, metadata={
        "help": "cyclomatic complexity (McCabe 1976) per function allowed without penalty."})
    complexity_span: int = field(default=10, metadata={"help": "extra complexity to full penalty."})
    hacking_score: float = field(default=0.0, metadata={
        "help": "score for code with reward-hacking patterns (sys.exit, patched builtins ...)."})
    max_chars: int = field(default=20000, metadata={"help": "longer code scores 0 (length cap)."})


@dataclass
class StaticReport:
    """Findings for one program; ``score`` in [0, 1]."""

    parses: bool
    lint: list[str] = field(default_factory=list)
    security: list[str] = field(default_factory=list)
    complexity: int = 0
    hacking: list[str] = field(default_factory=list)
    score: float = 0.0


@cache
def _parser(language: str):
    from tree_sitter import Parser

    from codetune.errors import CodetuneError
    from codetune.languages import load_grammar

    try:
        return Parser(load_grammar(language))
    except CodetuneError as exc:
        raise CodetuneError(f"static analysis: {exc}") from None


def parse_and_complexity(code: str, language: str = "python") -> tuple[bool, int]:
    """(parses, max cyclomatic complexity over functions, or of the module without any)."""
    tree = _parser(language).parse(code.encode("utf-8", "replace"))
    root = tree.root_node
    if root.has_error or not code.strip():
        return False, 0
    worst, stack = 1, [(root, None)]
    per_fn: dict[int, int] = {}
    while stack:
        node, fn = stack.pop()
        if node.type in ("function_definition", "method_declaration", "function_declaration"):
            fn = node.id
            per_fn.setdefault(fn, 1)
        elif node.type in DECISION_NODES:
            per_fn[fn] = per_fn.get(fn, 1) + 1
        stack.extend((c, fn) for c in node.children if c.is_named)
    if per_fn:
        worst = max(per_fn.values())
    return True, worst


def _ruff_bin() -> str:
    local = Path(sys.executable).with_name("ruff")
    return str(local) if local.exists() else (shutil.which("ruff") or "ruff")


def ruff_findings(folder: Path, cfg: StaticConfig) -> dict[str, list[str]]:
    """ruff rule codes per file name, one ruff process for the whole folder."""
    cmd = [_ruff_bin(), "check", "--no-cache", "--isolated", "--output-format", "json",
           "--select", cfg.lint_select, "--ignore", cfg.lint_ignore, "--exit-zero", str(folder)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    found: dict[str, list[str]] = {}
    for item in json.loads(out.stdout or "[]"):
        found.setdefault(Path(item["filename"]).name, []).append(item.get("code") or "syntax")
    return found


def bandit_findings(folder: Path, cfg: StaticConfig) -> dict[str, list[str]]:
    """bandit ``TEST_ID:SEVERITY`` per file name, scanned in-process (no interpreter start-up)."""
    import logging

    logging.getLogger("bandit").setLevel(logging.ERROR)
    logging.getLogger("stevedore").setLevel(logging.CRITICAL)  # optional formatters (sarif)
    skip = [s.strip() for s in cfg.bandit_skip.split(",") if s.strip()]
    with warnings.catch_warnings():  # bandit 1.9 warns about its own deprecated arguments
        warnings.simplefilter("ignore")
        from bandit.core import config as bconfig
        from bandit.core import manager

        conf = bconfig.BanditConfig()
        if skip:
            conf.config["skips"] = skip
        mgr = manager.BanditManager(conf, "file", quiet=True)
        mgr.discover_files([str(folder)], recursive=True)
        mgr.run_tests()
    found: dict[str, list[str]] = {}
    for issue in mgr.get_issue_list():
        if issue.test_id in skip:
            continue
        found.setdefault(Path(issue.fname).name, []).append(f"{issue.test_id}:{issue.severity}")
    return found


SEVERITY = {"LOW": 1.0, "MEDIUM": 2.0, "HIGH": 3.0}


def score_report(r: StaticReport, cfg: StaticConfig) -> float:
    if not r.parses:
        return 0.0
    if r.hacking:
        return cfg.hacking_score
    sec = sum(SEVERITY.get(s.split(":")[-1], 1.0) for s in r.security)
    penalty = cfg.lint_weight * min(1.0, len(r.lint) / max(cfg.lint_cap, 1))
    penalty += cfg.security_weight * min(1.0, sec / max(cfg.security_cap, 1e-9))
    over = max(0, r.complexity - cfg.complexity_threshold)
    penalty += cfg.complexity_weight * min(1.0, over / max(cfg.complexity_span, 1))
    return max(0.0, 1.0 - penalty)


def analyse(codes: list[str], cfg: StaticConfig | None = None) -> list[StaticReport]:
    """Static reports for a batch of programs (same order)."""
    cfg = cfg or StaticConfig()
    reports = []
    for code in codes:
        too_long = len(code) > cfg.max_chars
        parses, cc = (False, 0) if too_long else parse_and_complexity(code, cfg.language)
        hacks = hacking_findings(code) if parses and cfg.language == "python" else []
        reports.append(StaticReport(parses=parses, complexity=cc, hacking=hacks))
    todo = [i for i, r in enumerate(reports) if r.parses]
    if todo and cfg.language == "python":
        with tempfile.TemporaryDirectory(prefix="codetune-static-") as tmp:
            folder = Path(tmp)
            for i in todo:
                (folder / f"c{i}.py").write_text(codes[i], encoding="utf-8")
            lint, sec = ruff_findings(folder, cfg), bandit_findings(folder, cfg)
        for i in todo:
            reports[i].lint = lint.get(f"c{i}.py", [])
            reports[i].security = sec.get(f"c{i}.py", [])
    for r in reports:
        r.score = score_report(r, cfg)
    return reports
