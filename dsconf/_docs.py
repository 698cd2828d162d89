"""``dsconf explain`` and ``dsconf docs``: every key described from the schema dataclasses (never a second copy)."""

from __future__ import annotations

import difflib
import json
from typing import Any

from ._releases import SUPPORTED_TARGETS, Release
from .errors import DeepSpeedConfigError, Problem
from .schema._spec import FieldSpec, SectionSpec, walk


def _root() -> SectionSpec:
    from .load import root_spec

    return root_spec()


def type_text(f: FieldSpec) -> str:
    if f.section is not None:
        text = "section"
    elif f.variants is not None:
        text = f"object (keys depend on {f.variants_by})"
    elif f.kind == "enum" and f.enum_cls is not None:
        text = "one of " + ", ".join(json.dumps(m.value) for m in f.enum_cls)
    elif f.kind == "list":
        text = f"list of {f.item_kind}" if f.item_kind and f.item_kind != "any" else "list"
    else:
        text = {"bool": "bool", "int": "int", "float": "float", "str": "string", "dict": "object",
                "any": "any"}.get(f.kind, f.kind)
    if f.info.auto:
        text += ' or "auto"'
    if f.optional and f.section is None:
        text += " or null"
    return text


def _show(v: Any) -> str:
    if v is None:
        return "null"
    return json.dumps(v, default=str)


def defaults(f: FieldSpec) -> dict[str, str]:
    out = {}
    for t in SUPPORTED_TARGETS:
        rel = Release(t)
        if not f.known_in(rel):
            out[t] = "(not read)"
        elif f.section is not None:
            out[t] = "(absent)" if f.default is None else "(section defaults)"
        else:
            out[t] = _show(f.default_for(rel))
    return out


def releases(f: FieldSpec) -> list[str]:
    return [t for t in SUPPORTED_TARGETS if f.known_in(Release(t))]


def legacy_spellings(path: str) -> list[str]:
    from ._migrate import _OFFLOAD_FLAGS, RENAMES

    out = [f"{r.old}" + (f" (DeepSpeed < {r.since})" if r.since else "") for r in RENAMES if r.new == path]
    for flag, section in _OFFLOAD_FLAGS.items():
        if path == f"zero_optimization.{section}":
            out.append(f"zero_optimization.{flag}: true")
    if path == "zero_optimization":
        out.append("zero_optimization: true/false (stage 1/0)")
    return out


def allowed(f: FieldSpec) -> str:
    info = f.info
    parts = []
    if info.choices is not None:
        parts.append("one of " + ", ".join(_show(c) for c in info.choices)
                     + (" (case-insensitive)" if info.normalize else ""))
    for attr, op in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        bound = getattr(info, attr)
        if bound is not None:
            parts.append(f"{op} {bound:g}")
    if info.auto:
        parts.append('"auto"')
    return "; ".join(parts)


def find(key: str) -> FieldSpec:
    """A key by dotted path (``deepspeed.`` prefix optional), alias, or a unique last name."""
    path = key[len("deepspeed."):] if key.startswith("deepspeed.") else key
    fields = list(walk(_root()))
    for f in fields:
        if f.path == path:
            return f
    for f in fields:
        parent = f.path.rpartition(".")[0]
        if any((f"{parent}.{n}" if parent else n) == path for n in f.names):
            return f
    last = [f for f in fields if path in f.names]
    paths = sorted({f.path for f in last})
    if len(paths) == 1:
        return last[0]
    if len(paths) > 1:
        raise DeepSpeedConfigError([Problem(key, f"'{key}' is a key of several sections", code="usage",
                                            expected="a full path", suggestions=tuple(paths[:6]))])
    every = sorted({f.path for f in fields})
    raise DeepSpeedConfigError([Problem(key, "no such key", code="usage",
                                        suggestions=tuple(difflib.get_close_matches(path, every, n=3, cutoff=0.5)))])


def explain_data(key: str) -> dict[str, Any]:
    f = find(key)
    info = f.info
    out: dict[str, Any] = {
        "key": f.path,
        "type": type_text(f),
        "defaults": defaults(f),
        "allowed": allowed(f),
        "description": info.help or (f.section.help if f.section else ""),
        "releases": releases(f),
        "added": info.added,
        "removed": info.removed,
        "legacy_spellings": legacy_spellings(f.path),
        "aliases": list(info.aliases),
        "attribute": info.attr,
    }
    if f.section is not None:
        out["keys"] = list(f.section.fields)
    return out


