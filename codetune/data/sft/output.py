"""Write SFT samples as a Hugging Face ``DatasetDict`` on disk, atomically, with the resolved
recipe (``config.yaml``), ``report.json`` and a human-readable ``preview.jsonl``."""

from __future__ import annotations

import shutil
import zlib
from pathlib import Path

from codetune.artifacts import atomic_dir, atomic_write_json, write_jsonl
from codetune.config import save_config
from codetune.console import log
from codetune.data.sft.config import SFTRecipe
from codetune.data.sft.report import SFTReport
from codetune.errors import CodetuneError

FORMATS = ("conversational", "text", "messages")
PREVIEW_ROWS = 30


def format_row(sample: dict, fmt: str) -> dict:
    """The training columns for ``fmt`` plus the metadata columns."""
    meta = {k: v for k, v in sample.items() if k not in ("prompt", "completion")}
    user = {"role": "user", "content": sample["prompt"]}
    assistant = {"role": "assistant", "content": sample["completion"]}
    if fmt == "conversational":
        return {"prompt": [user], "completion": [assistant], **meta}
    if fmt == "messages":
        return {"messages": [user, assistant], **meta}
    return {"prompt": sample["prompt"], "completion": sample["completion"], **meta}


def _split(samples: list[dict], fraction: float) -> dict[str, list[dict]]:
    """Train/validation by source record (a record's variants never straddle the split)."""
    if fraction <= 0:
        return {"train": samples}
    def held(s: dict) -> bool:
        key = f"{s['source']}/{s['source_id']}".encode()
        return zlib.crc32(key) % 10_000 < fraction * 10_000
    splits = {"train": [s for s in samples if not held(s)],
              "validation": [s for s in samples if held(s)]}
    return {k: v for k, v in splits.items() if v}


def write_dataset(samples: list[dict], cfg: SFTRecipe, report: SFTReport) -> Path:
    """Save the dataset (``load_from_disk(out)["train"]``) and its report; returns the folder."""
    from datasets import Dataset, DatasetDict

    if cfg.format not in FORMATS:
        raise CodetuneError(f"format: '{cfg.format}' is not one of {', '.join(FORMATS)}")
    report.count_final(samples)
    out = Path(cfg.output_dir)
    with atomic_dir(out) as tmp:
        splits = _split(samples, cfg.validation_fraction)
        DatasetDict({name: Dataset.from_list([format_row(s, cfg.format) for s in rows])
                     for name, rows in splits.items()}).save_to_disk(str(tmp))
        save_config(cfg, tmp)
        atomic_write_json(tmp / "report.json", report.to_dict())
        write_jsonl(tmp / "preview.jsonl", samples[:PREVIEW_ROWS])
        log_file = out.with_name(out.name + ".log")
        if log_file.exists():  # the CLI logs the whole build beside the output; keep a copy
            shutil.copyfile(log_file, tmp / "run.log")
    report.print()
    log.info("sft: wrote %d samples to %s", len(samples), out)
    return out
