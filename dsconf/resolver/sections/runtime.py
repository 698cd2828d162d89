"""Runtime sections: activation checkpointing, aio, checkpoint, data_types, pipeline, hybrid engine, compile, timers,
tensor/expert parallelism, weight quantization and DataStates, per target release.

Canonical forms (what each attribute, or its view's ``model_dump()``, equals on DeepSpeed's side):

* plain dicts stay dicts (``aio_config``, ``pipeline``, ``checkpoint_config``); plain config objects
  (``activation_checkpointing_config``, ``datastates_config``) are ``vars(obj)``; pydantic models are ``model_dump()``.
* torch dtypes are their ``str``: ``tensor_parallel_config.dtype`` dumps as ``"torch.float16"`` (as DeepSpeed's own
  ``field_serializer`` does); the attribute itself is a :class:`~dsconf._section.Dtype` that builds the torch dtype
  when read. ``data_types`` values are DeepSpeed's raw strings (it converts them only at initialize).
* Python-object fields (``tensor_parallel.tp.mpu``, ``tp_group``) are ``None``, DeepSpeed's default.
* tuples dump as lists (``injection_policy_tuple``; the attribute itself is a tuple, as in DeepSpeed).
* ``expert_parallel_config`` stands in for the ``AutoEPConfig`` dataclass: its public fields, except that
  ``expert_w3`` is left out when it is absent or null (DeepSpeed's private ``_UNSET`` sentinel: "the preset's
  choice"); the private ``_load_balance_coeff_explicit`` is left out.
* ``datastates_config``: a null ``datastates_ckpt`` counts as absent (DeepSpeed would call a literal null enabled).
"""

from __future__ import annotations

import copy
import os
import sys
from typing import Any

from ..._releases import Release
from ..._section import Dtype, Section
from ...schema.runtime import COMPILE_PASSES, DTYPE_NAMES
from .._context import Ctx, builder

_HYBRID_GT0 = Release("0.19.8")  # HybridEngineConfig.max_out_tokens gained Field(gt=0) after 0.19.6


def _known(ctx: Ctx, path: str) -> bool:
    """Whether the target release reads this key (from the schema's added/removed)."""
    return ctx.field(path).known_in(ctx.target)


def accelerator_name() -> str:
    """The accelerator DeepSpeed's ``get_accelerator()`` would pick here, without importing torch.

    ``DS_ACCELERATOR`` wins, as in DeepSpeed; else torch's view if torch is already imported; else an NVIDIA driver
    means CUDA. Set ``DS_ACCELERATOR=cuda`` to plan a GPU job on a CPU-only machine.
    """
    name = os.environ.get("DS_ACCELERATOR")
    if name:
        return name
    torch: Any = sys.modules.get("torch")
    if torch is not None:
        try:
            return "cuda" if torch.cuda.device_count() > 0 and torch.cuda.is_available() else "cpu"
        except Exception:  # a broken CUDA setup: DeepSpeed falls back to cpu as well
            return "cpu"
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return "cpu"
    return "cuda" if os.path.exists("/proc/driver/nvidia/version") else "cpu"


@builder(order=30, memo=True)  # right after zero_optimization in DeepSpeed's _initialize_params
def activation_checkpointing(ctx: Ctx) -> dict[str, Any]:
    return {
        "activation_checkpointing_config": Section(
            ctx.dump("activation_checkpointing"), "DeepSpeedActivationCheckpointingConfig"
        )
    }


