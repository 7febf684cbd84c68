"""``codetune sandbox serve``: the warm sandbox pool behind an HTTP API (docs/sandbox-service.md).

Batch and single-job endpoints over ``SandboxPool.run_many``, a SandboxFusion-compatible
``POST /run_code``, health/readiness, Prometheus metrics, a bearer token, a bounded queue and
a graceful drain on SIGTERM.
"""

from codetune.sandbox.service.config import ServiceConfig

__all__ = ["ServiceConfig"]
