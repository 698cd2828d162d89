"""Hypothesis-driven differential tests: generated configs through dsconf and the installed real DeepSpeed.

Same four-way rule as tests/integration/test_differential.py (see ``_deepspeed.differential``). Example counts come
from the hypothesis profile (``HYPOTHESIS_PROFILE``: ci | long | dev, registered in tests/strategies.py): the cheap
batch-math property runs 10,000 examples in ``ci``, the consistent-triple and whole-config
properties 1,000 each; ``long`` runs 1,000,000 each (the consistent-triple one a tenth of that).
"""

from __future__ import annotations

from typing import Any

import _deepspeed as harness
import pytest
import strategies
from hypothesis import given, settings

pytestmark = pytest.mark.deepspeed

TARGET: str = harness.target_or_skip()


def _assert_agrees(config: dict[str, Any], world_size: int, *, round_trip: bool = True) -> harness.Verdict:
    verdict = harness.differential(config, world_size, TARGET, round_trip=round_trip)
    harness.record(verdict)
    harness.require(verdict)
    return verdict


@settings(max_examples=strategies.examples("batch"))
@given(case=strategies.batch_cases())
def test_batch_math_agrees(case: tuple[dict[str, Any], int]) -> None:
    """Any subset of (T, M, G) with any values, at any world size: same accept/reject, same resolved triple."""
    config, world_size = case
    _assert_agrees(config, world_size)


@settings(max_examples=strategies.examples("batch") // 10)
@given(case=strategies.consistent_batch_configs())
def test_consistent_batch_math_is_accepted(case: tuple[dict[str, Any], int]) -> None:
    """T = M * G * W with any subset of the three given: both accept, to the same values."""
    config, world_size = case
    verdict = _assert_agrees(config, world_size)
    if "train_batch_size" in config or "train_micro_batch_size_per_gpu" in config:
        # T alone: M = T // W, G = 1; M alone: T = M * W; every other subset pins all three -- all consistent
        assert verdict.kind == harness.BOTH_ACCEPT, verdict.real.describe() if verdict.real else verdict
    else:  # only G: "Either train_batch_size or train_micro_batch_size_per_gpu needs to be provided"
        assert verdict.kind == harness.BOTH_REJECT


@settings(max_examples=strategies.examples("config"))
@given(case=strategies.config_cases())
def test_generated_configs_agree(case: tuple[dict[str, Any], int]) -> None:
    """Whole configs: precision, ZeRO stage/offload (incl. legacy forms), optimizer, scalars, unknown keys, "auto"."""
    config, world_size = case
    _assert_agrees(config, world_size)


@settings(max_examples=strategies.examples("config"))
@given(config=strategies.schema_configs(), world_size=strategies.st.sampled_from(strategies.WORLD_SIZES))
def test_schema_configs_agree(config: dict[str, Any], world_size: int) -> None:
    """Configs over every section of the schema, with edge values (0, negatives, huge, NaN, infinities, 1e9 vs
    1000000000, booleans as numbers and strings), typos, legacy spellings and keys in the wrong section."""
    # explicit null sections included: dsconf refuses them where DeepSpeed fails on them (KeyInfo.null_ok marks
    # the few DeepSpeed takes as null); a Hydra-composed config never carries them (pruned before the check)
    _assert_agrees(config, world_size)


@settings(max_examples=strategies.examples("config"))
@given(config=strategies.schema_configs(wild=False), world_size=strategies.st.sampled_from(strategies.WORLD_SIZES))
def test_tame_schema_configs_agree(config: dict[str, Any], world_size: int) -> None:
    """Configs over every section with values of each key's own kind (most resolve): the resolved values agree."""
    _assert_agrees(config, world_size)
