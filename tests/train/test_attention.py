"""``sdpa_packed``: per-example attention on packed rows equals the stock paths exactly."""

from __future__ import annotations

from itertools import pairwise

import pytest
import torch

from codetune.errors import CodetuneError
from codetune.models import attention
from codetune.models.loading import load_causal_lm
from codetune.train import SFTRunConfig, TrainSettings
from codetune.train.sft import attention_for, build_sft_trainer


def _gqa_model(impl: str):
    """A tiny random Llama with grouped-query attention (4 query heads share 2 kv heads)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    attention.register()
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=300, hidden_size=64, intermediate_size=128,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=256, attn_implementation=impl)
    return LlamaForCausalLM(config)


def _packed_row(lengths: list[int], vocab: int = 300):
    torch.manual_seed(1)
    ids = torch.randint(3, vocab, (1, sum(lengths)))
    positions = torch.cat([torch.arange(n) for n in lengths]).unsqueeze(0)
    return ids, positions


def test_packed_row_matches_block_mask_sdpa_in_loss_and_gradients():
    lengths = [37, 5, 61, 1, 20]
    ids, positions = _packed_row(lengths)
    results = {}
    for impl in ("sdpa", attention.NAME):
        model = _gqa_model(impl).train()
        out = model(input_ids=ids, position_ids=positions, labels=ids, use_cache=False)
        out.loss.backward()
        if impl == attention.NAME:  # the per-example path ran (not the stock fallback)
            assert attention._last is not None and attention._last[2] == lengths
        results[impl] = (out.logits.detach(), {n: p.grad.clone() for n, p in
                                                model.named_parameters()})
    logits, grads = results[attention.NAME]
    torch.testing.assert_close(logits, results["sdpa"][0], atol=1e-5, rtol=1e-5)
    for name, grad in grads.items():
        torch.testing.assert_close(grad, results["sdpa"][1][name], atol=1e-5, rtol=1e-4)


def test_each_packed_example_equals_the_example_alone():
    lengths = [30, 12, 45]
    ids, positions = _packed_row(lengths)
    model = _gqa_model(attention.NAME).eval()
    with torch.no_grad():
        packed = model(input_ids=ids, position_ids=positions, use_cache=False).logits[0]
        start = 0
        for n in lengths:
            alone = model(input_ids=ids[:, start:start + n], use_cache=False).logits[0]
            torch.testing.assert_close(packed[start:start + n], alone, atol=1e-5, rtol=1e-5)
            start += n


def test_padded_batches_and_generation_take_the_stock_path():
    ids = torch.randint(3, 300, (3, 16))
    mask = torch.ones_like(ids)
    mask[1, 10:] = 0
    mask[2, 4:] = 0
    stock, packed = _gqa_model("sdpa").eval(), _gqa_model(attention.NAME).eval()
    with torch.no_grad():
        a = stock(input_ids=ids, attention_mask=mask).logits
        b = packed(input_ids=ids, attention_mask=mask).logits
        assert torch.equal(a * mask[..., None], b * mask[..., None])
        prompt = ids[:1, :6]
        kwargs = dict(max_new_tokens=8, do_sample=False, pad_token_id=0)
        assert torch.equal(stock.generate(prompt, **kwargs), packed.generate(prompt, **kwargs))


def test_sft_packing_uses_it_with_trl_batches(tiny_model_dir, prompt_completion_jsonl, tmp_path):
    config = SFTRunConfig(model=str(tiny_model_dir), dataset=str(prompt_completion_jsonl),
                          output_dir=str(tmp_path / "run"), max_length=128,
                          train=TrainSettings(per_device_train_batch_size=4, max_steps=1))
    trainer = build_sft_trainer(config).trainer
    assert trainer.model.config._attn_implementation == attention.NAME
    batch = next(iter(trainer.get_train_dataloader()))
    assert "cu_seq_lens_q" in batch and batch["input_ids"].shape[0] == 1
    stock = load_causal_lm(tiny_model_dir, dtype=torch.float32).eval()
    model = trainer.model.eval()
    with torch.no_grad():
        ours = model(**batch, use_cache=False)
        theirs = stock(input_ids=batch["input_ids"], position_ids=batch["position_ids"],
                       labels=batch["labels"], use_cache=False)
    torch.testing.assert_close(ours.logits, theirs.logits, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(ours.loss, theirs.loss, atol=1e-5, rtol=1e-5)
    bounds = batch["cu_seq_lens_q"].tolist()
    assert attention.segment_lengths(batch["cu_seq_lens_q"]) == [
        b - a for a, b in pairwise(bounds)]
    assert len(bounds) > 2  # several examples in the row


@pytest.mark.parametrize("packing,strategy,given,expected", [
    (True, "bfd", "auto", attention.NAME),
    (True, "wrapped", "auto", None),
    (False, "bfd", "auto", None),
    (True, "bfd", "eager", "eager"),
])
def test_auto_picks_sdpa_packed_only_for_padding_free_packing(packing, strategy, given,
                                                              expected):
    config = SFTRunConfig(packing=packing, packing_strategy=strategy, attn_implementation=given)
    assert attention_for(config) == expected


def test_unknown_attention_is_a_one_line_error(tiny_model_dir):
    with pytest.raises(CodetuneError, match="cannot load a causal LM") as info:
        load_causal_lm(tiny_model_dir, attn_implementation="warp_drive")
    assert "\n" not in str(info.value)


def test_segment_lengths_follow_each_new_batch():
    """The per-forward cache never hands one batch's boundaries to the next."""
    for split in range(1, 60):
        bounds = torch.tensor([0, split, 64], dtype=torch.int32)
        assert attention.segment_lengths(bounds) == [split, 64 - split]
        positions = torch.cat([torch.arange(split), torch.arange(64 - split)]).unsqueeze(0)
        assert attention.segment_lengths(None, positions) == [split, 64 - split]
        del bounds, positions


def test_fp32_attention_computes_bf16_inputs_in_float32():
    import torch
    from torch import nn
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    from codetune.models.attention import fp32_sdpa_forward

    torch.manual_seed(0)
    module = nn.Module()
    module.is_causal, module.training = True, False
    q, k, v = (torch.randn(2, 4, 7, 16).bfloat16() for _ in range(3))
    out, _ = fp32_sdpa_forward(module, q, k, v, None)
    want, _ = sdpa_attention_forward(module, q.float(), k.float(), v.float(), None)
    assert out.dtype == torch.bfloat16
    assert torch.equal(out, want.to(torch.bfloat16))