@builder(order=70, memo=True)  # hybrid_engine ... expert_parallel close DeepSpeed's _initialize_params
def runtime(ctx: Ctx) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if _known(ctx, "hybrid_engine"):
        out["hybrid_engine"] = _hybrid_engine(ctx)
    out["pipeline"] = ctx.dump("pipeline")
    _pipeline_checks(ctx, out["pipeline"])
    out.update(_checkpoint(ctx))
    out.update(_data_types(ctx))
    out["aio_config"] = _aio(ctx)
    if _known(ctx, "datastates_ckpt"):
        value = ctx.raw("datastates_ckpt")
        # DeepSpeed: present = enabled; a null here is absent (composed configs are pruned of null sections, and the
        # checker refuses a JSON null, which DeepSpeed would take as present)
        out["datastates_config"] = Section(
            {"enabled": value is not None, "config": copy.deepcopy(value)},
            "DeepSpeedDataStatesConfig",
        )
    if _known(ctx, "checkpoint.checkpoint_serialization"):
        out["checkpoint_config"] = _checkpoint_config(ctx)
    if _known(ctx, "weight_quantization"):
        wq = ctx.raw("weight_quantization")
        out["weight_quantization_config"] = (
            None if wq is None else Section(ctx.dump("weight_quantization"), "WeightQuantConfig")
        )
    if _known(ctx, "compile"):
        out["compile_config"] = _compile(ctx)
    if _known(ctx, "timers"):
        out["timers_config"] = Section(ctx.dump("timers.throughput"), "DeepSpeedThroughputTimerConfig")
    if _known(ctx, "tensor_parallel"):
        out["tensor_parallel_config"] = _tensor_parallel(ctx)
    if _known(ctx, "expert_parallel"):
        out["expert_parallel_config"] = _expert_parallel(ctx)
    return out


def _hybrid_engine(ctx: Ctx) -> Section:
    he = ctx.dump("hybrid_engine")
    tokens = he["max_out_tokens"]
    if ctx.target >= _HYBRID_GT0 and isinstance(tokens, int) and tokens <= 0:
        ctx.error(
            "hybrid_engine.max_out_tokens",
            "must be greater than 0",
            value=tokens,
            expected="an integer > 0",
            code="range",
        )
    return Section(he, "HybridEngineConfig")


def _pipeline_checks(ctx: Ctx, pipe: dict[str, Any]) -> None:
    stages = pipe["stages"]
    if stages != "auto" and (isinstance(stages, bool) or not isinstance(stages, int) or stages < 1):
        ctx.stricter(
            "pipeline.stages",
            'must be a positive number of stages or "auto"',
            value=stages,
            expected='an integer >= 1 or "auto"',
            code="type",
            reason="DeepSpeed copies pipeline keys unchecked and fails when it builds the pipeline",
        )


def _checkpoint(ctx: Ctx) -> dict[str, Any]:
    mode = ctx.value("checkpoint.tag_validation")
    modes = ctx.field("checkpoint.tag_validation").info.choices or ()
    upper = mode.upper() if isinstance(mode, str) else mode
    if upper not in modes:
        ctx.error(
            "checkpoint.tag_validation",
            f"Checkpoint config contains invalid tag_validation value of {upper}, expecting one of {list(modes)}",
            value=mode,
            expected="one of " + ", ".join(modes) + " (any case)",
            code="choice",
        )
    stage = ctx.value("checkpoint.parallel_write.pipeline_stage")
    if stage not in [True, False]:  # DeepSpeed's own test: 1 and 0 pass (and are kept as ints)
        ctx.error(
            "checkpoint.parallel_write.pipeline_stage",
            f"checkpoint::parallel_write::pipeline_stage value of '{stage}' is invalid, expecting: true or false",
            value=stage,
            expected="true or false",
            code="type",
        )
    return {
        "checkpoint_tag_validation_enabled": upper != "IGNORE",
        "checkpoint_tag_validation_fail": upper == "FAIL",
        "load_universal_checkpoint": ctx.value("checkpoint.load_universal"),
        "use_node_local_storage": ctx.value("checkpoint.use_node_local_storage"),
        "checkpoint_parallel_write_pipeline": stage,
    }


def _checkpoint_config(ctx: Ctx) -> dict[str, Any]:
    """``runtime/model_checkpointing/config.py``: upper-cased enums, asserted against their allowed values."""
    mode = ctx.value("checkpoint.tag_validation")
    writer: dict[str, Any] | None = None
    if ctx.raw("checkpoint.writer") is not None:
        writer = ctx.dump("checkpoint.writer")
        for name in ("type", "data_parallel"):
            value = writer[name]
            if isinstance(value, str):
                writer[name] = value = value.upper()
            allowed = ctx.field(f"checkpoint.writer.{name}").info.choices or ()
            if value is not None and value not in allowed:
                ctx.error(
                    f"checkpoint.writer.{name}",
                    f"writer contains invalid value {value} for {name}, expecting one of {list(allowed)}",
                    value=value,
                    expected="one of " + ", ".join(allowed) + " (any case)",
                    code="choice",
                )
    return {
        "tag_validation": mode.upper() if isinstance(mode, str) else mode,
        "checkpoint_serialization": ctx.value("checkpoint.checkpoint_serialization"),
        "writer": writer,
    }


