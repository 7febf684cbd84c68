"""Sharded pretraining build (datatrove, ``executor: local``) vs the in-memory build.

Corpus: the venv's site-packages ``.py`` files (real third-party code on every install), taken
as nested subsets of 1x, 2x and 4x ``--unit-mb``, plus planted near-duplicates made as in
``benchmarks/dedup.py`` (one per ``--plant-every`` files; only plants that still parse, so the
quality filters keep them). Each build runs in a subprocess (``codetune data pretrain``); peak
RSS is the largest process of its tree (``wait4``), throughput is input MB per wall second per
worker and per CPU-second (user+sys of the whole tree). Dedup alone: exact + near dedup, for the
sharded build the wall time of its dedup stages (``run.log``), for the in-memory build
``ExactDedup`` + ``NearDedup`` timed in this process on the same files (CPU time). Planted pairs
are scored on true 5-gram Jaccard >= 0.7; the sharded drops are compared with the in-memory ones.

Run: ``CODETUNE_DATA_DIR=../shared/data .venv/bin/python benchmarks/pretrain_scale.py
--unit-mb 12 --plant-every 5``; writes ``benchmarks/results/pretrain_scale.md`` and ``.json``.
"""

from __future__ import annotations

# ruff: noqa: E501  (markdown table rows)
import argparse
import ast
import json
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from datetime import datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from dedup import plant  # noqa: E402

from codetune.data.dedup import ngram_hashes  # noqa: E402

THRESHOLD = 0.7
COMMAND = ("CODETUNE_DATA_DIR=../shared/data .venv/bin/python benchmarks/pretrain_scale.py "
           "--unit-mb {unit:g} --plant-every {every}")
DEDUP_STAGES = ("exact", "minhash", "pairs", "clusters")


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


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
        if n % plant_every == 0 and len(text) >= 2000 and parses(text):
            # re-indenting edits can break the syntax; the parse filter would drop those copies
            copy = next((c for c in (plant(text, rng, text)[0] for _ in range(10)) if parses(c)),
                        None)
            if copy is None:
                continue
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
            "peak_rss_mb": usage.ru_maxrss / 1024, "stages": stage_seconds(out / "run.log"),
            "report": json.loads((out / "report.json").read_text()),
            "drops": [json.loads(x) for x in (out / "drops.jsonl").read_text().splitlines()]}


def stage_seconds(run_log: Path) -> dict[str, float]:
    """Wall seconds of each sharded stage, from the ``stage NAME: N task(s)`` log lines."""
    starts = []
    for line in run_log.read_text().splitlines():
        if "codetune: stage " in line and line.endswith("task(s)"):
            t = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            starts.append((line.split("stage ", 1)[1].split(":")[0], t))
    return {name: round(b - a, 2) for (name, a), (_, b) in zip(starts, starts[1:], strict=False)}


def memory_dedup_cpu_s(src: Path) -> float:
    """CPU seconds of the in-memory build's ExactDedup + NearDedup over the same files."""
    from codetune.data.dedup import ExactDedup, NearDedup
    from codetune.data.pipeline import Pipeline
    from codetune.data.sources import SourceConfig, make_source

    records = list(make_source(SourceConfig(kind="dir", path=str(src), name="c")).records())
    t0 = time.process_time()
    for _ in Pipeline([ExactDedup("text", id_key="id"), NearDedup("text", THRESHOLD,
                                                                    id_key="id")]).run(records):
        pass
    return time.process_time() - t0


def drop_set(drops: list[dict]) -> set[str]:
    return {json.dumps(d, sort_keys=True) for d in drops}


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


