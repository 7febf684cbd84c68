"""The tiny-model factory and model loading."""

from __future__ import annotations

import pytest

from codetune.errors import CodetuneError


@pytest.mark.parametrize(("size", "low", "high"), [("2m", 1.5e6, 2.5e6), ("10m", 7e6, 12e6),
                                                   ("30m", 25e6, 35e6)])
def test_size_presets_have_their_parameter_count(size, low, high):
    import torch
    from transformers import AutoModelForCausalLM

    from codetune.models.factory import build_model_config

    cfg = build_model_config("llama", size, 8000, pad_token_id=1, bos_token_id=0, eos_token_id=0)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(cfg)
    assert low < sum(p.numel() for p in model.parameters()) < high


def test_tiny_model_stops_at_end_of_turn_and_has_pad(tiny_model_dir):
    from transformers import AutoTokenizer, GenerationConfig

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    gen = GenerationConfig.from_pretrained(tiny_model_dir)
    assert tok.convert_tokens_to_ids("<|im_end|>") in gen.eos_token_id
    assert tok.eos_token_id in gen.eos_token_id
    assert gen.pad_token_id == tok.pad_token_id != tok.eos_token_id


def test_tiny_model_generates_until_max_tokens(tiny_model_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    ids = tok("def f(x):", return_tensors="pt")
    out = model.generate(**ids, max_new_tokens=5, do_sample=False)
    assert out.shape[1] == ids["input_ids"].shape[1] + 5


def test_unknown_size_is_an_error():
    from codetune.models.factory import build_model_config

    with pytest.raises(CodetuneError, match="unknown size"):
        build_model_config("llama", "7b", 100, pad_token_id=0, bos_token_id=0, eos_token_id=0)


def test_lora_targets_are_every_linear_layer_but_the_head(tiny_model_dir):
    from codetune.models.loading import linear_module_names, load_causal_lm

    names = linear_module_names(load_causal_lm(tiny_model_dir))
    assert names == sorted(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                            "down_proj"])


def test_lora_freezes_base_and_trains_adapters(tiny_model_dir):
    from codetune.models import load_model_for_training

    model = load_model_for_training(tiny_model_dir, "lora")
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)


def test_missing_model_path_is_a_one_line_error(tmp_path):
    from codetune.models import load_model_for_training

    with pytest.raises(CodetuneError, match="not found") as err:
        load_model_for_training(tmp_path / "nope", "full")
    assert "\n" not in str(err.value)


def test_unknown_method_is_an_error(tiny_model_dir):
    from codetune.models import load_model_for_training

    with pytest.raises(CodetuneError, match="choose one of full, lora, qlora"):
        load_model_for_training(tiny_model_dir, "dora")


def test_tokenizer_without_chat_template_gets_chatml(tiny_tokenizer_dir, tmp_path):
    import shutil

    from codetune.models import load_tokenizer

    plain = tmp_path / "tok"
    shutil.copytree(tiny_tokenizer_dir, plain)
    (plain / "chat_template.jinja").unlink()
    tok = load_tokenizer(plain)
    text = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False,
                                   add_generation_prompt=True)
    assert text == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"


def test_model_init_command_writes_a_loadable_model(tiny_tokenizer_dir, tmp_path, monkeypatch):
    from transformers import AutoModelForCausalLM

    from codetune import cli

    out = tmp_path / "m"
    monkeypatch.setattr("sys.argv", ["codetune", "model", "init", "--arch", "qwen2", "--size",
                                     "2m", "--tokenizer", str(tiny_tokenizer_dir), "-o", str(out)])
    cli.main()
    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.config.model_type == "qwen2" and model.config.hidden_size == 128