def explain(key: str) -> str:
    d = explain_data(key)
    lines = [d["key"], f"  {d['description']}" if d["description"] else "", f"  type:      {d['type']}"]
    lines.append("  default:   " + ", ".join(f"{v} (DeepSpeed {t})" for t, v in d["defaults"].items()))
    if d["allowed"]:
        lines.append(f"  allowed:   {d['allowed']}")
    lines.append("  releases:  " + (", ".join(d["releases"]) or "none of the supported targets")
                 + (f" (added in {d['added']})" if d["added"] else "")
                 + (f" (removed in {d['removed']})" if d["removed"] else ""))
    if d["aliases"]:
        lines.append("  aliases:   " + ", ".join(d["aliases"]))
    if d["attribute"]:
        lines.append(f"  attribute: DeepSpeedConfig spells it '{d['attribute']}'")
    lines.append("  legacy:    " + (", ".join(d["legacy_spellings"]) or "none"))
    if "keys" in d:
        lines.append("  keys:      " + ", ".join(d["keys"]))
    return "\n".join(line for line in lines if line)


# -- the reference -----------------------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _sections() -> list[tuple[str, SectionSpec]]:
    out: list[tuple[str, SectionSpec]] = [("", _root())]
    seen = {id(_root())}
    for f in walk(_root()):
        if f.section is not None and id(f.section) not in seen:
            seen.add(id(f.section))
            out.append((f.path, f.section))
        for name, v in (f.variants or {}).items():
            if id(v) not in seen:
                seen.add(id(v))
                out.append((f"{f.path} ({f.variants_by} = {name})", v))
    return out


def reference_markdown() -> str:
    from ._migrate import RENAMES, VALUE_RENAMES

    lines = [
        "# DeepSpeed configuration reference",
        "",
        "<!-- generated by `dsconf docs -o docs/reference.md` from the schema dataclasses; do not edit -->",
        "",
        "Every key of `ds_config.json` dsconf knows, with its type, its default in each supported DeepSpeed release "
        f"({', '.join(SUPPORTED_TARGETS)}), the values allowed and older spellings. `(not read)`: that release does "
        "not read the key. `dsconf explain KEY` prints one entry; `dsconf schema` gives the same as JSON Schema.",
        "",
        "## Config groups",
        "",
        "| group | lands at | option | sets |",
        "|---|---|---|---|",
    ]
    from ._plan import option_data
    from .groups import PACKAGES, options

    for group, opts in options().items():
        for name in opts:
            sets = json.dumps(option_data(group, name), sort_keys=False, default=str)
            lines.append(f"| `{group}` | `{PACKAGES[group]}` | `{name}` | `{_cell(sets)}` |")
    targets = " | ".join(f"default {t}" for t in SUPPORTED_TARGETS)
    for path, spec in _sections():
        variants = list((spec.variants or {}).items())
        lines += ["", f"## `{path}`" if path else "## top level", ""]
        if spec.help:
            lines += [spec.help, ""]
        if spec.open:
            lines += ["Open section: keys not listed here are passed through to DeepSpeed.", ""]
        if spec.discriminator and variants:
            lines += [f"Keys depend on `{spec.discriminator}`: " + ", ".join(f"`{k}`" for k, _ in variants), ""]
        lines += [f"| key | type | {targets} | allowed | description |",
                  "|---|---|" + "---|" * len(SUPPORTED_TARGETS) + "---|---|"]
        fields: dict[str, FieldSpec] = {}
        for s in [spec, *(v for _, v in variants)]:
            for name, f in s.fields.items():
                fields.setdefault(name, f)
        for f in fields.values():
            desc = f.info.help
            legacy = legacy_spellings(f.path)
            if legacy:
                desc += " Older spellings: " + ", ".join(f"`{x}`" for x in legacy) + "."
            if f.info.aliases:
                desc += " Also spelled: " + ", ".join(f"`{x}`" for x in f.info.aliases) + "."
            name = f"[`{f.name}`](#{_anchor(f.path)})" if f.section is not None else f"`{f.name}`"
            row = [name, _cell(type_text(f)), *(_cell(v) for v in defaults(f).values()), _cell(allowed(f)),
                   _cell(desc)]
            lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Older spellings", "", "dsconf migrates these with a warning (`dsconf migrate FILE` rewrites "
              "them); old and new together is an error.", "", "| older | today | since |", "|---|---|---|"]
    for r in RENAMES:
        lines.append(f"| `{r.old}` | `{r.new}` | {r.since or 'all releases (deprecated)'} |")
    for vr in VALUE_RENAMES:
        lines.append(f"| `{vr.path}: \"{vr.old}\"` | `{vr.path}: \"{vr.new}\"` | {vr.since} |")
    lines.append("| `zero_optimization.cpu_offload: true` | `zero_optimization.offload_optimizer.device: cpu` | "
                 "all releases (deprecated) |")
    lines.append("| `zero_optimization.cpu_offload_param: true` | `zero_optimization.offload_param.device: cpu` | "
                 "all releases (deprecated) |")
    lines.append("| `zero_optimization: true` / `false` | `zero_optimization.stage: 1` / `0` | "
                 "all releases (deprecated) |")
    return "\n".join(lines) + "\n"


def _anchor(path: str) -> str:
    return path.replace(".", "").replace("_", "_").lower()
