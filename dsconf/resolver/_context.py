"""What a section builder gets: the checked config, the target release, the world size, and a place for problems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._releases import Release
from ..errors import Problems
from ..schema._spec import FieldSpec, SectionSpec

_ABSENT: Any = object()


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

    # -- reading -------------------------------------------------------------------------------------------
    def raw(self, path: str, default: Any = None) -> Any:
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def given(self, path: str) -> bool:
        return self.raw(path, _ABSENT) is not _ABSENT

    def field(self, path: str) -> FieldSpec:
        spec: SectionSpec = self.root
        parts = path.split(".")
        data: Any = self.data
        for part in parts[:-1]:
            f = spec.lookup[part]
            data = data.get(part, {}) if isinstance(data, dict) else {}
            if f.section is None:
                raise KeyError(path)
            spec = f.section.variant(data if isinstance(data, dict) else {})
        return spec.variant(data if isinstance(data, dict) else {}).lookup[parts[-1]]

    def default(self, path: str) -> Any:
        return self.field(path).default_for(self.target)

    def value(self, path: str) -> Any:
        """The given value, else the target release's default."""
        got = self.raw(path, _ABSENT)
        return self.default(path) if got is _ABSENT else got

    def dump(self, path: str, spec: SectionSpec | None = None, data: Any = _ABSENT) -> dict[str, Any]:
        """A section as DeepSpeed's model dumps it: every field the target knows, by attribute name."""
        if spec is None:
            spec = self.root if not path else self.field(path).section
            assert spec is not None, path
        if data is _ABSENT:
            data = self.raw(path, {}) if path else self.data
        if not isinstance(data, dict):
            data = {}
        spec = spec.variant(data)
        out: dict[str, Any] = {}
        for f in spec.fields.values():
            if not f.known_in(self.target):
                continue
            got = data.get(f.name, _ABSENT)
            if f.section is not None:
                if got is _ABSENT:
                    out[f.attr] = None if f.default is None else self.dump("", f.section, {})
                elif got is None:
                    out[f.attr] = None
                else:
                    out[f.attr] = self.dump("", f.section, got)
            else:
                out[f.attr] = f.default_for(self.target) if got is _ABSENT else got
        if spec.open:
            for k, v in data.items():
                if k not in spec.lookup:
                    out[k] = v
        return out

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


def builder(order: int) -> Callable[[Builder], Builder]:
    """Register a section builder; lower ``order`` runs first (DeepSpeed's own parse order decides)."""

    def deco(fn: Builder) -> Builder:
        BUILDERS.append((order, f"{fn.__module__}.{fn.__name__}", fn))
        BUILDERS.sort(key=lambda t: (t[0], t[1]))
        return fn

    return deco
