"""`dsconf schema`: a draft 2020-12 JSON Schema that accepts what dsconf accepts and refuses wrong types and typos."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from dsconf import DeepSpeedConfig, DeepSpeedConfigError
from dsconf._jsonschema import json_schema
from dsconf._read import read_path
from dsconf._releases import SUPPORTED_TARGETS, Release

jsonschema = pytest.importorskip("jsonschema")

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
TARGET = "0.19.8"


def _validator(target: str = TARGET) -> object:
    schema = json_schema(Release(target))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _accepted(path: Path, target: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            DeepSpeedConfig(str(path), world_size=1, target=target)
    except DeepSpeedConfigError:
        return False
    return True


@pytest.mark.parametrize("target", SUPPORTED_TARGETS)
def test_valid_configs_validate(target: str) -> None:
    v = _validator(target)
    checked = 0
    for path in sorted((CONFIGS / "valid").glob("*.json")):
        if not _accepted(path, target):
            continue
        data, _ = read_path(path)
        errors = [f"{list(e.path)}: {e.message}" for e in v.iter_errors(data)]  # type: ignore[attr-defined]
        assert not errors, (path.name, errors[:3])
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("name", ["gradient_clipping_string.json", "parallel_write_string.json",
                                  "zero_boolean_string.json", "zero_stage_4.json", "typo_in_zero_section.json",
                                  "typo_top_level_train_batch_szie.json", "offload_device_gpu.json",
                                  "negative_bucket.json"])
def test_invalid_configs_are_refused(name: str) -> None:
    data, _ = read_path(CONFIGS / "invalid" / name)
    assert list(_validator().iter_errors(data))  # type: ignore[attr-defined]


def test_schema_shape() -> None:
    s = json_schema(Release(TARGET))
    assert s["additionalProperties"] is False
    stage = s["properties"]["zero_optimization"]["anyOf"][0]["properties"]["stage"]
    assert stage["enum"] == [0, 1, 2, 3] and stage["default"] == 0 and stage["description"]
    micro = s["properties"]["train_micro_batch_size_per_gpu"]
    assert {"const": "auto"} in micro["anyOf"]
