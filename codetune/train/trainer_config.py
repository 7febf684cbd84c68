"""Device, dtype and the TRL/transformers config of every trainer, from codetune's dataclass plus
checked pass-through keys (``train.extra`` for pretrain/SFT, ``trl:`` for RM/GRPO/RLOO/DPO).

Precedence, lowest first: the runtime's defaults, the trainer's own defaults, the pass-through
keys, and the keys codetune's config sets (a pass-through key that one of those also sets is an
error naming the field to use instead: a key given twice is never resolved silently).
"""

from __future__ import annotations

import difflib
import os
from typing import Any

from codetune.config import convert_fields
from codetune.console import log
from codetune.errors import CodetuneError

RUNTIME_DEFAULTS: dict[str, Any] = {
    "save_strategy": "steps", "logging_first_step": True, "report_to": "none",
    "dataloader_pin_memory": False, "dataloader_num_workers": 0,
}


def device_flags(bf16: bool | None = None) -> dict[str, Any]:
    """``use_cpu``/``bf16``: fp32 + ``use_cpu`` without CUDA (TRL configs default to bf16, which
    autocasts even on CPU, 17-37x slower); bf16 on a bf16-capable GPU unless ``bf16`` is False."""
    from codetune.models.device import cuda_bf16, trainer_flags

    if bf16 and not cuda_bf16():
        log.warning("bf16 requested without a bf16-capable CUDA device: training in fp32")
    return trainer_flags(bf16)


def check_passthrough(cls: type, keys: dict, where: str) -> dict:
    """``keys`` checked against ``cls``'s fields and converted to their types; an unknown key is
    a one-line error listing the closest valid names."""
    import dataclasses

    valid = sorted(f.name for f in dataclasses.fields(cls) if f.init)
    for key in keys:
        if key not in valid:
            near = difflib.get_close_matches(str(key), valid, n=3, cutoff=0.6)
            hint = (f"; did you mean {', '.join(repr(n) for n in near)}?" if near else
                    f"; see the {cls.__name__} fields in TRL/transformers' docs")
            raise CodetuneError(f"{where}.{key}: not a {cls.__name__} field{hint}")
    return convert_fields(cls, keys, where)


def trainer_config(cls: type, ours: dict[str, Any], passthrough: dict, where: str, *,
                   defaults: dict[str, Any] | None = None, names: dict[str, str] | None = None,
                   prefix: str = "", deepspeed: str | None = None):
    """Build ``cls`` (``TrainingArguments``, ``SFTConfig``, ``GRPOConfig``, ...).

    ``ours``: keys set from codetune's config (``names`` maps a key to the config field it comes
    from when the names differ, else ``prefix + key``); a ``bf16`` among them is a request the
    device decides (None: on where supported). ``defaults``: the trainer's choices that the
    pass-through may change. ``deepspeed``: zero2, zero3 or a JSON file.
    """
    extra = check_passthrough(cls, passthrough or {}, where)
    names = names or {}
    for key in sorted(extra):
        if key in ours:
            field = names.get(key, prefix + key)
            raise CodetuneError(f"{where}.{key}: codetune sets it from `{field}`; set that "
                                f"instead (a key given twice is ambiguous)")
    ours = dict(ours)
    bf16 = ours.pop("bf16", None) if "bf16" in ours else extra.pop("bf16", None)
    kw = {**RUNTIME_DEFAULTS, **device_flags(bf16), **(defaults or {}), **extra, **ours}
    kw["deepspeed"] = resolve_deepspeed(deepspeed)
    try:
        return cls(**kw)
    except (ValueError, TypeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CodetuneError(f"{where}: invalid training settings ({first})") from None


def resolve_deepspeed(spec: str | None) -> str | None:
    """The ZeRO config path (shipped zero2/zero3 or a file); a one-process world when no launcher
    set one up."""
    from codetune.train.deepspeed import resolve_deepspeed as resolve
    from codetune.train.deepspeed import single_process_env

    path = resolve(spec)
    if path:
        single_process_env()
    return path


def training_arguments(cls: type, settings: Any, output_dir: str | os.PathLike, has_eval: bool,
                       deepspeed: str | None = None, **stage: Any):
    """``cls`` (TrainingArguments or SFTConfig) from a ``TrainSettings`` plus stage fields;
    ``train.extra`` is the pass-through."""
    import dataclasses

    ours = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)
            if f.name != "extra"}
    # transformers 5 renamed it; the old name (SFTConfig defaults it to True) only warns.
    ours["activation_checkpointing"] = ours.pop("gradient_checkpointing")
    ours["gradient_checkpointing"] = None
    ours.update(output_dir=str(output_dir),
                eval_strategy="steps" if (has_eval and settings.eval_steps) else "no")
    if settings.eval_steps is None:
        ours.pop("eval_steps")
    ours.update(stage)
    names = {"activation_checkpointing": "train.gradient_checkpointing",
             "gradient_checkpointing": "train.gradient_checkpointing",
             "eval_strategy": "train.eval_steps", "output_dir": "output_dir"}
    names.update({k: k for k in stage})
    return trainer_config(cls, ours, settings.extra, "train.extra", names=names,
                          prefix="train.", deepspeed=deepspeed)
