"""Instruction templates as data: YAML files of phrasings per task, in several languages.

A file holds ``task``, a default ``completion`` pattern and ``templates`` (``name``, ``lang``,
``needs`` — the fields that must be non-empty — ``prompt`` and optionally ``completion``).
Users add files with ``template_dirs`` in the recipe.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from codetune.errors import CodetuneError

SHIPPED_DIR = Path(__file__).resolve().parent / "templates"
LANGUAGE_NAMES = {"python": "Python", "javascript": "JavaScript", "java": "Java", "cpp": "C++"}


@dataclass(frozen=True)
class Template:
    """One phrasing of one task."""

    name: str
    task: str
    lang: str
    prompt: str
    completion: str
    needs: tuple[str, ...] = field(default_factory=tuple)

    def fields(self) -> set[str]:
        """Every field the prompt and completion refer to."""
        names = set()
        for pattern in (self.prompt, self.completion):
            names |= {f for _, f, _, _ in string.Formatter().parse(pattern) if f}
        return names

    def applies(self, values: dict) -> bool:
        return all(values.get(k) for k in self.needs) and all(k in values for k in self.fields())

    def render(self, values: dict) -> tuple[str, str]:
        """(prompt, completion) with ``values`` filled in."""
        return self.prompt.format_map(values), self.completion.format_map(values)


def _load_file(path: Path) -> list[Template]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CodetuneError(f"{path}: invalid YAML ({exc})") from None
    if not isinstance(data, dict) or "task" not in data or not data.get("templates"):
        raise CodetuneError(f"{path}: expected keys 'task' and 'templates'")
    out = []
    for i, row in enumerate(data["templates"]):
        missing = {"name", "lang", "prompt"} - set(row)
        if missing:
            raise CodetuneError(f"{path}: template #{i + 1} lacks {', '.join(sorted(missing))}")
        completion = row.get("completion", data.get("completion"))
        if not completion:
            raise CodetuneError(f"{path}: template '{row['name']}' has no completion pattern")
        t = Template(row["name"], data["task"], row["lang"], row["prompt"], completion,
                     tuple(row.get("needs", ())))
        try:
            t.fields()
        except ValueError as exc:
            raise CodetuneError(f"{path}: template '{t.name}': {exc} (write literal braces "
                                "as {{ }})") from None
        out.append(t)
    return out


def load_templates(extra_dirs: Sequence[str] = ()) -> dict[str, list[Template]]:
    """Templates by task: the shipped ones plus every ``*.yaml`` in ``extra_dirs``."""
    files = sorted(SHIPPED_DIR.glob("*.yaml"))
    for d in extra_dirs:
        if not Path(d).is_dir():
            raise CodetuneError(f"template_dirs: '{d}' is not a folder")
        files += sorted(Path(d).glob("*.yaml"))
    by_task: dict[str, list[Template]] = {}
    names: set[str] = set()
    for path in files:
        for t in _load_file(path):
            if t.name in names:
                raise CodetuneError(f"{path}: template name '{t.name}' is defined twice")
            names.add(t.name)
            by_task.setdefault(t.task, []).append(t)
    return by_task


def choose_template(templates: Sequence[Template], values: dict, langs: Sequence[str],
                    rng: random.Random, prefer: str | None = None) -> Template | None:
    """A random applicable template in one of ``langs``; ones needing ``prefer`` first."""
    ok = [t for t in templates if t.lang in langs and t.applies(values)]
    if prefer:
        preferred = [t for t in ok if prefer in t.needs]
        ok = preferred or ok
    return rng.choice(ok) if ok else None
