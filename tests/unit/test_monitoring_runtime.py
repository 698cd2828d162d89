"""Monitoring and runtime sections: schema and builders, per target release (no deepspeed import).

Expected values are the real releases' own (probed with DeepSpeedConfig on 0.7.7, 0.19.6 and 0.19.8).
Builders are driven through a hand-built Ctx over a root made of the families they read.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest

from dsconf._releases import Release
from dsconf._section import Dtype, Section
from dsconf.errors import Problems
from dsconf.resolver._context import Ctx
from dsconf.resolver.sections import monitoring as mon
from dsconf.resolver.sections import runtime as rt
from dsconf.schema._field import META
from dsconf.schema._spec import section_spec, walk
from dsconf.schema.core import CoreFields
from dsconf.schema.monitoring import MonitoringFields
from dsconf.schema.runtime import RuntimeFields

ALL = ("0.7.7", "0.19.6", "0.19.8")
NEW = ("0.19.6", "0.19.8")


@dataclass
class _Root(RuntimeFields, MonitoringFields, CoreFields):
    pass


ROOT = section_spec(_Root)


def build(data: dict[str, Any], target: str) -> tuple[dict[str, Any], Ctx]:
    ctx = Ctx(data=copy.deepcopy(data), target=Release(target), root=ROOT, world_size=1, problems=Problems())
    attrs: dict[str, Any] = {}
    for fn in (rt.activation_checkpointing, mon.monitoring, mon.flops_profiler, rt.runtime):
        attrs.update(fn(ctx))
    return attrs, ctx


def dumped(value: Any) -> Any:
    return value.model_dump() if isinstance(value, Section) else value


def problem(ctx: Ctx, path: str) -> Any:
    found = [p for p in ctx.problems.items if p.path == path]
    assert found, f"no problem at {path}: {[p.render() for p in ctx.problems.items]}"
    return found[0]


# -- schema ------------------------------------------------------------------------------------------------------


def test_every_field_has_help() -> None:
    for f in walk(ROOT):
        if f.name in {fl.name for fl in dataclasses.fields(CoreFields)}:
            continue
        assert f.info.help, f.path


def test_mixins_are_structured_configs() -> None:
    omegaconf = pytest.importorskip("omegaconf")
    cfg = omegaconf.OmegaConf.structured(_Root)
    assert cfg.tensorboard is None and cfg.flops_profiler.enabled is False
    assert cfg.pipeline.stages == "auto" and cfg.checkpoint.writer is None
    assert cfg.tensor_parallel.tp.tp_size == 1


def test_presence_sections_default_to_absent() -> None:
    meta = {f.name: f for f in dataclasses.fields(MonitoringFields)}
    for name in ("tensorboard", "wandb", "csv_monitor", "comet", "comms_logger"):
        assert meta[name].default is None, name
    assert meta["comet"].metadata[META].added == "0.19.6"


# -- attribute sets per release ------------------------------------------------------------------------------------

ATTRS_077 = {
    "activation_checkpointing_config", "comms_config", "monitor_config", "flops_profiler_config",
    "wall_clock_breakdown", "pipeline", "checkpoint_tag_validation_enabled", "checkpoint_tag_validation_fail",
    "load_universal_checkpoint", "use_node_local_storage", "grad_accum_dtype", "checkpoint_parallel_write_pipeline",
    "aio_config",
}  # fmt: skip
ATTRS_0196 = ATTRS_077 | {
    "hybrid_engine", "param_dtype", "buffer_dtype", "datastates_config", "checkpoint_config",
    "weight_quantization_config", "compile_config", "timers_config", "tensor_parallel_config", "expert_parallel_config",
}  # fmt: skip


@pytest.mark.parametrize(
    ("target", "names"),
    [("0.7.7", ATTRS_077), ("0.19.6", ATTRS_0196), ("0.19.8", ATTRS_0196 | {"keep_in_fp32_modules"})],
)
def test_attribute_names_per_release(target: str, names: set[str]) -> None:
    attrs, ctx = build({}, target)
    assert set(attrs) == names
    assert not ctx.problems


# -- monitors -----------------------------------------------------------------------------------------------------


def test_077_monitor_is_enabled_by_presence() -> None:
    attrs, _ = build({}, "0.7.7")
    assert attrs["monitor_config"].model_dump() == {
        "tensorboard_enabled": False, "wandb_enabled": False, "csv_monitor_enabled": False,
    }  # fmt: skip
    attrs, _ = build({"tensorboard": {}, "wandb": {"project": "p"}}, "0.7.7")
    m = attrs["monitor_config"]
    assert m.tensorboard_enabled is True and m.wandb_enabled is True and m.csv_monitor_enabled is False
    assert m.tensorboard_config.model_dump() == {"enabled": False, "output_path": "", "job_name": "DeepSpeedJobName"}
    assert m.wandb_config.model_dump() == {"enabled": False, "group": None, "team": None, "project": "p"}
    assert "csv_monitor_config" not in m


@pytest.mark.parametrize("target", NEW)
def test_019_monitor_model_and_computed_enabled(target: str) -> None:
    attrs, _ = build({"tensorboard": {}}, target)
    m = attrs["monitor_config"]
    assert m.enabled is False  # presence no longer enables
    assert set(m.model_dump()) == {"tensorboard", "comet", "wandb", "csv_monitor"}  # `enabled` is not dumped
    assert m.comet.samples_log_interval == 100 and m.comet.online is None
    attrs, _ = build({"csv_monitor": {"enabled": True, "output_path": "/o"}}, target)
    assert attrs["monitor_config"].enabled is True
    assert attrs["monitor_config"].csv_monitor.output_path == "/o"


@pytest.mark.parametrize("target", ALL)
def test_comms_logger_presence(target: str) -> None:
    attrs, _ = build({}, target)
    assert attrs["comms_config"].model_dump() == {"comms_logger_enabled": False}
    attrs, _ = build({"comms_logger": {"prof_ops": ["all_reduce"]}}, target)
    assert attrs["comms_config"].model_dump() == {
        "comms_logger_enabled": True,
        "comms_logger": {"enabled": False, "prof_all": True, "prof_ops": ["all_reduce"], "verbose": False,
                         "debug": False},
    }  # fmt: skip


@pytest.mark.parametrize("target", ALL)
def test_flops_profiler_and_wall_clock(target: str) -> None:
    attrs, _ = build({}, target)
    want: dict[str, Any] = {"enabled": False, "profile_step": 1, "module_depth": -1, "top_modules": 1, "detailed": True,
            "output_file": None}  # fmt: skip
    if target != "0.7.7":
        want["recompute_fwd_factor"] = 0.0
    assert attrs["flops_profiler_config"].model_dump() == want
    assert attrs["wall_clock_breakdown"] is False
    attrs, _ = build({"flops_profiler": {"enabled": True}}, target)
    assert attrs["wall_clock_breakdown"] is True  # DeepSpeed ORs the profiler in


# -- activation checkpointing, aio --------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ALL)
def test_activation_checkpointing(target: str) -> None:
    attrs, _ = build({"activation_checkpointing": {"number_checkpoints": 4}}, target)
    assert attrs["activation_checkpointing_config"].model_dump() == {
        "partition_activations": False, "contiguous_memory_optimization": False, "cpu_checkpointing": False,
        "number_checkpoints": 4, "synchronize_checkpoint_boundary": False, "profile": False,
    }  # fmt: skip


def test_aio_per_release() -> None:
    attrs, _ = build({"aio": {"thread_count": 4}}, "0.7.7")
    assert attrs["aio_config"] == {"block_size": 1048576, "queue_depth": 8, "thread_count": 4, "single_submit": False,
                                   "overlap_events": True}  # fmt: skip
    attrs, _ = build({"aio": {"intra_op_parallelism": 4}}, "0.19.8")
    assert attrs["aio_config"] == {"block_size": 1048576, "queue_depth": 8, "intra_op_parallelism": 4,
                                   "single_submit": False, "overlap_events": True, "use_gds": False}  # fmt: skip


def test_aio_gds_needs_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DS_ACCELERATOR", "cpu")
    _, ctx = build({"aio": {"use_gds": True}}, "0.19.8")
    p = problem(ctx, "aio.use_gds")
    assert "CUDA" in p.message and not p.stricter
    monkeypatch.setenv("DS_ACCELERATOR", "cuda")
    attrs, ctx = build({"aio": {"use_gds": True}}, "0.19.8")
    assert not ctx.problems and attrs["aio_config"]["use_gds"] is True


# -- checkpoint ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ALL)
def test_checkpoint_attrs(target: str) -> None:
    attrs, _ = build({}, target)
    assert (attrs["checkpoint_tag_validation_enabled"], attrs["checkpoint_tag_validation_fail"]) == (True, False)
    data = {"checkpoint": {"tag_validation": "fail", "load_universal": True, "parallel_write": {"pipeline_stage": 1}}}
    attrs, ctx = build(data, target)
    assert not ctx.problems
    assert (attrs["checkpoint_tag_validation_enabled"], attrs["checkpoint_tag_validation_fail"]) == (True, True)
    assert attrs["load_universal_checkpoint"] is True and attrs["use_node_local_storage"] is False
    assert attrs["checkpoint_parallel_write_pipeline"] == 1  # DeepSpeed keeps 1 as given
    attrs, _ = build({"checkpoint": {"tag_validation": "Ignore"}}, target)
    assert attrs["checkpoint_tag_validation_enabled"] is False


@pytest.mark.parametrize("target", ALL)
def test_checkpoint_parse_errors(target: str) -> None:
    _, ctx = build({"checkpoint": {"tag_validation": "bogus"}}, target)
    assert "invalid tag_validation value of BOGUS" in problem(ctx, "checkpoint.tag_validation").message
    _, ctx = build({"checkpoint": {"parallel_write": {"pipeline_stage": "yes"}}}, target)
    assert "expecting: true or false" in problem(ctx, "checkpoint.parallel_write.pipeline_stage").message


@pytest.mark.parametrize("target", NEW)
def test_checkpoint_config(target: str) -> None:
    attrs, _ = build({}, target)
    assert attrs["checkpoint_config"] == {"tag_validation": "WARN", "checkpoint_serialization": True, "writer": None}
    writer = {"type": "python", "data_parallel": "socket"}
    attrs, ctx = build({"checkpoint": {"tag_validation": "fail", "writer": writer}}, target)
    assert not ctx.problems
    assert attrs["checkpoint_config"] == {
        "tag_validation": "FAIL", "checkpoint_serialization": True,
        "writer": {"type": "PYTHON", "io_buffer_size": 67108864, "io_buffer_double": True, "show_statistics": False,
                   "data_parallel": "SOCKET", "decoupled": False, "io_multiplier": 1},
    }  # fmt: skip
    _, ctx = build({"checkpoint": {"writer": {"type": "bogus"}}}, target)
    assert "invalid value BOGUS for type" in problem(ctx, "checkpoint.writer.type").message


# -- data types ----------------------------------------------------------------------------------------------------


def test_data_types_per_release() -> None:
    attrs, _ = build({"data_types": {"grad_accum_dtype": "fp32"}}, "0.7.7")
    assert attrs["grad_accum_dtype"] == "fp32" and "param_dtype" not in attrs
    attrs, _ = build({"data_types": {"param_dtype": "bf16"}}, "0.19.6")
    assert (attrs["param_dtype"], attrs["buffer_dtype"]) == ("bf16", None) and "keep_in_fp32_modules" not in attrs
    attrs, _ = build({}, "0.19.8")
    assert attrs["keep_in_fp32_modules"] == "auto"
    attrs, _ = build({"data_types": {"keep_in_fp32_modules": ["norm"]}}, "0.19.8")
    assert attrs["keep_in_fp32_modules"] == ["norm"]


@pytest.mark.parametrize("bad", ["norm", [1], None, "AUTO"])
def test_keep_in_fp32_modules_refused(bad: Any) -> None:
    _, ctx = build({"data_types": {"keep_in_fp32_modules": bad}}, "0.19.8")
    p = problem(ctx, "data_types.keep_in_fp32_modules")
    assert "list of name patterns" in p.message and not p.stricter


def test_unknown_dtype_is_a_stricter_refusal() -> None:
    _, ctx = build({"data_types": {"grad_accum_dtype": "fp8"}}, "0.19.8")
    assert problem(ctx, "data_types.grad_accum_dtype").stricter


# -- pipeline, hybrid engine, compile, timers ------------------------------------------------------------------------


def test_pipeline_keeps_every_key() -> None:
    attrs, _ = build({"pipeline": {"stages": 2, "foo": 1}}, "0.7.7")
    assert attrs["pipeline"] == {"stages": 2, "partition": "best", "seed_layers": False,
                                 "activation_checkpoint_interval": 0, "foo": 1}  # fmt: skip
    attrs, _ = build({}, "0.19.8")
    assert attrs["pipeline"] == {"stages": "auto", "partition": "best", "seed_layers": False,
                                 "activation_checkpoint_interval": 0, "pipe_partitioned": True,
                                 "grad_partitioned": True}  # fmt: skip


def test_hybrid_engine_max_out_tokens_checked_from_0198() -> None:
    attrs, ctx = build({"hybrid_engine": {"max_out_tokens": 0}}, "0.19.6")
    assert not ctx.problems and attrs["hybrid_engine"].max_out_tokens == 0
    _, ctx = build({"hybrid_engine": {"max_out_tokens": 0}}, "0.19.8")
    assert problem(ctx, "hybrid_engine.max_out_tokens").code == "range"


def test_compile_and_timers() -> None:
    attrs, _ = build({"compile": {"deepcompile": True, "passes": ["z1"]}}, "0.19.6")
    c = attrs["compile_config"]
    assert c.deepcompile is True and c.passes == ["z1"] and "autoep_non_moe" not in c
    assert "autoep_non_moe" in build({}, "0.19.8")[0]["compile_config"]
    _, ctx = build({"compile": {"passes": ["bad"]}}, "0.19.8")
    assert problem(ctx, "compile.passes[0]")
    attrs, _ = build({"timers": {"throughput": {"enabled": False}}}, "0.19.8")
    assert attrs["timers_config"].model_dump() == {"enabled": False, "synchronized": True}


# -- tensor / expert parallel, weight quantization, datastates ------------------------------------------------------


def test_tensor_parallel() -> None:
    data = {"tensor_parallel": {"autotp_size": 2, "tp": {"tp_size": 2}, "injection_policy_tuple": ["a", "b"]}}
    attrs, ctx = build(data, "0.19.8")
    assert not ctx.problems
    tp = attrs["tensor_parallel_config"]
    assert tp.model_dump() == {
        "dtype": "torch.float16", "autotp_size": 2, "tp_overlap_comm": False, "vocab_parallel_lm_head": None,
        "vocab_parallel_ce_backend": "torch",
        "tensor_parallel": {"tp_size": 2, "tp_grain_size": 1, "mpu": None, "tp_group": None},
        "injection_policy_tuple": ["a", "b"], "partition_config": None, "preset_model": None,
        "keep_module_on_host": False, "replace_with_kernel_inject": False,
    }  # fmt: skip
    assert tp._data["dtype"] == Dtype("fp16") and tp.injection_policy_tuple == ("a", "b")
    assert "vocab_parallel_ce_backend" not in build({}, "0.19.6")[0]["tensor_parallel_config"]
    # DeepSpeed wants a torch.dtype object for it, which JSON cannot hold: no key, so the loader refuses it as unknown
    assert "dtype" not in ROOT.fields["tensor_parallel"].section.lookup  # type: ignore[union-attr]


def test_expert_parallel() -> None:
    attrs, _ = build({}, "0.19.8")
    ep = attrs["expert_parallel_config"]
    assert "expert_w3" not in ep  # DeepSpeed's _UNSET: the preset decides
    assert ep.top_k == "auto" and ep.comm_num_sm == 12 and ep.load_balance_coeff is None
    attrs, _ = build({"expert_parallel": {"enabled": True, "expert_w3": "w3"}}, "0.19.6")
    ep = attrs["expert_parallel_config"]
    assert ep.enabled is True and ep.expert_w3 == "w3" and "comm_backend" not in ep
    attrs, _ = build({"expert_parallel": {"expert_w3": None}}, "0.19.8")  # a composed config's null: absent
    assert "expert_w3" not in attrs["expert_parallel_config"]
    _, ctx = build({"expert_parallel": {"load_balance_coeff": 0.1}}, "0.19.8")
    assert "not supported" in problem(ctx, "expert_parallel.load_balance_coeff").message


def test_weight_quantization_and_datastates() -> None:
    attrs, _ = build({}, "0.19.8")
    assert attrs["weight_quantization_config"] is None
    assert attrs["datastates_config"].model_dump() == {"enabled": False, "config": None}
    attrs, _ = build({"weight_quantization": {}, "datastates_ckpt": {}}, "0.19.8")
    assert attrs["weight_quantization_config"].model_dump() == {
        "enabled": True, "num_bits": 8, "q_type": "symmetric", "q_groups": 1, "quantized_initialization": {},
        "post_init_quant": {},
    }  # fmt: skip
    assert attrs["datastates_config"].model_dump() == {"enabled": True, "config": {}}  # present = enabled
