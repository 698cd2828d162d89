"""``data_efficiency_enabled`` / ``data_efficiency_config`` (0.19.x), ``autotuning_config`` (all) and ``nebula_config``
(0.7.7, 0.19.6).

``data_efficiency_config`` is the dict ``runtime/data_pipeline/config.py`` builds: ``data_sampling``,
``dynamic_batching`` and enabled ``curriculum_learning`` / ``random_ltd`` blocks are copied with every key given,
then DeepSpeed's own keys are set over them.
"""

from __future__ import annotations

from typing import Any

from ..._section import Section
from .._context import Ctx, builder

_ABSENT: Any = object()
_DE = "data_efficiency"


def _crash(ctx: Ctx, path: str, value: Any) -> None:
    ctx.error(
        path,
        f"DeepSpeed {ctx.target} crashes on this block unless it is a mapping (remove it for defaults)",
        value=value,
        code="ds_crash",
    )


def _block(ctx: Ctx, parent: dict[str, Any], name: str, path: str) -> dict[str, Any] | None:
    """A sub-block DeepSpeed reads with ``.get``: absent -> {}, non-mapping -> crash (None)."""
    value = parent.get(name, {})
    if isinstance(value, dict):
        return value
    _crash(ctx, f"{path}.{name}", value)
    return None


def _get(ctx: Ctx, given: dict[str, Any], path: str, name: str) -> Any:
    return given[name] if name in given else ctx.default(f"{path}.{name}")


def _curriculum(ctx: Ctx, block: dict[str, Any], path: str) -> dict[str, Any]:
    enabled = _get(ctx, block, path, "enabled")
    out: dict[str, Any] = {"enabled": enabled}
    if enabled:
        if "curriculum_metrics" not in block:
            ctx.error(f"{path}.curriculum_metrics", "is required when curriculum learning is enabled", code="missing")
        elif block["curriculum_metrics"] is None:
            ctx.stricter(
                f"{path}.curriculum_metrics",
                "is null but curriculum learning needs its metrics",
                reason="DeepSpeed only checks that the key exists; the data sampler fails later",
            )
        out.update({k: v for k, v in block.items() if k != "enabled"})
    return out


def _as_int(ctx: Ctx, path: str, value: Any) -> Any:
    # DeepSpeed applies int() to these copied-through keys.
    try:
        return int(value)
    except (TypeError, ValueError):
        ctx.error(
            path,
            f"DeepSpeed {ctx.target} applies int() to this value and crashes",
            value=value,
            expected="an integer",
            code="ds_crash",
        )
        return value


def _dynamic_batching(ctx: Ctx, block: dict[str, Any], path: str) -> dict[str, Any]:
    out = dict(block)
    out["enabled"] = bool(_get(ctx, block, path, "enabled"))
    out["lr_scaling_method"] = str(_get(ctx, block, path, "lr_scaling_method"))
    out["min_batch_size"] = _as_int(ctx, f"{path}.min_batch_size", _get(ctx, block, path, "min_batch_size"))
    # max_batch_size / max_tokens are not schema fields (copied as given); DeepSpeed defaults the first to None.
    out["max_batch_size"] = (
        _as_int(ctx, f"{path}.max_batch_size", block["max_batch_size"]) if ("max_batch_size" in block) else None
    )
    out["sequence_picking_order"] = str(_get(ctx, block, path, "sequence_picking_order"))
    if out["enabled"]:
        if "max_tokens" not in block:
            ctx.error(f"{path}.max_tokens", "is required when dynamic batching is enabled", code="missing")
        else:
            out["max_tokens"] = _as_int(ctx, f"{path}.max_tokens", block["max_tokens"])
    out["verbose"] = bool(_get(ctx, block, path, "verbose"))
    return out


def _random_ltd(ctx: Ctx, block: dict[str, Any], path: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "enabled": ctx.default(f"{path}.enabled"),
        "layer_token_lr_schedule": {"enabled": ctx.default(f"{path}.layer_token_lr_schedule.enabled")},
    }
    enabled = _get(ctx, block, path, "enabled")
    if enabled:
        out["enabled"] = enabled
        out.update({k: v for k, v in block.items() if k != "enabled"})
    return out


@builder(order=85, memo=True)
def data_efficiency(ctx: Ctx) -> dict[str, Any]:
    if not ctx.field(_DE).known_in(ctx.target):
        return {}
    given = ctx.raw(_DE, _ABSENT)
    if given is _ABSENT:
        given = {}
    elif not isinstance(given, dict):
        _crash(ctx, _DE, given)
        return {}
    enabled = _get(ctx, given, _DE, "enabled")
    config: dict[str, Any] = {"enabled": enabled, "seed": _get(ctx, given, _DE, "seed")}

    sp = f"{_DE}.data_sampling"
    sampling = _block(ctx, given, "data_sampling", _DE)
    if sampling is not None:
        out = dict(sampling)
        for k in ("enabled", "num_epochs", "num_workers", "pin_memory"):
            out[k] = _get(ctx, sampling, sp, k)
        curriculum = _block(ctx, sampling, "curriculum_learning", sp)
        if curriculum is not None:
            out["curriculum_learning"] = _curriculum(ctx, curriculum, f"{sp}.curriculum_learning")
        batching = _block(ctx, sampling, "dynamic_batching", sp)
        if batching is not None:
            out["dynamic_batching"] = _dynamic_batching(ctx, batching, f"{sp}.dynamic_batching")
        config["data_sampling"] = out

    rp = f"{_DE}.data_routing"
    routing = _block(ctx, given, "data_routing", _DE)
    if routing is not None:
        ltd = _block(ctx, routing, "random_ltd", rp)
        config["data_routing"] = {"enabled": _get(ctx, routing, rp, "enabled")}
        if ltd is not None:
            config["data_routing"]["random_ltd"] = _random_ltd(ctx, ltd, f"{rp}.random_ltd")
    return {"data_efficiency_enabled": enabled, "data_efficiency_config": config}


@builder(order=65, memo=True)
def autotuning(ctx: Ctx) -> dict[str, Any]:
    given = ctx.raw("autotuning", {})
    if not isinstance(given, dict):
        _crash(ctx, "autotuning", given)
        return {}
    dump = ctx.dump("autotuning")
    for k in ("results_dir", "exps_dir"):
        if not dump[k]:
            ctx.error(f"autotuning.{k}", "cannot be empty", value=dump[k], expected="a directory name", code="range")
    # Attributes of DeepSpeedAutotuningConfig that no JSON key sets (the autotuner fills them in).
    dump["start_step"] = None
    dump["end_step"] = None
    return {"autotuning_config": Section(dump, "DeepSpeedAutotuningConfig")}


@builder(order=95, memo=True)
def nebula(ctx: Ctx) -> dict[str, Any]:
    if not ctx.field("nebula").known_in(ctx.target):
        return {}
    given = ctx.raw("nebula", {})
    if not isinstance(given, dict):
        _crash(ctx, "nebula", given)
        return {}
    return {"nebula_config": Section(ctx.dump("nebula"), "DeepSpeedNebulaConfig")}
