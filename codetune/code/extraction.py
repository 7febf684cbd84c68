"""Get the code out of a completion: chat messages, markdown fences, stop sequences.

A policy's output is rarely bare code. TRL hands reward functions either a string (standard
prompts) or a list of message dicts (conversational prompts); models wrap code in fences and keep
talking after it. ``extract_code`` is the one extraction rule of every reward, the miner and
evaluation (``eval run``, ``eval samples``); ``codetune.code.assemble.join_to_prompt`` then
places the code after the prompt, also for all of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from codetune.code.sanitize import END_TOKENS, definition_pattern, select_block
from codetune.languages import LANGUAGES, fence_tags

# Chat/special tokens a decoder may leave in the text when skip_special_tokens is off: the text
# ends at an end-of-turn/end-of-text token (END_TOKENS); the others are removed.
SPECIAL_TOKENS = (*END_TOKENS, "<|im_start|>", "<|pad|>")
# Where generated code usually stops being the solution (unfenced text only).
DEFAULT_STOP_SEQUENCES = ("\nif __name__", "\n# Test", "\n# Example usage", "\n# Example:",
                          "```", "[DONE]")
# Fence tags per language, from the registry (codetune/languages.py); "" = untagged.
LANGUAGE_TAGS = {name: fence_tags(name) for name in LANGUAGES}
_FENCE = re.compile(r"```([A-Za-z0-9_+#-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)


def completion_text(completion: Any) -> str:
    """The text of one completion: a string, or the assistant content of a message list."""
    if completion is None:
        return ""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return _content(completion.get("content", ""))
    if isinstance(completion, Sequence):
        parts = [_content(m.get("content", "")) for m in completion
                 if isinstance(m, dict) and m.get("role", "assistant") == "assistant"]
        return "\n".join(p for p in parts if p)
    return str(completion)


def _content(content: Any) -> str:
    # Multimodal-style content: [{"type": "text", "text": ...}, ...]
    if isinstance(content, list):
        return "".join(c.get("text", "") for c in content if isinstance(c, dict))
    return str(content or "")


def strip_special_tokens(text: str) -> str:
    """``text`` up to the first end token, without the other special tokens."""
    for tok in SPECIAL_TOKENS:
        if tok in text:
            text = text.split(tok, 1)[0] if tok in END_TOKENS else text.replace(tok, "")
    return text


def cut_at_stop(text: str, stop_sequences: Sequence[str] = DEFAULT_STOP_SEQUENCES) -> str:
    """Truncate ``text`` at the earliest stop sequence."""
    cut = len(text)
    for stop in stop_sequences:
        pos = text.find(stop)
        if pos != -1:
            cut = min(cut, pos)
    return text[:cut]


def _is_code(head: str, language: str) -> bool:
    if not head.strip():
        return False
    if language != "python":
        return True
    import ast

    try:
        ast.parse(head)
    except (SyntaxError, ValueError):
        # The continuation of a prompt's function body is indented: try it inside a def.
        try:
            ast.parse("def _f():\n" + head)
        except (SyntaxError, ValueError):
            return False
    return True


@dataclass(frozen=True)
class AnswerBlockStop:
    """A stop condition for chat answers: true once the text holds a closed fenced block (tagged
    ``language`` or untagged) that defines ``entry_point``.

    From then on ``extract_code(..., entry_point=...)`` picks that block whatever the model writes
    next (the first defining block wins, and a closed block never changes), so a decoder may stop
    the row there: the prose and usage examples after the code cost tokens and change no verdict.
    """

    entry_point: str
    language: str = "python"

    def __call__(self, text: str) -> bool:
        text = strip_special_tokens(text)
        tags = LANGUAGE_TAGS.get(self.language) or fence_tags(self.language)
        defines = definition_pattern(self.entry_point)
        return any(m.group(0).endswith("```") and m.group(1).lower() in tags
                   and defines.search(m.group(2)) for m in _FENCE.finditer(text))


def extract_code(completion: Any, language: str = "python",
                 stop_sequences: Sequence[str] = DEFAULT_STOP_SEQUENCES,
                 block: str = "auto", entry_point: str | None = None) -> str:
    """The code in ``completion``.

    Fenced blocks win, among blocks tagged with ``language`` or untagged: by default (``"auto"``)
    the block defining ``entry_point``, else the longest -- the same rule as evaluation
    (``codetune.code.sanitize.select_block``), so training rewards and pass@k judge the same
    program; ``"last"`` (open-r1's rule), ``"first"`` or ``"all"`` joined on request. An unclosed
    fence (a truncated generation) runs to the end. Without fences the text is cut at the first
    stop sequence.
    """
    text = strip_special_tokens(completion_text(completion))
    tags = LANGUAGE_TAGS.get(language) or fence_tags(language)
    first = _FENCE.search(text)
    if first and not first.group(1) and _is_code(text[:first.start()], language):
        # The prompt opened the fence ("```python\n"): this one closes it.
        return text[:first.start()].rstrip()
    blocks = [body for tag, body in _FENCE.findall(text) if tag.lower() in tags]
    if blocks:
        if block == "first":
            code = blocks[0]
        elif block == "all":
            code = "\n\n".join(blocks)
        elif block == "last":
            code = blocks[-1]
        else:
            code = select_block(blocks, entry_point)
        return code.strip("\n")
    # No opening fence of this language: a prompt that ended in "```python\n" leaves only the
    # closing fence in the completion, which the stop sequences cut off.
    return cut_at_stop(text, stop_sequences).rstrip()
