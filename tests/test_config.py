"""The config system: YAML load, --set overrides with types, unknown keys, resolved config."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pytest
import yaml

from codetune.config import load_config, save_config
from codetune.errors import CodetuneError


@dataclass
class Optim:
    lr: float = field(default=1e-3, metadata={"help": "peak learning rate"})
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])


@dataclass
class Stage:
    name: str = "run"
    steps: int = 10
    bf16: bool = False
    method: Literal["full", "lora", "qlora"] = "full"
    targets: list[str] | None = None
    seed: int | None = None
    optim: Optim = field(default_factory=Optim)
    warm: Optim = field(default_factory=lambda: Optim(lr=0.5))


def _write(tmp_path, text):
    p = tmp_path / "c.yaml"
    p.write_text(text)
    return p


def test_defaults_without_file():
    cfg = load_config(Stage)
    assert cfg.steps == 10 and cfg.optim.lr == 1e-3


def test_yaml_values_load_into_nested_dataclasses(tmp_path):
    cfg = load_config(Stage, _write(tmp_path, "steps: 5\noptim:\n  lr: 0.5\nmethod: lora\n"))
    assert (cfg.steps, cfg.optim.lr, cfg.method) == (5, 0.5, "lora")


def test_set_overrides_convert_types(tmp_path):
    cfg = load_config(Stage, _write(tmp_path, "steps: 5\n"), [
        "steps=7", "bf16=true", "optim.lr=1e-4", "targets=q_proj,v_proj", "seed=none",
        "optim.betas=[0.8, 0.9]"])
    assert cfg.steps == 7 and cfg.bf16 is True and cfg.optim.lr == pytest.approx(1e-4)
    assert cfg.targets == ["q_proj", "v_proj"] and cfg.seed is None
    assert cfg.optim.betas == [0.8, 0.9]


def test_unknown_yaml_key_names_line_and_nearest(tmp_path):
    p = _write(tmp_path, "steps: 5\noptim:\n  lrr: 0.1\n")
    with pytest.raises(CodetuneError) as exc:
        load_config(Stage, p)
    msg = str(exc.value)
    assert f"{p}:3" in msg and "'lrr'" in msg and "did you mean 'lr'" in msg


def test_unknown_set_key_suggests_nearest():
    with pytest.raises(CodetuneError, match="did you mean 'steps'"):
        load_config(Stage, None, ["stepz=3"])


def test_bad_value_type_is_named():
    with pytest.raises(CodetuneError, match="key 'steps'.*integer"):
        load_config(Stage, None, ["steps=ten"])
    with pytest.raises(CodetuneError, match="not one of full, lora, qlora"):
        load_config(Stage, None, ["method=dora"])


def test_invalid_yaml_names_line(tmp_path):
    p = _write(tmp_path, "steps: 5\noptim: [\n")
    with pytest.raises(CodetuneError, match=r"c\.yaml:\d+: invalid YAML"):
        load_config(Stage, p)


def test_resolved_config_written_and_reloads(tmp_path):
    cfg = load_config(Stage, None, ["optim.lr=0.25", "method=qlora"])
    path = save_config(cfg, tmp_path / "out")
    assert yaml.safe_load(path.read_text())["optim"]["lr"] == 0.25
    again = load_config(Stage, path)
    assert again == cfg


def test_partial_section_override_keeps_the_sections_own_defaults(tmp_path):
    cfg = load_config(Stage, _write(tmp_path, "warm:\n  betas: [0.1, 0.2]\n"))
    assert cfg.warm.lr == 0.5 and cfg.warm.betas == [0.1, 0.2]
    cfg = load_config(Stage, None, ["warm.betas=[0.3, 0.4]"])
    assert cfg.warm.lr == 0.5 and cfg.warm.betas == [0.3, 0.4]
