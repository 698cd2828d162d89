"""Overrides, sweeps and batch planning for the ``dsconf`` command (no torch, no deepspeed).

A config point is a plain dict (the ``deepspeed`` section): a file's data, or the composition of dsconf's groups.
Overrides use Hydra's grammar: ``zero=stage3`` picks a group option, ``deepspeed.x.y=1`` (or ``x.y=1``) sets a key,
``~x.y`` deletes one; comma lists, ``range()`` and ``choice()`` make a sweep. With a FILE, a group option replaces
the file's section (``zero=stage3`` replaces ``zero_optimization``).
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .errors import DeepSpeedConfigError, Problem

BATCH = ("train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps")


@dataclass(frozen=True)
class Setting:
    """One resolved choice of one override: a group option, a key value, or a deletion."""

    text: str  # as the user would write it (for reports)
    kind: str  # group | set | delete
    key: str  # group name, or dotted path relative to the deepspeed section
    value: Any = None


@dataclass
class Overrides:
    dims: list[list[Setting]] = field(default_factory=list)  # one list of alternatives per override

    @property
    def is_sweep(self) -> bool:
        return any(len(d) > 1 for d in self.dims)

    @property
    def size(self) -> int:
        n = 1
        for d in self.dims:
            n *= len(d)
        return n

    def points(self) -> Iterator[tuple[Setting, ...]]:
        return itertools.product(*self.dims)


@cache
def group_names() -> tuple[str, ...]:
    from .groups import PACKAGES

    return tuple(PACKAGES)


def usage_error(message: str, **kw: Any) -> DeepSpeedConfigError:
    return DeepSpeedConfigError([Problem("", message, code="usage", **kw)])


def parse_overrides(texts: Sequence[str]) -> Overrides:
    """Parse Hydra-style overrides; sweeps are expanded into alternatives."""
    if not texts:
        return Overrides()
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    try:
        parsed = OverridesParser.create().parse_overrides(list(texts))
    except HydraException as exc:
        raise usage_error(f"cannot parse override: {str(exc).splitlines()[0]}",
                          expected="key=value, group=option, ~key, or a sweep like key=1,2,4") from None
    out = Overrides()
    for o in parsed:
        key = o.key_or_group
        is_group = key in group_names()
        rel = key[len("deepspeed."):] if key.startswith("deepspeed.") else key
        if o.is_delete():
            out.dims.append([Setting(f"~{key}", "delete", rel)])
            continue
        values = list(o.sweep_iterator()) if o.is_sweep_override() else [o.value()]
        dim = []
        for v in values:
            v = _plain(v)
            text = f"{key}={_text(v)}"
            dim.append(Setting(text, "group", key, v) if is_group else Setting(text, "set", rel, v))
        out.dims.append(dim)
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _text(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v)


# -- building points ---------------------------------------------------------------------------------------------
# Points share the sub-dicts they do not change with the base they start from (the file's data, or a cached
# composition): setting or deleting a key copies only the dicts on its path. A point is read-only after that.
def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = data
    for p in parents:
        nxt = node.get(p)
        nxt = node[p] = dict(nxt) if isinstance(nxt, dict) else {}
        node = nxt
    node[last] = copy.deepcopy(value)


def del_path(data: dict[str, Any], path: str) -> None:
    *parents, last = path.split(".")
    node: Any = data
    for p in parents:
        nxt = node.get(p)
        if not isinstance(nxt, dict):
            return
        nxt = node[p] = dict(nxt)
        node = nxt
    node.pop(last, None)


@cache
def option_data(group: str, name: str) -> dict[str, Any]:
    """A group option as the keys it sets (schema defaults dropped), relative to the deepspeed section."""
    from .groups import PACKAGES, options
    from .load import prune_defaults, root_spec

    opts = options().get(group, {})
    if name not in opts:
        import difflib

        raise DeepSpeedConfigError([Problem(group, f"no option '{name}' in group '{group}'",
                                            expected="one of " + ", ".join(opts),
                                            suggestions=tuple(difflib.get_close_matches(name, list(opts), n=3)),
                                            code="unknown_option")])
    node = opts[name]
    package = PACKAGES[group][len("deepspeed"):].lstrip(".")
    if node is None:
        return {package: None}
    from ._read import plain

    data = plain(node)
    if not package:
        return prune_defaults(data, root_spec())
    f = root_spec().lookup[package]
    assert f.section is not None
    return {package: prune_defaults(data, f.section)}


def apply_group(data: dict[str, Any], group: str, name: str) -> None:
    """Replace the section(s) a group option lands at with the option's keys."""
    opt = option_data(group, name)
    if group == "precision":
        for k in ("fp16", "bf16", "bfloat16", "amp"):
            data.pop(k, None)
    for k, v in opt.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = copy.deepcopy(v)


def apply_settings(data: dict[str, Any], settings: Sequence[Setting], *, groups: bool) -> dict[str, Any]:
    for s in settings:
        if s.kind == "group":
            if groups:
                apply_group(data, s.key, str(s.value))
        elif s.kind == "delete":
            del_path(data, s.key)
        else:
            set_path(data, s.key, s.value)
    return data


def composed_data(group_settings: Sequence[Setting]) -> dict[str, Any]:
    """Compose dsconf's groups (Hydra) with these group choices: the deepspeed section, schema defaults dropped."""
    from ._hydra import compose
    from ._read import read
    from .load import prune_defaults

    cfg = compose([s.text for s in group_settings])
    data, _ = read(cfg.deepspeed)
    return prune_defaults(data)


