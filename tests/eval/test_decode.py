"""Continuous batching (``eval.decode``) against ``model.generate`` on a tiny random Llama."""

from __future__ import annotations

import pytest

from codetune.errors import CodetuneError
from codetune.eval.generate import GenerationSettings, generate_with_info, load_model_and_tokenizer

# Prompts of different lengths, more of them than one batch holds: slots get refilled.
PROMPTS = ["def add(a, b):\n", "import os\n\ndef main():\n    path = ", "x = 1\n",
           "class Stack:\n    def __init__(self):\n        self.items = []\n", "# sort\n",
           "def fib(n):\n    if n < 2:\n        return n\n"]


@pytest.fixture(scope="module")
def model_and_tokenizer(tiny_model_dir):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield load_model_and_tokenizer(tiny_model_dir)
    torch.set_num_threads(threads)


def _run(model, tok, decoder: str, stops=None, **kw):
    settings = GenerationSettings(**{"max_new_tokens": 16, "batch_size": 4, "decoder": decoder,
                                     **kw})
    return generate_with_info(model, tok, PROMPTS, stops or [[] for _ in PROMPTS], settings)


def test_greedy_continuous_batching_writes_what_generate_writes(model_and_tokenizer):
    model, tok = model_and_tokenizer
    plain = _run(model, tok, "generate")
    fast = _run(model, tok, "continuous")
    assert [[g.text for g in row] for row in fast] == [[g.text for g in row] for row in plain]
    assert [[g.finish_reason for g in row] for row in fast] == \
        [[g.finish_reason for g in row] for row in plain]


def test_a_row_that_hits_its_stop_sequence_leaves_while_the_others_continue(model_and_tokenizer):
    model, tok = model_and_tokenizer
    (full,), *_ = _run(model, tok, "continuous", max_new_tokens=24)
    stop = full.text[len(full.text) // 3:len(full.text) // 3 + 3]
    assert stop.strip(), "the model produced whitespace only"
    out = _run(model, tok, "continuous", [[stop]] + [[] for _ in PROMPTS[1:]], max_new_tokens=24)
    assert out[0][0].finish_reason == "stop" and out[0][0].new_tokens < 24
    assert stop in out[0][0].text
    assert [row[0].text for row in out[1:]] == \
        [row[0].text for row in _run(model, tok, "continuous", max_new_tokens=24)[1:]]


def test_sampling_gives_n_rows_per_prompt_and_follows_the_seed(model_and_tokenizer):
    model, tok = model_and_tokenizer
    one = _run(model, tok, "continuous", n=3, temperature=1.0, top_p=0.9, seed=7)
    two = _run(model, tok, "continuous", n=3, temperature=1.0, top_p=0.9, seed=7)
    assert [len(r) for r in one] == [3] * len(PROMPTS)
    assert [[g.text for g in r] for r in one] == [[g.text for g in r] for r in two]
    assert all(0 < g.new_tokens <= 16 for r in one for g in r)


def test_an_unknown_decoder_is_an_error(model_and_tokenizer):
    model, tok = model_and_tokenizer
    with pytest.raises(CodetuneError, match="decoder 'fast'"):
        _run(model, tok, "fast")


def test_cache_regrowth_and_row_surgery_keep_greedy_parity(model_and_tokenizer, monkeypatch):
    """With 2 spare columns the growing cache reallocates every other step, while rows leave
    and join: the text must still be what ``generate`` writes."""
    import codetune.eval.decode as decode

    monkeypatch.setattr(decode, "HEADROOM", 2)
    model, tok = model_and_tokenizer
    plain = _run(model, tok, "generate", max_new_tokens=20)
    fast = _run(model, tok, "continuous", max_new_tokens=20)
    assert [[g.text for g in row] for row in fast] == [[g.text for g in row] for row in plain]


def test_predicate_stops_see_the_whole_text_when_a_backtick_arrives(model_and_tokenizer):
    from codetune.code.extraction import AnswerBlockStop
    from codetune.eval.decode import stop_hit

    _, tok = model_and_tokenizer
    answer = "Sure.\n```python\ndef f(x):\n    return x\n```\nThis returns x."
    ids = tok(answer, add_special_tokens=False)["input_ids"]
    hits = [stop_hit(tok, ids[:i], [AnswerBlockStop("f")]) for i in range(1, len(ids) + 1)]
    first = hits.index(True)
    assert tok.decode(ids[:first + 1]).rstrip().endswith("```")
    assert "return x" in tok.decode(ids[:first + 1]) and "This" not in tok.decode(ids[:first + 1])
    assert not any(stop_hit(tok, ids[:i], [AnswerBlockStop("g")]) for i in range(1, len(ids) + 1))
    assert stop_hit(tok, ids, ["returns"]) and not stop_hit(tok, ids, ["absent", ""])


def test_bfloat16_weights_decode_and_a_bad_dtype_is_one_line(tiny_model_dir):
    import torch

    model, tok = load_model_and_tokenizer(tiny_model_dir, "bfloat16")
    assert next(model.parameters()).dtype == torch.bfloat16
    assert model.config._attn_implementation == "sdpa_fp32"  # bf16 weights, fp32 attention
    out = _run(model, tok, "continuous", max_new_tokens=6)
    assert all(0 < row[0].new_tokens <= 6 for row in out)
    with pytest.raises(CodetuneError, match="dtype 'fp8': use one of auto, float32, bfloat16"):
        load_model_and_tokenizer(tiny_model_dir, "fp8")
