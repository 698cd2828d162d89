"""The resolver: checked data + world size + target release -> DeepSpeed's attributes, every problem at once."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

from .._migrate import migrate
from .._read import Leniency, read
from .._releases import Release, choose_target
from ..errors import Problems
from ..load import PYDANTIC_V2_SINCE, check, prune_defaults, root_spec
from . import _memo
from ._context import BUILDERS, MEMO, Builder, Ctx
from .world import discover

_AUTO_BATCH = {"train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps"}


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = value


def resolve_attrs(
    config: Any,
    *,
    world_size: int | None = None,
    mpu: Any = None,
    target: str | Release | None = None,
    strict: bool = False,
    auto: Mapping[str, Any] | None = None,
    only: Collection[Builder] | None = None,
) -> tuple[Ctx, Any, str]:
    """Run the whole pipeline; returns the context (attrs, warnings), the target-release data, and the source name.

    ``only``: run just these section builders (reading and checking run in full); for callers that need one
    section's verdict many times, like a sweep's batch triples.
    """
    from .sections import load_all

    load_all()
    rel, _target_source = choose_target(target)
    composed = type(config).__name__ == "DictConfig" or (dataclasses.is_dataclass(config)
                                                         and not isinstance(config, type))
    leniency = Leniency()
    data, name = read(config, leniency)  # a fresh plain dict already: no copy needed before migrating in place
    if composed:
        data = prune_defaults(data)
    for path, value in (auto or {}).items():
        _set_path(data, path, value)
    problems = Problems()
    if leniency.hjson_used and rel < Release(PYDANTIC_V2_SINCE):
        problems.add("", f"comments or trailing commas: DeepSpeed {rel} reads strict JSON and refuses this file",
                     expected="strict JSON (remove comments and trailing commas, or target 0.19.6+)", code="syntax")
    migrations = migrate(data, rel, problems)
    clean, auto_paths = check(data, rel, problems)
    unresolved = [p for p in auto_paths if p not in _AUTO_BATCH]
    if unresolved:
        for p in unresolved:
            problems.add(p, '"auto" is left unresolved: nothing in dsconf derives it', value="auto",
                         expected="a value (pass it with fill_auto / auto={...}, or a Hydra interpolation)",
                         code="auto", stricter="DeepSpeed silently replaces \"auto\" with its default in model "
                         "sections, or fails later on it")
    problems.raise_if_any(name)
    size, source = discover(world_size, mpu)
    if mpu is None and clean.get("sequence_parallel_size") is not None and rel >= Release("0.19.6"):
        size = size / clean["sequence_parallel_size"]  # DeepSpeed's own Ulysses adjustment (a float, as it does)
        source += " / sequence_parallel_size"
    ctx = Ctx(data=clean, target=rel, root=root_spec(), world_size=size, problems=problems, strict=strict,
              migrations=migrations, auto_derived=[p for p in auto_paths if p in _AUTO_BATCH])
    ctx.world_source = source  # type: ignore[attr-defined]
    for m in migrations:
        if m.warn:
            ctx.warn(m.message())
    for _order, _name, fn in BUILDERS:
        if only is not None and fn not in only:
            continue
        try:
            ctx.attrs.update(_memo.run(fn, ctx, fn in MEMO))
        except Exception as exc:  # a builder bug must still end as a readable error, never a raw traceback
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            problems.add("", f"internal error while resolving ({_name}: {type(exc).__name__}: {exc})",
                         code="internal")
    problems.raise_if_any(name)
    return ctx, clean, source
