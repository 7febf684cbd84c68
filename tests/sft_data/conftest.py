"""Fixtures for the SFT-data tests (the sandbox pool is the shared ``sandbox_pool``)."""

from __future__ import annotations

import json

import pytest

from codetune.benchmark_data import benchmark_file


@pytest.fixture(scope="session")
def mbpp_train() -> list[dict]:
    """MBPP train-split rows (task ids 601-974), CRLF normalised."""
    rows = []
    with open(benchmark_file("mbpp.jsonl"), encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if 601 <= row["task_id"] <= 974:
                row["code"] = row["code"].replace("\r\n", "\n")
                rows.append(row)
    return rows
