"""SandboxFusion's ``run_code`` contract on codetune's sandbox (bytedance/SandboxFusion's
``sandbox/server/sandbox_api.py`` schema; docs/sandbox-service.md lists every field).

The code runs as a script (``__main__``) once, with ``stdin`` (None: EOF at once); the exit code
decides ``Success``/``Failed``; ``SandboxError`` only when the sandbox itself failed. codetune's
own verdict names never appear here.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from codetune.errors import CodetuneError
from codetune.sandbox.types import (
    ACCEPTED,
    COMPILE_ERROR,
    GRADER_ERROR,
    OUTPUT_LIMIT,
    SANDBOX_ERROR,
    TIME_LIMIT,
    ExecutionJob,
    ExecutionResult,
)


def resolve_language(name: str) -> str | None:
    """codetune's name for a SandboxFusion language name (``nodejs`` -> ``javascript``), or
    None when this sandbox cannot run it."""
    try:
        from codetune.languages import get_language
    except ImportError:  # no language registry in this build: python only
        return "python" if name == "python" else None
    try:
        return get_language(name).name
    except CodetuneError:
        return None


def supported_languages() -> list[str]:
    try:
        from codetune.languages import LANGUAGES
    except ImportError:
        return ["python"]
    return sorted(LANGUAGES)


class RunCodeRequest(BaseModel):
    """The body verl's client and SandboxFusion's SDK send; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    code: str
    language: str
    compile_timeout: float = Field(10.0, ge=0)
    run_timeout: float = Field(10.0, gt=0)
    memory_limit_MB: int = -1
    stdin: str | None = None
    files: dict[str, str | None] = Field(default_factory=dict)
    fetch_files: list[str] = Field(default_factory=list)


class CommandRunResult(BaseModel):
    status: Literal["Finished", "TimeLimitExceeded", "Error"]
    execution_time: float | None = None
    return_code: int | None = None
    stdout: str = ""
    stderr: str = ""


class RunCodeResponse(BaseModel):
    status: Literal["Success", "Failed", "SandboxError"]
    message: str = ""
    compile_result: CommandRunResult | None = None
    run_result: CommandRunResult | None = None
    executor_pod_name: str | None = None
    files: dict[str, str] = Field(default_factory=dict)


class RequestRefused(ValueError):
    """A request this server will not run (unsupported language, too much memory): 4xx."""


def to_job(req: RunCodeRequest, max_memory_mb: int, language: str = "python") -> ExecutionJob:
    """The request as a run-only, one-case script job in codetune's ``language``."""
    memory_mb = None
    if req.memory_limit_MB > 0:
        if req.memory_limit_MB > max_memory_mb:
            raise RequestRefused(
                f"memory_limit_MB {req.memory_limit_MB} exceeds this server's maximum "
                f"{max_memory_mb} MiB (serve with --set max_memory_mb=N to allow more)")
        memory_mb = req.memory_limit_MB
    return ExecutionJob(
        id=f"run_code-{uuid.uuid4().hex[:12]}", code=req.code,
        language=language,
        cases=[{"input": req.stdin, "output": None}],
        case_timeout_s=req.run_timeout,
        timeout_s=req.run_timeout + req.compile_timeout,  # the backstop over setup and run
        memory_mb=memory_mb,
        files={path: data for path, data in req.files.items() if data is not None},
        fetch_files=list(req.fetch_files))


def unsupported_language(language: str) -> RunCodeResponse:
    """SandboxFusion answers an unknown language with a failed run, not a sandbox error."""
    supported = ", ".join(supported_languages())
    message = f"language {language!r} is not supported by this sandbox (supported: {supported})"
    return RunCodeResponse(status="Failed", message=message)


def to_response(result: ExecutionResult) -> RunCodeResponse:
    """The verdict in SandboxFusion's words."""
    if result.status == SANDBOX_ERROR or not result.cases:
        if result.status == SANDBOX_ERROR:
            return RunCodeResponse(status="SandboxError", message=result.reason or
                                   "the sandbox failed")
        if result.verdict == COMPILE_ERROR:  # SandboxFusion: a compile result, no run
            compiled = CommandRunResult(status="Finished", execution_time=result.duration_s,
                                        return_code=1, stdout=result.stdout or "",
                                        stderr=result.stderr or result.reason or "")
            return RunCodeResponse(status="Failed", message=result.reason or "compile error",
                                   compile_result=compiled)
        # No case ran (the job failed before its first case): report it as the run's error.
        run = CommandRunResult(status="Error", execution_time=result.duration_s,
                               stdout=result.stdout or "",
                               stderr=result.stderr or result.reason or "")
        return RunCodeResponse(status="Failed", message=result.reason or "", run_result=run,
                               files=result.files or {})
    case = result.cases[0]
    status = case.get("status")
    if status == GRADER_ERROR:
        return RunCodeResponse(status="SandboxError",
                               message=result.reason or "the sandbox failed on this case")
    code = case.get("exit_code")
    if status == TIME_LIMIT:
        run_status, code = "TimeLimitExceeded", None
    elif code is None or status == OUTPUT_LIMIT:
        run_status = "Error"  # killed by a signal, or by the output cap
    else:
        run_status = "Finished"
    run = CommandRunResult(status=run_status, execution_time=case.get("time_s"),
                           return_code=code, stdout=case.get("stdout") or "",
                           stderr=case.get("stderr") or "")
    ok = run_status == "Finished" and code == 0
    message = "" if ok else _failure_message(status, code, result.reason)
    return RunCodeResponse(status="Success" if ok else "Failed", message=message,
                           run_result=run, files=result.files or {})


def _failure_message(status: str | None, code: int | None, reason: str) -> str:
    if status == TIME_LIMIT:
        return "the program exceeded its time limit"
    if status == OUTPUT_LIMIT:
        return "the program printed more than the output limit"
    if status not in (ACCEPTED, None) and code is None:
        return reason or f"the program was killed ({status})"
    return f"the program exited with code {code}" if code is not None else (reason or "")
