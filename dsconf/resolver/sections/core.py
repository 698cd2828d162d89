"""Top-level scalars, the batch triple, precision and ZeRO, per target release."""

from __future__ import annotations

from typing import Any

from ..._releases import Release
from ..._section import Dtype, ExtraSection, Float16Section, Section
from .._context import Ctx, builder
from ..batch import fill_batch

V0196 = Release("0.19.6")
V0198 = Release("0.19.8")
_DTYPES = {"fp32": "fp32", "fp16": "fp16", "bf16": "bf16"}


def _comm_dtype(ctx: Ctx, key: str) -> Dtype | None:
    value = ctx.value(key)
    if value is None:
        return None
    if ctx.target < V0196 and value == "bf16" and not any(m.new.startswith(key) for m in ctx.migrations):
        ctx.error(key, "DeepSpeed 0.7.7 spells bfloat16 'bfp16' here and refuses 'bf16'", value=value,
                  expected='"fp32", "fp16" or "bfp16"', code="choice")
        return None
    return Dtype(_DTYPES[value])


@builder(order=10)
def scalars(ctx: Ctx) -> dict[str, Any]:
    t = ctx.target
    out: dict[str, Any] = {
        "steps_per_print": ctx.value("steps_per_print"),
        "dump_state": ctx.value("dump_state"),
        "disable_allgather": ctx.value("disable_allgather"),
        "communication_data_type": _comm_dtype(ctx, "communication_data_type"),
        "prescale_gradients": ctx.value("prescale_gradients"),
        "gradient_predivide_factor": ctx.value("gradient_predivide_factor"),
        "gradient_clipping": ctx.value("gradient_clipping"),
        "memory_breakdown": ctx.value("memory_breakdown"),
        "dataloader_drop_last": ctx.value("dataloader_drop_last"),
    }
    if t < V0198:
        out["sparse_gradients_enabled"] = ctx.value("sparse_gradients")
    if t >= V0196:
        out["managed_gradient_accumulation"] = ctx.value("managed_gradient_accumulation")
        out["seq_parallel_communication_data_type"] = _comm_dtype(ctx, "seq_parallel_communication_data_type")
        out["gradient_allreduce_op"] = ctx.value("gradient_allreduce_op")
        out["use_data_before_expert_parallel_"] = ctx.value("use_data_before_expert_parallelism")
        out["log_level"] = ctx.value("log_level")
    if V0196 <= t < V0198:
        out["graph_harvesting"] = ctx.value("graph_harvesting")
    if t >= V0198:
        out["disable_python_gc"] = ctx.value("disable_python_gc")
    if t >= V0196 and out["gradient_allreduce_op"] == "sum":
        for cond, what in ((ctx.value("zero_optimization.stage") == 3, "ZeRO stage 3"),
                           (ctx.raw("zero_optimization.zenflow") is not None, "ZenFlow"),
                           (t >= V0198 and ctx.value("compile.deepcompile") is True, "DeepCompile")):
            if cond:
                ctx.error("gradient_allreduce_op", f"'sum' is not supported with {what}", value="sum",
                          expected='"mean"', code="conflict")
    vocab = ctx.value("vocabulary_size")
    if vocab and vocab % 8 != 0:
        ctx.warn(f"vocabulary_size {vocab} is not a multiple of 8; tensor-core utilization may suffer")
    return out


@builder(order=11)
def batch(ctx: Ctx) -> dict[str, Any]:
    if ctx.attrs.get("elasticity_enabled") and ctx.problems:
        return {"world_size": ctx.world_size}  # elasticity already said why there is no batch
    return fill_batch(ctx)


