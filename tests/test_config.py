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


@dataclass
class Free:
    """A stage with free-form mappings (like RLConfig.trl or EvalConfig.benchmark_options)."""

    trl: dict = field(default_factory=dict)
    options: dict[str, int] = field(default_factory=dict)


def test_set_converts_values_inside_untyped_mappings():
    cfg = load_config(Free, None, ["trl.bf16=false", "trl.workers=4", "trl.name=run-1",
                                   "trl.ratio=0.5", "trl.nested.flag=true"])
    assert cfg.trl == {"bf16": False, "workers": 4, "name": "run-1", "ratio": 0.5,
                       "nested": {"flag": True}}


def test_yaml_strings_in_untyped_mappings_stay_strings(tmp_path):
    cfg = load_config(Free, _write(tmp_path, 'trl:\n  run_name: "2024"\n'))
    assert cfg.trl == {"run_name": "2024"}


def test_typed_mapping_values_are_converted_and_checked():
    assert load_config(Free, None, ["options.n=3"]).options == {"n": 3}
    with pytest.raises(CodetuneError, match="key 'options.n': expected an integer"):
        load_config(Free, None, ["options.n=three"])


def test_rl_sandbox_section_is_a_typed_sandbox_config():
    from codetune.rl.config import RLConfig
    from codetune.sandbox.config import SandboxConfig

    cfg = load_config(RLConfig, None, ["sandbox.workers=4", "sandbox.backend=process"])
    assert isinstance(cfg.sandbox, SandboxConfig)
    assert cfg.sandbox.workers == 4 and cfg.sandbox.resolved_workers() == 4
    with pytest.raises(CodetuneError, match="unknown key 'wrkers'; did you mean 'workers'"):
        load_config(RLConfig, None, ["sandbox.wrkers=4"])


def test_rl_trl_keys_are_checked_and_typed_against_trls_config():
    from codetune.rl.config import RLConfig, check_config

    cfg = load_config(RLConfig, None, ["model=m", "trl.bf16=false", "trl.warmup_steps=3"])
    check_config(cfg)
    assert cfg.trl == {"bf16": False, "warmup_steps": 3}
    bad = load_config(RLConfig, None, ["model=m", "trl.bf16x=false"])
    with pytest.raises(CodetuneError, match="trl.bf16x: not a GRPOConfig field; did you mean"):
        check_config(bad)
    dpo = load_config(RLConfig, None, ["model=m", "algo=dpo", "trl.max_length=64"])
    check_config(dpo)
    assert dpo.trl == {"max_length": 64}
