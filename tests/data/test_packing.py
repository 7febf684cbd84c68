import random

import pytest

from codetune.data.packing import encode_files, fim_split, pack_blocks
from codetune.data.pretrain_tokens import split_of


@pytest.fixture(scope="module")
def tok(tiny_tokenizer_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_tokenizer_dir))


def test_every_file_ends_with_eos_and_blocks_are_full(tok):
    batch = {"id": ["a", "b", "c"], "text": ["x = 1\n" * 40, "def f():\n    pass\n", "y = 2\n"]}
    enc = encode_files(batch, tok)
    assert all(ids[-1] == tok.eos_token_id for ids in enc["input_ids"])
    blocks = pack_blocks(enc, block_size=16)["input_ids"]
    total = sum(len(x) for x in enc["input_ids"])
    assert len(blocks) == total // 16 and all(len(b) == 16 for b in blocks)


def test_special_token_text_inside_a_file_stays_text(tok):
    enc = encode_files({"id": ["a"], "text": ["s = '<|endoftext|>'\n"]}, tok)
    assert enc["input_ids"][0].count(tok.eos_token_id) == 1


def test_fim_psm_and_spm_layouts(tok):
    pre, mid, suf = tok.convert_tokens_to_ids(["<fim_prefix>", "<fim_middle>", "<fim_suffix>"])
    text = "def add(a, b):\n    return a + b\n"
    enc = encode_files({"id": [str(i) for i in range(40)], "text": [text] * 40}, tok,
                       fim_rate=1.0, spm_rate=0.5, seed=3)
    modes = set(enc["fim"])
    assert modes == {"psm", "spm"}
    for ids, mode in zip(enc["input_ids"], enc["fim"], strict=True):
        if mode == "psm":
            assert ids[0] == pre and suf in ids and ids.index(suf) < ids.index(mid)
        else:
            assert ids[:2] == [pre, suf] and mid in ids
        # the three pieces are the file again, in some order
        pieces = [i for i in ids if i not in (pre, mid, suf, tok.eos_token_id)]
        assert sorted(tok.decode(pieces)) == sorted(text)


def test_fim_split_points_cover_the_text():
    mode, p, m, s = fim_split("abcdef", random.Random(0), 0.5)
    assert p + m + s == "abcdef" and mode in ("psm", "spm")


def test_fim_rate_zero_leaves_files_plain(tok):
    enc = encode_files({"id": ["a", "b"], "text": ["x = 1\n", "y = 2\n"]}, tok, fim_rate=0.0)
    assert enc["fim"] == ["plain", "plain"]


def test_split_is_a_function_of_the_file_id():
    ids = [f"src:file{i}.py" for i in range(2000)]
    splits = [split_of(i, 0.1, 0) for i in ids]
    assert splits == [split_of(i, 0.1, 0) for i in ids]
    assert 120 < splits.count("validation") < 280