@builder(order=40)
def precision(ctx: Ctx) -> dict[str, Any]:
    t = ctx.target
    fp16_on = ctx.value("fp16.enabled") is True
    bf16_on = ctx.value("bf16.enabled") is True
    if fp16_on and bf16_on:
        ctx.error("bf16.enabled", "fp16 and bf16 cannot both be enabled", value=True,
                  expected="at most one of fp16.enabled / bf16.enabled", code="conflict")
    if t < V0196:
        return _precision_077(ctx, fp16_on, bf16_on)
    fp16 = ctx.dump("fp16")
    fp16["loss_scale"] = float(fp16["loss_scale"])
    if fp16["enabled"] and fp16["loss_scale"] == 0:
        for k in ("loss_scale_window", "min_loss_scale"):
            if fp16[k] <= 0:
                ctx.error(f"fp16.{k}", "must be > 0 when dynamic loss scaling is enabled (loss_scale=0)",
                          value=fp16[k], expected="a value > 0", code="range")
    bf16 = ctx.dump("bf16")
    out: dict[str, Any] = {
        "float16_config": Float16Section(fp16, "DeepSpeedFP16Config"),
        "bfloat16_config": Section(bf16, "DeepSpeedBF16Config"),
    }
    autocast = ctx.raw("torch_autocast")
    out["torch_autocast_enabled"] = bool(ctx.value("torch_autocast.enabled")) if autocast is not None else False
    dtype = autocast.get("dtype") if isinstance(autocast, dict) else None
    out["torch_autocast_dtype"] = Dtype(_autocast_dtype(dtype)) if dtype is not None else None
    out["torch_autocast_lower_precision_safe_modules"] = (
        autocast.get("lower_precision_safe_modules") if isinstance(autocast, dict) else None
    )
    stage = ctx.value("zero_optimization.stage")
    for flag, name in (("fp16.fp16_master_weights_and_grads", "Fp16_master_weights_and_grads"),
                       ("bf16.bf16_master_weights_and_grads", "Bf16_master_weights_and_grads"),
                       ("bf16.bf16_optimizer_states", "bf16_optimizer_states")):
        if ctx.value(flag) and stage not in (1, 2, 3):
            ctx.error(flag, f"{name} is only supported with ZeRO stage 1, 2, or 3", value=True,
                      expected="zero_optimization.stage 1, 2 or 3", code="conflict")
    if ctx.value("bf16.bf16_optimizer_states") and not ctx.value("bf16.bf16_master_weights_and_grads"):
        ctx.error("bf16.bf16_optimizer_states", "requires bf16.bf16_master_weights_and_grads to be enabled",
                  value=True, code="conflict")
    return out


def _autocast_dtype(name: str) -> str:
    for short, names in (("fp16", ("torch.float16", "fp16", "float16", "half")),
                         ("bf16", ("torch.bfloat16", "bf16", "bfloat16")),
                         ("fp32", ("torch.float32", "fp32", "float32", "float")),
                         ("int8", ("torch.int8", "int8"))):
        if name in names:
            return short
    raise AssertionError(name)  # the loader's choices check makes this unreachable


def _precision_077(ctx: Ctx, fp16_on: bool, bf16_on: bool) -> dict[str, Any]:
    fp16 = ctx.raw("fp16") or {}
    power = fp16.get("initial_scale_power", ctx.default("fp16.initial_scale_power"))
    out: dict[str, Any] = {
        "fp16_enabled": fp16_on,
        "fp16_auto_cast": fp16.get("auto_cast", False) if fp16_on else None,
        "bfloat16_enabled": bf16_on,
        "fp16_master_weights_and_gradients": fp16.get("fp16_master_weights_and_grads", False) if fp16_on else False,
    }
    if fp16_on and not isinstance(power, int):
        ctx.error("fp16.initial_scale_power", "DeepSpeed 0.7.7 computes 2**initial_scale_power and crashes on this",
                  value=power, expected="an integer", code="ds_crash")
        power = 0
    if fp16_on:
        out["loss_scale"] = fp16.get("loss_scale", 0)
        out["initial_dynamic_scale"] = 2**power
    elif bf16_on:
        out["loss_scale"] = 1.0
        out["initial_dynamic_scale"] = 1
    else:
        out["loss_scale"] = 0
        out["initial_dynamic_scale"] = 2**32
    knobs = ("initial_scale_power", "loss_scale_window", "min_loss_scale", "hysteresis")
    if fp16_on and any(k in fp16 for k in knobs):
        out["dynamic_loss_scale_args"] = {
            "init_scale": 2**power,
            "scale_window": fp16.get("loss_scale_window", 1000),
            "delayed_shift": fp16.get("hysteresis", 2),
            "min_scale": fp16.get("min_loss_scale", 1),
        }
    else:
        out["dynamic_loss_scale_args"] = None
    if out["fp16_master_weights_and_gradients"] and ctx.value("zero_optimization.stage") != 2:
        ctx.error("fp16.fp16_master_weights_and_grads", "is only supported with ZeRO stage 2 in DeepSpeed 0.7.7",
                  value=True, expected="zero_optimization.stage 2", code="conflict")
    return out


