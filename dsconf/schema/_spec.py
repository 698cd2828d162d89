"""The schema dataclasses, read once into plain lookup tables for the fast validator and the resolver.

Nothing here holds a key name or a default of its own: everything comes from the dataclasses and their
:class:`~dsconf.schema._field.KeyInfo` metadata.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Union

from .._releases import Release
from ._field import META, KeyInfo

_BASIC = {bool: "bool", int: "int", float: "float", str: "str"}
_IMMUTABLE = frozenset({bool, int, float, str, type(None)})


@dataclass(eq=False)
class FieldSpec:
    name: str
    attr: str
    path: str
    kind: str  # bool int float str enum list dict section any
    optional: bool
    intlike: bool  # an int that may be written as an integral float (5e8)
    info: KeyInfo
    default: Any  # the newest release's default; a SectionSpec marker for nested sections
    section: SectionSpec | None = None
    enum_cls: type[enum.Enum] | None = None
    item_kind: str | None = None
    variants: dict[str, SectionSpec] | None = None  # params whose keys depend on a sibling (optimizer type)
    variants_by: str | None = None
    # value types the checker passes through untouched whatever the release (right kind, no choices, bounds or
    # normalization): the loader's fast path for the common case
    plain_types: tuple[type, ...] = field(init=False, default=())
    # per-release answers of known_in / default_for, filled on first use (the resolver asks thousands of times)
    _release_defaults: dict[tuple[int, ...], Any] = field(default_factory=dict)
    _release_known: dict[tuple[int, ...], bool] = field(default_factory=dict)
    _release_checked: dict[tuple[int, ...], bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        info = self.info
        if info.choices is not None or self.section is not None or self.variants is not None:
            return
        bounded = not (info.ge is None and info.gt is None and info.le is None and info.lt is None)
        if self.kind == "bool":
            self.plain_types = (bool,)
        elif self.kind == "int" and not bounded:
            self.plain_types = (int,)
        elif self.kind == "float" and not bounded:
            self.plain_types = (int,)  # a float must still be finite
        elif self.kind == "str" and info.normalize is None:
            self.plain_types = (str,)  # "auto" excepted (the checker's first question)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.info.aliases) + ((self.attr,) if self.attr != self.name else ())

    def known_in(self, release: Release) -> bool:
        known = self._release_known.get(release.parts)
        if known is None:
            info = self.info
            known = not ((info.added is not None and release < Release(info.added))
                         or (info.removed is not None and release >= Release(info.removed)))
            self._release_known[release.parts] = known
        return known

    def checked_in(self, release: Release) -> bool:
        """Whether ``release``'s DeepSpeed validates this key's value itself (its pydantic model does)."""
        checked = self._release_checked.get(release.parts)
        if checked is None:
            since = self.info.ds_checked
            checked = self._release_checked[release.parts] = since is not None and release >= Release(since)
        return checked

    def default_for(self, release: Release) -> Any:
        """The default value in ``release`` (a fresh copy for containers)."""
        try:
            value = self._release_defaults[release.parts]
        except KeyError:
            value = self.default
            for since, old in sorted(self.info.was, key=lambda p: Release(p[0])):
                if release < Release(since):
                    value = old
                    break
            self._release_defaults[release.parts] = value
        return value if type(value) in _IMMUTABLE else _fresh(value)


def _fresh(value: Any) -> Any:
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, enum.Enum):
        return value.value
    return value


@dataclass(eq=False)
class SectionSpec:
    cls: type
    path: str
    help: str
    fields: dict[str, FieldSpec]
    lookup: dict[str, FieldSpec]
    variants: dict[str, SectionSpec] | None = None  # this section's keys depend on its own discriminator
    discriminator: str | None = None
    open: bool = False  # DeepSpeed keeps unknown keys here (pipeline): allowed, passed through
    closed_since: str | None = None  # first release whose DeepSpeed refuses unknown keys here (pydantic extra=forbid)

    def variant(self, data: Mapping[str, Any]) -> SectionSpec:
        if not self.variants or self.discriminator is None:
            return self
        disc = self.fields[self.discriminator]
        value = data.get(self.discriminator, disc.default)
        return self.variants.get(str(value).lower() if value is not None else "", self)


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        optional = len(args) < len(typing.get_args(tp))
        if len(args) == 1:
            return args[0], optional
        return Union[tuple(args)], optional  # noqa: UP007
    return tp, False


def _kind(tp: Any) -> tuple[str, bool, type[enum.Enum] | None, str | None, type | None]:
    """(kind, intlike, enum class, list item kind, nested dataclass) of a type hint without Optional."""
    if tp in _BASIC:
        return _BASIC[tp], False, None, None, None
    if tp is Any:
        return "any", False, None, None, None
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "enum", False, tp, None, None
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return "section", False, None, None, tp
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = set(typing.get_args(tp))
        if args <= {bool, str} and bool in args:
            return "bool", False, None, None, None
        if args <= {int, float, str}:
            if int in args:
                return "int", float in args, None, None, None
            return "float", False, None, None, None
        return "any", False, None, None, None
    if origin in (list, typing.List):  # noqa: UP006
        (item,) = typing.get_args(tp) or (Any,)
        item, _ = _unwrap_optional(item)
        return "list", False, None, _kind(item)[0], None
    if origin in (dict, typing.Dict):  # noqa: UP006
        return "dict", False, None, None, None
    return "any", False, None, None, None


@cache
def section_spec(cls: type, path: str = "") -> SectionSpec:
    """The spec of a schema dataclass (cached: derived once per process)."""
    hints = typing.get_type_hints(cls)
    meta: dict[str, Any] = getattr(cls, "__dsconf__", {})
    fields: dict[str, FieldSpec] = {}
    for f in dataclasses.fields(cls):
        info: KeyInfo = f.metadata.get(META) or KeyInfo(help="")
        tp, optional = _unwrap_optional(hints[f.name] if info.checks_as is None else info.checks_as)
        kind, intlike, enum_cls, item_kind, nested = _kind(tp)
        if info.integral and kind == "float":
            kind, intlike = "int", True
        fpath = f"{path}.{f.name}" if path else f.name
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = None
        spec = FieldSpec(
            name=f.name,
            attr=info.attr or f.name,
            path=fpath,
            kind=kind,
            optional=optional or default is None,
            intlike=intlike,
            info=info,
            default=None if nested is not None else _fresh(info.newest if info.was else default),
            enum_cls=enum_cls,
            item_kind=item_kind,
        )
        if nested is not None:
            spec.section = section_spec(nested, fpath)
            spec.default = None if (default is None) else "section"
        variants = f.metadata.get("dsconf_variants")
        if variants is not None:
            by, table = variants
            spec.variants_by = by
            spec.variants = {k: section_spec(v, fpath) for k, v in table.items()}
        fields[f.name] = spec
    lookup: dict[str, FieldSpec] = {}
    for spec in fields.values():
        for n in spec.names:
            lookup.setdefault(n, spec)
    sec = SectionSpec(
        cls=cls,
        path=path,
        help=meta.get("help", (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""),
        fields=fields,
        lookup=lookup,
        open=bool(meta.get("open", False)),
        closed_since=meta.get("ds_checked"),
    )
    self_variants = meta.get("variants")
    if self_variants is not None:
        disc, table = self_variants
        sec.discriminator = disc
        sec.variants = {k: section_spec(v, path) for k, v in table.items()}
    return sec


def variants_field(by: str, table: Mapping[str, type], *, help: str, **info: Any) -> Any:
    """A dict field whose allowed keys depend on a sibling value (``optimizer.params`` by ``optimizer.type``)."""
    return dataclasses.field(
        default_factory=dict,
        metadata={META: KeyInfo(help=help, **info), "dsconf_variants": (by, dict(table))},
    )


def walk(spec: SectionSpec) -> typing.Iterator[FieldSpec]:
    """Every field of a section and its nested sections and variants, depth first."""
    seen: set[int] = set()

    def _walk(s: SectionSpec) -> typing.Iterator[FieldSpec]:
        for f in s.fields.values():
            if id(f) in seen:
                continue
            seen.add(id(f))
            yield f
            if f.section is not None:
                yield from _walk(f.section)
            for v in (f.variants or {}).values():
                yield from _walk(v)
        for v in (s.variants or {}).values():
            yield from _walk(v)

    yield from _walk(spec)
