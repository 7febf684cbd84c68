"""Code extraction from completions: fences, chat messages, stop sequences, special tokens."""

from codetune.code.extraction import completion_text, extract_code

FUNC = "def f(x):\n    return x + 1"


def test_fenced_python_block_is_extracted():
    assert extract_code(f"Here you go:\n```python\n{FUNC}\n```\nIt adds one.") == FUNC


def test_block_choice_on_request():
    text = f"```python\ndef f(x):\n    return 0\n```\nBetter:\n```python\n{FUNC}\n```"
    assert extract_code(text, block="last") == FUNC
    assert extract_code(text, block="first") == "def f(x):\n    return 0"


def test_default_block_is_the_one_evaluation_would_run():
    from codetune.code.assemble import assemble

    helper = "def helper(y):\n    return [y, y, y, y, y, y, y, y, y]"
    text = f"```python\n{FUNC}\n```\nAnd a helper:\n```python\n{helper}\n```"
    assert extract_code(text, entry_point="f") == FUNC
    assert assemble(text, "", "f", "chat", do_sanitize=False).completion == FUNC
    assert extract_code(text) == helper  # no entry point: the longest


def test_blocks_of_another_language_are_ignored():
    text = f"```bash\npip install x\n```\n```python\n{FUNC}\n```"
    assert extract_code(text) == FUNC


def test_unclosed_fence_runs_to_the_end():
    assert extract_code(f"```python\n{FUNC}\n") == FUNC


def test_chat_completion_uses_the_assistant_content():
    messages = [{"role": "assistant", "content": f"```python\n{FUNC}\n```"}]
    assert completion_text(messages) == f"```python\n{FUNC}\n```"
    assert extract_code(messages) == FUNC


def test_unfenced_text_is_cut_at_stop_sequences():
    text = f"{FUNC}\n\nif __name__ == '__main__':\n    print(f(1))"
    assert extract_code(text) == FUNC


def test_closing_fence_of_a_prompt_opened_block_ends_the_code():
    body = "    return x + 1\n```\n\nThis returns x plus one."
    assert extract_code(body) == "    return x + 1"


def test_chat_end_token_truncates():
    assert extract_code(f"{FUNC}<|im_end|>garbage") == FUNC