def point_data(base: dict[str, Any] | None, settings: Sequence[Setting]) -> dict[str, Any]:
    """One point: the file's data with the settings applied, or a composition of the groups (read-only: it shares
    the sub-dicts no setting touches with ``base`` or the cached composition)."""
    if base is not None:
        return apply_settings(dict(base), settings, groups=True)
    groups = [s for s in settings if s.kind == "group"]
    return apply_settings(_composed(tuple(groups)), [s for s in settings if s.kind != "group"], groups=False)


_COMPOSED: dict[tuple[Setting, ...], dict[str, Any]] = {}


def _composed(groups: tuple[Setting, ...]) -> dict[str, Any]:
    key = tuple(sorted(groups, key=lambda s: s.key))
    if key not in _COMPOSED:
        _COMPOSED[key] = composed_data(key) if not key else _with_options(key)
    return dict(_COMPOSED[key])


def _with_options(groups: tuple[Setting, ...]) -> dict[str, Any]:
    """A composition of group choices without asking Hydra again: the default composition (Hydra's, once) with each
    chosen option's sections put in place, schema defaults dropped, keys in the schema's order -- what Hydra's own
    merge gives (a Hydra compose costs ~0.25 s, which a sweep over a few groups would pay per combination)."""
    from .load import prune_defaults, root_spec

    data = prune_defaults(apply_settings(copy.deepcopy(_composed(())), groups, groups=True))
    order = {name: i for i, name in enumerate(root_spec().fields)}
    return {k: data[k] for k in sorted(data, key=lambda k: order.get(k, len(order)))}


# -- checking points ---------------------------------------------------------------------------------------------
class Checker:
    """Validity of many points, cheaply: everything but the batch triple is resolved once per distinct value,
    the batch triple once per distinct (triple, world size)."""

    def __init__(self, target: str | None, strict: bool) -> None:
        self.target = target
        self.strict = strict
        self._memo: dict[str, list[Problem]] = {}

    def _resolve(self, data: dict[str, Any], world: int, batch_only: bool = False) -> list[Problem]:
        key = json.dumps([data, world, batch_only], sort_keys=True, default=str)
        if key not in self._memo:
            self._memo[key] = resolve_problems(data, world, self.target, self.strict, batch_only=batch_only)
        return self._memo[key]

    def problems(self, data: dict[str, Any], world: int) -> list[Problem]:
        if "elasticity" in data:
            return self._resolve(data, world)
        rest = {k: v for k, v in data.items() if k not in BATCH}
        batch = {k: data[k] for k in BATCH if k in data}
        if "sequence_parallel_size" in data:
            batch["sequence_parallel_size"] = data["sequence_parallel_size"]
        out = [p for p in self._resolve({**rest, "train_micro_batch_size_per_gpu": 1}, world)
               if p.path.split(".")[0] not in BATCH]
        # the triple alone: only the batch builder reports on those keys (elasticity, the other one, is handled
        # above), so the other builders need not run once per distinct triple
        out += [p for p in self._resolve(batch, world, batch_only=True) if p.path.split(".")[0] in BATCH]
        return out


def resolve_problems(data: dict[str, Any], world: int, target: str | None, strict: bool, *,
                     batch_only: bool = False) -> list[Problem]:
    """Every problem of ``data`` at ``world`` (none: valid); ``batch_only`` runs only the batch builder."""
    import warnings

    from .config import DeepSpeedConfig
    from .resolver import resolve_attrs
    from .resolver.sections.core import batch

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # no copy: reading a dict makes fresh plain data, the input is never changed
            if batch_only:
                resolve_attrs(data, world_size=world, target=target, strict=strict, only=(batch,))
            else:
                DeepSpeedConfig(data, world_size=world, target=target, strict=strict)
    except DeepSpeedConfigError as exc:
        return list(exc.problems)
    return []


def nearest_valid_world_sizes(data: dict[str, Any], world: int) -> list[int]:
    """The closest data-parallel sizes below and above ``world`` for which the batch triple works out."""
    from .resolver.batch import fill

    given = [data.get(k) for k in BATCH]
    if "elasticity" in data or any(v is not None and v != "auto" and (isinstance(v, bool) or not isinstance(v, int))
                                   for v in given):
        return []
    t, m, g = (None if v == "auto" else v for v in given)

    def ok(w: int) -> bool:
        try:
            tt, mm, gg = fill(t, m, g, w)
        except (ValueError, ZeroDivisionError):
            return False
        return bool(tt > 0 and mm > 0 and gg > 0 and tt == mm * gg * w)

    found: list[int] = []
    for d in range(1, max(world, 8) + 1):
        if world - d >= 1 and ok(world - d):
            found.append(world - d)
            break
    for d in range(1, max(world, 8) * 4 + 1):
        if ok(world + d):
            found.append(world + d)
            break
    return found


def parse_world_sizes(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            n = int(part)
        except ValueError:
            raise usage_error("--world-sizes takes a comma list of positive integers", value=text) from None
        if n <= 0:
            raise usage_error("--world-sizes takes a comma list of positive integers", value=text)
        out.append(n)
    if not out:
        raise usage_error("--world-sizes is empty", value=text, expected="e.g. 1,2,8,64")
    return out