# DeepSpeed keeps these deprecated ZeRO fields in its model (with their defaults) unless they were given: a record
# of the input's spelling, not a setting (DeepSpeedConfig equality ignores them)
DEPRECATED_ZERO = {"cpu_offload_param": None, "cpu_offload": None, "stage3_gather_fp16_weights_on_model_save": False}


@builder(order=20)
def zero(ctx: Ctx) -> dict[str, Any]:
    t = ctx.target
    z = ctx.dump("zero_optimization")
    stage = z["stage"]
    migrated = {m.old.split(":")[0] for m in ctx.migrations}
    for name, default in DEPRECATED_ZERO.items():
        if f"zero_optimization.{name}" not in migrated:
            z[name] = default
    if z.get("overlap_comm") is None:
        z["overlap_comm"] = stage == 3
    for off in ("offload_param", "offload_optimizer"):
        sub = z.get(off)
        if sub is not None and off == "offload_optimizer":
            # derived by DeepSpeed's validator (0.7.7: a field; 0.19: written into the model's __dict__)
            sub["pipeline"] = bool(sub["pipeline_read"] or sub["pipeline_write"])
    opt = z.get("offload_optimizer")
    if t >= V0196:
        if z["reduce_bucket_size"] == 0:
            ctx.error("zero_optimization.reduce_bucket_size", "is out of range", value=0, expected="a value > 0",
                      code="range")
        if opt is not None and opt["ratio"] < 1.0 and stage != 3:
            ctx.error("zero_optimization.offload_optimizer.ratio", "partial offloading (ratio < 1) needs ZeRO stage 3",
                      value=opt["ratio"], expected="zero_optimization.stage 3 or ratio 1.0", code="conflict")
        if t >= V0198 and not z["compute_grad_norm"] and stage not in (1, 2):
            ctx.error("zero_optimization.compute_grad_norm", "false is supported only with ZeRO stage 1 or 2",
                      value=False, code="conflict")
        if stage == 3 and z["elastic_checkpoint"]:
            ctx.warn("ZeRO-3 elastic checkpointing is deprecated and no longer supported; use Universal Checkpointing")
        zen = z.get("zenflow")
        if zen is not None:
            upd = zen["update_interval"]
            if isinstance(upd, int) and upd < 1:
                ctx.error("zero_optimization.zenflow.update_interval", "must be at least 1 when a number",
                          value=upd, code="range")
            # ZenFlowConfig.steps_per_epoch: a field set at run time and declared exclude=True (not in the dump)
            z["zenflow"] = ExtraSection(zen, "ZenFlowConfig", {"steps_per_epoch": None})
        leaf = z.get("leaf_module")
        if leaf is not None:
            for k in ("classes", "names", "name_suffixes"):
                leaf[k] = list(dict.fromkeys(str(x) for x in leaf[k]))
    out: dict[str, Any] = {
        "zero_config": Section(z, "DeepSpeedZeroConfig"),
        "zero_optimization_stage": stage,
        "zero_enabled": stage > 0,
    }
    if V0196 <= t < V0198:
        out["mics_shard_size"] = z["mics_shard_size"]
        out["mics_hierarchial_params_gather"] = z["mics_hierarchical_params_gather"]
    _zero_checks(ctx, z)
    return out


def _zero_checks(ctx: Ctx, z: dict[str, Any]) -> None:
    """What DeepSpeed only finds at initialize, and settings it silently ignores."""
    stage = z["stage"]
    for off in ("offload_param", "offload_optimizer"):
        sub = z.get(off)
        if sub is None:
            continue
        if sub["device"] == "nvme" and not sub.get("nvme_path"):
            ctx.stricter(f"zero_optimization.{off}.nvme_path", "device is nvme but nvme_path is not set",
                         reason="DeepSpeed fails at initialize (swapping needs a directory)",
                         expected="a directory on an NVMe drive", code="initialize")
    param = z.get("offload_param")
    if param is not None and param["device"] != "none" and stage != 3:
        ctx.ignored("zero_optimization.offload_param",
                    f"parameter offload only works at ZeRO stage 3 (stage is {stage}); DeepSpeed ignores it")
    opt = z.get("offload_optimizer")
    if opt is not None and opt["device"] != "none" and stage == 0:
        ctx.ignored("zero_optimization.offload_optimizer",
                    "optimizer offload needs ZeRO stage 1-3 (stage is 0); DeepSpeed ignores it")
