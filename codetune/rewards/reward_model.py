"""Learned reward: a sequence-classification model (``num_labels=1``) scoring prompt + completion.

The model is what ``codetune rm`` trains (TRL ``RewardTrainer``). Scores are the raw logit, or
``sigmoid`` of it to land in [0, 1] next to the execution and static rewards.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from codetune.code.extraction import completion_text
from codetune.rewards.registry import RewardFunc, register_reward


@cache
def load_reward_model(path: str):
    """(model, tokenizer) in eval mode on this process's device (fp32 on CPU, bf16 on a CUDA
    GPU); cached per path so every call reuses one copy."""
    from transformers import AutoModelForSequenceClassification

    from codetune.models.device import place, placement
    from codetune.models.loading import check_model_path, load_tokenizer

    path = check_model_path(path, "reward model")
    tokenizer = load_tokenizer(path)
    where = placement()
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1,
                                                               dtype=where.dtype)
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    return place(model, where).eval(), tokenizer


def rm_text(prompt: Any, completion: Any, tokenizer: Any) -> str:
    """The text the reward model reads: chat-formatted for conversations, else concatenated."""
    if isinstance(prompt, list):
        messages = list(prompt) + (completion if isinstance(completion, list)
                                   else [{"role": "assistant", "content": str(completion)}])
        return tokenizer.apply_chat_template(messages, tokenize=False)
    # RewardTrainer appends EOS to every training text; score the same way.
    text = f"{prompt or ''}{completion_text(completion)}"
    eos = getattr(tokenizer, "eos_token", None)
    return text if not eos or text.endswith(eos) else text + eos


def score_texts(model: Any, tokenizer: Any, texts: list[str], batch_size: int = 16,
                max_length: int = 1024) -> list[float]:
    """Raw reward-model logits for ``texts``, in batches."""
    import torch

    scores: list[float] = []
    device = next(model.parameters()).device
    tokenizer.padding_side = "right"
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(texts[start:start + batch_size], return_tensors="pt", padding=True,
                          truncation=True, max_length=max_length)
        with torch.inference_mode():
            logits = model(**{k: v.to(device) for k, v in batch.items()}).logits[:, 0]
        scores.extend(logits.float().tolist())
    return scores


@register_reward("reward_model")
def reward_model_reward(path: str, batch_size: int = 16, max_length: int = 1024,
                        squash: str = "sigmoid") -> RewardFunc:
    """Score with the reward model at ``path``; ``squash``: sigmoid (to [0, 1]) or none."""
    if squash not in ("sigmoid", "none"):
        from codetune.errors import CodetuneError

        raise CodetuneError(f"reward_model: squash {squash!r} must be 'sigmoid' or 'none'")

    def reward_model(completions: list, prompts: list | None = None,
                     **columns: Any) -> list[float | None]:
        model, tokenizer = load_reward_model(str(path))
        prompts = prompts or [""] * len(completions)
        texts = [rm_text(p, c, tokenizer) for p, c in zip(prompts, completions, strict=True)]
        raw = score_texts(model, tokenizer, texts, batch_size, max_length)
        if squash == "sigmoid":
            return [1.0 / (1.0 + math.exp(-max(min(s, 50.0), -50.0))) for s in raw]
        return raw

    return reward_model
