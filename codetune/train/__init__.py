"""Training: causal-LM pretraining, SFT (full / LoRA / QLoRA), DeepSpeed configs, adapter merge.

Library entry points (the CLI calls these with the same config objects)::

    from codetune.train import PretrainConfig, SFTRunConfig, run_pretrain, run_sft, merge_adapter
"""

from codetune.train.config import PretrainConfig, SFTRunConfig, TrainSettings

__all__ = ["PretrainConfig", "SFTRunConfig", "TrainSettings", "merge_adapter", "run_pretrain",
           "run_sft"]


def __getattr__(name: str):  # heavy imports (torch, transformers, trl) only when used
    if name == "run_pretrain":
        from codetune.train.pretrain import run_pretrain

        return run_pretrain
    if name == "run_sft":
        from codetune.train.sft import run_sft

        return run_sft
    if name == "merge_adapter":
        from codetune.train.merge import merge_adapter

        return merge_adapter
    raise AttributeError(name)
