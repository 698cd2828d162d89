"""One row per kind of error dsconf raises: input, key path, and what the message says (OmegaConf-style table)."""

from __future__ import annotations

import ast
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
    ("auto_on_a_plain_key", {**B, "tensorboard": {"enabled": True, "output_path": "auto"}}, {},
     "tensorboard.output_path", "auto", ('"auto" is not a value of this key', "silently use its default, ''")),
    ("nvme_without_path", {**B, "zero_optimization": {"stage": 3, "offload_param": {"device": "nvme"}}}, {},
     "zero_optimization.offload_param.nvme_path", "initialize", ("nvme_path is not set",)),
    ("ignored_strict", {**B, "zero_optimization": {"stage": 2, "offload_param": {"device": "cpu"}}}, {"strict": True},
     "zero_optimization.offload_param", "ignored", ("stage 3",)),
    ("bad_target", B, {"target": "0.3.1"}, "target", "bad_target", ("not a supported target",)),
    ("not_in_target", {**B, "aio": {"use_gds": False}}, {"target": "0.7.7"}, "aio.use_gds", "not_in_target",
     ("not read by DeepSpeed 0.7.7", "added in 0.19.6")),
    ("ds_crash", {**B, "fp16": {"enabled": True, "initial_scale_power": 2.0}}, {"target": "0.7.7"},
     "fp16.initial_scale_power", "ds_crash", ("crashes", "expected an integer")),
    ("accelerator", {**B, "aio": {"use_gds": True}}, {"target": "0.19.8"}, "aio.use_gds", "accelerator",
     ("only supported for CUDA", "DS_ACCELERATOR=cuda")),
    ("unsupported", {**B, "expert_parallel": {"load_balance_coeff": 0.1}}, {"target": "0.19.8"},
     "expert_parallel.load_balance_coeff", "unsupported", ("not supported", "null or omit")),
    ("choices", {**B, "compression_training": {"sparse_pruning": {"shared_parameters": {
        "enabled": True, "method": "snip_momentum"}, "different_groups": {}}}}, {"target": "0.7.7"},
     "compression_training.sparse_pruning.shared_parameters.method", "choices", ("l1 and topk only",)),
    ("missing", {**B, "compression_training": {"head_pruning": {"shared_parameters": {"enabled": True},
                                                                "different_groups": {}}}}, {"target": "0.19.6"},
     "compression_training.head_pruning.shared_parameters.num_heads", "missing", ("is required",)),
    ("world_size", {"sequence_parallel_size": 2, "elasticity": {
        "enabled": True, "max_train_batch_size": 100, "micro_batch_sizes": [2, 4], "min_gpus": 1, "max_gpus": 4,
        "version": 0.1}}, {"world_size": 3, "target": "0.19.6"}, "elasticity", "world_size",
     ("whole, positive world size", "got 1.5")),
    ("invalid", {**B, "quantize_training": {"eigenvalue": {"enabled": True}},
                 "compression_training": {"shared_parameters": {"enabled": True}}}, {"target": "0.19.6"},
     "quantize_training.eigenvalue.enabled", "invalid", ("temporarily disabled", "expected false")),
    ("incompatible_world_size", {"elasticity": {
        "enabled": True, "max_train_batch_size": 16, "micro_batch_sizes": [2, 4], "min_gpus": 1, "max_gpus": 8,
        "version": 0.1}}, {"world_size": 3, "target": "0.19.6"}, "elasticity", "incompatible_world_size",
     ("world size 3 is not one of", "[1, 2, 4, 8]")),
    ("huge_integer", {**B, "gradient_clipping": 10**5000}, {}, "gradient_clipping", "range", ("5000 digits",)),
    ("cycle", {**B, "zero_optimization": (_cyclic := {"stage": 1, "x": {}})}, {},
     "zero_optimization" + ".x" * 99, "syntax", ("contains itself",)),
]
_cyclic["x"] = _cyclic  # the dict of the "cycle" row contains itself


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


def _file(tmp: Path, name: str, text: str) -> str:
    (tmp / name).write_text(text)
    return str(tmp / name)


