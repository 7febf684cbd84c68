"""Pipeline steps over dict records (datatrove's ``PipelineStep``): one ``run(records)`` each.

A step is anything with a ``name``, a ``run(records) -> Iterator[dict]`` generator and a
``stats`` dict of counts (``in``, ``kept``, ``dropped`` and, per reason, ``dropped:<reason>``).
``Pipeline`` chains steps lazily and collects every step's counts into one report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

Record = dict[str, Any]


@runtime_checkable
class Step(Protocol):
    """One data step: consumes records, yields the ones it keeps (possibly changed)."""

    name: str
    stats: Counter

    def run(self, records: Iterable[Record]) -> Iterator[Record]: ...


def record_text(record: Record, text_key: str | Sequence[str]) -> str:
    """The text a step looks at: one field, or several fields joined by newlines."""
    keys = [text_key] if isinstance(text_key, str) else text_key
    return "\n".join(_field_text(record.get(k)) for k in keys)


def _field_text(value: object) -> str:
    """A field as text; a dict (a parallel pair's language -> code) is its values, joined."""
    if isinstance(value, dict):
        return "\n".join(map(_field_text, value.values()))
    return str(value or "")


class BaseStep:
    """Counting helpers shared by steps; subclasses implement ``run``."""

    name = "step"

    def __init__(self) -> None:
        self.stats: Counter = Counter()

    def seen(self, record: Record) -> Record:
        self.stats["in"] += 1
        return record

    def keep(self, record: Record) -> Record:
        self.stats["kept"] += 1
        return record

    def drop(self, reason: str | None = None) -> None:
        self.stats["dropped"] += 1
        if reason:
            self.stats[f"dropped:{reason}"] += 1

    def run(self, records: Iterable[Record]) -> Iterator[Record]:  # pragma: no cover - abstract
        raise TypeError(f"{type(self).__name__} must implement run(records)")


class Filter(BaseStep):
    """A per-record keep/drop decision; ``reason(record)`` returns why to drop, or ``None``.

    Filters are stateless per record, so a runner may also apply ``reason`` in parallel
    (``datasets.map(num_proc=...)``) and add the counts with ``count``.
    """

    def reason(self, record: Record) -> str | None:  # pragma: no cover - abstract
        raise TypeError(f"{type(self).__name__} must implement reason(record)")

    def count(self, reason: str | None) -> None:
        self.stats["in"] += 1
        if reason is None:
            self.stats["kept"] += 1
        else:
            self.drop(reason)

    def run(self, records: Iterable[Record]) -> Iterator[Record]:
        for record in records:
            why = self.reason(record)
            self.count(why)
            if why is None:
                yield record


class Pipeline:
    """Run steps in order, lazily; ``report()`` lists each step's counts."""

    def __init__(self, steps: Sequence[Step]) -> None:
        names = [s.name for s in steps]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"pipeline step names must be unique, repeated: {sorted(dupes)}")
        self.steps = list(steps)

    def run(self, records: Iterable[Record]) -> Iterator[Record]:
        stream: Iterable[Record] = records
        for step in self.steps:
            stream = step.run(stream)
        yield from stream

    def report(self) -> list[dict[str, Any]]:
        """One row per step: name, in, kept, dropped and the per-reason counts."""
        rows = []
        for step in self.steps:
            s = step.stats
            reasons = {k.split(":", 1)[1]: v for k, v in sorted(s.items())
                       if k.startswith("dropped:")}
            extra = {k: v for k, v in s.items()
                     if k not in ("in", "kept", "dropped") and not k.startswith("dropped:")}
            rows.append({"step": step.name, "in": s.get("in", 0), "kept": s.get("kept", 0),
                         "dropped": s.get("dropped", 0), "reasons": reasons, **extra})
        return rows

