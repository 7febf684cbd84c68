"""CodeBLEU (Ren et al. 2020) through the ``codebleu`` package, made deterministic.

The package's data-flow match iterates Python sets of strings, so its value depends on
``PYTHONHASHSEED`` (measured: 0.2360-0.2376 on the same 164 HumanEval pairs across seeds). We
always compute it with ``PYTHONHASHSEED=0``: in this process when it already runs with that seed,
else in a child process (``python -m codetune.eval.codebleu``), JSON in and out.

``codebleu`` 0.7.0 pins tree-sitter<0.23; it is installed ``--no-deps`` against our
tree-sitter 0.26 grammars, whose ``Language(tspy.language())`` API it already uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence

from codetune.errors import CodetuneError
from codetune.languages import installed_grammars

COMPONENTS = ("ngram_match_score", "weighted_ngram_match_score", "syntax_match_score",
              "dataflow_match_score")
# codebleu's own keywords/data-flow tables cover these; the registry says whose grammar is here
CODEBLEU_LANGS = ("python", "javascript", "java", "cpp", "c", "go", "rust")
LANGS = tuple(name for name in installed_grammars() if name in CODEBLEU_LANGS)
DEFAULT_WEIGHTS = (0.25, 0.25, 0.25, 0.25)


def _check_inputs(predictions: Sequence[str], references: Sequence[str | Sequence[str]],
                  lang: str, weights: Sequence[float]) -> None:
    if lang not in LANGS:
        raise CodetuneError(f"codebleu: language {lang!r} not available "
                            f"(one of {', '.join(LANGS)})")
    if len(predictions) != len(references):
        raise CodetuneError(f"codebleu: {len(predictions)} predictions but {len(references)} "
                            "references; they pair up one to one")
    if not predictions:
        raise CodetuneError("codebleu: no predictions to score")
    if len(weights) != 4:
        raise CodetuneError("codebleu: weights are 4 numbers (ngram, weighted ngram, syntax, "
                            "dataflow)")
    for i, ref in enumerate(references):
        if not isinstance(ref, str) and not ref:
            raise CodetuneError(f"codebleu: reference {i} is an empty list")


def _in_process(predictions: list[str], references: list, lang: str,
                weights: Sequence[float]) -> dict[str, float]:
    import logging

    from codebleu import calc_codebleu

    # It warns (and scores 0) when no reference has data-flow; we report that in the dict.
    logging.getLogger().setLevel(logging.ERROR)
    scores = calc_codebleu(references, predictions, lang, weights=tuple(weights))
    return {k: float(v) for k, v in scores.items()}


def codebleu_score(predictions: Sequence[str], references: Sequence[str | Sequence[str]],
                   lang: str = "python", weights: Sequence[float] = DEFAULT_WEIGHTS
                   ) -> dict[str, float]:
    """Corpus CodeBLEU and its four components, identical for identical inputs on every run."""
    predictions = [str(p) for p in predictions]
    references = [r if isinstance(r, str) else [str(x) for x in r] for r in references]
    _check_inputs(predictions, references, lang, weights)
    if os.environ.get("PYTHONHASHSEED") == "0" and not sys.flags.hash_randomization:
        return _in_process(predictions, references, lang, weights)
    payload = json.dumps({"predictions": predictions, "references": references, "lang": lang,
                          "weights": list(weights)})
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run([sys.executable, "-m", "codetune.eval.codebleu"], input=payload,
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise CodetuneError(f"codebleu failed: {last}")
    return json.loads(proc.stdout)


CODE_KEYS = ("prediction", "reference", "references", "solution", "completion", "code",
             "canonical_solution")


def parse_weights(text: str) -> tuple[float, float, float, float]:
    """``"0.25,0.25,0.25,0.25"`` -> 4 floats."""
    try:
        values = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise CodetuneError(f"--weights {text!r}: expected 4 comma-separated numbers") from None
    if len(values) != 4:
        raise CodetuneError(f"--weights {text!r}: expected 4 numbers, got {len(values)}")
    return values  # type: ignore[return-value]


def read_code_list(path: str | os.PathLike, role: str) -> list:
    """Code strings from ``.jsonl`` (first of the keys in CODE_KEYS per row), a ``.json`` list,
    or a text file with one code per line (CodeXGLUE style, ``\\n`` escapes not decoded)."""
    from pathlib import Path

    from codetune.artifacts import read_jsonl

    path = Path(path)
    if not path.exists():
        raise CodetuneError(f"{path}: {role} file not found")
    if path.suffix == ".jsonl":
        out = []
        for lineno, row in enumerate(read_jsonl(path), 1):
            key = next((k for k in CODE_KEYS if k in row), None)
            if key is None or not isinstance(row[key], str | list):
                raise CodetuneError(f"{path}: row {lineno} has none of the keys "
                                    f"{', '.join(CODE_KEYS)} with code in it")
            out.append(row[key])
        return out
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise CodetuneError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(data, list):
            raise CodetuneError(f"{path}: expected a JSON list of {role}s")
        return data
    return path.read_text(encoding="utf-8").splitlines()


def _main() -> None:
    request = json.load(sys.stdin)
    scores = _in_process(request["predictions"], request["references"], request["lang"],
                         request["weights"])
    json.dump(scores, sys.stdout)


if __name__ == "__main__":
    _main()
