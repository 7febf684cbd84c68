"""Deterministic generation of tasks from the template catalog, and the reference self-check."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterable, Iterator

from codetune.data.pyfunc.catalog import TEMPLATES, templates_for
from codetune.data.pyfunc.template import SPLITS, Task, render
from codetune.errors import CodetuneError


def generate_tasks(split: str, n: int, seed: int = 0, stream: str = "train",
                   n_tests: int = 4, exclude_prompts: Iterable[str] = (),
                   templates: Iterable[str] | None = None) -> list[Task]:
    """``n`` tasks cycling over ``split``'s templates; the same arguments give the same tasks.

    ``stream`` names an independent draw (``train``, ``eval``...), so evaluation tasks are fresh;
    prompts in ``exclude_prompts`` are skipped (no train/eval overlap even by chance).
    """
    if split not in SPLITS:
        raise CodetuneError(f"unknown task split {split!r}; use one of {', '.join(SPLITS)}")
    chosen = ([TEMPLATES[_known(t)] for t in templates] if templates is not None
              else templates_for(split))
    if not chosen:
        raise CodetuneError(f"split {split!r} has no templates")
    excluded = set(exclude_prompts)
    tasks: list[Task] = []
    i = 0
    while len(tasks) < n:
        template = chosen[i % len(chosen)]
        rng = random.Random(f"pyfunc:{seed}:{stream}:{split}:{i}")
        task_id = f"pyfunc/{split}/{template.name}/{stream}-{seed}-{i}"
        task = render(template, rng, task_id, n_tests=n_tests)
        i += 1
        if task.prompt in excluded:
            continue
        excluded.add(task.prompt)
        tasks.append(task)
        if i > 50 * n + 1000:
            raise CodetuneError(f"could not draw {n} distinct {split} tasks; lower the count")
    return tasks


def _known(name: str) -> str:
    if name not in TEMPLATES:
        import difflib

        near = difflib.get_close_matches(name, list(TEMPLATES), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise CodetuneError(f"unknown task template {name!r}{hint}")
    return name


_CHECK_SCRIPT = r"""
import json, sys
for line in sys.stdin:
    row = json.loads(line)
    ns = {}
    try:
        exec(row["program"], ns)
        failed = ""
    except BaseException as exc:
        failed = type(exc).__name__ + ": " + str(exc)[:200]
    print(json.dumps({"task_id": row["task_id"], "error": failed}), flush=True)
"""


def self_check(tasks: list[Task], timeout_s: float = 300.0) -> list[tuple[str, str]]:
    """Run every reference solution against its own asserts in a separate interpreter.

    Returns ``(task_id, error)`` for each failing task (empty when all pass). The programs are
    template-authored, hence trusted: a plain subprocess is enough here; model output goes
    through ``codetune.sandbox`` instead.
    """
    payload = "".join(json.dumps({"task_id": t.task_id,
                                  "program": t.solution + "\n" + "\n".join(t.tests) + "\n"}) + "\n"
                      for t in tasks)
    proc = subprocess.run([sys.executable, "-I", "-c", _CHECK_SCRIPT], input=payload,
                          capture_output=True, text=True, timeout=timeout_s, check=False)
    if proc.returncode != 0:
        raise CodetuneError(f"task self-check interpreter failed: {proc.stderr.strip()[-300:]}")
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if len(rows) != len(tasks):
        raise CodetuneError(f"task self-check reported {len(rows)} of {len(tasks)} tasks")
    return [(r["task_id"], r["error"]) for r in rows if r["error"]]


def iter_template_table() -> Iterator[dict[str, str]]:
    """One row per template (name, split, category, docstring pattern): for docs and manifests."""
    for t in TEMPLATES.values():
        yield {"template": t.name, "split": t.split, "category": t.category, "doc": t.doc}
