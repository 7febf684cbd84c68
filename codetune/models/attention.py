"""``sdpa_packed``: padding-free attention for packed rows without flash-attn (CPU, any GPU).

A packed, padding-free batch (TRL's best-fit-decreasing packing) is one flat row holding
several examples. Plain ``sdpa`` builds a block-diagonal mask over the whole row and attends
over all of it: cost grows with the row length squared. ``sdpa_packed`` runs causal SDPA on
each example separately (the boundaries come from TRL's ``cu_seq_lens_q`` or from the
position_ids restarting at 0), so cost grows with the sum of the examples' squared lengths -
what flash-attn's varlen kernels do on CUDA (the block mask transformers still builds once per
forward is ignored on this path). Anything else (padding masks, generation with a cache,
sliding windows, batches of several rows) goes to the stock ``sdpa``.

``sdpa_fp32``: stock ``sdpa`` computed in float32 for a model whose weights are bf16/fp16. On a
CPU, PyTorch's bf16 flash-attention kernel is ~3x slower than its fp32 one on one-token decoding
steps (2.1 vs 0.6 ms a call for SmolLM2-135M at batch 16, 2 cores, torch profiler), while bf16
linear layers are ~2x faster than fp32 (AVX512-BF16): bf16 weights + fp32 attention is the fast
pair for CPU generation.
"""

from __future__ import annotations

from itertools import pairwise

NAME = "sdpa_packed"
FP32_NAME = "sdpa_fp32"
_registered = False
# (the boundaries tensor, its version, segment lengths): every layer of one forward asks for
# the same tensor. Holding it keeps its id and memory from being reused by a later batch's.
_last: tuple[object, int, list[int]] | None = None


def register() -> str:
    """Register ``sdpa_packed`` with transformers (idempotent); return its name."""
    global _registered
    if not _registered:
        from transformers import AttentionInterface
        from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

        AttentionInterface.register(NAME, packed_sdpa_forward)
        AttentionMaskInterface.register(NAME, sdpa_mask)
        AttentionInterface.register(FP32_NAME, fp32_sdpa_forward)
        AttentionMaskInterface.register(FP32_NAME, sdpa_mask)
        _registered = True
    return NAME


def fp32_sdpa_forward(module, query, key, value, attention_mask, **kwargs):
    """The stock ``sdpa`` on float32 copies of query, key and value; output in the query's dtype."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    out, weights = sdpa_attention_forward(module, query.float(), key.float(), value.float(),
                                          attention_mask, **kwargs)
    return out.to(query.dtype), weights


def segment_lengths(cu_seq_lens=None, position_ids=None) -> list[int] | None:
    """Lengths of the examples in one flat packed row, or None when it is not one."""
    global _last
    source = cu_seq_lens if cu_seq_lens is not None else position_ids
    if source is None:
        return None
    if _last is not None and _last[0] is source and _last[1] == source._version:
        return _last[2]
    if cu_seq_lens is not None:
        bounds = [int(x) for x in cu_seq_lens.flatten().tolist()]
        lengths = [b - a for a, b in pairwise(bounds)]
    else:
        if position_ids.dim() != 2 or position_ids.shape[0] != 1:
            return None
        import torch

        row = position_ids[0]
        starts = torch.nonzero(torch.diff(row, prepend=row[:1] - 2) != 1).flatten().tolist()
        lengths = [b - a for a, b in pairwise([*starts, int(row.shape[0])])]
    _last = (source, source._version, lengths)
    return lengths


def packed_sdpa_forward(module, query, key, value, attention_mask, dropout: float = 0.0,
                        scaling: float | None = None, is_causal: bool | None = None, **kwargs):
    """Per-example causal SDPA on a flat packed row; the stock ``sdpa`` path otherwise."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    lengths = None
    if (query.shape[0] == 1 and query.shape[2] == key.shape[2] > 1
            and is_causal is not False and getattr(module, "is_causal", True)
            and not getattr(module, "sliding_window", None) and "s_aux" not in kwargs):
        lengths = segment_lengths(kwargs.get("cu_seq_lens_q"), kwargs.get("position_ids"))
    if not lengths or len(lengths) < 2 or sum(lengths) != query.shape[2]:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout,
                                      scaling=scaling, is_causal=is_causal, **kwargs)
    import torch

    if key.shape[1] != query.shape[1]:  # grouped-query attention
        repeat = query.shape[1] // key.shape[1]
        key = key.repeat_interleave(repeat, dim=1)
        value = value.repeat_interleave(repeat, dim=1)
    drop = dropout if module.training else 0.0
    outputs = [torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True,
                                                                dropout_p=drop, scale=scaling)
               for q, k, v in zip(query.split(lengths, dim=2), key.split(lengths, dim=2),
                                  value.split(lengths, dim=2), strict=True)]
    return torch.cat(outputs, dim=2).transpose(1, 2).contiguous(), None