def _data_types(ctx: Ctx) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("grad_accum_dtype", "param_dtype", "buffer_dtype"):
        path = f"data_types.{name}"
        if not _known(ctx, path):
            continue
        value = ctx.value(path)
        if value is not None and value not in DTYPE_NAMES:
            ctx.stricter(
                path,
                "is not a data type DeepSpeed knows",
                value=value,
                expected="one of " + ", ".join(DTYPE_NAMES),
                code="choice",
                reason="DeepSpeed stores the string and fails at initialize (DtypeEnum)",
            )
        out[name] = value
    path = "data_types.keep_in_fp32_modules"
    if _known(ctx, path):
        keep = ctx.value(path)
        if keep != "auto" and not (isinstance(keep, list) and all(isinstance(n, str) for n in keep)):
            ctx.error(
                path,
                'must be "auto" or a list of name patterns',
                value=keep,
                expected='"auto" or a list of strings',
                code="type",
            )
        out["keep_in_fp32_modules"] = copy.copy(keep)
    return out


def _aio(ctx: Ctx) -> dict[str, Any]:
    aio = ctx.dump("aio")
    if aio.get("use_gds"):
        name = accelerator_name()
        if name != "cuda":
            ctx.error(
                "aio.use_gds",
                "GDS currently only supported for CUDA accelerator",
                value=True,
                expected=f"false on this machine (DeepSpeed's accelerator here is {name!r}; "
                "set DS_ACCELERATOR=cuda to plan for a CUDA machine)",
                code="accelerator",
            )
    return aio


def _compile(ctx: Ctx) -> Section:
    comp = ctx.dump("compile")
    for i, p in enumerate(comp["passes"] or ()):
        if p not in COMPILE_PASSES:
            ctx.error(
                f"compile.passes[{i}]",
                "is not a DeepSpeed compile pass",
                value=p,
                expected="one of " + ", ".join(COMPILE_PASSES),
                code="choice",
            )
    return Section(comp, "CompileConfig")


def _tensor_parallel(ctx: Ctx) -> Section:
    tp = ctx.dump("tensor_parallel")
    # TPTrainingConfig.dtype: a torch.dtype JSON cannot express (an unknown key to the loader), so DeepSpeed's default
    tp = {"dtype": Dtype("fp16"), **tp}
    for name in ("mpu", "tp_group"):
        if ctx.raw(f"tensor_parallel.tp.{name}") is not None:
            ctx.stricter(
                f"tensor_parallel.tp.{name}",
                "is a Python object; a JSON config cannot carry one",
                value=ctx.raw(f"tensor_parallel.tp.{name}"),
                expected="null",
                code="type",
                reason="DeepSpeed stores any value and fails when it first uses it",
            )
    tp["tensor_parallel"] = Section(tp["tensor_parallel"], "TPConfig")
    if tp["injection_policy_tuple"] is not None:
        tp["injection_policy_tuple"] = tuple(tp["injection_policy_tuple"])  # pydantic coerces the list to a tuple
    return Section(tp, "TPTrainingConfig")


def _expert_parallel(ctx: Ctx) -> Section:
    ep = ctx.dump("expert_parallel")
    coeff = ep["load_balance_coeff"]
    if coeff is not None:
        ctx.error(
            "expert_parallel.load_balance_coeff",
            f"load_balance_coeff={coeff!r} is not supported in this AutoEP build (would register expert_bias "
            "and route through unsupported auxiliary-loss-free load balancing)",
            value=coeff,
            expected="null or omit the key",
            code="unsupported",
        )
    if ep["expert_w3"] is None:
        del ep["expert_w3"]  # DeepSpeed's _UNSET: take the preset's weight name
    return Section(ep, "AutoEPConfig")
