"""A JSON Schema (draft 2020-12) of ds_config.json, derived from the schema dataclasses (via their spec).

Types, choices, bounds, defaults (for one target release), descriptions (``KeyInfo.help``), ``"auto"`` where allowed,
``additionalProperties: false`` except in open sections. Older spellings dsconf migrates are listed as deprecated
properties. The schema describes shape only: cross-field rules (batch math, offload vs. stage) are dsconf's.
"""

from __future__ import annotations

import json
from typing import Any

from ._releases import Release
from .schema._spec import FieldSpec, SectionSpec

DRAFT = "https://json-schema.org/draft/2020-12/schema"

_TYPES = {"bool": "boolean", "int": "integer", "float": "number", "str": "string"}


def json_schema(target: Release) -> dict[str, Any]:
    from .load import root_spec

    out = _section(root_spec(), target)
    _add_legacy(out, target)
    return {
        "$schema": DRAFT,
        "$id": f"https://dsconf.invalid/schema/ds_config-{target}.json",
        "title": f"DeepSpeed runtime config (ds_config.json) for DeepSpeed {target}",
        **out,
    }


def _section(spec: SectionSpec, target: Release) -> dict[str, Any]:
    props: dict[str, Any] = {}
    specs = [spec, *(spec.variants or {}).values()]
    for s in specs:
        for f in s.fields.values():
            if not f.known_in(target) or f.name in props:
                continue
            schema = _field(f, target)
            for n in f.names:
                props.setdefault(n, schema)
    out: dict[str, Any] = {"type": "object"}
    if spec.help:
        out["description"] = spec.help
    out["properties"] = props
    out["additionalProperties"] = bool(spec.open)
    return out


def _jsonable(v: Any) -> bool:
    try:
        json.dumps(v)
    except (TypeError, ValueError):
        return False
    return True


def _field(f: FieldSpec, target: Release) -> dict[str, Any]:
    info = f.info
    if f.section is not None:
        base: dict[str, Any] = _section(f.section, target)
    elif f.variants is not None:
        base = {"type": "object"}  # the keys depend on a sibling (optimizer.type); unknown types pass through
    else:
        base = _kind(f.kind, f)
    if f.kind in ("int", "float"):
        for attr, word in (("ge", "minimum"), ("gt", "exclusiveMinimum"), ("le", "maximum"),
                           ("lt", "exclusiveMaximum")):
            bound = getattr(info, attr)
            if bound is not None:
                base[word] = bound
    if info.choices is not None and f.kind not in ("enum", "list") and f.section is None:
        choices = list(info.choices)
        strings = all(isinstance(c, str) for c in choices)
        if f.kind == "str" and info.normalize and strings:
            base["pattern"] = "(?i)^(" + "|".join(_escape(c) for c in choices) + ")$"
        elif f.kind != "str" and strings:
            base = {"anyOf": [base, {"enum": choices}]}
        else:
            base["enum"] = choices
    alts = [base]
    if info.auto:
        alts.append({"const": "auto"})
    if f.optional and not (info.was and info.ds_checked):
        alts.append({"type": "null"})
    schema: dict[str, Any] = {"anyOf": alts} if len(alts) > 1 else base
    desc = info.help
    notes = []
    if info.added:
        notes.append(f"since DeepSpeed {info.added}")
    if info.removed:
        notes.append(f"removed in DeepSpeed {info.removed}")
    if notes:
        desc += f" ({'; '.join(notes)})"
    if desc:
        schema["description"] = desc
    if f.section is None:
        default = f.default_for(target)
        if default is not None and _jsonable(default):
            schema["default"] = default
    return schema


def _escape(s: str) -> str:
    import re

    return re.escape(s)


def _kind(kind: str, f: FieldSpec) -> dict[str, Any]:
    if kind in _TYPES:
        if kind == "int" and f.intlike:
            return {"type": "number", "multipleOf": 1}
        return {"type": _TYPES[kind]}
    if kind == "enum" and f.enum_cls is not None:
        return {"enum": [m.value for m in f.enum_cls]}
    if kind == "list":
        item = _TYPES.get(f.item_kind or "")
        return {"type": "array", "items": {"type": item}} if item else {"type": "array"}
    if kind == "dict":
        return {"type": "object"}
    return {}


def _add_legacy(root: dict[str, Any], target: Release) -> None:
    """Older spellings dsconf migrates (with a warning): deprecated properties beside today's."""
    from ._migrate import _OFFLOAD_FLAGS, RENAMES

    for rule in RENAMES:
        parent = _node(root, rule.new.split(".")[:-1])
        new_last = rule.new.split(".")[-1]
        if parent is None or new_last not in parent["properties"]:
            continue
        parent["properties"].setdefault(rule.old.split(".")[-1], {
            **parent["properties"][new_last], "deprecated": True,
            "description": f"Older spelling of '{rule.new}' (dsconf migrates it with a warning)."})
    zero = _node(root, ["zero_optimization"])
    if zero is not None:
        for flag, section in _OFFLOAD_FLAGS.items():
            zero["properties"].setdefault(flag, {
                "type": "boolean", "deprecated": True,
                "description": f"Older form of '{section}.device: cpu' (dsconf migrates it with a warning)."})
        zero["properties"].setdefault("cpu_offload_use_pin_memory", {
            "type": "boolean", "deprecated": True, "description": "Older key; DeepSpeed keeps it but never reads it."})
    z = root["properties"].get("zero_optimization")
    if z is not None:
        old = {"type": "boolean", "deprecated": True, "description": "Older boolean form (true: stage 1)."}
        root["properties"]["zero_optimization"] = {"anyOf": [z, old]}


def _node(root: dict[str, Any], parts: list[str]) -> dict[str, Any] | None:
    node: Any = root
    for p in parts:
        node = node.get("properties", {}).get(p)
        if isinstance(node, dict) and "anyOf" in node:
            node = next((a for a in node["anyOf"] if a.get("type") == "object"), None)
        if not isinstance(node, dict):
            return None
    return node if isinstance(node, dict) and "properties" in node else None
