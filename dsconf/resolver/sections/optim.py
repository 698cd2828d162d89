"""optimizer, scheduler, zero_allow_untested_optimizer, zero_force_ds_cpu_optimizer -> DeepSpeed's attributes.

DeepSpeed keeps ``optimizer.params`` / ``scheduler.params`` as the user's dict and hands it to the class it builds at
``initialize``; the checks that class or the engine makes there are reported as :meth:`Ctx.stricter`.
"""

from __future__ import annotations

import difflib
from typing import Any

from ..._releases import Release
from ...schema._spec import SectionSpec
from ...schema.optim import TORCH_LR_SCHEDULER_NAMES, TORCH_OPTIM_NAMES
from .._context import Ctx, builder

_AT_INIT = "DeepSpeed accepts this when it parses the config and fails in deepspeed.initialize"


# -- helpers shared with the legacy builders ------------------------------------------------------------------------


def ships_in(spec: SectionSpec, target: Release) -> bool:
    """Whether ``target`` has the optimizer / schedule a params class describes (its section-level added/removed)."""
    key = (spec.cls, target.parts)
    ships = _SHIPS.get(key)
    if ships is None:
        meta: dict[str, Any] = getattr(spec.cls, "__dsconf__", {})
        added, removed = meta.get("added"), meta.get("removed")
        ships = _SHIPS[key] = (added is None or target >= added) and (removed is None or target < removed)
    return ships


_SHIPS: dict[tuple[type, tuple[int, ...]], bool] = {}


def passed(data: dict[str, Any], spec: SectionSpec | None) -> dict[str, Any]:
    """``data`` without the keys a composed config holds as null meaning "not passed" (schema default null).

    Nested sections are cleaned the same way; keys the schema does not know are kept as given.
    """
    if spec is None:
        return dict(data)
    out: dict[str, Any] = {}
    for k, v in data.items():
        f = spec.lookup.get(k)
        if f is None:
            out[k] = v
        elif v is None and f.default is None:
            continue
        elif f.section is not None and isinstance(v, dict):
            out[k] = passed(v, f.section.variant(v))
        else:
            out[k] = v
    return out


def _variants(ctx: Ctx, path: str) -> dict[str, SectionSpec]:
    return ctx.field(path).variants or {}


def _stage(ctx: Ctx) -> int:
    stage = ctx.attrs.get("zero_optimization_stage")
    if stage is None:
        stage = ctx.raw("zero_optimization.stage", 0)
    try:
        return int(stage)
    except (TypeError, ValueError):
        return 0


def _fp16_enabled(ctx: Ctx) -> bool:
    if "fp16_enabled" in ctx.attrs:
        return bool(ctx.attrs["fp16_enabled"])
    f16 = ctx.attrs.get("float16_config")
    if f16 is not None:
        return bool(f16["enabled"])
    return bool(ctx.raw("fp16.enabled", False))


def _dynamic_loss_scale(ctx: Ctx) -> bool:
    """The engine's ``dynamic_loss_scale()``: the config's loss_scale is 0."""
    if "loss_scale" in ctx.attrs:  # 0.7.7 attribute
        return bool(ctx.attrs["loss_scale"] == 0)
    f16 = ctx.attrs.get("float16_config")
    if f16 is not None:
        return bool(f16["loss_scale"] == 0)
    if ctx.target < "0.19.6":
        # 0.7.7 get_loss_scale: fp16's loss_scale when fp16 is on, 1.0 (static) when bf16 is on, else 0
        if _fp16_enabled(ctx):
            return bool(ctx.raw("fp16.loss_scale", 0) == 0)
        bf16 = ctx.raw("bf16", ctx.raw("bfloat16", {}))
        return not (isinstance(bf16, dict) and bool(bf16.get("enabled", False)))
    return bool(ctx.raw("fp16.loss_scale", 0) == 0)


def _suggest(name: str, names: list[str]) -> tuple[str, ...]:
    folded = [n for n in names if n.lower() == name.lower()]
    return tuple(folded) or tuple(difflib.get_close_matches(name, names, n=2, cutoff=0.6))


# -- optimizer ------------------------------------------------------------------------------------------------------


