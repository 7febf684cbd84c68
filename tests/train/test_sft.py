"""SFT with TRL's SFTTrainer: loss masking, packing, full / LoRA / QLoRA, merge, bad input."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import TrainerCallback

from codetune.errors import CodetuneError
from codetune.train import SFTRunConfig, TrainSettings, run_sft
from codetune.train.sft import build_sft_trainer


def _config(model, data, out, method="full", **train) -> SFTRunConfig:
    settings = dict(learning_rate=3e-3, max_steps=6, per_device_train_batch_size=4,
                    warmup_steps=0, logging_steps=1, save_steps=100, seed=3)
    settings.update(train)
    return SFTRunConfig(model=str(model), dataset=str(data), output_dir=str(out), method=method,
                        max_length=128, train=TrainSettings(**settings))


class Snapshot(TrainerCallback):
    """Parameters at the start and the end of training."""

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self.before = {n: p.detach().clone() for n, p in model.named_parameters()}
        self.model = model

    def on_train_end(self, args, state, control, model=None, **kwargs):
        self.after = {n: p.detach().clone() for n, p in model.named_parameters()}

    def changed(self) -> set[str]:
        return {n for n in self.before if not torch.equal(self.before[n], self.after[n])}


def _losses(out) -> list[float]:
    state = json.loads(next(out.glob("checkpoint-*/trainer_state.json")).read_text())
    return [h["loss"] for h in state["log_history"] if "loss" in h]


def _labelled_texts(config) -> tuple[list[str], object]:
    setup = build_sft_trainer(config)
    batch = next(iter(setup.trainer.get_train_dataloader()))
    tok = setup.tokenizer
    return [tok.decode(ids[labels != -100]) for ids, labels in
            zip(batch["input_ids"], batch["labels"], strict=True)], batch


def test_completion_only_loss_ignores_prompt_tokens(tiny_model_dir, prompt_completion_jsonl,
                                                    tmp_path):
    config = _config(tiny_model_dir, prompt_completion_jsonl, tmp_path / "run")
    config.packing = False
    texts, batch = _labelled_texts(config)
    rows = [json.loads(line) for line in prompt_completion_jsonl.read_text().splitlines()]
    completions = {r["completion"] + "<|endoftext|>" for r in rows}
    assert len(texts) == 4 and all(t in completions for t in texts)
    assert all("Write a function" not in t for t in texts)


def test_assistant_only_loss_on_messages(tiny_model_dir, messages_jsonl, tmp_path):
    config = _config(tiny_model_dir, messages_jsonl, tmp_path / "run")
    config.packing = False
    texts, _ = _labelled_texts(config)
    assert texts and all(t.startswith("def add_") and t.endswith("<|im_end|>") for t in texts)
    assert all("system" not in t and "You write Python" not in t for t in texts)


def test_packed_examples_do_not_attend_to_each_other(tiny_model_dir, prompt_completion_jsonl,
                                                     tmp_path):
    from transformers import AutoModelForCausalLM

    texts, batch = _labelled_texts(_config(tiny_model_dir, prompt_completion_jsonl, tmp_path))
    assert batch["input_ids"].shape[0] == 1 and "position_ids" in batch  # one flattened row
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    starts = (batch["position_ids"][0] == 0).nonzero().flatten().tolist()
    first, second = starts[0], starts[1]
    with torch.no_grad():
        packed = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"],
                       use_cache=False).logits[0]
        alone = model(input_ids=batch["input_ids"][:, second:starts[2]]).logits[0]
    assert second > first
    torch.testing.assert_close(packed[second:starts[2]], alone, atol=1e-4, rtol=1e-4)


def test_full_sft_loss_falls_and_every_weight_moves(tiny_model_dir, prompt_completion_jsonl,
                                                    tmp_path):
    snap = Snapshot()
    out = run_sft(_config(tiny_model_dir, prompt_completion_jsonl, tmp_path / "run",
                          max_steps=8, save_steps=8), callbacks=[snap])
    losses = _losses(out)
    assert sum(losses[-2:]) / 2 < losses[0] - 0.3
    assert snap.changed() == set(snap.before)
    final = out / "final"  # every trainer's final model lives here
    assert (final / "model.safetensors").exists() and (final / "chat_template.jinja").exists()


@pytest.fixture(scope="module")
def lora_run(tiny_model_dir, prompt_completion_jsonl, tmp_path_factory):
    snap = Snapshot()
    out = tmp_path_factory.mktemp("lora") / "run"
    run_sft(_config(tiny_model_dir, prompt_completion_jsonl, out, "lora", learning_rate=1e-2),
            callbacks=[snap])
    return out, snap


def test_lora_changes_only_adapter_weights(lora_run):
    out, snap = lora_run
    changed = snap.changed()
    assert changed and all("lora_" in n for n in changed)
    assert any("lora_B" in n for n in changed)  # B starts at zero: the adapter learned something
    final = out / "final"
    assert (final / "adapter_config.json").exists() and not (final / "model.safetensors").exists()


def test_merged_model_logits_equal_the_adapter_model(lora_run, tiny_model_dir, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from codetune.train import merge_adapter

    out, _ = lora_run
    merged_dir = merge_adapter(out, tmp_path / "merged")
    ids = torch.tensor([[5, 17, 300, 42, 99, 7, 250, 13]])
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    with torch.no_grad():
        base_logits = base(input_ids=ids).logits
        adapted = PeftModel.from_pretrained(base, str(out / "final")).eval()(input_ids=ids).logits
        merged = AutoModelForCausalLM.from_pretrained(merged_dir)(input_ids=ids).logits
    assert not torch.allclose(adapted, base_logits, atol=1e-4)
    torch.testing.assert_close(merged, adapted, atol=1e-4, rtol=1e-4)


def test_qlora_with_checkpointing_trains_fp32_adapters_on_a_frozen_4bit_base(
        tiny_model_dir, prompt_completion_jsonl, tmp_path):
    snap = Snapshot()
    out = run_sft(_config(tiny_model_dir, prompt_completion_jsonl, tmp_path / "run", "qlora",
                          max_steps=3, learning_rate=1e-2, gradient_checkpointing=True),
                  callbacks=[snap])
    import bitsandbytes as bnb

    quantized = [m for m in snap.model.modules() if type(m) is bnb.nn.Linear4bit]
    assert len(quantized) == 4 * 7  # every linear layer of the 4 blocks
    changed = snap.changed()
    assert changed and all("lora_" in n for n in changed)
    assert all(snap.after[n].dtype == torch.float32 for n in changed)
    assert all(torch.isfinite(torch.tensor(loss)) for loss in _losses(out))


def test_unknown_method_is_an_error(tiny_model_dir, prompt_completion_jsonl, tmp_path):
    with pytest.raises(CodetuneError, match="unknown; choose one of full, lora, qlora"):
        run_sft(_config(tiny_model_dir, prompt_completion_jsonl, tmp_path / "run", "dora"))


def test_dataset_without_sft_columns_is_an_error(tiny_model_dir, tmp_path):
    data = tmp_path / "qa.jsonl"
    data.write_text('{"question": "q", "answer": "a"}\n')
    with pytest.raises(CodetuneError, match="lacks the SFT columns.*has question, answer"):
        run_sft(_config(tiny_model_dir, data, tmp_path / "run"))


def test_cli_reports_a_missing_model_in_one_line(prompt_completion_jsonl, tmp_path, capsys,
                                                 monkeypatch):
    from codetune import cli

    monkeypatch.setattr("sys.argv", ["codetune", "sft", "--model", str(tmp_path / "none"),
                                     "--dataset", str(prompt_completion_jsonl),
                                     "-o", str(tmp_path / "out")])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "not found" in err and len(err.splitlines()) == 1
