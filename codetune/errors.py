"""One exception type for bad input: the CLI prints its message as one line, no traceback."""

from __future__ import annotations


class CodetuneError(Exception):
    """Bad input or an unmet precondition; the message names the file/line/key and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))