def _optimizer(ctx: Ctx, out: dict[str, Any]) -> None:
    t = ctx.target
    section = ctx.raw("optimizer")
    section = section if isinstance(section, dict) else {}
    name = section.get("type")
    table = _variants(ctx, "optimizer.params")
    own = {k: s for k, s in table.items() if ships_in(s, t)}  # this release's DEEPSPEED_OPTIMIZERS

    if name is not None and str(name).lower() in own:
        out["optimizer_name"] = str(name).lower()  # DeepSpeed lower-cases only its own optimizer names
    else:
        out["optimizer_name"] = name

    params = _params(ctx, "optimizer", section, name, table)
    out["optimizer_params"] = params
    out["optimizer_legacy_fusion"] = ctx.value("optimizer.legacy_fusion")

    if isinstance(params, dict) and "max_grad_norm" in params:
        _max_grad_norm(ctx, params)
    if name is not None:
        _optimizer_at_init(ctx, str(name), out["optimizer_name"], table, own, params)


def _max_grad_norm(ctx: Ctx, params: dict[str, Any]) -> None:
    path = "optimizer.params.max_grad_norm"
    value = params["max_grad_norm"]
    if isinstance(value, (int, float)):
        if value > 0:
            if ctx.target < "0.19.6":
                if _fp16_enabled(ctx):
                    ctx.warn(
                        f"DeepSpeedConfig: In FP16 mode, DeepSpeed will pass max_grad_norm:{value} to FP16 wrapper"
                    )
                else:
                    ctx.warn(
                        f"DeepSpeedConfig: In FP32 mode, DeepSpeed does not permit MAX_GRAD_NORM ({value}) > 0, "
                        "setting to zero"
                    )
                    params["max_grad_norm"] = 0.0  # DeepSpeed 0.7.7 writes this into the user's params dict
            else:
                ctx.warn(
                    f"DeepSpeedConfig: max_grad_norm ({value}) is not supported as an optimizer parameter, please "
                    "switch to using the deepspeed parameter 'gradient_clipping' see: "
                    "https://www.deepspeed.ai/docs/config-json/#gradient-clipping for more details"
                )
    elif value is not None:
        ctx.error(path, f"DeepSpeed {ctx.target} crashes comparing it with 0 (TypeError)", value=value,
                  expected="a number (better: remove it and use gradient_clipping)", code="ds_crash")
        return
    ctx.stricter(
        path,
        "'max_grad_norm' is not supported as an optimizer parameter; use the top-level gradient_clipping",
        reason=_AT_INIT + " (ValueError) whenever params has max_grad_norm, whatever its value",
        value=value,
    )


def _optimizer_at_init(
    ctx: Ctx,
    given: str,
    name: str,
    table: dict[str, SectionSpec],
    own: dict[str, SectionSpec],
    params: Any,
) -> None:
    t = ctx.target
    path = "optimizer.type"
    if name not in own and name not in TORCH_OPTIM_NAMES:
        if given.lower() in table:
            meta: dict[str, Any] = getattr(table[given.lower()].cls, "__dsconf__", {})
            when = (f"was added in DeepSpeed {meta['added']}" if meta.get("added") and t < Release(meta["added"])
                    else f"was removed in DeepSpeed {meta.get('removed')}")
            message = f"{given} is not a supported DeepSpeed Optimizer in DeepSpeed {t} (it {when})"
        else:
            message = f"{given} is not a supported DeepSpeed Optimizer (nor a torch.optim class)"
        ctx.stricter(path, message, reason=_AT_INIT + " (AssertionError)", value=given,
                     suggestions=_suggest(given, sorted(own) + list(TORCH_OPTIM_NAMES)))
        return
    static_only = ("lamb",) if t >= Release("0.19.7") else ("lamb", "onebitlamb")
    if name in static_only and not _dynamic_loss_scale(ctx):
        ctx.stricter(path, f"DeepSpeed {name} optimizer requires dynamic loss scaling (fp16.loss_scale 0)",
                     reason=_AT_INIT + " (AssertionError)", value=given)
    onebit = {"onebitadam": "1bit-Adam", "zerooneadam": "0/1 Adam", "onebitlamb": "1bit-Lamb"}
    if name in onebit and name in own and _stage(ctx) > 0:
        ctx.stricter(path, f"{onebit[name]} is not compatible with ZeRO", reason=_AT_INIT + " (AssertionError)",
                     value=given)
    if name == "adagrad" and t >= Release("0.19.6") and isinstance(params, dict):
        for k in ("torch_adam", "adam_w_mode"):
            if k in params:
                ctx.stricter(f"optimizer.params.{k}",
                             f"DeepSpeed {t} does not pop '{k}' for Adagrad; the optimizer refuses the argument",
                             reason=_AT_INIT + " (TypeError)", value=params[k])


