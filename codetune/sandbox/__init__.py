"""Run untrusted code safely: a warm pool of hardened Docker sandboxes with unforgeable verdicts.

``from codetune.sandbox import SandboxPool, SandboxConfig, ExecutionJob, ExecutionResult``;
see docs/sandbox.md.
"""

from codetune.sandbox.config import SandboxConfig
from codetune.sandbox.pool import SandboxPool, open_pool
from codetune.sandbox.remote import RemotePool
from codetune.sandbox.types import ExecutionJob, ExecutionResult

__all__ = ["SandboxPool", "RemotePool", "open_pool", "SandboxConfig", "ExecutionJob",
           "ExecutionResult"]
