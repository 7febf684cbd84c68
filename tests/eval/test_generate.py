"""Generation on a tiny random Llama: greedy is deterministic, n samples, stop sequences, chat."""

from __future__ import annotations

import pytest

from codetune.errors import CodetuneError
from codetune.eval.config import EvalConfig
from codetune.eval.generate import (
    GenerationSettings,
    generate,
    load_model_and_tokenizer,
    render_prompt,
)
from codetune.eval.run import evaluate_model

PROMPTS = ["def add(a, b):\n", "import os\n\ndef main():\n    path = "]


@pytest.fixture(scope="module")
def model_and_tokenizer(tiny_model_dir):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matmuls: extra threads only contend on a shared machine
    yield load_model_and_tokenizer(tiny_model_dir)
    torch.set_num_threads(threads)


def _settings(**kw) -> GenerationSettings:
    return GenerationSettings(**{"max_new_tokens": 12, "batch_size": 4, **kw})


def test_greedy_is_deterministic(model_and_tokenizer):
    model, tok = model_and_tokenizer
    batched = generate(model, tok, PROMPTS, [[], []], _settings())
    again = generate(model, tok, PROMPTS, [[], []], _settings())
    assert batched == again and all(len(o) == 1 for o in batched)


def test_sampling_returns_n_per_prompt(model_and_tokenizer):
    model, tok = model_and_tokenizer
    out = generate(model, tok, PROMPTS, [[], []], _settings(n=3, temperature=1.0))
    assert [len(o) for o in out] == [3, 3]


def test_stop_sequence_ends_generation_early(model_and_tokenizer):
    model, tok = model_and_tokenizer
    (full,), _ = generate(model, tok, PROMPTS, [[], []], _settings(max_new_tokens=24))
    stop = full[len(full) // 3:len(full) // 3 + 3]
    assert stop.strip(), "the model produced whitespace only"
    (cut,), _ = generate(model, tok, PROMPTS, [[stop], []], _settings(max_new_tokens=24))
    assert stop in cut and len(cut) < len(full) and full.startswith(cut[:len(cut) - 8])


def test_chat_format_wraps_the_prompt_in_the_template(model_and_tokenizer):
    _, tok = model_and_tokenizer
    text = render_prompt(tok, "Write add.", chat=True, system_prompt="Be brief.")
    assert "<|im_start|>user\nWrite add.<|im_end|>" in text
    assert text.endswith("<|im_start|>assistant\n") and "Be brief." in text


def test_sampling_many_at_temperature_zero_is_an_error(model_and_tokenizer):
    model, tok = model_and_tokenizer
    with pytest.raises(CodetuneError, match="identical samples"):
        generate(model, tok, PROMPTS, [[], []], _settings(n=2, temperature=0.0))


def test_k_above_n_is_rejected_before_loading_a_model(tmp_path):
    with pytest.raises(CodetuneError, match=r"pass@10 needs at least 10 samples.*n=1"):
        evaluate_model(EvalConfig(model=str(tmp_path), n=1, k=[1, 10]))


def test_chat_format_samples_every_task_n_times(tiny_model_dir):
    import torch

    from codetune.eval.benchmark_catalog import load_tasks
    from codetune.eval.run import generate_samples

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        config = EvalConfig(model=str(tiny_model_dir), prompt_format="instruct", n=2, k=[1],
                            temperature=1.0, max_new_tokens=8)
        samples = generate_samples(config, load_tasks("mbpp", {"limit": 2}))
    finally:
        torch.set_num_threads(threads)
    assert [(s.task_id, s.completion_id) for s in samples] == [
        ("Mbpp/11", 0), ("Mbpp/11", 1), ("Mbpp/12", 0), ("Mbpp/12", 1)]
    assert all(s.raw is not None and isinstance(s.program, str) for s in samples)


def test_a_row_cut_by_the_token_limit_reports_length(model_and_tokenizer):
    from codetune.eval.generate import generate_with_info

    model, tok = model_and_tokenizer  # a random-init model never emits its end token
    (gen,), _ = generate_with_info(model, tok, PROMPTS, [[], []], _settings(max_new_tokens=6))
    assert gen.finish_reason == "length" and gen.new_tokens == 6


def test_a_row_ended_by_a_stop_sequence_reports_stop(model_and_tokenizer):
    from codetune.eval.generate import generate_with_info

    model, tok = model_and_tokenizer
    (full,), _ = generate(model, tok, PROMPTS, [[], []], _settings(max_new_tokens=24))
    stop = full[len(full) // 3:len(full) // 3 + 3]
    (gen,), _ = generate_with_info(model, tok, PROMPTS, [[stop], []],
                                   _settings(max_new_tokens=24))
    assert gen.finish_reason == "stop" and stop in gen.text


def test_progress_lines_are_logged_when_stderr_is_not_a_terminal(model_and_tokenizer, caplog):
    import logging

    from codetune.console import log
    from codetune.eval.generate import generate_with_info

    model, tok = model_and_tokenizer
    log.addHandler(caplog.handler)  # codetune's logger does not propagate to the root
    try:
        with caplog.at_level(logging.INFO, logger="codetune"):
            generate_with_info(model, tok, PROMPTS, [[], []],
                               _settings(max_new_tokens=4, batch_size=1, progress_log_every_s=0))
    finally:
        log.removeHandler(caplog.handler)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("generating:")]
    # every decoding step logs with log_every_s=0: 2 rows x 4 tokens, plus the final line
    assert len(lines) >= 8 and "2/2 samples, 8 tokens" in lines[-1]
    assert all("tok/s" in ln and "ETA" in ln for ln in lines)


def test_progress_lines_keep_coming_while_no_decoding_step_returns(caplog):
    import logging
    import time

    from codetune.console import log
    from codetune.eval.progress import GenerationProgress

    log.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="codetune"), \
                GenerationProgress(16, 512, log_every_s=0.01, terminal=False) as bar:
            bar.start_batch(16)  # a long prefill: no step() call arrives
            for _ in range(3000):  # wait for two timer lines (bounded, not a time assertion)
                if sum(r.getMessage().startswith("generating:") for r in caplog.records) >= 2:
                    break
                time.sleep(0.01)
    finally:
        log.removeHandler(caplog.handler)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("generating:")]
    assert len(lines) >= 3 and lines[0].startswith("generating: 0/16 samples, 0 tokens")