# -- scheduler ------------------------------------------------------------------------------------------------------


def _params(ctx: Ctx, block: str, section: dict[str, Any], name: Any, table: dict[str, SectionSpec]) -> Any:
    """``<block>.params`` as DeepSpeed keeps it (None without a type), with not-passed keys dropped."""
    params: Any = None
    if name is not None and "params" in section:
        params = section["params"]
        if isinstance(params, dict):
            # written back: what DeepSpeed is given (to_dict) must equal what it keeps, and 0.7.7 edits it
            section["params"] = params = passed(params, table.get(str(name).lower()))
    elif name is None and section.get("params"):
        ctx.ignored(f"{block}.params", f"DeepSpeed ignores {block}.params when {block}.type is not set")
    return params


def _scheduler(ctx: Ctx, out: dict[str, Any]) -> None:
    t = ctx.target
    section = ctx.raw("scheduler")
    section = section if isinstance(section, dict) else {}
    name = section.get("type")
    table = _variants(ctx, "scheduler.params")
    out["scheduler_name"] = name  # verbatim: DeepSpeed looks schedules up by exact class name
    params = _params(ctx, "scheduler", section, name, table)
    out["scheduler_params"] = params
    if name is None:
        return

    own = {
        str(getattr(s.cls, "__dsconf__", {}).get("name")): s for s in table.values() if ships_in(s, t)
    }
    if name not in own and name not in TORCH_LR_SCHEDULER_NAMES:
        spec = table.get(str(name).lower())
        canonical = str(getattr(spec.cls, "__dsconf__", {}).get("name")) if spec is not None else None
        if canonical is not None and canonical != name:
            message = f"DeepSpeed does not recognize LR scheduler {name} (names are case-sensitive)"
        elif canonical is not None:
            message = f"DeepSpeed does not recognize LR scheduler {name}: DeepSpeed {t} does not have it"
        else:
            message = f"DeepSpeed does not recognize LR scheduler {name}"
        ctx.stricter("scheduler.type", message, reason=_AT_INIT + " (AssertionError)", value=name,
                     suggestions=_suggest(str(name), sorted(own) + list(TORCH_LR_SCHEDULER_NAMES)))
        return
    if name not in own:
        return
    given = params if isinstance(params, dict) else {}
    required = {"OneCycle": ("cycle_min_lr", "cycle_max_lr"), "WarmupDecayLR": ("total_num_steps",),
                "WarmupCosineLR": ("total_num_steps",)}.get(name, ())
    for k in required:
        if given.get(k) is None:
            ctx.stricter(f"scheduler.params.{k}", f"{name} needs '{k}'", reason=_AT_INIT + " (TypeError)",
                         expected="a value")
    steps = given.get("warmup_num_steps")
    if t >= Release("0.19.6") and name.startswith("Warmup") and steps is not None and steps != "auto":
        if isinstance(steps, bool) or not isinstance(steps, int) or steps <= 0:
            ctx.stricter("scheduler.params.warmup_num_steps",
                         f"warmup_num_steps must be a positive integer, got {steps}",
                         reason=_AT_INIT + " (ValueError)", value=steps, expected="an integer > 0")


@builder(order=50)
def optimization(ctx: Ctx) -> dict[str, Any]:
    """DeepSpeed's optimizer_* / scheduler_* / zero_*_optimizer attributes."""
    out: dict[str, Any] = {}
    _optimizer(ctx, out)
    out["zero_allow_untested_optimizer"] = ctx.value("zero_allow_untested_optimizer")
    if ctx.field("zero_force_ds_cpu_optimizer").known_in(ctx.target):
        out["zero_force_ds_cpu_optimizer"] = ctx.value("zero_force_ds_cpu_optimizer")
    _scheduler(ctx, out)
    return out
