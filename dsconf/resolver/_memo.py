"""Builders over sections a config does not give, run once per process.

Most of a real config's sections are absent, and a builder's output over absent sections is the same for every such
config of one target release, world size and strictness. A builder registered with ``@builder(order, memo=True)``
promises that its output depends on nothing but what it reads through the :class:`~dsconf.resolver._context.Ctx`
(``data``, ``target``, ``strict``, ``world_size``) -- no environment, no earlier builder's attributes. The first time
it runs on a config, its top-level reads are recorded; when it read none of the keys that config gives, raised no
problem and warned nothing, its output is kept with the keys it read. A later config that gives none of those keys
gets a copy of the kept output instead of a run: the same reads would have seen the same absences.

A builder that reads an earlier builder's attributes, or the whole data, is never kept (checked on the recording run,
not promised). ``tests/unit/test_memo.py`` compares kept and fresh outputs over the corpus and generated configs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._section import copy_tree, frozen
from ._context import Builder, Ctx

_Key = tuple[Builder, tuple[int, ...], bool, Any]
# key -> (the top-level keys the builder read, its output, the attributes whose values must be copied per config)
_KEPT: dict[_Key, tuple[frozenset[str], dict[str, Any], tuple[str, ...]]] = {}
_MAX_KEPT = 512  # (builder, target, strict, world size) entries; a sweep over many world sizes must not grow it forever
enabled = True  # switched off by the test that compares kept and fresh outputs


class _Recording(dict[str, Any]):
    """``ctx.data`` or ``ctx.attrs`` during a recording run: notes which top-level keys were asked for."""

    __slots__ = ("asked", "whole")

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        self.asked: set[str] = set()
        self.whole = False  # iterated, copied or updated: the output may depend on anything

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self.whole = True
        return super().__iter__()

    def keys(self) -> Any:
        self.whole = True
        return super().keys()

    def items(self) -> Any:
        self.whole = True
        return super().items()

    def values(self) -> Any:
        self.whole = True
        return super().values()

    def update(self, *args: Any, **kw: Any) -> None:
        self.whole = True
        super().update(*args, **kw)


def run(fn: Builder, ctx: Ctx, memo: bool) -> dict[str, Any]:
    """``fn(ctx)``, or a copy of its kept output when ``memo`` and the config gives none of the keys it reads."""
    if not (memo and enabled):
        return fn(ctx)
    key: _Key = (fn, ctx.target.parts, ctx.strict, ctx.world_size)
    kept = _KEPT.get(key)
    if kept is not None:
        read, out, mutable = kept
        if read.isdisjoint(ctx.data):
            out = out.copy()
            for name in mutable:
                out[name] = copy_tree(out[name])
            return out
        return fn(ctx)  # this config gives one of those keys: run it (the kept entry stays for the next config)
    data, attrs = ctx.data, ctx.attrs
    seen_data, seen_attrs = _Recording(data), _Recording(attrs)
    problems, warnings = len(ctx.problems.items), len(ctx.warnings)
    ctx.data, ctx.attrs = seen_data, seen_attrs
    try:
        out = fn(ctx)
    finally:
        ctx.data, ctx.attrs = data, attrs
    wrote = False
    for seen, real in ((seen_attrs, attrs), (seen_data, data)):
        if seen != real:  # the builder wrote into the context: keep what it wrote (and never keep its output)
            real.clear()
            real.update(seen)
            wrote = True
    if wrote or seen_attrs.whole or seen_attrs.asked or seen_data.whole or not seen_data.asked.isdisjoint(data):
        return out
    if len(ctx.problems.items) == problems and len(ctx.warnings) == warnings:
        if len(_KEPT) >= _MAX_KEPT:
            _KEPT.clear()
        kept_out = copy_tree(out)
        _KEPT[key] = (frozenset(seen_data.asked), kept_out, tuple(k for k, v in kept_out.items() if not frozen(v)))
    return out
