"""The Hydra config groups: every option composes, alone and across the full product, and resolves."""

from __future__ import annotations

import functools
import itertools
from typing import Any

import pytest

import dsconf
from dsconf._hydra import compose
from dsconf.groups import options

OPTIONS = options()


@pytest.mark.parametrize(("group", "name"), [(g, n) for g, opts in OPTIONS.items() for n in opts])
def test_each_option_composes_and_dumps_to_plain_data(group: str, name: str) -> None:
    from omegaconf import OmegaConf

    cfg = compose([f"{group}={name}", "deepspeed.train_micro_batch_size_per_gpu=2"])
    data = OmegaConf.to_container(cfg.deepspeed, resolve=True, enum_to_str=True)
    assert isinstance(data, dict)
    import json

    json.dumps(data)  # plain, JSON-safe


def test_design_table_options_exist() -> None:
    assert {"stage0", "stage1", "stage2", "stage3", "stage2_offload", "stage3_offload", "stage3_nvme"} <= set(
        OPTIONS["zero"])
    assert {"adam", "adamw", "adagrad", "lamb", "onebitadam", "onebitlamb", "zerooneadam", "none"} <= set(
        OPTIONS["optimizer"])
    assert {"none", "warmup_lr", "warmup_decay_lr", "warmup_cosine_lr", "one_cycle", "lr_range_test"} <= set(
        OPTIONS["scheduler"])
    assert {"fp32", "fp16", "bf16", "amp"} <= set(OPTIONS["precision"])
    assert {"none", "dense", "fixed", "variable", "bigbird", "bslongformer"} <= set(OPTIONS["sparse_attention"])


GROUPS = ("zero", "optimizer", "precision", "scheduler", "sparse_attention")


def _leaves(node: Any, prefix: str = "") -> set[str]:
    if isinstance(node, dict):
        out: set[str] = set()
        for k, v in node.items():
            out |= _leaves(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    return {prefix}


@functools.cache
def _base() -> Any:
    from omegaconf import OmegaConf

    return OmegaConf.to_container(compose([]).deepspeed, enum_to_str=True)


@functools.cache
def _written(group: str, name: str) -> dict[str, Any]:
    """What one option changes in the composed deepspeed section (its delta against the empty composition)."""
    from omegaconf import OmegaConf

    base = _base()
    mine = OmegaConf.to_container(compose([f"{group}={name}"]).deepspeed, enum_to_str=True)
    return _delta(mine, base)


def _delta(new: Any, old: Any) -> Any:
    if isinstance(new, dict) and isinstance(old, dict):
        out = {k: _delta(v, old.get(k)) for k, v in new.items() if k not in old or v != old[k]}
        return {k: v for k, v in out.items()}
    return new


def test_groups_write_disjoint_keys() -> None:
    """Options of different groups never write the same key, so any point of the product is the union of its
    options: together with the per-option test this covers the full product (the slow test composes all of it)."""
    written = {g: set().union(*(_leaves(_written(g, n), "") for n in OPTIONS[g])) for g in GROUPS}
    for a, b in itertools.combinations(GROUPS, 2):
        assert not (written[a] & written[b]), (a, b, written[a] & written[b])


def test_product_sample_is_the_union_of_its_options() -> None:
    import random

    from omegaconf import OmegaConf

    rng = random.Random(0)
    product = list(itertools.product(*(OPTIONS[g] for g in GROUPS)))
    base = _base()
    single = {(g, n): _written(g, n) for g in GROUPS for n in OPTIONS[g]}
    for combo in rng.sample(product, 25):
        cfg = compose([f"{g}={o}" for g, o in zip(GROUPS, combo, strict=True)])
        got = _delta(OmegaConf.to_container(cfg.deepspeed, enum_to_str=True), base)
        union: dict[str, Any] = {}
        for g, o in zip(GROUPS, combo, strict=True):
            _merge(union, single[(g, o)])
        assert got == union, combo


def _merge(dst: dict[str, Any], src: dict[str, Any]) -> None:
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _merge(dst[k], v)
        else:
            dst[k] = v


@pytest.mark.slow
def test_full_product_composes() -> None:
    """zero x optimizer x precision x scheduler x sparse_attention, every point through Hydra's compose API.

    About 13,000 compositions at ~0.1 s each: run with `nox -s slow`."""
    import tempfile
    from pathlib import Path

    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from omegaconf import OmegaConf

    from dsconf._hydra import _PRIMARY_YAML
    from dsconf.groups import register_configs

    register_configs()
    with tempfile.TemporaryDirectory() as d:
        Path(d, "config.yaml").write_text(_PRIMARY_YAML)
        with initialize_config_dir(config_dir=d, version_base="1.3"):
            n = 0
            for combo in itertools.product(*(OPTIONS[g] for g in GROUPS)):
                cfg = hydra_compose("config", overrides=[f"{g}={o}" for g, o in zip(GROUPS, combo, strict=True)])
                assert isinstance(OmegaConf.to_container(cfg.deepspeed, enum_to_str=True), dict)
                n += 1
    assert n == 7 * len(OPTIONS["optimizer"]) * 4 * len(OPTIONS["scheduler"]) * 6


def test_composed_config_resolves_for_every_target() -> None:
    cfg = compose(["zero=stage3_offload", "optimizer=adamw", "precision=bf16", "scheduler=warmup_lr",
                   "deepspeed.train_micro_batch_size_per_gpu=4"])
    for target in dsconf.SUPPORTED_TARGETS:
        ds = dsconf.resolve(cfg.deepspeed, world_size=64, target=target)
        assert ds.train_batch_size == 256
        assert ds.zero_optimization_stage == 3
        out = ds.to_dict()
        assert out["zero_optimization"]["offload_param"] == {"device": "cpu"}
        assert dsconf.DeepSpeedConfig(out, world_size=64, target=target) == ds


def test_cli_type_error_names_the_key_path() -> None:
    with pytest.raises(dsconf.DeepSpeedConfigError) as err:
        compose(["deepspeed.zero_optimization.stage=three"])
    assert err.value.paths == ["deepspeed.zero_optimization.stage"]


def test_cli_unknown_key_suggests_the_nearest() -> None:
    with pytest.raises(dsconf.DeepSpeedConfigError) as err:
        compose(["zero=stage3", "deepspeed.zero_optimization.stage3_prefetch_bucket_sz=1"])
    assert "stage3_prefetch_bucket_size" in err.value.problems[0].suggestions


def test_typed_override_in_scientific_notation_is_an_exact_int() -> None:
    cfg = compose(["zero=stage3", "deepspeed.zero_optimization.stage3_max_live_parameters=2e9",
                   "deepspeed.train_batch_size=8"])
    ds = dsconf.resolve(cfg.deepspeed, world_size=1)
    assert ds.zero_config.max_live_parameters == 2_000_000_000
    assert isinstance(ds.to_dict()["zero_optimization"]["stage3_max_live_parameters"], int)


def test_register_configs_is_idempotent() -> None:
    from dsconf.groups import register_configs

    register_configs()
    register_configs()
