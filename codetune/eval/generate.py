"""Batched generation with HF transformers: left padding, greedy for one sample, else sampling,
stop sequences checked per row so finished rows stop early."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from codetune.console import log, progress
from codetune.errors import CodetuneError

_STOP_WINDOW = 24  # tokens decoded from the end of each row when checking stop sequences


@dataclass
class GenerationSettings:
    n: int = 1
    temperature: float = 0.8
    top_p: float = 0.95
    max_new_tokens: int = 512
    batch_size: int = 16
    seed: int = 0
    add_special_tokens: bool = True  # False for chat-templated text (the template has them)


def load_model_and_tokenizer(model_dir: str | os.PathLike):
    """The causal LM (fp32 on CPU; a LoRA adapter dir loads onto its base) and its tokenizer."""
    from codetune.models.loading import load_causal_lm, load_tokenizer

    tokenizer = load_tokenizer(model_dir)
    tokenizer.padding_side = "left"  # decoder-only batches: pad on the left
    model = load_causal_lm(model_dir)
    model.eval()
    return model, tokenizer


def render_prompt(tokenizer, text: str, chat: bool, system_prompt: str = "") -> str:
    """The exact string fed to the model: the text itself, or the chat template around it."""
    if not chat:
        return text
    messages = ([{"role": "system", "content": system_prompt}] if system_prompt else [])
    messages.append({"role": "user", "content": text})
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


class _StopOnSequences:
    """StoppingCriteria: per-row done flags once the new text contains any stop sequence."""

    def __init__(self, tokenizer, stops: Sequence[Sequence[str]], prompt_len: int) -> None:
        self.tokenizer, self.stops, self.prompt_len = tokenizer, stops, prompt_len

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        done = []
        for row, stops in zip(input_ids, self.stops, strict=True):
            new = row[self.prompt_len:][-_STOP_WINDOW:]
            text = self.tokenizer.decode(new, skip_special_tokens=False)
            done.append(any(s in text for s in stops if s))
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


def _max_prompt_tokens(model, max_new_tokens: int) -> int | None:
    limit = getattr(model.config, "max_position_embeddings", None)
    if not limit:
        return None
    if max_new_tokens >= limit:
        raise CodetuneError(f"max_new_tokens={max_new_tokens} leaves no room for a prompt in a "
                            f"model with {limit} positions; lower max_new_tokens")
    return limit - max_new_tokens


def generate(model, tokenizer, prompts: Sequence[str], stops: Sequence[Sequence[str]],
             settings: GenerationSettings) -> list[list[str]]:
    """``settings.n`` decoded continuations per prompt (special tokens dropped)."""
    import torch
    from transformers import StoppingCriteriaList

    if settings.n > 1 and settings.temperature <= 0:
        raise CodetuneError("n > 1 with temperature 0 gives n identical samples; set a "
                            "temperature > 0 or n = 1 (greedy)")
    torch.manual_seed(settings.seed)
    rows = [(i, p) for i, p in enumerate(prompts) for _ in range(settings.n)]
    outputs: list[list[str]] = [[] for _ in prompts]
    keep = _max_prompt_tokens(model, settings.max_new_tokens)
    truncated = 0
    with progress() as bar:
        task = bar.add_task("generating", total=len(rows))
        for start in range(0, len(rows), settings.batch_size):
            batch = rows[start:start + settings.batch_size]
            enc = tokenizer([p for _, p in batch], return_tensors="pt", padding=True,
                            add_special_tokens=settings.add_special_tokens)
            if keep and enc["input_ids"].shape[1] > keep:
                truncated += sum(int(m.sum()) > keep for m in enc["attention_mask"])
                enc = {k: v[:, -keep:] for k, v in enc.items()}
            texts = _generate_batch(model, tokenizer, enc, [stops[i] for i, _ in batch],
                                    settings, StoppingCriteriaList)
            for (i, _), text in zip(batch, texts, strict=True):
                outputs[i].append(text)
            bar.advance(task, len(batch))
    if truncated:
        log.warning("%d prompts were longer than the model's context minus max_new_tokens and "
                    "were cut from the left", truncated)
    return outputs


def _generate_batch(model, tokenizer, enc, stops, settings: GenerationSettings,
                    criteria_list) -> list[str]:
    import torch

    from codetune.models.factory import stop_token_ids

    prompt_len = enc["input_ids"].shape[1]
    kwargs = dict(max_new_tokens=settings.max_new_tokens, pad_token_id=tokenizer.pad_token_id,
                  eos_token_id=stop_token_ids(tokenizer) or None,
                  stopping_criteria=criteria_list([_StopOnSequences(tokenizer, stops,
                                                                    prompt_len)]))
    if settings.n == 1:
        kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
    else:
        kwargs.update(do_sample=True, temperature=settings.temperature, top_p=settings.top_p,
                      top_k=0)
    with torch.no_grad():
        out = model.generate(**enc, **kwargs)
    return tokenizer.batch_decode(out[:, prompt_len:], skip_special_tokens=True)
