"""The sandbox pool rewards share: started on first use, closed when the process exits.

GRPO calls reward functions from inside the trainer, with no place to open a context manager, so
execution rewards take an explicit ``pool`` (tests, benchmarks) or fall back to this shared one.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

_lock = threading.Lock()
_shared: dict[str, Any] = {}


def shared_pool(config: Any = None, **sandbox_config: Any):
    """A started ``SandboxPool`` shared by every reward in this process (created once from
    ``config``, a ``SandboxConfig``, or its keys)."""
    with _lock:
        pool = _shared.get("pool")
        if pool is None:
            from codetune.sandbox import SandboxConfig, open_pool

            # backend remote: the ranks of a machine share `codetune sandbox serve` hosts
            pool = open_pool(config or SandboxConfig(**sandbox_config))
            pool.__enter__()
            _shared["pool"] = pool
            atexit.register(close_shared_pool)
        return pool


def close_shared_pool() -> None:
    """Stop the shared pool's containers (idempotent)."""
    with _lock:
        pool = _shared.pop("pool", None)
    if pool is None:
        return
    try:
        pool.close()
    except RuntimeError:
        # At interpreter exit concurrent.futures refuses new threads: close runners one by one.
        for worker in list(getattr(pool, "workers", [])):
            worker.close()
