"""One row per kind of error dsconf raises: input, key path, and what the message says (OmegaConf-style table)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import dsconf
from dsconf import DeepSpeedConfigError

B = {"train_batch_size": 8}

ROWS: list[tuple[str, Any, dict[str, Any], str, str, tuple[str, ...]]] = [
    # (id, config, kwargs, path, code, substrings of the message)
    ("unknown_top", {**B, "gradient_clipp1ng": 1.0}, {}, "gradient_clipp1ng", "unknown_key", ("'gradient_clipping'",)),
    ("unknown_nested", {**B, "zero_optimization": {"stage3_prefetch_bucket_sz": 1}}, {},
     "zero_optimization.stage3_prefetch_bucket_sz", "unknown_key", ("stage3_prefetch_bucket_size",)),
    ("wrong_section", {**B, "offload_optimizer": {"device": "cpu"}}, {}, "offload_optimizer", "unknown_key",
     ("belongs under 'zero_optimization'",)),
    ("type", {**B, "zero_optimization": {"stage": "three"}}, {}, "zero_optimization.stage", "type",
     ('got "three"', "an integer")),
    ("choice", {**B, "zero_optimization": {"stage": 4}}, {}, "zero_optimization.stage", "choice", ("0, 1, 2, 3",)),
    ("fraction", {**B, "zero_optimization": {"reduce_bucket_size": 5.5}}, {},
     "zero_optimization.reduce_bucket_size", "type", ("whole number",)),
    ("range", {**B, "zero_optimization": {"allgather_bucket_size": -1}}, {},
     "zero_optimization.allgather_bucket_size", "range", (">= 0",)),
    ("enum", {**B, "zero_optimization": {"offload_optimizer": {"device": "gpu"}}}, {},
     "zero_optimization.offload_optimizer.device", "choice", ("none, cpu, nvme",)),
    ("batch", {"train_batch_size": 33, "train_micro_batch_size_per_gpu": 4}, {"world_size": 2}, "train_batch_size",
     "batch", ("33 != 4 * 4 * 2",)),
    ("batch_missing", {"gradient_accumulation_steps": 2}, {}, "train_batch_size", "batch_missing", ("neither",)),
    ("precision_conflict", {**B, "fp16": {"enabled": True}, "bf16": {"enabled": True}}, {}, "bf16.enabled",
     "conflict", ("cannot both be enabled",)),
    ("legacy_conflict", {**B, "zero_optimization": {"cpu_offload": True, "offload_optimizer": {"device": "cpu"}}}, {},
     "zero_optimization.cpu_offload", "legacy_conflict", ("both",)),
    ("removed_block", {**B, "sparse_attention": {"mode": "fixed"}}, {"target": "0.19.8"}, "sparse_attention",
     "removed", ("removed in DeepSpeed 0.19.7", "0.19.6")),
    ("auto_unresolved", {**B, "zero_optimization": {"reduce_bucket_size": "auto"}}, {},
     "zero_optimization.reduce_bucket_size", "auto", ('"auto" is left unresolved',)),
    ("nvme_without_path", {**B, "zero_optimization": {"stage": 3, "offload_param": {"device": "nvme"}}}, {},
     "zero_optimization.offload_param.nvme_path", "initialize", ("nvme_path is not set",)),
    ("ignored_strict", {**B, "zero_optimization": {"stage": 2, "offload_param": {"device": "cpu"}}}, {"strict": True},
     "zero_optimization.offload_param", "ignored", ("stage 3",)),
    ("bad_target", B, {"target": "0.3.1"}, "target", "bad_target", ("not a supported target",)),
]


@pytest.mark.parametrize(("config", "kwargs", "path", "code", "needles"), [r[1:] for r in ROWS],
                         ids=[r[0] for r in ROWS])
def test_error_table(config: Any, kwargs: dict[str, Any], path: str, code: str, needles: tuple[str, ...]) -> None:
    with pytest.raises(DeepSpeedConfigError) as err:
        dsconf.DeepSpeedConfig(config, **kwargs)
    match = [p for p in err.value.problems if p.path == path]
    assert match, f"no problem at {path}: {err.value}"
    assert match[0].code == code
    text = match[0].render()
    assert text.startswith(path)
    for needle in needles:
        assert needle in text, text
    assert isinstance(err.value, ValueError)


def test_all_problems_are_reported_together() -> None:
    with pytest.raises(DeepSpeedConfigError) as err:
        dsconf.DeepSpeedConfig({"train_batch_size": 8, "gradient_clipp1ng": 1, "zero_optimization": {"stage": 7},
                                "fp16": {"enabled": "yes"}})
    assert set(err.value.paths) == {"gradient_clipp1ng", "zero_optimization.stage", "fp16.enabled"}
    assert str(err.value).startswith("3 problems")


@pytest.mark.parametrize(
    ("content", "needle"),
    [("", "empty"), ("   \n", "empty"), ("[1, 2]", "top level is a list"), ('{"a": 1,', "not valid JSON"),
     ('{"train_batch_size": 1, "train_batch_size": 2}', "duplicate keys")],
)
def test_broken_files(tmp_path: Path, content: str, needle: str) -> None:
    f = tmp_path / "ds.json"
    f.write_text(content)
    with pytest.raises(DeepSpeedConfigError) as err:
        dsconf.DeepSpeedConfig(str(f))
    assert needle in str(err.value) and str(f) in str(err.value)


def test_binary_and_missing_files(tmp_path: Path) -> None:
    f = tmp_path / "ds.json"
    f.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(DeepSpeedConfigError, match="not UTF-8"):
        dsconf.DeepSpeedConfig(str(f))
    with pytest.raises(DeepSpeedConfigError, match="no such file"):
        dsconf.DeepSpeedConfig(str(tmp_path / "missing.json"))
    with pytest.raises(DeepSpeedConfigError, match="directory"):
        dsconf.DeepSpeedConfig(str(tmp_path))


def test_yaml_python_tags_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "ds.yaml"
    f.write_text("train_batch_size: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(DeepSpeedConfigError, match="tag refused"):
        dsconf.DeepSpeedConfig(str(f))


def test_hjson_comments_and_trailing_commas(tmp_path: Path) -> None:
    f = tmp_path / "ds.json"
    f.write_text('{\n  // global batch\n  "train_batch_size": 16,\n  "fp16": {"enabled": true,},\n}\n')
    ds = dsconf.DeepSpeedConfig(str(f), world_size=2)
    assert ds.train_micro_batch_size_per_gpu == 8


def test_base64_source() -> None:
    import base64

    text = base64.urlsafe_b64encode(json.dumps({"train_batch_size": 4}).encode()).decode()
    assert dsconf.DeepSpeedConfig(text, world_size=1).train_batch_size == 4
