"""``DeepSpeedConfig``: a frozen, validated drop-in for ``deepspeed.runtime.config.DeepSpeedConfig``."""

from __future__ import annotations

import copy
import json
import os
import stat
import tempfile
from collections.abc import Mapping
from typing import Any

from ._releases import SUPPORTED_TARGETS, Release
from ._section import dump, materialize
from .errors import DeepSpeedConfigError, Problem

__all__ = ["DeepSpeedConfig", "DeepSpeedConfigError"]

_BATCH = ("train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps")


class DeepSpeedConfig:
    """The resolved DeepSpeed config for one target release and world size.

    Args:
        config: a path (.json/.yaml/.yml), a dict, a DictConfig, a ``DeepSpeedSchema`` instance or base64 JSON.
        mpu: a model-parallel unit; its ``get_data_parallel_world_size()`` gives the world size.
        world_size: plan for this data-parallel size instead of discovering it.
        target: the DeepSpeed release to resolve as (default: the installed one, else the newest supported).
        strict: refuse settings DeepSpeed silently ignores (else they are warnings).
        auto: values for ``"auto"`` placeholders, by dotted key path.
    """

    __slots__ = ("_attrs", "_data", "_target", "world_size_source", "warnings", "source", "migrations",
                 "auto_derived")

    def __init__(
        self,
        config: Any,
        mpu: Any = None,
        *,
        world_size: int | None = None,
        target: str | Release | None = None,
        strict: bool = False,
        auto: Mapping[str, Any] | None = None,
        mesh_device: Any = None,
    ) -> None:
        from .resolver import resolve_attrs

        if mesh_device is not None and world_size is None:
            raise DeepSpeedConfigError([Problem("", "mesh_device is not supported; pass world_size=...",
                                                code="usage")])
        ctx, data, source = resolve_attrs(config, world_size=world_size, mpu=mpu, target=target, strict=strict,
                                          auto=auto)
        set_ = object.__setattr__
        set_(self, "_attrs", ctx.attrs)
        set_(self, "_data", data)
        set_(self, "_target", ctx.target)
        set_(self, "world_size_source", source)
        set_(self, "warnings", tuple(ctx.warnings))
        set_(self, "source", getattr(config, "__fspath__", lambda: None)() or (config if isinstance(config, str)
                                                                                  and os.path.exists(config) else None))
        set_(self, "migrations", tuple(ctx.migrations))
        # "auto" in the batch triple: derived here, written as numbers by to_dict() (DeepSpeed itself crashes on it)
        set_(self, "auto_derived", tuple(ctx.auto_derived))
        if ctx.warnings:
            import warnings as _w

            for msg in ctx.warnings:
                _w.warn(f"dsconf: {msg}", UserWarning, stacklevel=2)

    # -- attribute access ----------------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        attrs = object.__getattribute__(self, "_attrs")
        if name in attrs:
            return materialize(attrs[name])
        if not name.startswith("_") and name in _all_release_attrs():
            target = object.__getattribute__(self, "_target")
            raise AttributeError(
                f"'{name}' is not an attribute of DeepSpeed {target}'s DeepSpeedConfig "
                f"(it exists in other releases; resolve with target=... to get it)"
            )
        raise AttributeError(f"DeepSpeedConfig has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("DeepSpeedConfig is frozen; build a new one from a changed dict")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._attrs))

    @property
    def target(self) -> str:
        return str(self._target)

    @property
    def global_rank(self) -> int:
        return 0

    def attribute_names(self) -> list[str]:
        """The names the target release's own ``DeepSpeedConfig`` has (for this config)."""
        return list(self._attrs)

    # -- output --------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A plain JSON-safe dict in the target's spelling, with the batch triple explicit."""
        from ._migrate import target_spelling

        out = copy.deepcopy(self._data)
        elastic = isinstance(out.get("elasticity"), dict) and out["elasticity"].get("enabled") is True
        for k in _BATCH:
            out.pop(k, None)
            value = self._attrs[k]
            if k == "train_batch_size" and isinstance(value, float) and not value.is_integer():
                # only M * G * W makes a fractional batch (a world size sequence_parallel_size does not divide);
                # written out, 0.5 would be refused as input, left out it is derived again to the same value
                continue
            if not elastic:
                out[k] = value  # as resolved (a float stays a float: DeepSpeed's arithmetic then matches)
        return target_spelling(out, self._target)

    def to_json(self, path: str | os.PathLike[str] | None = None, *, indent: int = 2) -> str:
        text = json.dumps(self.to_dict(), indent=indent, sort_keys=False) + "\n"
        if path is not None:
            atomic_write(path, text)
        return text

    def model_dump(self) -> dict[str, Any]:
        """Every attribute as plain data (nested objects dumped, dtypes as strings)."""
        return {k: dump(v) for k, v in self._attrs.items()}

    # -- value semantics -----------------------------------------------------------------------------------
    def _key(self) -> str:
        """Content identity: the resolved values (1 and 1.0 alike), not how the input spelled them."""
        from .resolver.sections.core import DEPRECATED_ZERO

        dumped = self.model_dump()
        zero = dumped.get("zero_config")
        if isinstance(zero, dict):
            for name in DEPRECATED_ZERO:
                zero.pop(name, None)
        return json.dumps([str(self._target), _integral(dumped)], sort_keys=True, default=str)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DeepSpeedConfig):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        a = self._attrs
        return (f"DeepSpeedConfig(target={self._target}, world_size={a.get('world_size')}, "
                f"train_batch_size={a.get('train_batch_size')}, micro={a.get('train_micro_batch_size_per_gpu')}, "
                f"gas={a.get('gradient_accumulation_steps')}, zero_stage={a.get('zero_optimization_stage')})")

    def print(self, name: str = "DeepSpeedConfig") -> None:
        print(f"{name}:")
        for arg in sorted(self._attrs):
            print(f"  {arg} {'.' * (29 - len(arg))} {self._attrs[arg]}")


def _integral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write via a temporary file in the same directory and rename: readers see the old or the new file, never
    a part of either, and an interrupted write leaves the old file and no temporary file behind.

    A symlink is followed (its target is replaced, the link stays); an existing file keeps its permission bits,
    a new one gets the umask's (mkstemp alone would leave 0600).
    """
    target = os.path.realpath(os.fspath(path))
    directory = os.path.dirname(target)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=".dsconf-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fchmod(fh.fileno(), mode if mode is not None else 0o666 & ~_umask())
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)


def _umask() -> int:
    try:  # Linux: read it without changing it (os.umask would briefly set it for every thread of the process)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_dir(directory: str) -> None:
    """Make the rename itself durable (best effort: not every platform/filesystem allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_ALL: set[str] | None = None


def _all_release_attrs() -> set[str]:
    """Attribute names of every supported release (by resolving an empty-ish config for each)."""
    global _ALL
    if _ALL is None:
        from .resolver import resolve_attrs

        names: set[str] = set()
        for t in SUPPORTED_TARGETS:
            try:
                ctx, _, _ = resolve_attrs({"train_batch_size": 1}, world_size=1, target=t)
                names |= set(ctx.attrs)
            except DeepSpeedConfigError:
                pass
        _ALL = names
    return _ALL

