"""Shared fixtures live in tests/fixtures/*; each area owns one module."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

pytest_plugins = ["tests.fixtures.sandbox", "tests.fixtures.models"]
