"""The program judged for a model's completion: ONE function shared by rewards and evaluation.

``program_for`` extracts the code (fences, stop sequences, end tokens), joins it to the problem's
code prefix (``codetune.code.assemble``: a whole answer goes after the whole prompt, a body
continues it) and sanitises it the way evalplus does -- except for stdin/stdout programs, whose
top-level statements *are* the solution (the sanitiser would drop them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from codetune.code.assemble import Assembled, assemble
from codetune.code.extraction import completion_text, cut_at_stop, extract_code
from codetune.problems.model import Problem

_DEF = re.compile(r"^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)


def program_for(problem: Problem, completion: Any, mode: str = "chat",
                finish_reason: str = "unknown", sanitize: bool = True,
                stop: Sequence[str] = ()):
    """``Assembled`` (completion, program, truncated) for one output.

    ``completion``: a string or TRL's list of messages. ``mode``: ``chat`` (extract the answer's
    code; unfenced text is cut at ``stop``, else at the default stop sequences) or ``base`` (a
    continuation cut at ``stop``).
    """
    text = completion_text(completion)
    if mode == "chat" and stop and "```" not in text:  # unfenced: the caller's stops cut it
        text = cut_at_stop(text, stop)
    if problem.language != "python":
        if mode == "base":  # a continuation (MultiPL-E): cut at the task's stop tokens
            code = cut_at_stop(text, stop) if stop else text
        else:
            code = extract_code(text, problem.language)
        return Assembled(code, problem.code_prefix + code)
    do_sanitize = sanitize and problem.kind != "stdio"
    return assemble(text, problem.code_prefix, problem.entry_point, mode, stop, finish_reason,
                    do_sanitize, roots=problem.referenced_names())


def prompt_entry_point(prompt: str) -> str | None:
    """The function a completion-style prompt asks for: its last top-level ``def`` (HumanEval)."""
    names = _DEF.findall(prompt)
    return names[-1] if names else None


def is_code_prompt(prompt: Any) -> bool:
    """Whether ``prompt`` is a program to continue (a string that ends in an open function)."""
    return isinstance(prompt, str) and prompt_entry_point(prompt) is not None
