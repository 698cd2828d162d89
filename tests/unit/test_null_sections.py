"""Overrides into optional sections (null unless a config sets them): OmegaConf 2.3 cannot create such a section
from a dotted override; dsconf names the override and the spelling that works, and that spelling composes."""

from __future__ import annotations

import pytest

import dsconf
from dsconf import DeepSpeedConfigError
from dsconf._hydra import compose

BATCH = "deepspeed.train_batch_size=8"


@pytest.mark.parametrize(
    ("override", "section", "works"),
    [
        ("deepspeed.tensorboard.enabled=true", "deepspeed.tensorboard", "deepspeed={tensorboard:{enabled:true}}"),
        ("deepspeed.tensorboard={enabled:true}", "deepspeed.tensorboard", "deepspeed={tensorboard:{enabled:true}}"),
        ("+deepspeed.wandb.project=demo", "deepspeed.wandb", "deepspeed={wandb:{project:demo}}"),
        ("deepspeed.zero_optimization.offload_optimizer.device=cpu", "deepspeed.zero_optimization.offload_optimizer",
         "deepspeed.zero_optimization={offload_optimizer:{device:cpu}}"),
    ],
)
def test_dotted_override_into_null_section_names_the_working_spelling(override: str, section: str,
                                                                       works: str) -> None:
    with pytest.raises(DeepSpeedConfigError) as info:
        compose([override, BATCH])
    (problem,) = info.value.problems
    assert problem.path == section
    assert f"'{override}'" in problem.message and "null" in problem.message
    assert works in str(info.value)
    # the suggested spelling composes to the section the user asked for
    ds = dsconf.resolve(compose([works, BATCH]))
    parts = section.split(".")[1:]
    node = ds.to_dict()
    for p in parts:
        node = node[p]
    key, value = works.rsplit(":", 1)[0].rsplit("{", 1)[1], works.rsplit(":", 1)[1].rstrip("}")
    assert str(node[key]).lower() == value


def test_key_inside_a_section_a_group_option_set_still_works() -> None:
    cfg = compose(["zero=stage2_offload", "deepspeed.zero_optimization.offload_optimizer.pin_memory=false", BATCH])
    assert dsconf.resolve(cfg).to_dict()["zero_optimization"]["offload_optimizer"]["pin_memory"] is False


def test_cli_prints_it_without_a_traceback(tmp_path: object) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "dsconf", "show", "deepspeed.tensorboard.enabled=true", BATCH],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "deepspeed={tensorboard:{enabled:true}}" in proc.stderr


def test_composed_elasticity_keeps_its_required_keys_at_their_defaults() -> None:
    """DeepSpeed (<= 0.19.6) refuses enabled elasticity without max_train_batch_size even when it equals the
    default constant (2000): composing must not prune a required key as "default"."""
    cfg = compose(["deepspeed={elasticity:{enabled:true,max_train_batch_size:2000,micro_batch_sizes:[2,4,6]}}"])
    ds = dsconf.resolve(cfg, target="0.19.6", world_size=2)
    assert ds.to_dict()["elasticity"] == {"enabled": True, "max_train_batch_size": 2000, "micro_batch_sizes": [2, 4, 6]}
