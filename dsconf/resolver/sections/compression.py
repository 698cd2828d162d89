"""``compression_config``: the dict ``deepspeed/compression/config.py`` builds (0.7.7, 0.19.6).

DeepSpeed's parser is quirky and the quirks are kept, because the engine reads this dict as is:
a technique that is *absent* is parsed as ``{shared_parameters: {}, different_groups: {}}``, but a technique that is
present without ``shared_parameters`` gets a shared dict without ``quantize_weight_in_forward``; a present
technique without ``different_groups`` crashes (KeyError) unless it is enabled, where an assertion fires first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ...schema.compression import (
    ActivationQuantizationGroupParams,
    CompressionGroup,
    PruningGroupParams,
    WeightQuantizationGroupParams,
)
from .._context import Ctx, builder

_ABSENT: Any = object()
_ROOT = "compression_training"
_SNIP = "snip_momentum"
_SNIP_KEYS = ("block_pattern", "dense_ratio", "schedule_offset_stride", "excluded_modules", "schedule_offset_end")


def _crash(ctx: Ctx, path: str, what: str, value: Any = _ABSENT) -> None:
    kw: dict[str, Any] = {} if value is _ABSENT else {"value": value}
    ctx.error(path, f"DeepSpeed {ctx.target} crashes here: {what}", code="ds_crash", **kw)


def _mapping(ctx: Ctx, path: str, value: Any) -> bool:
    """A section DeepSpeed reads with ``.keys()``/``.get()``: null (or any non-mapping) crashes it."""
    if isinstance(value, dict):
        return True
    _crash(ctx, path, "the block must be a mapping (remove the key to get the defaults)", value)
    return False


def _scalars(ctx: Ctx, path: str, given: dict[str, Any], *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Each scalar key of the section the target reads: the given value, else the schema default."""
    section = ctx.field(path).section
    assert section is not None, path
    out: dict[str, Any] = {}
    for f in section.fields.values():
        if f.section is not None or f.name in skip or not f.known_in(ctx.target):
            continue
        out[f.attr] = given[f.name] if f.name in given else f.default_for(ctx.target)
    return out


# -- shared parameters, one function per technique -------------------------------------------------------------------
def _weight_shared(ctx: Ctx, path: str, shared: Any) -> dict[str, Any] | None:
    fmq_path = f"{path}.fp16_mixed_quantize"
    if shared is _ABSENT:
        # DeepSpeed's "no shared_parameters" branch forgets quantize_weight_in_forward.
        out = _scalars(ctx, path, {}, skip=("quantize_weight_in_forward",))
        fmq: dict[str, Any] = {}
    else:
        if not _mapping(ctx, path, shared):
            return None
        out = _scalars(ctx, path, shared)
        fmq = shared.get("fp16_mixed_quantize", {})
        if not _mapping(ctx, fmq_path, fmq):
            return None
    mixed = _scalars(ctx, fmq_path, fmq)
    # The sub-block is flattened: its `enabled` becomes `fp16_mixed_quantize`.
    out["fp16_mixed_quantize"] = mixed["enabled"]
    out["quantize_change_ratio"] = mixed["quantize_change_ratio"]
    return out


def _simple_shared(ctx: Ctx, path: str, shared: Any) -> dict[str, Any] | None:
    if shared is _ABSENT:
        return _scalars(ctx, path, {}, skip=_SNIP_KEYS + ("num_heads",))
    if not _mapping(ctx, path, shared):
        return None
    return _scalars(ctx, path, shared, skip=_SNIP_KEYS + ("num_heads",))


