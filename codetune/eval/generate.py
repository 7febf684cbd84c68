"""Batched generation with HF transformers: greedy for one sample, else sampling, stop sequences
checked per row; each output records whether it stopped (end token or stop sequence) or ran into
``max_new_tokens`` (``finish_reason``). ``decoder="continuous"`` (the default where the model's
cache allows it) refills finished rows' slots with new prompts (``eval.decode``); ``"generate"``
is plain ``model.generate`` on left-padded batches."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from codetune.console import log
from codetune.errors import CodetuneError
from codetune.eval.decode import Stop, stop_hit
from codetune.eval.progress import GenerationProgress


@dataclass
class GenerationSettings:
    n: int = 1
    temperature: float = 0.8
    top_p: float = 0.95
    max_new_tokens: int = 512
    batch_size: int = 16
    seed: int = 0
    add_special_tokens: bool = True  # False for chat-templated text (the template has them)
    progress_log_every_s: float = 20.0  # plain progress lines when stderr is not a terminal
    decoder: str = "auto"  # auto (continuous where supported), continuous or generate


@dataclass
class Generation:
    """One decoded output: ``finish_reason`` is ``stop`` (end token or stop sequence) or
    ``length`` (cut by ``max_new_tokens``), as in the OpenAI and vLLM APIs."""

    text: str
    finish_reason: str
    new_tokens: int


DTYPES = ("auto", "float32", "bfloat16")


def load_model_and_tokenizer(model_dir: str | os.PathLike, dtype: str = "auto"):
    """The causal LM on this process's device (``auto``: fp32 on CPU, bf16 on a CUDA GPU; or
    ``float32`` / ``bfloat16``; a LoRA adapter dir loads onto its base) and its tokenizer."""
    import torch

    from codetune.models.device import place, placement
    from codetune.models.loading import load_causal_lm, load_tokenizer

    if dtype not in DTYPES:
        raise CodetuneError(f"dtype {dtype!r}: use one of {', '.join(DTYPES)}")
    tokenizer = load_tokenizer(model_dir)
    tokenizer.padding_side = "left"  # decoder-only batches: pad on the left
    where = placement()
    weights = where.dtype if dtype == "auto" else getattr(torch, dtype)
    # bf16 on a CPU: fp32 attention (its bf16 kernel is slow on decoding steps, models/attention)
    attn = "sdpa_fp32" if weights == torch.bfloat16 and not where.is_cuda else None
    model = place(load_causal_lm(model_dir, dtype=weights, attn_implementation=attn), where)
    model.eval()
    log.info("generating on %s in %s", where.device, str(weights).removeprefix("torch."))
    return model, tokenizer


def render_prompt(tokenizer, text: str, chat: bool, system_prompt: str = "") -> str:
    """The exact string fed to the model: the text itself, or the chat template around it."""
    if not chat:
        return text
    messages = ([{"role": "system", "content": system_prompt}] if system_prompt else [])
    messages.append({"role": "user", "content": text})
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


class _StopOnSequences:
    """StoppingCriteria: per-row done flags once the new text contains any stop sequence.

    Called once per decoding step, it also reports the step to ``progress`` (rows still live,
    rows done) so long generations show progress inside a batch.
    """

    def __init__(self, tokenizer, stops: Sequence[Sequence[Stop]], prompt_len: int,
                 end_ids: Sequence[int] = (), progress: GenerationProgress | None = None) -> None:
        self.tokenizer, self.stops, self.prompt_len = tokenizer, stops, prompt_len
        self.end_ids, self.progress = list(end_ids), progress
        self.finished: list[bool] = [False] * len(stops)

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        live_before = self.finished.count(False)  # rows that got a real token this step
        done = []
        for i, (row, stops) in enumerate(zip(input_ids, self.stops, strict=True)):
            new = row[self.prompt_len:]
            hit = bool(stops) and stop_hit(self.tokenizer, new.tolist(), stops)
            ended = not self.finished[i] and int(new[-1]) in self.end_ids
            self.finished[i] = self.finished[i] or hit or ended
            done.append(hit)
        if self.progress is not None:
            self.progress.step(live_before, self.finished.count(True))
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


def _max_prompt_tokens(model, max_new_tokens: int) -> int | None:
    limit = getattr(model.config, "max_position_embeddings", None)
    if not limit:
        return None
    if max_new_tokens >= limit:
        raise CodetuneError(f"max_new_tokens={max_new_tokens} leaves no room for a prompt in a "
                            f"model with {limit} positions; lower max_new_tokens")
    return limit - max_new_tokens


def generate(model, tokenizer, prompts: Sequence[str], stops: Sequence[Sequence[Stop]],
             settings: GenerationSettings) -> list[list[str]]:
    """``settings.n`` decoded continuations per prompt (special tokens dropped)."""
    return [[g.text for g in row] for row in
            generate_with_info(model, tokenizer, prompts, stops, settings)]


def generate_with_info(model, tokenizer, prompts: Sequence[str], stops: Sequence[Sequence[Stop]],
                       settings: GenerationSettings) -> list[list[Generation]]:
    """``settings.n`` ``Generation``s per prompt, with live progress (see ``eval.progress``)."""
    import torch

    if settings.n > 1 and settings.temperature <= 0:
        raise CodetuneError("n > 1 with temperature 0 gives n identical samples; set a "
                            "temperature > 0 or n = 1 (greedy)")
    torch.manual_seed(settings.seed)
    if _use_continuous(model, settings.decoder):
        return _generate_continuous(model, tokenizer, prompts, stops, settings)
    rows = [(i, p) for i, p in enumerate(prompts) for _ in range(settings.n)]
    outputs: list[list[Generation]] = [[] for _ in prompts]
    keep = _max_prompt_tokens(model, settings.max_new_tokens)
    truncated = 0
    with GenerationProgress(len(rows), settings.max_new_tokens,
                            settings.progress_log_every_s) as bar:
        for start in range(0, len(rows), settings.batch_size):
            batch = rows[start:start + settings.batch_size]
            enc = tokenizer([p for _, p in batch], return_tensors="pt", padding=True,
                            add_special_tokens=settings.add_special_tokens)
            if keep and enc["input_ids"].shape[1] > keep:
                truncated += sum(int(m.sum()) > keep for m in enc["attention_mask"])
                enc = {k: v[:, -keep:] for k, v in enc.items()}
            bar.start_batch(len(batch))
            texts = _generate_batch(model, tokenizer, enc, [stops[i] for i, _ in batch],
                                    settings, bar)
            for (i, _), text in zip(batch, texts, strict=True):
                outputs[i].append(text)
            bar.end_batch()
    if truncated:
        log.warning("%d prompts were longer than the model's context minus max_new_tokens and "
                    "were cut from the left", truncated)
    return outputs


DECODERS = ("auto", "continuous", "generate")


def _use_continuous(model, decoder: str) -> bool:
    from codetune.eval.decode import supports

    if decoder not in DECODERS:
        raise CodetuneError(f"decoder {decoder!r}: use one of {', '.join(DECODERS)}")
    if decoder == "generate":
        return False
    ok = supports(model)
    if decoder == "continuous" and not ok:
        raise CodetuneError(f"decoder continuous: {type(model).__name__}'s KV cache is not a plain "
                            "per-layer cache (sliding window?); use decoder generate")
    return ok


def _generate_continuous(model, tokenizer, prompts, stops, settings: GenerationSettings
                         ) -> list[list[Generation]]:
    """Every row through ``eval.decode.decode_rows``; prompts longer than the context minus
    ``max_new_tokens`` are cut from the left, as in the batched path."""
    from codetune.eval.decode import DecodeRow, decode_rows
    from codetune.models.factory import stop_token_ids

    keep = _max_prompt_tokens(model, settings.max_new_tokens)
    encoded = [tokenizer(p, add_special_tokens=settings.add_special_tokens)["input_ids"]
               for p in prompts]
    truncated = sum(bool(keep) and len(ids) > keep for ids in encoded)
    if truncated:
        log.warning("%d prompts were longer than the model's context minus max_new_tokens and "
                    "were cut from the left", truncated)
    rows = [(i, DecodeRow(list(encoded[i][-keep:] if keep else encoded[i]), stops[i]))
            for i in range(len(prompts)) for _ in range(settings.n)]
    with GenerationProgress(len(rows), settings.max_new_tokens,
                            settings.progress_log_every_s) as bar:
        bar.start_batch(len(rows))
        decode_rows(model, tokenizer, [r for _, r in rows], batch_size=settings.batch_size,
                    max_new_tokens=settings.max_new_tokens, end_ids=stop_token_ids(tokenizer),
                    greedy=settings.n == 1, temperature=settings.temperature,
                    top_p=settings.top_p, on_step=bar.step)
        bar.end_batch()
    outputs: list[list[Generation]] = [[] for _ in prompts]
    for i, row in rows:
        text = tokenizer.decode(row.tokens, skip_special_tokens=True)
        outputs[i].append(Generation(text, row.finish_reason, len(row.tokens)))
    return outputs


def _generate_batch(model, tokenizer, enc, stops, settings: GenerationSettings,
                    bar: GenerationProgress | None = None) -> list[Generation]:
    import torch
    from transformers import StoppingCriteriaList

    from codetune.models.factory import stop_token_ids

    enc = {k: v.to(model.device) for k, v in enc.items()}
    prompt_len = enc["input_ids"].shape[1]
    end_ids = stop_token_ids(tokenizer)
    criteria = _StopOnSequences(tokenizer, stops, prompt_len, end_ids, bar)
    kwargs = dict(max_new_tokens=settings.max_new_tokens, pad_token_id=tokenizer.pad_token_id,
                  eos_token_id=end_ids or None, stopping_criteria=StoppingCriteriaList([criteria]))
    if settings.n == 1:
        kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
    else:
        kwargs.update(do_sample=True, temperature=settings.temperature, top_p=settings.top_p,
                      top_k=0)
    with torch.no_grad():
        out = model.generate(**enc, **kwargs)
    new = out[:, prompt_len:]
    texts = tokenizer.batch_decode(new, skip_special_tokens=True)
    results = []
    for row, text, row_stops in zip(new.tolist(), texts, stops, strict=True):
        ended = next((j for j, t in enumerate(row) if t in end_ids), None)
        length = ended + 1 if ended is not None else len(row)
        stopped = ended is not None or any(
            (s in text) if isinstance(s, str) else s(text) for s in row_stops if s)
        # Without an end token or a stop sequence the row ran to the token limit.
        finish = "stop" if stopped or length < settings.max_new_tokens else "length"
        results.append(Generation(text, finish, length))
    return results
