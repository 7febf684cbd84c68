"""The one trainer runtime: resume/force rules, TRL pass-through checks, device flags, and
pretrain/SFT stopped by SIGTERM and resumed to the one output layout."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from codetune.errors import CodetuneError
from codetune.paths import REPO_ROOT
from codetune.train import PretrainConfig, SFTRunConfig, TrainSettings, run_pretrain, run_sft
from codetune.train.runtime import TrainingInterrupted, resolve_resume
from tests.fixtures.interrupt import SignalAt, assert_finished, assert_interrupted


def _finished_run(out):
    (out / "checkpoint-4").mkdir(parents=True)
    (out / "checkpoint-4" / "trainer_state.json").write_text("{}")
    (out / "final").mkdir()
    (out / "summary.json").write_text("{}")
    (out / "metrics.jsonl").write_text('{"step": 4}\n')


def test_a_finished_run_is_not_trained_over_without_force(tmp_path):
    _finished_run(tmp_path)
    with pytest.raises(CodetuneError, match="finished run.*--force.*--resume"):
        resolve_resume(tmp_path, resume=False)
    with pytest.raises(CodetuneError, match="--resume and --force"):
        resolve_resume(tmp_path, resume=True, force=True)
    assert resolve_resume(tmp_path, resume=True).endswith("checkpoint-4")
    assert resolve_resume(tmp_path, resume=False, force=True) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # --force removed the old run


def test_checkpoints_without_resume_name_both_ways_out(tmp_path):
    (tmp_path / "checkpoint-2").mkdir()
    (tmp_path / "checkpoint-2" / "trainer_state.json").write_text("{}")
    with pytest.raises(CodetuneError, match="checkpoint-2.*--resume.*--force"):
        resolve_resume(tmp_path, resume=False)


def test_resume_forgets_metrics_rows_after_the_checkpoint(tmp_path):
    (tmp_path / "checkpoint-2").mkdir()
    (tmp_path / "checkpoint-2" / "trainer_state.json").write_text("{}")
    (tmp_path / "metrics.jsonl").write_text("".join(f'{{"step": {i}}}\n' for i in (1, 2, 3)))
    resolve_resume(tmp_path, resume=True)
    assert (tmp_path / "metrics.jsonl").read_text() == '{"step": 1}\n{"step": 2}\n'


def test_passthrough_typo_lists_close_fields_in_one_line(tmp_path):
    from trl import SFTConfig

    from codetune.train.trainer_config import training_arguments

    with pytest.raises(CodetuneError, match=r"^train.extra.save_step: not a SFTConfig field; "
                                            r"did you mean 'save_steps', 'save_strategy'") as err:
        training_arguments(SFTConfig, TrainSettings(extra={"save_step": 5}), tmp_path, False)
    assert "\n" not in str(err.value)


def test_passthrough_key_codetune_sets_is_an_error_naming_the_field(tmp_path):
    from trl import SFTConfig

    from codetune.train.trainer_config import training_arguments

    with pytest.raises(CodetuneError, match="train.extra.learning_rate: codetune sets it from "
                                            "`train.learning_rate`"):
        training_arguments(SFTConfig, TrainSettings(extra={"learning_rate": 1.0}), tmp_path, False)
    with pytest.raises(CodetuneError, match="train.extra.bf16: .*`train.bf16`"):
        training_arguments(SFTConfig, TrainSettings(extra={"bf16": True}), tmp_path, False)


def test_bf16_request_is_decided_by_the_device(tmp_path):
    from trl import GRPOConfig

    from codetune.train.trainer_config import trainer_config

    args = trainer_config(GRPOConfig, {"output_dir": str(tmp_path)}, {"bf16": "true"}, "trl")
    import torch

    assert args.bf16 == (torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    assert args.use_cpu == (not torch.cuda.is_available())


def _pretrain(model, data, out, **train):
    settings = dict(learning_rate=3e-3, max_steps=4, per_device_train_batch_size=2,
                    warmup_steps=0, logging_steps=1, save_steps=100, seed=7)
    settings.update(train)
    return PretrainConfig(model=str(model), dataset=str(data), output_dir=str(out),
                          train=TrainSettings(**settings))


def test_pretrain_sigterm_then_resume_reaches_the_final_layout(tiny_model_dir, packed_dataset_dir,
                                                               tmp_path):
    out = tmp_path / "run"
    with pytest.raises(TrainingInterrupted, match="step 2.*--resume"):
        run_pretrain(_pretrain(tiny_model_dir, packed_dataset_dir, out), callbacks=[SignalAt(2)])
    assert_interrupted(out, 2)
    cfg = _pretrain(tiny_model_dir, packed_dataset_dir, out)
    cfg.resume = True
    run_pretrain(cfg)
    summary = assert_finished(out, 4, "pretrain")
    assert summary["eval_perplexity"] > 0
    with pytest.raises(CodetuneError, match="finished run"):  # never trained over silently
        run_pretrain(_pretrain(tiny_model_dir, packed_dataset_dir, out))


@pytest.mark.slow
def test_sft_sigterm_then_cli_resume_reaches_the_final_layout(tiny_model_dir,
                                                              prompt_completion_jsonl, tmp_path):
    out = tmp_path / "sft"
    train = TrainSettings(max_steps=4, per_device_train_batch_size=2,
                          gradient_accumulation_steps=1, logging_steps=1, save_steps=100,
                          warmup_steps=0)
    cfg = SFTRunConfig(model=str(tiny_model_dir), dataset=str(prompt_completion_jsonl),
                       output_dir=str(out), max_length=64, train=train)
    with pytest.raises(TrainingInterrupted, match="step 2"):
        run_sft(cfg, callbacks=[SignalAt(2)])
    assert_interrupted(out, 2)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "codetune.cli", "sft", "-c", str(out / "config.yaml"),
         "--resume"], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith(str(out / "final"))
    assert_finished(out, 4, "sft")
