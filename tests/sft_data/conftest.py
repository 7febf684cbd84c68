"""Fixtures for the SFT-data tests: a sandbox pool (the shared one when present) and MBPP rows."""

from __future__ import annotations

import json

import pytest

from codetune.paths import shared_data_dir


@pytest.fixture(scope="session")
def sft_pool(request):
    """The session ``sandbox_pool`` fixture if the sandbox work provides it, else our own pool."""
    try:
        yield request.getfixturevalue("sandbox_pool")
        return
    except pytest.FixtureLookupError:
        pass
    from codetune.sandbox import SandboxConfig, SandboxPool

    try:
        pool = SandboxPool(SandboxConfig()).start()
    except Exception as exc:  # no engine or image: docker tests cannot run here
        pytest.skip(f"sandbox unavailable: {exc}")
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def mbpp_train() -> list[dict]:
    """MBPP train-split rows (task ids 601-974), CRLF normalised."""
    rows = []
    with open(shared_data_dir() / "mbpp.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if 601 <= row["task_id"] <= 974:
                row["code"] = row["code"].replace("\r\n", "\n")
                rows.append(row)
    return rows