def _sparse_shared(ctx: Ctx, path: str, shared: Any) -> dict[str, Any] | None:
    out = _simple_shared(ctx, path, shared)
    if out is None or shared is _ABSENT or out["method"] != _SNIP:
        return out
    if ctx.target < "0.19.6":
        ctx.error(
            f"{path}.method",
            f"DeepSpeed {ctx.target} knows the methods l1 and topk only",
            value=_SNIP,
            expected="l1 or topk (snip_momentum needs DeepSpeed >= 0.19.6)",
            code="choices",
        )
        return out
    snip = _scalars(ctx, path, shared)
    for k in _SNIP_KEYS:
        out[k] = snip[k]
    if out["schedule_offset_end"] is None:  # null means "same as schedule_offset"
        out["schedule_offset_end"] = out["schedule_offset"]
    ratio = out["dense_ratio"]
    if not 0 < ratio < 1:
        ctx.error(
            f"{path}.dense_ratio", "must lie strictly between 0 and 1", value=ratio, expected="0 < x < 1", code="range"
        )
    if out["schedule_offset"] > out["schedule_offset_end"]:
        ctx.error(
            f"{path}.schedule_offset_end",
            "must not be before schedule_offset",
            value=out["schedule_offset_end"],
            expected=f">= {out['schedule_offset']}",
            code="range",
        )
    return out


def _head_shared(ctx: Ctx, path: str, shared: Any) -> dict[str, Any] | None:
    out = _simple_shared(ctx, path, shared)
    if out is None or shared is _ABSENT or not out["enabled"]:
        return out
    if "num_heads" not in shared:
        ctx.error(
            f"{path}.num_heads", "is required when head pruning is enabled; give the heads per layer", code="missing"
        )
    elif shared["num_heads"] is None:
        ctx.stricter(
            f"{path}.num_heads",
            "is null but head pruning needs the heads per layer",
            reason="DeepSpeed only checks that the key exists; the engine fails later",
        )
    out["num_heads"] = shared.get("num_heads")
    return out


