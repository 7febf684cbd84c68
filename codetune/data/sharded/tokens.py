"""Token stages of the sharded build: the tokenizer (trained once, or the recipe's), then each
task tokenizes its shard of kept files (FIM on training files) and packs blocks into an Arrow
shard per split. Memory holds one batch of files and its blocks, never the shard."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers import JsonlReader

from codetune.artifacts import atomic_write_json
from codetune.data.sharded.steps import doc_record, side_path

FILE_COLUMNS = ("id", "path", "source", "language", "text", "size_bytes", "split")
ENCODE_BATCH = 256


def files_features() -> Any:
    import datasets

    return datasets.Features({k: datasets.Value("int64" if k == "size_bytes" else "string")
                              for k in FILE_COLUMNS})


def blocks_features() -> Any:
    import datasets

    return datasets.Features({"input_ids": datasets.List(datasets.Value("int32"))})


class ArrowShard:
    """Rows appended in batches to one Arrow stream file (what ``Dataset.from_file`` maps)."""

    def __init__(self, path: Path, features: Any) -> None:
        import pyarrow as pa

        path.parent.mkdir(parents=True, exist_ok=True)
        self.schema = features.arrow_schema
        self.path, self.tmp = path, path.with_suffix(".arrow.tmp")
        self.writer = pa.ipc.new_stream(str(self.tmp), self.schema)
        self.rows = 0

    def write(self, columns: dict[str, list]) -> None:
        import pyarrow as pa

        n = len(next(iter(columns.values())))
        if n:
            self.writer.write_table(pa.table(columns, schema=self.schema))
            self.rows += n

    def close(self) -> None:
        self.writer.close()
        self.tmp.replace(self.path)


class TokenizerStage(PipelineStep):
    """One task: the recipe's tokenizer, or a byte-level BPE trained on the training files; EOS
    and FIM tokens added; saved to ``<work>/tokenizer``."""

    name = "codetune tokenizer"
    type = "🔢 - TOKENIZER"

    def __init__(self, recipe: Any, files_folder: str, out: str) -> None:
        super().__init__()
        self.recipe, self.files_folder, self.out = recipe, files_folder, out

    def _train_texts(self):
        reader = JsonlReader(self.files_folder, file_progress=False)
        for doc in reader.run(rank=0, world_size=1):
            if doc.metadata.get("split") == "train":
                yield doc.text

    def run(self, data: DocumentsPipeline = None, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        from codetune.data.packing import ensure_special_tokens
        from codetune.data.tokenizer import load_tokenizer, train_tokenizer

        t, out = self.recipe.tokenize, Path(self.out)
        if t.tokenizer:
            tok, info = load_tokenizer(t.tokenizer), {"source": t.tokenizer}
        else:
            tok = train_tokenizer(self._train_texts(), out / "_trained", vocab_size=t.vocab_size)
            info = {"source": "trained on the training split"}
        added = ensure_special_tokens(tok, fim=self.recipe.fim.rate > 0)
        tok.save_pretrained(str(out))
        import shutil

        shutil.rmtree(out / "_trained", ignore_errors=True)
        atomic_write_json(out.parent / "side" / "tokenizer.json",
                          info | {"vocab_size": len(tok), "added_tokens": added,
                                  "path": "tokenizer"})
        return
        yield


class TokenizeShard(PipelineStep):
    """Encode (FIM for training files), pack ``block_size`` blocks per ``PACK_BATCH`` files of a
    split (as the in-memory path), and write ``tokens/<split>/<rank>.arrow`` and
    ``files/<rank>.arrow``."""

    name = "codetune tokenize + pack"
    type = "🔢 - TOKENIZER"

    def __init__(self, recipe: Any, work: str) -> None:
        super().__init__()
        self.recipe, self.work = recipe, Path(work)

    def run(self, data: DocumentsPipeline, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        from codetune.data.packing import PACK_BATCH, encode_files, pack_blocks
        from codetune.data.tokenizer import load_tokenizer

        tok = load_tokenizer(str(self.work / "tokenizer"))
        t, fim = self.recipe.tokenize, self.recipe.fim
        name = f"{rank:05d}.arrow"
        shards = {s: ArrowShard(self.work / "tokens" / s / name, blocks_features())
                  for s in ("train", "validation")}
        files = ArrowShard(self.work / "files_arrow" / name, files_features())
        stats = {s: Counter() for s in shards}
        pending: dict[str, list[dict]] = {s: [] for s in shards}
        packed: dict[str, list[list[int]]] = {s: [] for s in shards}

        def flush(split: str, final: bool = False) -> None:
            recs = pending[split]
            if recs:
                enc = encode_files({"id": [r["id"] for r in recs],
                                    "text": [r["text"] for r in recs]}, tok,
                                   fim.rate if split == "train" else 0.0, fim.spm_rate, fim.seed)
                packed[split] += enc["input_ids"]
                st = stats[split]
                st["files"] += len(recs)
                st["tokens"] += sum(enc["n_tokens"])
                st.update(f"fim_{m}" for m in enc["fim"] if m != "plain")
                pending[split] = []
            while packed[split] and (final or len(packed[split]) >= PACK_BATCH):
                batch, packed[split] = packed[split][:PACK_BATCH], packed[split][PACK_BATCH:]
                blocks = pack_blocks({"input_ids": batch}, t.block_size)["input_ids"]
                shards[split].write({"input_ids": blocks})
                stats[split]["blocks"] += len(blocks)

        rows: list[dict] = []
        for doc in data:
            rec = doc_record(doc)
            rows.append(rec)
            if len(rows) >= ENCODE_BATCH:
                files.write({k: [r[k] for r in rows] for k in FILE_COLUMNS})
                rows = []
            pending[rec["split"]].append(rec)
            if len(pending[rec["split"]]) >= ENCODE_BATCH:
                flush(rec["split"])
        files.write({k: [r[k] for r in rows] for k in FILE_COLUMNS})
        for split in shards:
            flush(split, final=True)
            shards[split].close()
        files.close()
        atomic_write_json(side_path(self.work, "tokens", rank), {s: dict(v) for s, v in
                                                                  stats.items()})
        return
        yield
