"""The pretraining build on datatrove's executors: same decisions as the in-memory build,
resumable after SIGKILL, and runnable on a local Ray instance.

The builds run the shipped recipes (``datasets_recipes/pretrain_site_packages_{sharded,ray}.yaml``:
8 tasks) with the sources narrowed to one site-packages package (datatrove's own pipeline code)
plus the planted test corpus (near and exact duplicates, a leaked benchmark, bad files), and the
small test tokenizer: everything else as shipped."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import datatrove
import numpy as np
import pytest
import yaml

from codetune.config import load_config
from codetune.data.pretrain import build_pretrain
from codetune.data.recipe import PretrainRecipe
from codetune.data.sharded.clusters import _PAIR_DTYPE, greedy_drops
from codetune.errors import CodetuneError

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SITE_PACKAGE = Path(datatrove.__file__).parent / "pipeline"  # ~90 files, ~0.5 MB


def site_values(recipe: str, out: Path, corpus_dir: Path, tokenizer: Path, **executor) -> dict:
    """A shipped recipe with its sources narrowed (see the module docstring)."""
    values = yaml.safe_load((ROOT / "datasets_recipes" / f"{recipe}.yaml").read_text())
    assert values["executor"]["tasks"] == 8
    values["output_dir"] = str(out)
    values["sources"] = [{"kind": "dir", "path": str(SITE_PACKAGE), "name": "site"},
                         {"kind": "dir", "path": str(corpus_dir), "name": "corpus"}]
    values["tokenize"].update(tokenizer=str(tokenizer), block_size=64, validation_fraction=0.2)
    values["executor"].update(executor)
    return values


def values_for(corpus_dir: Path, out: Path, tokenizer: Path, executor: dict) -> dict:
    return {"output_dir": str(out), "num_proc": 1,
            "sources": [{"kind": "dir", "path": str(corpus_dir), "name": "corpus"}],
            "tokenize": {"tokenizer": str(tokenizer), "block_size": 64,
                         "validation_fraction": 0.2},
            "fim": {"rate": 0.5}, "executor": executor}


def drops(out: Path) -> list[str]:
    return sorted(json.dumps(json.loads(line), sort_keys=True)
                  for line in (out / "drops.jsonl").read_text().splitlines())


def outputs(out: Path) -> dict:
    """Everything a build produces except timing."""
    import datasets

    report = json.loads((out / "report.json").read_text())
    report.pop("elapsed_s")
    report["executor"].pop("workers")  # how many ran at once: the one setting allowed to differ
    dd = datasets.load_from_disk(str(out))
    return {"report": report, "drops": (out / "drops.jsonl").read_text(),
            "blocks": {s: dd[s]["input_ids"] for s in dd},
            "files": datasets.load_from_disk(str(out / "files"))["id"]}


@pytest.fixture(scope="module")
def memory_build(corpus_dir, tiny_tokenizer_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("mem") / "out"
    return build_pretrain(load_config(PretrainRecipe, **site_values(
        "pretrain_site_packages_sharded", out, corpus_dir, tiny_tokenizer_dir, kind="memory")))


@pytest.fixture(scope="module")
def local_build(corpus_dir, tiny_tokenizer_dir, tmp_path_factory):
    """The shipped recipe as is: ``executor: {kind: local, tasks: 8, workers: 2}``."""
    out = tmp_path_factory.mktemp("local") / "out"
    values = site_values("pretrain_site_packages_sharded", out, corpus_dir, tiny_tokenizer_dir)
    assert values["executor"]["kind"] == "local"
    return build_pretrain(load_config(PretrainRecipe, **values))


def test_sharded_build_drops_the_same_files_for_the_same_reasons(memory_build, local_build):
    assert drops(local_build.output_dir) == drops(memory_build.output_dir)
    steps = {json.loads(d)["step"] for d in drops(local_build.output_dir)}
    assert {"near_dedup", "exact_dedup", "decontaminate"} <= steps
    assert local_build.report["sources"][0]["files_read"] > 50  # the site-packages code was read


def test_sharded_report_has_the_in_memory_rows(memory_build, local_build):
    mem, loc = memory_build.report, local_build.report
    assert loc["filters"] == mem["filters"]
    for a, b in zip(loc["steps"], mem["steps"], strict=True):
        assert {k: a[k] for k in ("step", "in", "kept", "dropped", "reasons")} == {
            k: b[k] for k in ("step", "in", "kept", "dropped", "reasons")}
    assert loc["near_dup_clusters"] == mem["near_dup_clusters"]
    assert loc["files_out"] == mem["files_out"]
    assert loc["executor"]["tasks"] == 8 and "work" not in loc


def test_sharded_output_loads_as_the_tokenized_dataset(local_build):
    import datasets

    dd = datasets.load_from_disk(str(local_build.output_dir))
    assert set(dd) == {"train", "validation"}
    assert all(len(row) == 64 for row in dd["train"]["input_ids"])
    assert len(dd["train"]) == local_build.report["tokens"]["train"]["blocks"]
    assert not Path(str(local_build.output_dir) + ".work").exists()  # keep_work: false


def test_greedy_drop_needs_a_kept_match_not_a_chain():
    # 0~1 and 1~2 (0 and 2 far apart): 1 goes, 2 stays because its only match was dropped.
    pairs = np.array([(0, 0, 0, 1, 0.9), (0, 1, 0, 2, 0.8)], dtype=_PAIR_DTYPE)
    assert greedy_drops(pairs) == {1: (0, pytest.approx(0.9))}


def test_greedy_drop_keeps_against_the_most_similar_kept_file():
    pairs = np.array([(0, 0, 1, 5, 0.75), (0, 3, 1, 5, 0.9)], dtype=_PAIR_DTYPE)
    assert greedy_drops(pairs) == {(1 << 32) | 5: (3, pytest.approx(0.9))}


def test_unknown_executor_kind_is_a_clear_error(corpus_dir, tiny_tokenizer_dir, tmp_path):
    recipe = load_config(PretrainRecipe, **values_for(
        corpus_dir, tmp_path / "o", tiny_tokenizer_dir, {"kind": "spark"}))
    with pytest.raises(CodetuneError, match="executor.kind='spark'"):
        build_pretrain(recipe)


def test_sigkilled_build_resumes_skipping_finished_tasks_to_identical_outputs(
        corpus_dir, tiny_tokenizer_dir, tmp_path, local_build):
    out = tmp_path / "out"
    values = site_values("pretrain_site_packages_sharded", out, corpus_dir, tiny_tokenizer_dir,
                         workers=1, keep_work=True)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(yaml.safe_dump(values))
    work = tmp_path / "out.work"
    marker = work / "logs" / "minhash" / "completions"
    cmd = [sys.executable, "-m", "codetune.cli", "data", "pretrain", "-r", str(recipe)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None and not (
            marker.is_dir() and any(marker.iterdir())):
        time.sleep(0.005)
    assert proc.poll() is None, "the build ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not out.exists()
    shard = work / "docs" / "00000.jsonl.gz"
    before = shard.stat().st_mtime_ns
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert shard.stat().st_mtime_ns == before  # the finished read task was not run again
    assert "Skipping" in (work / "run.log").read_text() + done.stderr
    # identical to a build that was never interrupted (same recipe, other folder)
    assert outputs(out) == outputs(local_build.output_dir)


@pytest.mark.timeout(900)
def test_ray_recipe_on_a_local_ray_instance(corpus_dir, tiny_tokenizer_dir, tmp_path,
                                            memory_build):
    ray = pytest.importorskip("ray")
    out = tmp_path / "out"
    values = site_values("pretrain_site_packages_ray", out, corpus_dir, tiny_tokenizer_dir)
    assert values["executor"]["kind"] == "ray" and not values["executor"]["ray_address"]
    values["executor"]["mem_per_cpu_gb"] = 0.5  # schedulable on a busy test machine
    before = signal.getsignal(signal.SIGTERM)
    try:
        result = build_pretrain(load_config(PretrainRecipe, **values))
        assert ray.is_initialized()  # the stages ran as Ray tasks on the local instance
    finally:
        ray.shutdown()
    assert drops(out) == drops(memory_build.output_dir)
    assert result.report["executor"]["kind"] == "ray"
    assert signal.getsignal(signal.SIGTERM) is before  # Ray's handler did not replace ours
