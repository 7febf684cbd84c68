"""Where a model runs and in which dtype: the one decision every stage shares.

fp32 on CPU (bf16 autocast is 17-37x slower on the CPUs this project measured, and nothing runs
bf16 on a CPU here); bf16 on a CUDA device that supports it (else fp32). Under ``accelerate
launch`` / ``torchrun`` each rank uses the GPU of its ``LOCAL_RANK``. Generation for evaluation,
pair mining, the reward model and the trainers' flags all come from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Placement:
    """A device (``cpu`` or ``cuda:N``) and the dtype models are loaded in on it."""

    device: str
    dtype: Any  # torch.dtype

    @property
    def is_cuda(self) -> bool:
        return self.device.startswith("cuda")

    @property
    def bf16(self) -> bool:
        import torch

        return self.dtype == torch.bfloat16


def cuda_bf16() -> bool:
    """True on a CUDA device with bf16 support."""
    import torch

    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def placement() -> Placement:
    """This process's device (``cuda:LOCAL_RANK`` when CUDA is there, else ``cpu``) and dtype."""
    import torch

    if not torch.cuda.is_available():
        return Placement("cpu", torch.float32)
    index = int(os.environ.get("LOCAL_RANK", "0") or 0) % max(1, torch.cuda.device_count())
    return Placement(f"cuda:{index}", torch.bfloat16 if cuda_bf16() else torch.float32)


def compute_dtype():
    """The dtype computation runs in: bf16 on a bf16-capable GPU, else fp32."""
    return placement().dtype


def place(model, where: Placement | None = None):
    """Move an inference model onto ``where`` (default: ``placement()``); 4-bit or device-mapped
    models stay where ``from_pretrained`` put them."""
    where = where or placement()
    if getattr(model, "hf_device_map", None) or getattr(model, "is_loaded_in_4bit", False):
        return model
    return model.to(where.device)


def trainer_flags(bf16: bool | None = None) -> dict[str, bool]:
    """``use_cpu``/``bf16`` for a transformers/TRL training config: fp32 + ``use_cpu`` without
    CUDA (TRL configs default to bf16, which autocasts even on CPU); bf16 on a GPU that has it,
    unless ``bf16`` is False."""
    import torch

    cuda = torch.cuda.is_available()
    ok = cuda_bf16()
    return {"use_cpu": not cuda, "bf16": bool(ok if bf16 is None else (bf16 and ok))}
