"""Token stages of the sharded build: the tokenizer (trained once, or the recipe's), then each
task tokenizes its shard of kept files (FIM on training files) and packs blocks into an Arrow
shard per split. Memory holds one batch of files and its blocks, never the shard."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers import JsonlReader

from codetune.artifacts import atomic_write_json
from codetune.data.sharded.steps import doc_record, side_path

FILE_COLUMNS = ("id", "path", "source", "language", "text", "size_bytes", "split")
ENCODE_BATCH = 256
ENCODE_BYTES = 1_000_000  # text encoded in one call: bounds its token lists (not the shard)


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

    def write_arrays(self, arrays: list) -> None:
        import pyarrow as pa

        batch = pa.RecordBatch.from_arrays(arrays, schema=self.schema)
        self.writer.write_batch(batch)
        self.rows += batch.num_rows

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
            tok, info = load_tokenizer(t.tokenizer, as_saved=True), {"source": t.tokenizer}
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


class Packer:
    """Streams one split's token ids into ``block_size`` blocks: whole blocks go to the shard at
    once, only the unfinished tail (< one block) is carried; the shard's last tail is dropped."""

    def __init__(self, shard: ArrowShard, block_size: int) -> None:
        self.shard, self.block_size = shard, block_size
        self.carry = np.zeros(0, dtype=np.int32)
        self.blocks = 0

    def add(self, seqs: list[list[int]]) -> None:
        import pyarrow as pa

        flat = np.concatenate([self.carry, *(np.asarray(x, dtype=np.int32) for x in seqs)])
        n = len(flat) // self.block_size
        if n:
            offsets = np.arange(0, (n + 1) * self.block_size, self.block_size, dtype=np.int32)
            values = pa.ListArray.from_arrays(pa.array(offsets),
                                              pa.array(flat[: n * self.block_size]))
            self.shard.write_arrays([values])
            self.blocks += n
        self.carry = flat[n * self.block_size:].copy()


class TokenizeShard(PipelineStep):
    """Encode (FIM for training files) batches of at most ``ENCODE_BATCH`` files /
    ``ENCODE_BYTES`` bytes, pack them into ``block_size`` blocks as they come (one tail per shard
    and split is dropped), and write ``tokens/<split>/<rank>.arrow`` and ``files/<rank>.arrow``.
    Memory holds one batch, never the shard."""

    name = "codetune tokenize + pack"
    type = "🔢 - TOKENIZER"

    def __init__(self, recipe: Any, work: str) -> None:
        super().__init__()
        self.recipe, self.work = recipe, Path(work)

    def run(self, data: DocumentsPipeline, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        from codetune.data.packing import encode_files
        from codetune.data.tokenizer import load_tokenizer

        tok = load_tokenizer(str(self.work / "tokenizer"), as_saved=True)
        t, fim = self.recipe.tokenize, self.recipe.fim
        name = f"{rank:05d}.arrow"
        shards = {s: ArrowShard(self.work / "tokens" / s / name, blocks_features())
                  for s in ("train", "validation")}
        packers = {s: Packer(shards[s], t.block_size) for s in shards}
        files = ArrowShard(self.work / "files_arrow" / name, files_features())
        stats = {s: Counter() for s in shards}
        pending: dict[str, list[dict]] = {s: [] for s in shards}
        pending_bytes = Counter()

        def flush(split: str) -> None:
            recs = pending[split]
            if not recs:
                return
            enc = encode_files({"id": [r["id"] for r in recs], "text": [r["text"] for r in recs]},
                               tok, fim.rate if split == "train" else 0.0, fim.spm_rate, fim.seed)
            packers[split].add(enc["input_ids"])
            st = stats[split]
            st["files"] += len(recs)
            st["tokens"] += sum(enc["n_tokens"])
            st.update(f"fim_{m}" for m in enc["fim"] if m != "plain")
            pending[split], pending_bytes[split] = [], 0

        rows: list[dict] = []
        for doc in data:
            rec = doc_record(doc)
            if self.recipe.keep_text:
                rows.append(rec)
                if len(rows) >= ENCODE_BATCH:
                    files.write({k: [r[k] for r in rows] for k in FILE_COLUMNS})
                    rows = []
            split = rec["split"]
            pending[split].append(rec)
            pending_bytes[split] += len(rec["text"])
            if len(pending[split]) >= ENCODE_BATCH or pending_bytes[split] >= ENCODE_BYTES:
                flush(split)
        files.write({k: [r[k] for r in rows] for k in FILE_COLUMNS})
        for split in shards:
            flush(split)
            stats[split]["blocks"] = packers[split].blocks
            shards[split].close()
        files.close()
        atomic_write_json(side_path(self.work, "tokens", rank), {s: dict(v) for s, v in
                                                                  stats.items()})
        return
        yield
