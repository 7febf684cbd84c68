"""Training configs: stage defaults survive overrides; pass-through keys are checked."""

from __future__ import annotations

import pytest

from codetune.config import load_config
from codetune.errors import CodetuneError
from codetune.train.config import PretrainConfig, SFTRunConfig, TrainSettings


def test_overriding_one_train_key_keeps_the_stage_defaults():
    pre = load_config(PretrainConfig, None, ["train.max_steps=5"])
    sft = load_config(SFTRunConfig, None, ["train.max_steps=5"])
    assert (pre.train.max_steps, pre.train.learning_rate) == (5, 1e-3)
    assert (sft.train.per_device_train_batch_size, sft.train.gradient_accumulation_steps) == (2, 4)


def test_cpu_defaults_are_fp32_with_use_cpu(tmp_path):
    from trl import SFTConfig

    from codetune.train.trainer_config import training_arguments

    args = training_arguments(SFTConfig, TrainSettings(), tmp_path, has_eval=False)
    assert args.use_cpu and not args.bf16 and not args.activation_checkpointing
    assert args.lr_scheduler_type == "cosine" and args.max_grad_norm == 1.0


def test_extra_keys_pass_through_and_typos_are_named(tmp_path):
    from trl import SFTConfig

    from codetune.train.trainer_config import training_arguments

    args = training_arguments(SFTConfig, TrainSettings(extra={"optim": "adamw_torch"}), tmp_path,
                              has_eval=False)
    assert args.optim == "adamw_torch"
    with pytest.raises(CodetuneError, match="train.extra.optimm.*did you mean 'optim'"):
        training_arguments(SFTConfig, TrainSettings(extra={"optimm": "sgd"}), tmp_path, False)
