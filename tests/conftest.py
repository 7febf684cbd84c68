"""Shared fixtures live in tests/fixtures/*; each area owns one module."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Benchmark files come from the development mirror ../shared/data (never copied into the repo);
# without one, codetune.benchmark_data finds them the way a user's install does.
if "CODETUNE_DATA_DIR" not in os.environ:
    from codetune.paths import checkout_data_dir

    if checkout_data_dir() is not None:
        os.environ["CODETUNE_DATA_DIR"] = str(checkout_data_dir())

pytest_plugins = ["tests.fixtures.sandbox", "tests.fixtures.models"]