def _interpolation(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    from omegaconf import OmegaConf

    dsconf.DeepSpeedConfig(OmegaConf.create({"train_batch_size": "${batch}"}))


def _internal(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    import dsconf.resolver as resolver

    def broken(ctx: Any) -> dict[str, Any]:
        raise KeyError("a builder bug")

    mp.setattr(resolver, "BUILDERS", [*resolver.BUILDERS, (999, "broken", broken)])  # the name resolve() reads
    dsconf.DeepSpeedConfig(B)


def _convert(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    from dsconf._convert import json_to_yaml

    # DeepSpeed keeps unknown keys of the pipeline block; Hydra's struct mode cannot hold one
    json_to_yaml({"train_batch_size": 8, "pipeline": {"stages": "auto", "custom_knob": 3}}, target="0.19.8")


def _compose(*overrides: str) -> Any:
    def run(tmp: Path, mp: pytest.MonkeyPatch) -> None:
        from dsconf._hydra import compose

        compose(list(overrides))

    return run


def _migrate_both(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    import argparse

    from dsconf.cli import cmd_migrate

    cmd_migrate(argparse.Namespace(file=_file(tmp, "a.json", "{}"), output="b.json", in_place=True, to=None))


# errors that do not come from a config dict: (id, call(tmp_path, monkeypatch), path, code, message fragments)
CALLS: list[tuple[str, Any, str, str, tuple[str, ...]]] = [
    ("interpolation", _interpolation, "train_batch_size", "interpolation", ("cannot be resolved", "batch")),
    ("duplicate_key", lambda t, m: dsconf.DeepSpeedConfig(_file(t, "d.json", '{"a": 1, "a": 2}')), "",
     "duplicate_key", ("duplicate keys 'a'",)),
    ("missing_file", lambda t, m: dsconf.DeepSpeedConfig(str(t / "gone.json")), "", "missing_file", ("no such file",)),
    ("unreadable", lambda t, m: dsconf.DeepSpeedConfig(str(t)), "", "unreadable", ("is a directory",)),
    ("syntax", lambda t, m: dsconf.DeepSpeedConfig(_file(t, "s.json", '{"a": ')), "", "syntax", ("not valid JSON",)),
    ("usage", lambda t, m: dsconf.DeepSpeedConfig(B, mesh_device=object()), "", "usage", ("pass world_size",)),
    ("usage_cli", _migrate_both, "", "usage", ("exclude each other",)),
    ("unknown_option", _compose("zero=stage9"), "zero", "unknown_option", ("no option 'stage9'", "stage3")),
    ("unknown_key_override", _compose("deepspeed.gradient_clippin=1"), "deepspeed.gradient_clippin", "unknown_key",
     ("'gradient_clipping'",)),
    ("compose", _compose("deepspeed.fp16=[1"), "", "compose", ("no viable alternative",)),
    ("convert", _convert, "pipeline.custom_knob", "convert", ("cannot be expressed",)),
    ("internal", _internal, "", "internal", ("internal error", "broken", "KeyError")),
]


@pytest.mark.parametrize(("call", "path", "code", "needles"), [r[1:] for r in CALLS], ids=[r[0] for r in CALLS])
def test_error_table_calls(call: Any, path: str, code: str, needles: tuple[str, ...], tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DeepSpeedConfigError) as err:
        call(tmp_path, monkeypatch)
    match = [p for p in err.value.problems if p.path == path]
    assert match, f"no problem at {path!r}: {err.value}"
    assert match[0].code == code
    text = match[0].render()
    assert text.startswith(path or "<root>")
    for needle in needles:
        assert needle in text, text


def _codes_in_source() -> set[str]:
    """Every problem code dsconf can raise, read from its source: ``code="..."`` arguments, ``"code": "..."`` in
    dicts, ``code = "..."`` assignments and defaults, and the positional code of elastic's ``_problem(...)``."""
    codes: set[str] = set()
    package = Path(dsconf.__file__).resolve().parent
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            value: ast.AST | None = None
            if isinstance(node, ast.keyword) and node.arg == "code":
                value = node.value
            elif isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values, strict=True):
                    if isinstance(k, ast.Constant) and k.value == "code" and isinstance(v, ast.Constant):
                        codes.add(v.value)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                    value = node.value
            elif isinstance(node, ast.FunctionDef):  # def f(..., code: str = "invalid")
                args = node.args.args + node.args.kwonlyargs
                defaults = [None] * (len(node.args.args) - len(node.args.defaults)) + list(node.args.defaults)
                defaults += list(node.args.kw_defaults)
                for arg, default in zip(args, defaults, strict=True):
                    if arg.arg == "code" and isinstance(default, ast.Constant):
                        codes.add(default.value)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_problem"
                  and len(node.args) >= 3):
                value = node.args[2]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                codes.add(value.value)
            elif isinstance(value, ast.IfExp):  # code="a" if ... else "b"
                codes.update(v.value for v in (value.body, value.orelse) if isinstance(v, ast.Constant))
    return codes


def test_every_error_code_has_a_row() -> None:
    """A new error code in dsconf needs a row in ROWS or CALLS (input, key path, message): this fails until it has."""
    covered = {r[4] for r in ROWS} | {r[3] for r in CALLS}
    codes = _codes_in_source()
    assert {"unknown_key", "type", "invalid", "ds_crash", "syntax"} <= codes, codes  # the scan itself works
    missing = sorted(codes - covered)
    assert not missing, f"error codes without a row in tests/unit/test_errors.py: {missing}"


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
