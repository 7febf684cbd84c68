"""Byte-level BPE tokenizer trained on code, saved as a Hugging Face tokenizer directory.

For from-scratch models (the embedded default): special tokens for end-of-text, padding,
fill-in-the-middle (StarCoder names) and ChatML turns, plus a chat template whose assistant
turns carry ``{% generation %}`` markers so TRL's ``assistant_only_loss`` works.
"""

from __future__ import annotations

import os
import sysconfig
from collections.abc import Iterable, Iterator
from pathlib import Path

from codetune.artifacts import atomic_dir
from codetune.errors import CodetuneError

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


def stdlib_python_files(include_tests: bool = False, include_site_packages: bool = False,
                        ) -> list[Path]:
    """The running interpreter's standard-library ``.py`` files (real code on every machine)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    roots = [stdlib]
    if include_site_packages:
        roots.append(Path(sysconfig.get_paths()["purelib"]))
    files: list[Path] = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root).parts
            if root == stdlib and rel and rel[0] == "site-packages":
                continue
            if not include_tests and any(p in ("test", "tests", "idle_test") for p in rel):
                continue
            files.append(path)
    return files


def read_texts(paths: Iterable[str | os.PathLike]) -> Iterator[str]:
    """Yield the UTF-8 text of each file, skipping undecodable ones (tokenizers rejects them)."""
    for path in paths:
        try:
            yield Path(path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue


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


def load_tokenizer(path: str | os.PathLike):
    """Load an HF tokenizer from a local dir or hub id; a clear error when it is missing."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(path))
    except (OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CodetuneError(f"{path}: cannot load a tokenizer ({first})") from None
