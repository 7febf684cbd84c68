"""Sanitisation: code extraction, stop sequences, keeping what the entry point needs."""

from __future__ import annotations

from codetune.code.assemble import program_from_output
from codetune.code.extraction import extract_code
from codetune.code.sanitize import longest_parsable_prefix, sanitize, truncate_at_stop

PROMPT = 'from typing import List\n\n\ndef f(xs: List[int]) -> int:\n    """Sum."""\n'


def test_stop_sequence_cuts_at_the_earliest():
    assert truncate_at_stop("a\nprint(1)\ndef g", ["\ndef", "\nprint"]) == "a"


def test_end_of_turn_tokens_always_stop():
    assert truncate_at_stop("x = 1<|im_end|>junk", []) == "x = 1"


def test_chat_answer_takes_the_fence_defining_the_entry_point():
    text = ("Example:\n```python\nprint(f([1]))\n```\nSolution:\n```python\n"
            "def f(xs):\n    return sum(xs)\n```\nDone.")
    assert extract_code(text, entry_point="f") == "def f(xs):\n    return sum(xs)"


def test_chat_answer_without_the_entry_point_takes_the_longest_fence():
    text = "```python\nx = 1\n```\n```py\ndef g():\n    return 2\n```"
    assert extract_code(text) == "def g():\n    return 2"


def test_other_language_fences_are_ignored():
    text = "```bash\npip install x\n```\n```python\ndef f(): pass\n```"
    assert extract_code(text, entry_point="f") == "def f(): pass"


def test_unfenced_text_is_cut_at_the_shared_stop_sequences():
    text = "def f():\n    return 1\n\nif __name__ == '__main__':\n    f()\n"
    assert extract_code(text) == "def f():\n    return 1"


def test_sanitize_drops_prints_main_blocks_and_asserts():
    code = ("import math\n\ndef f(x):\n    return math.sqrt(x)\n\nprint(f(4))\nassert f(4) == 2\n"
            "if __name__ == '__main__':\n    f(9)\n")
    assert sanitize(code, "f") == "import math\ndef f(x):\n    return math.sqrt(x)\n"


def test_sanitize_keeps_helpers_and_constants_the_entry_point_uses():
    code = ("K = 3\n\ndef helper(x):\n    return x * K\n\ndef unused():\n    pass\n\n"
            "@staticmethod\ndef other():\n    pass\n\ndef f(x):\n    return helper(x)\n")
    out = sanitize(code, "f")
    assert "def helper" in out and "K = 3" in out and "def f" in out
    assert "unused" not in out and "other" not in out


def test_sanitize_keeps_decorators_of_kept_functions():
    code = "import functools\n\n@functools.lru_cache(None)\ndef f(n):\n    return n\n"
    assert "@functools.lru_cache(None)\ndef f(n)" in sanitize(code, "f")


def test_sanitize_keeps_names_the_tests_use_besides_the_entry_point():
    code = "class Node:\n    pass\n\ndef depth(n):\n    return 0\n"
    assert "class Node" in sanitize(code, ["depth", "Node"])
    assert "class Node" not in sanitize(code, ["depth"])


def test_truncated_tail_is_dropped_to_the_longest_parsable_prefix():
    assert longest_parsable_prefix("def f():\n    return 1\ndef g(:\n") == \
        "def f():\n    return 1"


def test_base_completion_is_cut_at_stop_and_joined_to_the_prompt():
    completion, program = program_from_output(
        "    return sum(xs)\n\nprint(f([1]))\ndef g(): pass", PROMPT, "f", "base",
        ["\ndef", "\nprint"])
    assert completion == "    return sum(xs)\n"
    assert program.endswith("def f(xs: List[int]) -> int:\n    \"\"\"Sum.\"\"\"\n"
                            "    return sum(xs)\n")
    assert program.startswith("from typing import List")


def test_chat_function_gets_the_prompts_imports():
    _, program = program_from_output("```python\ndef f(xs: List[int]) -> int:\n"
                                     "    return sum(xs)\n```", PROMPT, "f", "chat", [])
    assert program == "from typing import List\ndef f(xs: List[int]) -> int:\n" \
                      "    return sum(xs)\n"


def test_syntax_error_in_the_completion_is_not_hidden_by_sanitising():
    # Sanitising to the longest parsable prefix would leave only the prompt's stub.
    completion, program = program_from_output("    return sum(xs\n", PROMPT, "f", "base", [])
    assert program == PROMPT + completion


def test_helpers_the_tests_call_survive_even_if_the_entry_point_does_not_use_them():
    from codetune.eval.benchmark_catalog import load_tasks

    task = load_tasks("humaneval")[38]  # check() calls the prompt's encode_cyclic itself
    _, program = program_from_output("    return s[::-1]\n", task.code_prefix, task.entry_point,
                                     "base", task.stop, roots=task.referenced_names())
    assert "def encode_cyclic" in program and "def decode_cyclic" in program