def measure(tmp: Path, mult: int, src: Path, pairs: list, tok: Path, name: str, ex: dict,
            cores: int, mem_drops: set[str]) -> tuple[dict, set[str]]:
    load = os.getloadavg()[0]
    out = tmp / f"out{mult}{cores}{ex['kind']}"
    r = build(recipe_for(src, out, str(tok), ex), tmp)
    mb = r["report"]["bytes_in"] / 1e6
    drops = drop_set(r["drops"])
    if ex["kind"] == "memory":
        dedup_s = memory_dedup_cpu_s(src)
    else:
        # core-seconds: the one-task stages (exact, clusters) use one core
        dedup_s = sum(r["stages"].get(k, 0.0) * (1 if k in ("exact", "clusters") else cores)
                      for k in DEDUP_STAGES)
    shutil.rmtree(out, ignore_errors=True)
    return {"input": f"{mult}x", "build": name, "files": r["report"]["files_in"],
            "mb": round(mb, 1), "wall_s": round(r["wall_s"], 1),
            "mb_s_per_core": round(mb / r["wall_s"] / cores, 3),
            "mb_per_cpu_s": round(mb / r["cpu_s"], 3),
            "dedup_mb_s_per_core": round(mb / dedup_s, 2),
            "peak_rss_mb": round(r["peak_rss_mb"]),
            "near_dups": r["report"]["dedup"]["near_duplicates"],
            "same_drops_as_in_memory": None if ex["kind"] == "memory" else drops == mem_drops,
            "load_1min": round(load, 2),
            "stages_s": r["stages"], **score(r["drops"], pairs, src)}, drops


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def run(unit_mb: float, plant_every: int, save) -> dict:
    """Every build of the table; ``save(result)`` after each row (a partial run keeps its rows).
    Order: in-memory and 1 worker at 1x, 2x, 4x, then 2 workers at 1x."""
    from codetune.data.source_base import read_texts, stdlib_python_files
    from codetune.data.tokenizer import train_tokenizer

    tmp = Path(tempfile.mkdtemp(prefix="ct-scale-"))
    result = {"unit_mb": unit_mb, "plant_every": plant_every, "cpu_count": os.cpu_count(),
              "uptime_start": uptime(), "uptime_end": "",
              "command": COMMAND.format(unit=unit_mb, every=plant_every), "rows": []}
    tok = tmp / "tok"
    train_tokenizer(read_texts(stdlib_python_files()[:300]), tok, vocab_size=4000)
    local = {"kind": "local", "tasks": 8}
    plan = [x for m in (1, 2, 4) for x in (
        (m, "in-memory", {"kind": "memory"}, 1),
        (m, "datatrove local, 8 tasks, 1 worker", local | {"workers": 1}, 1))]
    plan.append((1, "datatrove local, 8 tasks, 2 workers", local | {"workers": 2}, 2))
    corpora: dict[int, tuple[Path, list]] = {}
    mem_drops: dict[int, set[str]] = {}
    try:
        for mult, name, ex, cores in plan:
            if mult not in corpora:
                (tmp / f"src{mult}").mkdir()
                corpora[mult] = (tmp / f"src{mult}",
                                 corpus(tmp / f"src{mult}", unit_mb * mult, plant_every))
            src, pairs = corpora[mult]
            row, drops = measure(tmp, mult, src, pairs, tok, name, ex, cores,
                                 mem_drops.get(mult, set()))
            if ex["kind"] == "memory":
                mem_drops[mult] = drops
            result["rows"].append(row)
            result["uptime_end"] = uptime()
            save(result)
            print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def markdown(r: dict) -> str:
    lines = ["# Sharded pretraining build (datatrove) vs in-memory", "",
             f"site-packages `.py` subsets (nested), 1x = {r['unit_mb']:g} MB, one planted "
             f"near-duplicate per {r['plant_every']} files; {r['cpu_count']} cores shared with "
             "other jobs (load: 1-minute average when each build started; `uptime` at start: "
             f"`{r['uptime_start']}`, at end: `{r['uptime_end']}`).", "",
             f"Rerun: `{r['command']}`", "",
             "MB/s per core = input MB / wall s / workers; MB per CPU-s counts every process of "
             "the build. Dedup MB/s per core: exact + near dedup alone (sharded: wall time of "
             "its dedup stages x the workers each used; in-memory: CPU time of `ExactDedup` + `NearDedup`). "
             "Peak RSS: the largest process of the build. Precision/recall: planted pairs vs "
             "true 5-gram Jaccard >= 0.7. Same drops: every dropped file, step, reason and kept "
             "file equal to the in-memory build's.", "",
             "| input | build | files | MB | wall s | MB/s per core | MB per CPU-s "
             "| dedup MB/s per core | peak RSS MB | near-dups | same drops | planted true pairs "
             "| precision | recall | load |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: "
             "| ---: | ---: | ---: |"]
    for x in r["rows"]:
        same = {None: "-", True: "yes", False: "no"}[x["same_drops_as_in_memory"]]
        lines.append(f"| {x['input']} | {x['build']} | {x['files']} | {x['mb']} | {x['wall_s']} "
                     f"| {x['mb_s_per_core']} | {x['mb_per_cpu_s']} | {x['dedup_mb_s_per_core']} "
                     f"| {x['peak_rss_mb']} | {x['near_dups']} | {same} | {x['true_pairs']} "
                     f"| {x['precision']:.3f} | {x['recall']:.3f} | {x['load_1min']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--unit-mb", type=float, default=12.0)
    ap.add_argument("--plant-every", type=int, default=5)
    args = ap.parse_args()
    out = ROOT / "benchmarks" / "results"

    def save(result: dict) -> None:
        from codetune.artifacts import atomic_write_json, atomic_write_text

        atomic_write_json(out / "pretrain_scale.json", result)
        atomic_write_text(out / "pretrain_scale.md", markdown(result))

    print(markdown(run(args.unit_mb, args.plant_every, save)))


if __name__ == "__main__":
    main()
