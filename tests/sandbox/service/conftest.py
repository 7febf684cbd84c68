"""Real `codetune sandbox serve` processes on 127.0.0.1 for the service tests."""

from __future__ import annotations

import pytest

from codetune.errors import CodetuneError
from codetune.sandbox.service.launch import LocalService


@pytest.fixture(scope="session")
def start_service(tmp_path_factory):
    """Factory: ``start_service(name, *serve_args, token=..., workers=...)`` -> a started
    ``LocalService`` (docker backend); all are stopped at the end of the session."""
    tmp = tmp_path_factory.mktemp("sandbox-service")
    started: list[LocalService] = []

    def start(name: str, *args: str, workers: int = 2, **kwargs) -> LocalService:
        try:
            service = LocalService(*args, workers=workers, log_path=tmp / f"{name}.log",
                                   **kwargs)
        except CodetuneError as exc:
            pytest.fail(str(exc), pytrace=False)
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


@pytest.fixture(scope="session")
def service(start_service) -> LocalService:
    """One shared service (docker, 2 runners, no token) for the contract tests."""
    return start_service("shared")
