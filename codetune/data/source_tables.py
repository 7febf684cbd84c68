"""Table-shaped sources: JSONL / Parquet files and Hugging Face datasets (rows hold file texts)."""

from __future__ import annotations

import glob
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codetune.data.source_base import Source, language_of
from codetune.errors import CodetuneError


class TableSource(Source):
    """Rows of JSONL (``.jsonl``/``.jsonl.gz``) or Parquet files; ``path`` may be a glob."""

    def files(self) -> list[tuple[str, Path]]:
        matches = sorted(glob.glob(str(Path(self.cfg.path).expanduser()), recursive=True))
        if not matches:
            raise CodetuneError(f"source {self.cfg.label!r}: no file matches {self.cfg.path!r}")
        return [(Path(m).name, Path(m)) for m in matches]

    def rows(self, path: Path) -> Iterator[dict]:
        if self.cfg.kind == "parquet" or path.suffix == ".parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
                yield from batch.to_pylist()
        else:
            from codetune.artifacts import read_jsonl

            yield from read_jsonl(path)

    def records(self) -> Iterator[dict]:
        count = 0
        for name, path in self.files():
            for i, row in enumerate(self.rows(path)):
                rec = row_record(self, row, f"{path}:{i + 1}", default_path=f"{name}#{i}")
                if rec is not None:
                    yield rec
                    count += 1
                    if self.cfg.max_files and count >= self.cfg.max_files:
                        return


def row_record(src: Source, row: dict, where: str, default_path: str) -> dict | None:
    """Record of one table row; a missing text column is an error naming it, a null is skipped."""
    c = src.cfg
    if c.text_field not in row:
        raise CodetuneError(f"{where}: no column {c.text_field!r} (set the source's text_field; "
                            f"columns: {', '.join(map(str, row))})")
    text = row[c.text_field]
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            src.stats["skipped:undecodable"] += 1
            return None
    if text is None or not isinstance(text, str):
        src.stats["skipped:no_text"] += 1
        return None
    rel = str(row.get(c.path_field) or default_path)
    lang = str(row.get(c.language_field) or "") if c.language_field else ""
    if c.languages and (lang or language_of(rel)) not in c.languages:
        return None
    return src.record(rel, text, lang.lower())


class HFSource(Source):
    """A Hugging Face dataset: a ``save_to_disk`` folder, or a hub name (needs the hub)."""

    def _dataset(self) -> Any:
        import datasets

        path = Path(self.cfg.path).expanduser()
        if path.is_dir():
            ds = datasets.load_from_disk(str(path))
            if isinstance(ds, datasets.DatasetDict):
                if self.cfg.split not in ds:
                    raise CodetuneError(f"source {self.cfg.label!r}: no split {self.cfg.split!r} "
                                        f"in {path} (splits: {', '.join(ds)})")
                ds = ds[self.cfg.split]
            return ds
        try:
            return datasets.load_dataset(self.cfg.path, split=self.cfg.split,
                                         streaming=self.cfg.streaming)
        except Exception as exc:  # hub unreachable, unknown name: one line for the user
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CodetuneError(f"source {self.cfg.label!r}: cannot load dataset "
                                f"{self.cfg.path!r} ({first})") from None

    def records(self) -> Iterator[dict]:
        for i, row in enumerate(self._dataset()):
            rec = row_record(self, row, f"{self.cfg.path} row {i}", default_path=f"row{i}")
            if rec is not None:
                yield rec
                if self.cfg.max_files and self.stats["read"] >= self.cfg.max_files:
                    return

    def fingerprint(self) -> list[Any]:
        path = Path(self.cfg.path).expanduser()
        if path.is_dir():
            return [[p.name, p.stat().st_size, p.stat().st_mtime_ns]
                    for p in sorted(path.rglob("*")) if p.is_file()]
        return [self.cfg.path, self.cfg.split]  # hub datasets: name + split only
