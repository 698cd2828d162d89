"""What a section builder gets: the checked config, the target release, the world size, and a place for problems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._releases import Release
from .._section import IMMUTABLE, copy_tree
from ..errors import Problems
from ..schema._spec import FieldSpec, SectionSpec

_ABSENT: Any = object()

# Derived once from the spec (which never changes after import), so each resolve walks only what it needs:
# a field path through sections without variants -> its FieldSpec; (section, release) -> the fields it knows.
_FIXED_FIELDS: dict[int, dict[str, FieldSpec]] = {}
_KNOWN: dict[tuple[int, tuple[int, ...]], tuple[FieldSpec, ...]] = {}
_SPLIT: dict[str, tuple[str, ...]] = {}
# (root spec, target release) -> field path -> its immutable default (paths whose field does not depend on the data)
_DEFAULTS: dict[tuple[int, tuple[int, ...]], dict[str, Any]] = {}


_EMPTY: dict[tuple[int, tuple[int, ...], bool], tuple[dict[str, Any], tuple[str, ...]]] = {}


def _dump(spec: SectionSpec, data: dict[str, Any], target: Release) -> dict[str, Any]:
    """Every field ``target`` knows, by attribute name: the defaults' template with the given keys laid over it
    (so the cost follows the keys given, not the size of the section)."""
    if not data:
        return _empty_dump(spec, target)
    spec = spec.variant(data)
    out = _empty_dump(spec, target, chosen=True)
    fields = spec.fields
    for k, got in data.items():
        f = fields.get(k)
        if f is None:
            if spec.open and k not in spec.lookup:
                out[k] = got  # DeepSpeed keeps unknown keys of open sections (after its own fields)
            continue
        if not f.known_in(target):
            continue
        if f.section is not None:
            out[f.attr] = None if got is None else _dump(f.section, got if isinstance(got, dict) else {}, target)
        else:
            out[f.attr] = got
    return out


def _empty_dump(spec: SectionSpec, target: Release, chosen: bool = False) -> dict[str, Any]:
    """The dump of a section the config does not give: the target's defaults, built once and copied after.

    Most sections of a real config are absent, so this is most of what a resolve dumps; copying a template is a
    C-level dict copy plus the few container values (builders may mutate what they get).
    """
    key = (id(spec), target.parts, chosen)  # a section with variants: not chosen = the default variant's fields
    cached = _EMPTY.get(key)
    if cached is None:
        if not chosen:
            spec = spec.variant({})
        template: dict[str, Any] = {}
        for f in _known_fields(spec, target):
            if f.section is not None:
                template[f.attr] = None if f.default is None else _empty_dump(f.section, target)
            else:
                template[f.attr] = f.default_for(target)
        cached = _EMPTY[key] = (template, tuple(k for k, v in template.items() if type(v) in (dict, list)))
    template, containers = cached
    out = dict(template)
    for k in containers:
        out[k] = copy_tree(template[k])
    return out


def _known_fields(spec: SectionSpec, target: Release) -> tuple[FieldSpec, ...]:
    key = (id(spec), target.parts)
    got = _KNOWN.get(key)
    if got is None:
        got = _KNOWN[key] = tuple(f for f in spec.fields.values() if f.known_in(target))
    return got


@dataclass
class Ctx:
    """State of one resolution.

    ``data`` is the checked, migrated user dict (canonical key names, numbers coerced, keys the target does not
    read removed). Builders read it with :meth:`given` / :meth:`value` / :meth:`dump` and record problems with
    :meth:`error` (DeepSpeed rejects this too), :meth:`stricter` (DeepSpeed lets it through; dsconf refuses on
    purpose) and :meth:`warn`.
    """

    data: dict[str, Any]
    target: Release
    root: SectionSpec
    world_size: int | float
    problems: Problems
    warnings: list[str] = field(default_factory=list)
    strict: bool = False
    attrs: dict[str, Any] = field(default_factory=dict)
    migrations: list[Any] = field(default_factory=list)  # dsconf._migrate.Migration records
    auto_derived: list[str] = field(default_factory=list)  # batch keys given as "auto" that dsconf derives
    # this root's entries of the per-process tables above (looked up once here, not on every read)
    _fixed: dict[str, FieldSpec] = field(init=False, repr=False)
    _defaults: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._fixed = _FIXED_FIELDS.setdefault(id(self.root), {})
        self._defaults = _DEFAULTS.setdefault((id(self.root), self.target.parts), {})

    # -- reading -------------------------------------------------------------------------------------------
    def raw(self, path: str, default: Any = None) -> Any:
        parts = _SPLIT.get(path)
        if parts is None:
            parts = _SPLIT[path] = tuple(path.split("."))
        node: Any = self.data
        for part in parts:
            if not isinstance(node, dict):
                return default
            node = node.get(part, _ABSENT)
            if node is _ABSENT:
                return default
        return node

    def given(self, path: str) -> bool:
        return self.raw(path, _ABSENT) is not _ABSENT

    def field(self, path: str) -> FieldSpec:
        fixed = self._fixed.get(path)
        if fixed is not None:
            return fixed
        spec: SectionSpec = self.root
        static = not spec.variants
        parts = path.split(".")
        data: Any = self.data
        for part in parts[:-1]:
            f = spec.lookup[part]
            data = data.get(part, {}) if isinstance(data, dict) else {}
            if f.section is None:
                raise KeyError(path)
            static = static and not f.section.variants
            spec = f.section.variant(data if isinstance(data, dict) else {})
        found = spec.variant(data if isinstance(data, dict) else {}).lookup[parts[-1]]
        if static:  # no section on the way depends on the data: the answer holds for every config
            self._fixed[path] = found
        return found

    def default(self, path: str) -> Any:
        got = self._defaults.get(path, _ABSENT)
        if got is not _ABSENT:
            return got
        f = self.field(path)
        value = f.default_for(self.target)
        if type(value) in IMMUTABLE and self._fixed.get(path) is f:
            self._defaults[path] = value  # the same for every config of this target: remember it
        return value

    def value(self, path: str) -> Any:
        """The given value, else the target release's default."""
        got = self.raw(path, _ABSENT)
        if got is _ABSENT:
            got = self._defaults.get(path, _ABSENT)
            return self.default(path) if got is _ABSENT else got
        return got

    def dump(self, path: str, spec: SectionSpec | None = None, data: Any = _ABSENT) -> dict[str, Any]:
        """A section as DeepSpeed's model dumps it: every field the target knows, by attribute name."""
        if spec is None:
            spec = self.root if not path else self.field(path).section
            assert spec is not None, path
        if data is _ABSENT:
            data = self.raw(path, {}) if path else self.data
        return _dump(spec, data if isinstance(data, dict) else {}, self.target)

    # -- reporting -----------------------------------------------------------------------------------------
    def error(self, path: str, message: str, **kw: Any) -> None:
        self.problems.add(path, message, **kw)

    def stricter(self, path: str, message: str, reason: str, **kw: Any) -> None:
        self.problems.add(path, message, stricter=reason, **kw)

    def ignored(self, path: str, message: str) -> None:
        """A setting DeepSpeed silently ignores: a warning, an error under ``strict=True``."""
        if self.strict:
            self.problems.add(path, message, code="ignored", stricter="strict=True refuses settings DeepSpeed ignores")
        else:
            self.warn(f"{path}: {message}")

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


Builder = Callable[[Ctx], dict[str, Any]]
BUILDERS: list[tuple[int, str, Builder]] = []
MEMO: set[Builder] = set()  # builders whose output over absent sections is kept (see _memo.py)


def builder(order: int, *, memo: bool = False) -> Callable[[Builder], Builder]:
    """Register a section builder; lower ``order`` runs first (DeepSpeed's own parse order decides).

    ``memo``: the builder reads nothing but its ``Ctx`` (no environment, no earlier builder's attributes), so its
    output for a config that gives none of the keys it reads can be kept and copied (``_memo.py``).
    """

    def deco(fn: Builder) -> Builder:
        if memo:
            MEMO.add(fn)
        BUILDERS.append((order, f"{fn.__module__}.{fn.__name__}", fn))
        BUILDERS.sort(key=lambda t: (t[0], t[1]))
        return fn

    return deco
