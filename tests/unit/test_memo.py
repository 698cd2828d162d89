"""Builders over absent sections run once per process (dsconf/resolver/_memo.py): a kept output equals a fresh run
on every config, copies never share anything mutable, and a builder that reads more than its Ctx is never kept."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import strategies
from hypothesis import HealthCheck, given, settings

from dsconf import DeepSpeedConfig, DeepSpeedConfigError
from dsconf._read import read_path
from dsconf._releases import SUPPORTED_TARGETS, Release
from dsconf._section import dump
from dsconf.errors import Problems
from dsconf.load import root_spec
from dsconf.resolver import _memo
from dsconf.resolver._context import MEMO, Ctx
from dsconf.resolver.sections import load_all

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
FILES = sorted(p for p in CONFIGS.rglob("*") if p.suffix in (".json", ".yaml", ".yml"))


def _outcome(config: Any, world_size: int, target: str) -> tuple[str, Any]:
    """What a user sees: every attribute (dumped, with its type) or the error text."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            ds = DeepSpeedConfig(config, world_size=world_size, target=target)
        except DeepSpeedConfigError as exc:
            return "error", str(exc)
    attrs = object.__getattribute__(ds, "_attrs")
    return "ok", ({k: (type(v).__name__, dump(v)) for k, v in attrs.items()}, [str(w.message) for w in seen])


def _fresh(config: Any, world_size: int, target: str) -> tuple[str, Any]:
    _memo.enabled = False
    try:
        return _outcome(config, world_size, target)
    finally:
        _memo.enabled = True


@pytest.fixture(autouse=True)
def _kept_entries() -> Iterator[None]:
    """Every test starts with kept outputs in place (from a config that gives no section), as in a warm process."""
    for target in SUPPORTED_TARGETS:
        for w in (1, 8):
            _outcome({"train_batch_size": 8 * w}, w, target)
    assert _memo._KEPT, "nothing was kept: the memo is not in use"
    yield


def test_builders_kept_are_the_ones_marked() -> None:
    load_all()
    names = {fn.__name__ for fn in MEMO}
    assert {"runtime", "monitoring", "data_efficiency"} <= names
    assert {key[0] for key in _memo._KEPT} <= MEMO


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("target", SUPPORTED_TARGETS)
def test_kept_equals_fresh_on_the_corpus(path: Path, target: str) -> None:
    try:
        config = read_path(str(path))
    except DeepSpeedConfigError:
        pytest.skip("not readable (a broken-file case)")
    for w in (1, 8):
        assert _outcome(config, w, target) == _fresh(config, w, target)


@settings(max_examples=strategies.examples("roundtrip"), suppress_health_check=[HealthCheck.too_slow])
@given(config=strategies.schema_configs(), target=strategies.targets(), world_size=strategies.world_sizes())
def test_kept_equals_fresh_on_generated_configs(config: dict[str, Any], target: str, world_size: int) -> None:
    assert _outcome(config, world_size, target) == _fresh(config, world_size, target)


def test_a_kept_output_is_copied_for_each_config() -> None:
    a = DeepSpeedConfig({"train_batch_size": 8}, world_size=1, target="0.19.8")
    a.pipeline["stages"] = 99
    a.aio_config["block_size"] = -1
    b = DeepSpeedConfig({"train_batch_size": 8}, world_size=1, target="0.19.8")
    assert b.pipeline["stages"] == "auto" and b.aio_config["block_size"] != -1
    assert b.pipeline is not a.pipeline


def _ctx(data: dict[str, Any]) -> Ctx:
    return Ctx(data=data, target=Release("0.19.8"), root=root_spec(), world_size=1, problems=Problems())


def test_a_builder_that_reads_attributes_is_never_kept() -> None:
    def reads_attrs(ctx: Ctx) -> dict[str, Any]:
        return {"echo": ctx.attrs.get("zero_optimization_stage")}

    for _ in range(2):
        assert _memo.run(reads_attrs, _ctx({}), True) == {"echo": None}
    assert not [k for k in _memo._KEPT if k[0] is reads_attrs]


def test_a_builder_that_reads_the_whole_config_is_never_kept() -> None:
    def counts(ctx: Ctx) -> dict[str, Any]:
        return {"n": len(list(ctx.data))}

    assert _memo.run(counts, _ctx({}), True) == {"n": 0}
    assert _memo.run(counts, _ctx({"x": 1}), True) == {"n": 1}
    assert not [k for k in _memo._KEPT if k[0] is counts]


def test_a_kept_output_is_not_used_when_the_config_gives_a_key_it_read() -> None:
    def echo(ctx: Ctx) -> dict[str, Any]:
        return {"wandb": ctx.raw("wandb.project")}

    assert _memo.run(echo, _ctx({}), True) == {"wandb": None}
    assert [k for k in _memo._KEPT if k[0] is echo]
    assert _memo.run(echo, _ctx({"wandb": {"project": "p"}}), True) == {"wandb": "p"}
    assert _memo.run(echo, _ctx({"zero_optimization": {}}), True) == {"wandb": None}


def test_a_run_with_problems_or_warnings_is_not_kept() -> None:
    def warns(ctx: Ctx) -> dict[str, Any]:
        ctx.warn("something")
        return {}

    _memo.run(warns, _ctx({}), True)
    assert not [k for k in _memo._KEPT if k[0] is warns]
