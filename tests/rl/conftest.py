"""Task files for RL tests: tiny prompts so a random-init 2M model's steps stay fast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ADD_TESTS = ["assert add(1, 2) == 3", "assert add(2, 2) == 4", "assert add(0, 5) == 5",
             "assert add(-1, 1) == 0"]


@pytest.fixture(scope="session")
def comment_tasks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Prompts that end inside a comment after a finished function.

    A random-init policy's completion is a valid program exactly when it contains no newline (the
    comment swallows it), so execution rewards vary within a group without any training: the
    wiring is tested on non-constant rewards. One task's function is wrong (2 of 4 tests pass).
    """
    rows = [
        {"task_id": "t0", "prompt": "def add(a, b):\n    return a + b\n# note:",
         "tests": ADD_TESTS},
        {"task_id": "t1", "prompt": "def add(a, b):\n    return a * b if a == 2 else a + b\n#",
         "tests": ADD_TESTS},
        {"task_id": "t2", "prompt": "def add(a, b):\n    return b + a\n# ok:", "tests": ADD_TESTS},
        {"task_id": "t3", "prompt": "def add(a, b):\n    return a - b\n#", "tests": ADD_TESTS},
    ]
    path = tmp_path_factory.mktemp("rl-tasks") / "tasks.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
