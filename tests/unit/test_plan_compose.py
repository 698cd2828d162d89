"""A sweep composes its group combinations without asking Hydra for each (dsconf._plan._with_options): the result
must be exactly what Hydra composes, key order and unknown-option errors included."""

from __future__ import annotations

import json

import pytest

from dsconf._plan import Setting, _with_options, composed_data
from dsconf.errors import DeepSpeedConfigError


def _setting(group: str, option: str) -> Setting:
    return Setting(f"{group}={option}", "group", group, option)


COMBINATIONS = [
    [_setting("zero", "stage0")],  # the defaults' own option: the section disappears after pruning
    [_setting("zero", "stage3_offload"), _setting("optimizer", "adamw")],
    [_setting("precision", "bf16"), _setting("scheduler", "warmup_cosine_lr"), _setting("sparse_attention", "fixed")],
    [_setting("optimizer", "none"), _setting("precision", "amp"), _setting("zero", "stage2")],
    [_setting("zero", "stage9")],
]


def _outcome(fn, groups):  # type: ignore[no-untyped-def]
    try:
        return json.dumps(fn(groups))
    except DeepSpeedConfigError as exc:
        return str(exc)


@pytest.mark.parametrize("groups", COMBINATIONS, ids=lambda c: " ".join(s.text for s in c))
def test_options_put_in_place_equal_hydra_composition(groups: list[Setting]) -> None:
    key = tuple(sorted(groups, key=lambda s: s.key))
    assert _outcome(_with_options, key) == _outcome(composed_data, key)
