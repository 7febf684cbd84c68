"""``codetune eval run --backend vllm``: sampling with vLLM's offline engine (``LLM.generate``).

Same prompts, stops and ``Generation`` records as the transformers path (``eval.generate``):
prompts go in as token ids (``TokensPrompt``) tokenized by codetune, so chat-templated text gets
no second BOS; one ``SamplingParams`` per prompt carries that prompt's stop sequences; greedy is
``temperature=0``. Needs the ``vllm`` extra and a CUDA GPU.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

from codetune.errors import CodetuneError
from codetune.eval.generate import Generation, GenerationSettings

BACKENDS = ("hf", "vllm")


def check_backend(backend: str) -> None:
    """One-line errors for an unknown backend or a missing vLLM install."""
    if backend not in BACKENDS:
        raise CodetuneError(f"--backend {backend!r}: choose hf (transformers) or vllm")
    if backend == "vllm" and importlib.util.find_spec("vllm") is None:
        raise CodetuneError("--backend vllm needs vLLM, which is not installed: pip install "
                            "'codetune[vllm]' (on a CUDA machine), or use --backend hf")


def load_vllm(model_dir: str | os.PathLike, seed: int = 0, max_model_len: int | None = None):
    """``vllm.LLM`` for a full model dir in the dtype of this machine (bf16 on a bf16 GPU)."""
    check_backend("vllm")
    from vllm import LLM

    from codetune.models.device import placement
    from codetune.models.loading import check_model_path

    path = check_model_path(model_dir)
    if (Path(path) / "adapter_config.json").exists():
        raise CodetuneError(f"{path}: a LoRA adapter; merge it into its base first "
                            f"(codetune merge {path} -o DIR) and evaluate DIR with --backend vllm")
    dtype = "bfloat16" if placement().bf16 else "float32"
    kwargs = {"max_model_len": max_model_len} if max_model_len else {}
    return LLM(model=path, tokenizer=path, dtype=dtype, seed=seed, **kwargs)


def sampling_params(settings: GenerationSettings, stops: Sequence, end_ids: list[int]):
    """``vllm.SamplingParams`` matching the transformers path's decoding for one prompt."""
    from vllm import SamplingParams

    # Predicate stops (chat answers' AnswerBlockStop) are not vLLM's: it decodes on, same verdicts.
    common = dict(n=settings.n, max_tokens=settings.max_new_tokens,
                  stop=[s for s in stops if isinstance(s, str) and s] or None,
                  stop_token_ids=end_ids or None,
                  seed=settings.seed, skip_special_tokens=True)
    if settings.n == 1:
        return SamplingParams(temperature=0.0, **common)
    return SamplingParams(temperature=settings.temperature, top_p=settings.top_p, **common)


def generate_vllm(llm, tokenizer, prompts: Sequence[str], stops: Sequence[Sequence],
                  settings: GenerationSettings) -> list[list[Generation]]:
    """``settings.n`` ``Generation``s per prompt from ``llm`` (a ``vllm.LLM``)."""
    from vllm.inputs import TokensPrompt

    from codetune.models.factory import stop_token_ids

    if settings.n > 1 and settings.temperature <= 0:
        raise CodetuneError("n > 1 with temperature 0 gives n identical samples; set a "
                            "temperature > 0 or n = 1 (greedy)")
    end_ids = stop_token_ids(tokenizer)
    inputs = [TokensPrompt(prompt_token_ids=tokenizer(
        p, add_special_tokens=settings.add_special_tokens)["input_ids"]) for p in prompts]
    params = [sampling_params(settings, row, end_ids) for row in stops]
    outputs = llm.generate(inputs, params, use_tqdm=True)
    results = []
    for request in outputs:
        # vLLM's finish_reason is "stop" (end token or stop string) or "length", as here.
        results.append([Generation(o.text, "length" if o.finish_reason == "length" else "stop",
                                   len(o.token_ids)) for o in request.outputs])
    return results
