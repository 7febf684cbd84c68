"""DeepSpeed ZeRO configs shipped with codetune, and their validation.

``zero2`` shards optimizer state and gradients, ``zero3`` also parameters (Rajbhandari et al.
2020). The files use ``"auto"`` values that transformers fills from the training arguments.
Multi-GPU / multi-node runs go through ``accelerate launch`` (see docs/training.md); a plain
single-process run gets the rendezvous variables DeepSpeed expects (``single_process_env``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from codetune.errors import CodetuneError

CONFIG_DIR = Path(__file__).resolve().parent
SHIPPED = {"zero2": CONFIG_DIR / "zero2.json", "zero3": CONFIG_DIR / "zero3.json"}


def resolve_deepspeed(spec: str | None) -> str | None:
    """Path of the config for ``zero2``/``zero3`` or a user JSON file; ``None`` when unset."""
    if not spec:
        return None
    import importlib.util

    if importlib.util.find_spec("deepspeed") is None:
        raise CodetuneError(f"--deepspeed {spec}: DeepSpeed is not installed; pip install "
                            "'codetune[deepspeed]'")
    if spec in SHIPPED:
        path = SHIPPED[spec]
    else:
        path = Path(spec).expanduser()
        if not path.exists():
            raise CodetuneError(f"--deepspeed {spec}: no such file; use zero2, zero3 or a "
                                "JSON file")
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CodetuneError(f"{path}:{exc.lineno}: invalid DeepSpeed JSON ({exc.msg})") from None
    return str(path)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now (the kernel picks it), for a one-process rendezvous."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def single_process_env() -> None:
    """Without a launcher, give DeepSpeed a one-process gloo world (else it asks for mpi4py).

    The rendezvous port is a free one picked now unless ``MASTER_PORT`` is set: a fixed default
    collides with any other one-process run on the same host (two jobs, a test suite).
    """
    if "RANK" in os.environ or "OMPI_COMM_WORLD_RANK" in os.environ:
        return
    addr = os.environ.get("MASTER_ADDR", "127.0.0.1")
    os.environ.update(RANK="0", LOCAL_RANK="0", WORLD_SIZE="1", MASTER_ADDR=addr,
                      MASTER_PORT=os.environ.get("MASTER_PORT") or str(free_port(addr)))
    import torch

    if not torch.cuda.is_available():
        os.environ.setdefault("DS_ACCELERATOR", "cpu")


def filled_config(path: str, args, model_config) -> dict:
    """The DeepSpeed config with every ``"auto"`` filled from ``args`` and the model's config.

    This is the dict the trainer hands DeepSpeed at launch; no ``"auto"`` is left in it.
    """
    from types import SimpleNamespace

    from transformers.integrations.deepspeed import HfTrainerDeepSpeedConfig

    hf_ds = HfTrainerDeepSpeedConfig(str(path))
    hf_ds.trainer_config_process(args)
    hf_ds.trainer_config_finalize(args, model=SimpleNamespace(config=model_config),
                                  num_training_steps=max(args.max_steps, 1))
    return hf_ds.config


def validate_deepspeed(spec: str, args, model_config) -> dict:
    """Fill ``spec`` (zero2/zero3/file) from ``args`` and validate it with DeepSpeed, no launch.

    ``args`` are TrainingArguments built *without* ``deepspeed`` (building them with it would
    initialise torch.distributed).
    """
    from deepspeed.runtime.config import DeepSpeedConfig

    path = resolve_deepspeed(spec)
    try:
        config = filled_config(path, args, model_config)
        DeepSpeedConfig(config)
    except Exception as exc:  # DeepSpeed raises assorted types for a bad config
        raise CodetuneError(f"{path}: invalid DeepSpeed config ({exc})") from None
    return config
