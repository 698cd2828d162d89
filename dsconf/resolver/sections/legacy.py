"""sparse_attention, amp, progressive_layer_drop, legacy curriculum_learning, eigenvalue/quantize_training.

DeepSpeed 0.19.7 removed all of these (its DeepSpeedConfig has none of the attributes; the loader refuses the
blocks), so for 0.19.8 this builder returns nothing.
"""

from __future__ import annotations

from typing import Any

from ..._releases import Release
from ...schema.legacy import CURRICULUM_SCHEDULE_TYPES, SPARSE_ATTENTION_MODES
from .._context import Ctx, builder
from .compression import quantize_enabled
from .optim import passed

_REMOVED = Release("0.19.7")
_AT_INIT = "DeepSpeed accepts this when it parses the config and fails in deepspeed.initialize"


def _enabled_block(ctx: Ctx, path: str) -> tuple[Any, Any]:
    """DeepSpeed's get_<x>_enabled / get_<x>_params: (enabled, the block minus 'enabled'); (False, False) if absent.

    DeepSpeed pops 'enabled' without a default, so a block without it crashes the parse with KeyError.
    """
    block = ctx.raw(path)
    if not isinstance(block, dict):
        return False, False
    if "enabled" not in block:
        ctx.error(f"{path}.enabled", f"DeepSpeed {ctx.target} crashes with KeyError: 'enabled' when the '{path}' "
                  "block does not set 'enabled' (it pops the key without a default)",
                  expected="'enabled': true or false", code="ds_crash")
    spec = ctx.field(path).section
    params = passed({k: v for k, v in block.items() if k != "enabled"}, spec)
    return block.get("enabled", False), params


def _sparse_attention(ctx: Ctx) -> dict[str, Any] | None:
    block = ctx.raw("sparse_attention")
    if not isinstance(block, dict):
        return None
    mode = block.get("mode", ctx.default("sparse_attention.mode"))
    if mode not in SPARSE_ATTENTION_MODES:  # DeepSpeed compares the mode case-sensitively
        ctx.error("sparse_attention.mode", f"Given sparsity mode, {mode}, has not been implemented yet!",
                  value=mode, expected="one of " + ", ".join(SPARSE_ATTENTION_MODES), code="choice")
        return None
    return ctx.dump("sparse_attention")


def _pld(ctx: Ctx, out: dict[str, Any]) -> None:
    enabled, params = _enabled_block(ctx, "progressive_layer_drop")
    out["pld_enabled"], out["pld_params"] = enabled, params
    if enabled and isinstance(params, dict):
        for k in ("theta", "gamma"):
            if k not in params:
                ctx.stricter(f"progressive_layer_drop.{k}", f"the engine reads pld_params()['{k}'] when PLD is on",
                             reason=_AT_INIT + " (KeyError)", expected="a number")


def _curriculum(ctx: Ctx, out: dict[str, Any]) -> None:
    t = ctx.target
    enabled, params = _enabled_block(ctx, "curriculum_learning")
    names = ("curriculum_enabled", "curriculum_params") if t < Release("0.19.6") else (
        "curriculum_enabled_legacy", "curriculum_params_legacy")
    out[names[0]], out[names[1]] = enabled, params
    if not (enabled and isinstance(params, dict)):
        return
    for k in ("curriculum_type", "min_difficulty", "max_difficulty", "schedule_type"):
        if k not in params:
            ctx.stricter(f"curriculum_learning.{k}", f"Curriculum learning requires the config '{k}'",
                         reason=_AT_INIT + (" (KeyError in forward)" if k == "curriculum_type" and t >= Release(
                             "0.19.6") else " (AssertionError)"), expected="a value")
    kind = params.get("schedule_type")
    if kind is None:
        return
    known = [n for n, since in CURRICULUM_SCHEDULE_TYPES.items() if since is None or t >= Release(since)]
    if kind not in known:
        ctx.stricter("curriculum_learning.schedule_type", "Unsupported curriculum schedule type",
                     reason=_AT_INIT + " (RuntimeError)", value=kind, expected="one of " + ", ".join(known))
        return
    needs = {"fixed_discrete": ("difficulty", "max_step"),
             "fixed_root": ("total_curriculum_step", "difficulty_step", "root_degree"),
             "fixed_linear": ("total_curriculum_step", "difficulty_step")}.get(kind, ())
    sched = params.get("schedule_config")
    sched = sched if isinstance(sched, dict) else {}
    for k in needs:
        if k not in sched:
            ctx.stricter(f"curriculum_learning.schedule_config.{k}",
                         f"Curriculum learning with {kind} schedule requires the schedule_config '{k}'",
                         reason=_AT_INIT + " (AssertionError)", expected="a value")
    if kind == "fixed_discrete" and all(k in sched for k in needs):
        diff, steps = sched["difficulty"], sched["max_step"]
        if not (diff and steps and len(diff) == len(steps) + 1):
            ctx.stricter("curriculum_learning.schedule_config.difficulty",
                         "fixed_discrete needs non-empty lists with len(difficulty) == len(max_step) + 1",
                         reason=_AT_INIT + " (AssertionError)", value=diff)


def _eigenvalue(ctx: Ctx, out: dict[str, Any]) -> None:
    t = ctx.target
    quantize = quantize_enabled(ctx)
    values = ctx.dump("", ctx.field("quantize_training.eigenvalue").section, {})  # the defaults
    if ctx.given("eigenvalue"):
        ctx.ignored("eigenvalue", "DeepSpeed never reads a top-level 'eigenvalue' block "
                    "(0.19.x reads quantize_training.eigenvalue when compression quantization is on)")
    if t < Release("0.19.6"):
        # quantize on: 0.7.7 crashes on an undefined name (NameError), reported by the compression builder
        if ctx.given("quantize_training"):
            ctx.ignored("quantize_training", "DeepSpeed 0.7.7 does not read the quantize_training block")
    else:
        block = ctx.raw("quantize_training")
        if isinstance(block, dict):
            if quantize:
                values = ctx.dump("quantize_training.eigenvalue")
                if values["eigenvalue_enabled"]:
                    ctx.error("quantize_training.eigenvalue.enabled", "Eigenvalue based MoQ is temporarily disabled",
                              value=values["eigenvalue_enabled"], expected="false")
            else:
                ctx.ignored("quantize_training", "DeepSpeed reads quantize_training.eigenvalue only when "
                            "compression_training.shared_parameters.enabled is true")
            extra = sorted(k for k in block if k != "eigenvalue")
            if extra:
                ctx.ignored("quantize_training", "DeepSpeed ignores these keys: " + ", ".join(extra))
    out.update(values)


@builder(order=60)
def legacy(ctx: Ctx) -> dict[str, Any]:
    """amp_*, eigenvalue_*, sparse_attention, pld_*, curriculum_* (curriculum_*_legacy in 0.19.x)."""
    out: dict[str, Any] = {}
    if ctx.target >= _REMOVED:
        return out
    out["amp_enabled"], out["amp_params"] = _enabled_block(ctx, "amp")
    _eigenvalue(ctx, out)
    out["sparse_attention"] = _sparse_attention(ctx)
    _pld(ctx, out)
    _curriculum(ctx, out)
    return out
