"""``load``: any config source -> plain data checked against the schema, for one target release.

Driven entirely by the spec derived from the schema dataclasses; no OmegaConf nodes are built here.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePath
from typing import Any

from ._migrate import Migration, migrate
from ._read import read
from ._releases import Release
from .errors import Problems
from .schema._spec import FieldSpec, SectionSpec, section_spec, walk

AUTO = "auto"
_NULL_SECTION = ("DeepSpeed fails on this section given as null (it reads a mapping), or, for datastates_ckpt, "
                 "takes null as present: enabled")
_LAX = "DeepSpeed does not check this value's type when it parses the config (it is coerced or fails later)"
_UNKNOWN_IGNORED = "DeepSpeed silently ignores unknown keys here"
_TRUNCATES = "this release's DeepSpeed (pydantic 1) silently truncates a fractional integer"
PYDANTIC_V2_SINCE = "0.19.6"  # first supported target whose DeepSpeed validates with pydantic 2
_AUTO_DROPPED = 'DeepSpeed drops "auto" in its model sections and uses the default'
_EXACT = 2**53  # every integer below this is exact as a float


@cache
def root_spec() -> SectionSpec:
    from .schema.root import DeepSpeedSchema

    return section_spec(DeepSpeedSchema)


@cache
def _key_index() -> dict[str, tuple[str, ...]]:
    """key name -> the section paths that have it (for "this key belongs under ...")."""
    index: dict[str, list[str]] = {}
    for f in walk(root_spec()):
        parent = f.path.rpartition(".")[0]
        for n in f.names:
            index.setdefault(n, [])
            if parent not in index[n]:
                index[n].append(parent)
    return {k: tuple(v) for k, v in index.items()}


@dataclass
class Loaded:
    """The result of :func:`load`: checked data plus everything learned on the way."""

    data: dict[str, Any]
    target: Release
    source: str | None = None
    migrations: list[Migration] = field(default_factory=list)
    auto_paths: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _suggest(name: str, candidates: Iterable[str]) -> tuple[str, ...]:
    return tuple(difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6))


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class _Checker:
    def __init__(self, target: Release, problems: Problems) -> None:
        self.target = target
        self.problems = problems
        self.auto_paths: list[str] = []
        self.warnings: list[str] = []

    # -- sections ------------------------------------------------------------------------------------------
    def section(self, data: dict[str, Any], spec: SectionSpec, path: str) -> dict[str, Any]:
        spec = spec.variant(data)
        closed = spec.closed_since is not None and self.target >= Release(spec.closed_since)
        out: dict[str, Any] = {}
        for k, v in data.items():
            p = f"{path}.{k}" if path else str(k)
            if not isinstance(k, str):
                self.problems.add(p, "keys must be strings", value=k, code="type")
                continue
            f = spec.lookup.get(k)
            if f is None:
                if spec.open:
                    out[k] = v
                    continue
                self._unknown(k, p, spec, path, closed)
                continue
            if f.name in out:
                self.problems.add(p, f"'{k}' sets the same key as '{f.name}'", code="duplicate_key",
                                  expected="one of the two spellings")
                continue
            if not f.known_in(self.target):
                if v is None and not f.info.removed and not closed:  # a closed model refuses it even as null
                    continue
                self._not_in_target(f, p, v, closed)  # DeepSpeed 0.19.7+ refuses removed blocks even as {} or null
                continue
            if v is None and f.section is not None and f.default is None:
                if not f.info.null_ok:
                    # composed configs never get here (null sections are pruned first); a JSON null does
                    self.problems.add(p, "is null; leave the key out for no section, or give an object",
                                      value=None, expected=f"an object, or leave '{k}' out", code="type",
                                      stricter=_NULL_SECTION)
                continue  # an absent optional section
            out[f.name] = self.value(v, f, p, data)
        return out

    def _unknown(self, k: str, p: str, spec: SectionSpec, path: str, closed: bool) -> None:
        names = [n for f in spec.fields.values() if f.known_in(self.target) for n in (f.name, *f.info.aliases)]
        suggestions = _suggest(k, names)
        message = f"unknown key '{k}'"
        homes = [h for h in _key_index().get(k, ()) if h != path]
        if homes:
            where = homes[0] or "the top level"
            message += f"; this key belongs under '{where}'" if homes[0] else "; this key belongs at the top level"
        self.problems.add(
            p,
            message,
            suggestions=suggestions,
            expected=None if suggestions else f"a key of '{path or 'the top level'}'",
            code="unknown_key",
            stricter=None if closed else _UNKNOWN_IGNORED,
        )

    def _not_in_target(self, f: FieldSpec, p: str, v: Any, closed: bool) -> None:
        info = f.info
        if info.removed is not None and self.target >= Release(info.removed):
            from ._releases import SUPPORTED_TARGETS

            last = [t for t in SUPPORTED_TARGETS if Release(t) < Release(info.removed)]
            message = (
                f"'{p}' was removed in DeepSpeed {info.removed}; the target is {self.target}"
                + (f" (the last supported release that has it is {last[-1]})" if last else "")
            )
            code = "removed"
        else:
            message = f"'{p}' is not read by DeepSpeed {self.target} (it was added in {info.added})"
            code = "not_in_target"
        refused = closed or (code == "removed" and f.path.count(".") <= 1)  # 0.19.7+ refuses removed blocks
        self.problems.add(p, message, value=v, code=code,
                          stricter=None if refused else f"DeepSpeed {self.target} ignores keys it does not know")

    # -- values --------------------------------------------------------------------------------------------
    def value(self, v: Any, f: FieldSpec, p: str, siblings: dict[str, Any]) -> Any:
        if type(v) in f.plain_types and v != AUTO:
            return v  # the right kind, nothing more to check (most values of a real config)
        info = f.info
        checked = f.checked_in(self.target)
        if info.auto and v == AUTO and isinstance(v, str):
            self.auto_paths.append(p)
            return v
        if (checked and v == AUTO and isinstance(v, str) and f.section is None and f.variants is None
                and not (info.choices and AUTO in info.choices)):
            # DeepSpeed's config models drop every "auto" value before validating (an HF Trainer convention), so
            # DeepSpeed takes its default here without a word; on a key nothing fills, "auto" is a mistake
            self.problems.add(p, '"auto" is not a value of this key and nothing fills it', value=v, code="auto",
                              expected=f"a value (DeepSpeed {self.target} would silently use its default, "
                              f"{f.default_for(self.target)!r})", stricter=_AUTO_DROPPED)
            return v
        if v is None:
            if f.info.was and checked:
                # the dataclass holds None as "the target's default" (pruned from composed configs); given
                # explicitly, a release that validates the key refuses null
                return self._type(p, v, f, checked)
            if f.optional:
                return None
            return self._type(p, v, f, checked)
        kind = f.kind
        if f.section is not None:
            if not isinstance(v, dict):
                return self._type(p, v, f, checked, "an object")
            return self.section(v, f.section, p)
        if f.variants is not None:
            if not isinstance(v, dict):
                return self._type(p, v, f, checked, "an object")
            disc = siblings.get(f.variants_by or "")
            sub = f.variants.get(str(disc).lower()) if isinstance(disc, str) else None
            if sub is None:
                return v  # not a type dsconf knows (e.g. a torch.optim name): passed through unchecked
            return self.section(v, sub, p)
        if kind == "bool":
            if not isinstance(v, bool):
                return self._type(p, v, f, checked, "true or false")
        elif kind == "int":
            if isinstance(v, str) and info.choices and v in info.choices:
                return v
            if isinstance(v, bool) or not _is_number(v):
                return self._type(p, v, f, checked, "an integer")
            if isinstance(v, float):
                if not math.isfinite(v) or not v.is_integer():
                    truncates = checked and self.target < Release(PYDANTIC_V2_SINCE) and math.isfinite(v)
                    self.problems.add(p, "must be a whole number", value=v, expected="an integer", code="type",
                                      stricter=_TRUNCATES if truncates else (None if checked else _LAX))
                    return v
                if checked and abs(v) < _EXACT:
                    v = int(v)  # DeepSpeed's model makes 5e8 the int 500000000; where it keeps the float, so do we
            v = self._bounds(v, f, p)
        elif kind == "float":
            if isinstance(v, str) and info.choices and v in info.choices:
                return v
            if isinstance(v, bool) or not _is_number(v):
                return self._type(p, v, f, checked, "a number")
            if isinstance(v, float) and not math.isfinite(v):  # an int is finite (and may be too large for float())
                self.problems.add(p, "must be a finite number", value=v, code="range",
                                  stricter=None if checked else _LAX)
                return v
            v = self._bounds(v, f, p)
        elif kind == "str":
            if not isinstance(v, str):
                return self._type(p, v, f, checked, "a string")
            if info.normalize == "path" and checked:
                v = str(PurePath(v))  # DeepSpeed's model types it Path: "" -> ".", "/nvme/" -> "/nvme"
        elif kind == "enum":
            assert f.enum_cls is not None
            allowed = [m.value for m in f.enum_cls]
            if v not in allowed:
                self.problems.add(p, "is not one of the allowed values", value=v,
                                  expected="one of " + ", ".join(map(str, allowed)),
                                  suggestions=_suggest(str(v), [str(a) for a in allowed]), code="choice")
                return v
        elif kind == "list":
            if not isinstance(v, list):
                return self._type(p, v, f, checked, "a list")
            v = [self._item(x, f, f"{p}[{i}]", checked) for i, x in enumerate(v)]
        elif kind == "dict":
            if not isinstance(v, dict):
                return self._type(p, v, f, checked, "an object")
        if info.choices is None:
            return v
        literal_only = all(isinstance(c, str) for c in info.choices) and not isinstance(v, str)
        if kind not in ("enum", "list") and not (kind != "str" and literal_only):
            norm = v.lower() if (info.normalize == "lower" and isinstance(v, str)) else (
                v.upper() if (info.normalize == "upper" and isinstance(v, str)) else v)
            if norm not in info.choices:
                self.problems.add(p, "is not one of the allowed values", value=v,
                                  expected="one of " + ", ".join(map(str, info.choices)),
                                  suggestions=_suggest(str(v), [str(c) for c in info.choices]), code="choice")
            else:
                v = norm
        return v

    def _item(self, x: Any, f: FieldSpec, p: str, checked: bool) -> Any:
        kind = f.item_kind
        ok = {
            "int": lambda: (_is_number(x) and float(x).is_integer()),
            "float": lambda: _is_number(x),
            "str": lambda: isinstance(x, str),
            "bool": lambda: isinstance(x, bool),
        }.get(kind or "", lambda: True)()
        if not ok:
            self.problems.add(p, f"list items must be of type {kind}", value=x, code="type",
                              stricter=None if checked else _LAX)
            return x
        return int(x) if kind == "int" else x

    def _bounds(self, v: Any, f: FieldSpec, p: str) -> Any:
        info = f.info
        if info.ge is None and info.gt is None and info.le is None and info.lt is None:
            return v
        checked = f.checked_in(self.target)
        bounds = (("ge", info.ge, ">="), ("gt", info.gt, ">"), ("le", info.le, "<="), ("lt", info.lt, "<"))
        for op, bound, text in bounds:
            if bound is None:
                continue
            bad = (op == "ge" and v < bound) or (op == "gt" and v <= bound) or (op == "le" and v > bound) or (
                op == "lt" and v >= bound)
            if bad:
                self.problems.add(p, "is out of range", value=v, expected=f"a value {text} {_num(bound)}", code="range",
                                  stricter=None if checked else _LAX)
        return v

    def _type(self, p: str, v: Any, f: FieldSpec, checked: bool, expected: str | None = None) -> Any:
        if expected is None:
            expected = {"bool": "true or false", "int": "an integer", "float": "a number", "str": "a string"}.get(
                f.kind, f.kind)
        if f.info.auto:
            expected += ' or "auto"'
        elif f.kind in ("int", "float") and f.info.choices:
            words = [f'"{c}"' for c in f.info.choices if isinstance(c, str)]  # a number or a named value
            if words:
                expected += " or " + " or ".join(words)
        if f.optional:
            expected += " or null"
        if v == AUTO and checked:
            self.problems.add(p, "has the wrong type", value=v, expected=expected, code="type", stricter=_AUTO_DROPPED)
            return v
        clearly_wrong = v is None or isinstance(v, (list, dict)) or (f.kind in ("int", "float") and isinstance(v, str)
                                                        and not _numeric_text(v))
        self.problems.add(p, "has the wrong type", value=v, expected=expected, code="type",
                          stricter=None if (checked and clearly_wrong) else _LAX)
        return v


def _numeric_text(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def check(data: dict[str, Any], target: Release, problems: Problems) -> tuple[dict[str, Any], list[str]]:
    """Check ``data`` (already migrated) against the schema; returns the clean data and the "auto" paths."""
    checker = _Checker(target, problems)
    clean = checker.section(data, root_spec(), "")
    return clean, checker.auto_paths


def load(source: Any, target: str | Release | None = None, problems: Problems | None = None) -> Loaded:
    """Read ``source`` and check it for ``target``; raises :class:`DeepSpeedConfigError` with every problem."""
    from ._releases import choose_target

    rel = target if isinstance(target, Release) else choose_target(target)[0]
    data, name = read(source)
    own = problems is None
    problems = problems if problems is not None else Problems()
    migrations = migrate(data, rel, problems)
    clean, auto_paths = check(data, rel, problems)
    if own:
        problems.raise_if_any(name)
    loaded = Loaded(clean, rel, name, migrations, auto_paths)
    loaded.warnings = [m.message() for m in migrations if m.warn]
    return loaded


def prune_defaults(data: dict[str, Any], spec: SectionSpec | None = None) -> dict[str, Any]:
    """Drop values equal to the schema's own defaults: what a config composed from the schema carries implicitly.

    A composed DictConfig holds every key of every section; resolving only what the user and the group options
    chose lets each target release apply its own defaults (and keeps ``to_dict()`` short). Optional sections that
    are present stay present (DeepSpeed reads some by presence); optimizer/scheduler params are kept whole.
    """
    base = spec or root_spec()
    spec = base.variant(data)
    out: dict[str, Any] = {}
    for k, v in data.items():
        f = spec.lookup.get(k) if isinstance(k, str) else None
        if f is not None and f.info.integral and type(v) is float and v.is_integer():
            v = int(v)  # float-typed for OmegaConf's sake only (see the schema): the key holds an int
        if f is None:
            out[k] = v
        elif f.section is not None and isinstance(v, dict):
            if getattr(f.section.cls, "__dsconf__", {}).get("passthrough"):
                out[k] = v  # DeepSpeed hands these blocks on whole (amp, pld, curriculum): keep every key
                continue
            sub = prune_defaults(v, f.section)
            if sub or f.default is None:
                out[k] = sub
        elif k == base.discriminator:
            out[k] = v  # the variant's own name (sparse_attention.mode) is what selects its keys
        elif f.variants is not None:
            out[k] = v
        elif v is None and (f.default is None or f.info.was):
            continue
        elif f.info.was or f.info.required:
            # was: the dataclass holds None here, so any value was chosen, even the newest default;
            # required: DeepSpeed refuses the section without the key, whatever its default constant says
            out[k] = v
        elif v == f.default and (type(v) is type(f.default) or (f.intlike and isinstance(v, float))):
            continue
        else:
            out[k] = v
    return out
