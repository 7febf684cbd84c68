"""Small fixed datasets for the training tests (built once per session)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def packed_dataset_dir(tmp_path_factory, tiny_tokenizer_dir) -> Path:
    """What `codetune data pretrain` writes: a DatasetDict of fixed-length ``input_ids`` blocks."""
    import datasets

    from codetune.data.source_base import read_texts, stdlib_python_files
    from codetune.models import load_tokenizer

    tok = load_tokenizer(tiny_tokenizer_dir)
    ids: list[int] = []
    for text in read_texts(stdlib_python_files()[400:410]):
        ids += tok(text)["input_ids"] + [tok.eos_token_id]
    block = 32
    blocks = [ids[i:i + block] for i in range(0, block * 24, block)]
    out = tmp_path_factory.mktemp("packed") / "pretrain"
    datasets.DatasetDict(
        train=datasets.Dataset.from_dict({"input_ids": blocks[:16]}),
        validation=datasets.Dataset.from_dict({"input_ids": blocks[16:]}),
    ).save_to_disk(str(out))
    return out


def _task(i: int, rng: random.Random) -> tuple[str, str]:
    const = rng.randint(1, 50)
    prompt = f"Write a function add_{i}(x) that returns x + {const}.\n"
    completion = f"def add_{i}(x):\n    return x + {const}\n"
    return prompt, completion


@pytest.fixture(scope="session")
def prompt_completion_jsonl(tmp_path_factory) -> Path:
    """16 prompt/completion rows (plus an extra column SFT must ignore)."""
    rng = random.Random(0)
    path = tmp_path_factory.mktemp("sft") / "prompt_completion.jsonl"
    rows = [dict(zip(("prompt", "completion"), _task(i, rng), strict=True), task="generate")
            for i in range(16)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="session")
def messages_jsonl(tmp_path_factory) -> Path:
    """8 single-turn conversations in the ``messages`` layout."""
    rng = random.Random(1)
    path = tmp_path_factory.mktemp("sft") / "messages.jsonl"
    rows = []
    for i in range(8):
        prompt, completion = _task(i, rng)
        rows.append({"messages": [{"role": "system", "content": "You write Python."},
                                  {"role": "user", "content": prompt},
                                  {"role": "assistant", "content": completion}]})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