# -- different_groups ------------------------------------------------------------------------------------------------
def _params_spec(cls: type) -> tuple[list[str], dict[str, Any]]:
    """Required keys and defaults of a group-entry dataclass."""
    required: list[str] = []
    defaults: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            defaults[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            defaults[f.name] = f.default_factory()
        else:
            required.append(f.name)
    return required, defaults


def _groups(ctx: Ctx, path: str, groups: dict[str, Any], params_cls: type, label: str) -> dict[str, Any]:
    required, defaults = _params_spec(params_cls)
    entry_required, entry_defaults = _params_spec(CompressionGroup)
    out: dict[str, Any] = {}
    for name, entry in groups.items():
        gpath = f"{path}.{name}"
        if not isinstance(entry, dict):
            _crash(ctx, gpath, "a group must be a mapping {params: {...}, modules: [...]}", entry)
            continue
        if any(k not in entry for k in entry_required):
            _crash(ctx, f"{gpath}.params", f"every {label} group needs params (KeyError); add params: {{...}}")
            continue
        params = entry["params"]
        if not isinstance(params, dict):
            _crash(ctx, f"{gpath}.params", "params must be a mapping", params)
            continue
        for k in required:
            if k not in params:
                ctx.error(f"{gpath}.params.{k}", f"must be specified for {label} group {name}", code="missing")
        # DeepSpeed writes the filled-in defaults into the user's params dict and keeps every other key.
        full = {**params, **{k: v for k, v in defaults.items() if k not in params}}
        for k in entry:
            if k not in entry_defaults and k not in entry_required:
                ctx.ignored(f"{gpath}.{k}", "DeepSpeed ignores this key of a compression group")
        out[name] = {"params": full, **{k: entry.get(k, v) for k, v in entry_defaults.items()}}
    return out


SharedFn = Callable[[Ctx, str, Any], "dict[str, Any] | None"]

# technique -> (shared-parameters parser, group params class, words DeepSpeed's messages use)
_TECHNIQUES: dict[str, tuple[SharedFn, type, str]] = {
    "weight_quantization": (_weight_shared, WeightQuantizationGroupParams, "weight quantization"),
    "activation_quantization": (_simple_shared, ActivationQuantizationGroupParams, "activation quantization"),
    "sparse_pruning": (_sparse_shared, PruningGroupParams, "sparse pruning"),
    "row_pruning": (_simple_shared, PruningGroupParams, "row pruning"),
    "head_pruning": (_head_shared, PruningGroupParams, "head pruning"),
    "channel_pruning": (_simple_shared, PruningGroupParams, "channel pruning"),
}


def _technique(ctx: Ctx, name: str, section: Any) -> dict[str, Any]:
    path = f"{_ROOT}.{name}"
    parse_shared, params_cls, label = _TECHNIQUES[name]
    if section is _ABSENT:
        section = {"shared_parameters": {}, "different_groups": {}}  # what DeepSpeed inserts
    if not _mapping(ctx, path, section):
        return {}
    shared = parse_shared(ctx, f"{path}.shared_parameters", section.get("shared_parameters", _ABSENT))
    groups = section.get("different_groups", _ABSENT)
    gpath = f"{path}.different_groups"
    if groups is _ABSENT:
        # 0.19.6 lets snip_momentum go without groups (then still fails on the missing key below).
        method = shared.get("method") if shared else None
        snip = name == "sparse_pruning" and method == _SNIP and ctx.target >= "0.19.6"
        needs = bool(shared and shared["enabled"]) and not snip
        if needs:
            ctx.error(
                gpath,
                f"{name} is enabled, so different_groups must be given (the groups it applies to)",
                code="missing",
            )
        else:
            _crash(ctx, gpath, f"a {name} block without different_groups raises KeyError; add different_groups: {{}}")
        groups_out: dict[str, Any] = {}
    elif not _mapping(ctx, gpath, groups):
        groups_out = {}
    else:
        groups_out = _groups(ctx, gpath, groups, params_cls, label)
    return {"shared_parameters": shared or {}, "different_groups": groups_out}


def _layer_reduction(ctx: Ctx, section: Any) -> dict[str, Any]:
    path = f"{_ROOT}.layer_reduction"
    default = ctx.default(f"{path}.enabled")
    out: dict[str, Any] = {"enabled": default}
    if section is _ABSENT or not _mapping(ctx, path, section):
        return out
    enabled = section.get("enabled", default)
    if enabled:
        # An enabled block is copied whole.
        out.update(section)
    return out


def quantize_enabled(ctx: Ctx) -> bool:
    """DeepSpeed's ``get_quantize_enabled``: ``compression_training.shared_parameters.enabled`` (the MoQ switch that
    the eigenvalue config reads; for the eigenvalue builder)."""
    if not ctx.field(_ROOT).known_in(ctx.target):
        return False
    root = ctx.raw(_ROOT, {})
    shared = root.get("shared_parameters", {}) if isinstance(root, dict) else {}
    if not isinstance(shared, dict):
        return False
    return bool(shared.get("enabled", ctx.default(f"{_ROOT}.shared_parameters.enabled")))


@builder(order=45, memo=True)
def compression(ctx: Ctx) -> dict[str, Any]:
    if not ctx.field(_ROOT).known_in(ctx.target):
        return {}
    root = ctx.raw(_ROOT, _ABSENT)
    if root is _ABSENT:
        root = {}
    elif not _mapping(ctx, _ROOT, root):
        return {}
    config = {name: _technique(ctx, name, root.get(name, _ABSENT)) for name in _TECHNIQUES}
    config["layer_reduction"] = _layer_reduction(ctx, root.get("layer_reduction", _ABSENT))
    gate = root.get("shared_parameters", _ABSENT)
    if gate is not _ABSENT:
        # get_eigenvalue_config parses it with the weight-quantization rules (choices, null checks) in any case.
        _weight_shared(ctx, f"{_ROOT}.shared_parameters", gate)
    if ctx.target < "0.19.6" and quantize_enabled(ctx):
        _crash(
            ctx,
            f"{_ROOT}.shared_parameters.enabled",
            "get_eigenvalue_config then reads the undefined name QUANTIZE_TRAINING (NameError). Eigenvalue-based "
            "MoQ cannot be switched on in 0.7.7; remove compression_training.shared_parameters (weight quantization "
            "is switched on by weight_quantization.shared_parameters.enabled)",
            True,
        )
    return {"compression_config": config}
