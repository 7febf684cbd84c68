"""Shared fixtures live in tests/fixtures/*; each area owns one module."""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Benchmark files come from the development mirror ../shared/data (never copied into the repo);
# without one, codetune.benchmark_data finds them the way a user's install does.
if "CODETUNE_DATA_DIR" not in os.environ:
    from codetune.paths import checkout_data_dir

    if checkout_data_dir() is not None:
        os.environ["CODETUNE_DATA_DIR"] = str(checkout_data_dir())

pytest_plugins = ["tests.fixtures.sandbox", "tests.fixtures.models"]

# Variables that make a child process join a torch.distributed world. A test that runs a
# DeepSpeed path in-process sets them (codetune.train.deepspeed.single_process_env); leaked into
# os.environ they would make every later training subprocess rendezvous on the same port.
_RENDEZVOUS_VARS = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
                    "DS_ACCELERATOR")


@pytest.fixture(autouse=True)
def _no_leaked_rendezvous_env():
    before = {k: os.environ.get(k) for k in _RENDEZVOUS_VARS}
    yield
    for key, value in before.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
