"""Static detection of reward-hacking attempts (the code is parsed, never run)."""

import pytest

from codetune.rewards.hacking import hacking_findings

HACKS = {
    "sys_exit": "import sys\ndef f():\n    return 1\nsys.exit(0)\n",
    "os_exit": "import os\nos._exit(0)\n",
    "raise_system_exit": "raise SystemExit(0)\n",
    "always_equal": "class E:\n    def __eq__(self, other):\n        return True\n",
    "always_equal_lambda": "class E:\n    __eq__ = lambda self, other: True\n",
    "patch_builtins": "import builtins\nbuiltins.AssertionError = Exception\n",
    "rebind_assertion_error": "AssertionError = type('X', (Exception,), {})\n",
    "frame_walk": "import sys\nframe = sys._getframe(1)\n",
}


@pytest.mark.parametrize("name", sorted(HACKS))
def test_hacking_pattern_is_found(name):
    assert hacking_findings(HACKS[name])


def test_ordinary_solution_has_no_findings():
    code = ("import math\n\nclass Point:\n    def __eq__(self, other):\n"
            "        return self.x == other.x\n\ndef dist(a, b):\n    return math.hypot(a, b)\n")
    assert hacking_findings(code) == []


def test_unparseable_code_has_no_findings():
    assert hacking_findings("def f(:\n") == []
