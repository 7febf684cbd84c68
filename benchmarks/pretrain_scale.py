"""Sharded pretraining build (datatrove, ``executor: local``) vs the in-memory build.

Corpus: the venv's site-packages ``.py`` files (real third-party code on every install), taken
as nested subsets of 1x, 2x and 4x ``--unit-mb``, plus planted near-duplicates made as in
``benchmarks/dedup.py`` (one per ``--plant-every`` files). Each build runs in a subprocess; peak
RSS is the largest process of its tree (``RUSAGE_CHILDREN``), throughput is input MB per
CPU-second (user+sys of the whole tree), whole build and near dedup alone (the MinHash stages'
task time from datatrove's stats). Planted pairs are scored on true 5-gram Jaccard >= 0.7.

Run: ``.venv/bin/python benchmarks/pretrain_scale.py [--unit-mb 4]``; writes
``benchmarks/results/pretrain_scale.md`` and ``.json``.
"""

from __future__ import annotations

# ruff: noqa: E501  (markdown table rows)
import argparse
import json
import os
import random
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from dedup import plant  # noqa: E402

from codetune.data.dedup import ngram_hashes  # noqa: E402

THRESHOLD = 0.7


def corpus(root: Path, mb: float, plant_every: int, seed: int = 0) -> list[tuple[str, str]]:
    """Write ``mb`` MB of site-packages files (a prefix of one fixed shuffle: sizes nest) and
    plants into ``root``; returns the (original, plant) path pairs."""
    site = Path(sysconfig.get_paths()["purelib"])
    files = sorted(p for p in site.rglob("*.py") if p.is_file())
    random.Random(seed).shuffle(files)
    rng, budget, pairs, n = random.Random(seed + 1), mb * 1e6, [], 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if not 500 <= len(text) <= 200_000:
            continue
        rel = path.relative_to(site).as_posix()
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
        budget -= len(text.encode())
        n += 1
        if n % plant_every == 0 and len(text) >= 2000:
            copy, _ = plant(text, rng, text)
            prel = f"planted/{n}/{rel}"
            (root / prel).parent.mkdir(parents=True, exist_ok=True)
            (root / prel).write_text(copy)
            pairs.append((rel, prel))
        if budget <= 0:
            break
    return pairs


def true_jaccard(a: str, b: str) -> float:
    x, y = set(ngram_hashes(a, 5).tolist()), set(ngram_hashes(b, 5).tolist())
    return len(x & y) / max(1, len(x | y))


def build(recipe: dict, tmp: Path) -> dict:
    path = tmp / f"r{time.time_ns()}.yaml"
    path.write_text(yaml.safe_dump(recipe))
    t0 = time.time()
    proc = subprocess.Popen([sys.executable, "-m", "codetune.cli", "--quiet", "data", "pretrain",
                             "-r", str(path), "--force"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    err = proc.stderr.read().decode(errors="replace")
    # wait4: this build's own tree (its reaped workers included), not earlier builds'
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(err[-3000:])
    out = Path(recipe["output_dir"])
    return {"wall_s": time.time() - t0, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024,
            "report": json.loads((out / "report.json").read_text()),
            "drops": [json.loads(x) for x in (out / "drops.jsonl").read_text().splitlines()]}


def score(drops: list[dict], pairs: list[tuple[str, str]], src: Path) -> dict:
    cluster = {d["id"]: d["kept"] for d in drops if d["step"] == "near_dedup"}
    # pairs where a filter, exact dedup or decontamination removed a file cannot be found
    gone = {d["id"] for d in drops if d["step"] != "near_dedup"}
    pairs = [(a, b) for a, b in pairs if f"c:{a}" not in gone and f"c:{b}" not in gone]
    truth = {(a, b) for a, b in pairs
             if true_jaccard((src / a).read_text(), (src / b).read_text()) >= THRESHOLD}
    rep = lambda i: cluster.get(f"c:{i}", f"c:{i}")  # noqa: E731
    found = {(a, b) for a, b in pairs if rep(a) == rep(b)}
    tp = len(found & truth)
    return {"planted": len(pairs), "true_pairs": len(truth), "found": len(found),
            "precision": tp / len(found) if found else 1.0,
            "recall": tp / len(truth) if truth else 1.0}


def recipe_for(src: Path, out: Path, tokenizer: str, executor: dict) -> dict:
    return {"output_dir": str(out), "num_proc": 1, "keep_text": False,
            "sources": [{"kind": "dir", "path": str(src), "name": "c"}],
            "tokenize": {"tokenizer": tokenizer, "block_size": 512}, "fim": {"rate": 0.5},
            "executor": executor}


def run(unit_mb: float, plant_every: int) -> dict:
    from codetune.data.tokenizer import read_texts, stdlib_python_files, train_tokenizer

    tmp = Path(tempfile.mkdtemp(prefix="ct-scale-"))
    tok = tmp / "tok"
    train_tokenizer(read_texts(stdlib_python_files()[:300]), tok, vocab_size=4000)
    rows = []
    for mult in (1, 2, 4):
        src = tmp / f"src{mult}"
        src.mkdir()
        pairs = corpus(src, unit_mb * mult, plant_every)
        configs = [("in-memory", {"kind": "memory"}, 1),
                   ("datatrove local, 1 worker", {"kind": "local", "tasks": 8, "workers": 1}, 1)]
        if mult == 1:
            configs.append(("datatrove local, 2 workers",
                            {"kind": "local", "tasks": 8, "workers": 2}, 2))
        for name, ex, cores in configs:
            r = build(recipe_for(src, tmp / f"out{mult}{cores}{ex['kind']}", str(tok), ex), tmp)
            mb = r["report"]["bytes_in"] / 1e6
            rows.append({"input": f"{mult}x", "build": name, "files": r["report"]["files_in"],
                         "mb": round(mb, 1), "wall_s": round(r["wall_s"], 1),
                         "mb_s_per_core": round(mb / r["wall_s"] / cores, 3),
                         "mb_per_cpu_s": round(mb / r["cpu_s"], 3),
                         "peak_rss_mb": round(r["peak_rss_mb"]),
                         "near_dups": r["report"]["dedup"]["near_duplicates"],
                         **score(r["drops"], pairs, src)})
            print(json.dumps(rows[-1]), flush=True)
    return {"unit_mb": unit_mb, "plant_every": plant_every, "cpu_count": os.cpu_count(),
            "rows": rows}


def markdown(r: dict) -> str:
    lines = ["# Sharded pretraining build (datatrove) vs in-memory", "",
             f"site-packages `.py` subsets, 1x = {r['unit_mb']} MB, one planted near-duplicate "
             f"per {r['plant_every']} files; 8 tasks; {r['cpu_count']} shared cores. "
             "Throughput = input MB / wall s / workers; MB per CPU-s counts every process.", "",
             "| input | build | files | MB | wall s | MB/s per core | MB per CPU-s | peak RSS MB "
             "| near-dups | planted true pairs | precision | recall |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for x in r["rows"]:
        lines.append(f"| {x['input']} | {x['build']} | {x['files']} | {x['mb']} | {x['wall_s']} "
                     f"| {x['mb_s_per_core']} | {x['mb_per_cpu_s']} | {x['peak_rss_mb']} "
                     f"| {x['near_dups']} | {x['true_pairs']} | {x['precision']:.3f} "
                     f"| {x['recall']:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--unit-mb", type=float, default=4.0)
    ap.add_argument("--plant-every", type=int, default=10)
    args = ap.parse_args()
    result = run(args.unit_mb, args.plant_every)
    out = ROOT / "benchmarks" / "results"
    (out / "pretrain_scale.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "pretrain_scale.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
