"""Byte-level BPE tokenizer trained on code, saved as a Hugging Face tokenizer directory.

For from-scratch models (the embedded default): special tokens for end-of-text, padding,
fill-in-the-middle (StarCoder names) and ChatML turns, plus a chat template whose assistant
turns carry ``{% generation %}`` markers so TRL's ``assistant_only_loss`` works.

The one tokenizer module: train one (``train_tokenizer``; on a recipe's corpus,
``train_corpus_tokenizer`` for ``codetune data tokenizer``) and load any (``load_tokenizer``,
used by data builds, training, evaluation and RL alike).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from codetune.artifacts import atomic_dir
from codetune.console import log
from codetune.errors import CodetuneError
from codetune.paths import check_model_path

EOS = "<|endoftext|>"
PAD = "<|pad|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
FIM_PREFIX = "<fim_prefix>"
FIM_MIDDLE = "<fim_middle>"
FIM_SUFFIX = "<fim_suffix>"
FIM_PAD = "<fim_pad>"
SPECIAL_TOKENS = [EOS, PAD, IM_START, IM_END, FIM_PREFIX, FIM_MIDDLE, FIM_SUFFIX, FIM_PAD]

# ChatML; assistant content wrapped in generation markers (TRL assistant_only_loss).
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\\n' }}{% generation %}{{ message['content'] + '<|im_end|>' }}"
    "{% endgeneration %}{{ '\\n' }}"
    "{% else %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def train_tokenizer(texts: Iterable[str], out_dir: str | os.PathLike, vocab_size: int = 8000,
                    min_frequency: int = 2, model_max_length: int = 2048):
    """Train a byte-level BPE on ``texts`` and save it (atomically) as an HF tokenizer dir."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    if vocab_size < 256 + len(SPECIAL_TOKENS):
        raise CodetuneError(f"vocab_size={vocab_size}: must be at least {256 + len(SPECIAL_TOKENS)}"
                            " (256 bytes + special tokens)")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    count = 0

    def counted() -> Iterator[str]:
        nonlocal count
        for t in texts:
            if t:
                count += 1
                yield t

    tok.train_from_iterator(counted(), trainer=trainer)
    if count == 0:
        raise CodetuneError("tokenizer training got no text: check the corpus paths")
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token=EOS, bos_token=EOS, unk_token=None, pad_token=PAD,
        additional_special_tokens=[IM_START, IM_END, FIM_PREFIX, FIM_MIDDLE, FIM_SUFFIX, FIM_PAD],
        model_max_length=model_max_length, padding_side="right")
    fast.chat_template = CHAT_TEMPLATE
    out_dir = Path(out_dir)
    with atomic_dir(out_dir) as tmp:
        fast.save_pretrained(tmp)
    return load_tokenizer(out_dir)


def load_tokenizer(path: str | os.PathLike, as_saved: bool = False):
    """The HF tokenizer of a local dir (a training run's folder: its final model) or hub id; a
    one-line error when it is missing. Ready for training and chat: a pad token (else EOS) and a
    chat template (else ChatML with generation markers). ``as_saved``: exactly as stored (data
    builds, which record the tokenizer they used)."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(check_model_path(path, "tokenizer"))
    except (OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CodetuneError(f"{path}: cannot load a tokenizer ({first})") from None
    if as_saved:
        return tokenizer
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = CHAT_TEMPLATE
        log.info("%s has no chat template: using ChatML", path)
    return tokenizer


def corpus_texts(recipe_path: str | None, overrides: list[str]) -> Iterator[str]:
    """Texts of a recipe's sources that pass its quality filters (no dedup, no tokenization)."""
    from codetune.config import load_config
    from codetune.data.filters import build_filters, first_drop
    from codetune.data.recipe import PretrainRecipe
    from codetune.data.sources import make_source

    recipe = load_config(PretrainRecipe, recipe_path, overrides)
    filters = build_filters(recipe.filters)
    for cfg in recipe.sources:
        for record in make_source(cfg).records():
            if first_drop(filters, record) is None:
                yield record["text"]


def dataset_texts(path: str) -> Iterator[str]:
    """Texts of the kept files of a built pretrain dataset (``<out>/files``), train split."""
    import datasets

    files = Path(path) / "files" if (Path(path) / "files").is_dir() else Path(path)
    try:
        ds = datasets.load_from_disk(str(files))
    except FileNotFoundError:
        raise CodetuneError(f"{path}: not a built pretrain dataset (no files/ folder)") from None
    for row in ds:
        if row.get("split", "train") == "train":
            yield row["text"]


def train_corpus_tokenizer(recipe_path: str | None, overrides: list[str], output_dir: str,
                           vocab_size: int | None, dataset: str | None) -> Path:
    """``codetune data tokenizer``: train and save; vocabulary size from the flag or recipe."""
    from codetune.config import load_config
    from codetune.data.recipe import PretrainRecipe
    recipe = load_config(PretrainRecipe, recipe_path, overrides)
    size = vocab_size or recipe.tokenize.vocab_size
    texts = dataset_texts(dataset) if dataset else corpus_texts(recipe_path, overrides)
    start = time.time()
    tok = train_tokenizer(texts, output_dir, vocab_size=size)
    log.info("trained a %d-token byte-level BPE in %.1f s → %s", len(tok), time.time() - start,
             output_dir)
    return Path(output_dir)
