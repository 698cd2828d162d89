"""Read-only views that stand in for DeepSpeed's nested config objects (pydantic models and plain objects)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class Dtype:
    """A torch dtype by name; the torch object is only built when a user reads the attribute."""

    __slots__ = ("name",)
    _TORCH = {"fp16": "float16", "fp32": "float32", "bf16": "bfloat16", "int8": "int8"}

    def __init__(self, name: str) -> None:
        self.name = name

    def torch(self) -> Any:
        import torch  # deliberately lazy: reading a config never imports torch

        return getattr(torch, self._TORCH[self.name])

    def __str__(self) -> str:
        return f"torch.{self._TORCH[self.name]}"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Dtype):
            return self.name == other.name
        return str(other) == str(self)

    def __hash__(self) -> int:
        return hash(self.name)


def copy_tree(value: Any) -> Any:
    """A copy of resolved data deep enough that mutating it never reaches the original: dicts, lists, tuples and
    the views below are copied; scalars, dtypes and views that hold nothing mutable are shared."""
    kind = type(value)
    if kind is dict:
        out = value.copy()  # C-level; only the container values need more than that
        for k, v in value.items():
            if type(v) not in IMMUTABLE:
                out[k] = copy_tree(v)
        return out
    if kind is list or kind is tuple:
        return kind(v if type(v) in IMMUTABLE else copy_tree(v) for v in value)
    if isinstance(value, Section) and not frozen(value):
        new = object.__new__(kind)
        for slot in _slots(kind):
            object.__setattr__(new, slot, copy_tree(object.__getattribute__(value, slot)))
        return new
    return value


def frozen(value: Any) -> bool:
    """Whether nothing mutable can be reached from ``value`` through its public interface, so it can be shared.

    A view's own dicts are private (reads return their values, never the dicts), so a view is frozen when every
    value it holds is.
    """
    kind = type(value)
    if kind in IMMUTABLE or kind is Dtype:
        return True
    if kind is tuple:
        return all(frozen(v) for v in value)
    if isinstance(value, Section):
        for slot in _slots(kind):
            held = object.__getattribute__(value, slot)
            if not all(frozen(v) for v in (held.values() if type(held) is dict else (held,))):
                return False
        return True
    return False


def _slots(kind: type) -> tuple[str, ...]:
    slots = _SLOTS.get(kind)
    if slots is None:
        slots = _SLOTS[kind] = tuple(s for k in kind.__mro__ for s in getattr(k, "__slots__", ()))
    return slots


IMMUTABLE = frozenset({bool, int, float, str, type(None)})  # value types shared, never copied
_SLOTS: dict[type, tuple[str, ...]] = {}


def materialize(value: Any) -> Any:
    """What a user sees when reading an attribute: torch dtypes built, views kept."""
    if isinstance(value, Dtype):
        return value.torch()
    return value


class Section(Mapping[str, Any]):
    """A frozen nested config object: attribute access, ``model_dump()`` and mapping access.

    ``kind`` names the DeepSpeed class this stands in for (``DeepSpeedZeroConfig``, ...).
    """

    __slots__ = ("_data", "_kind")

    def __init__(self, data: Mapping[str, Any], kind: str = "") -> None:
        object.__setattr__(self, "_data", dict(data))
        object.__setattr__(self, "_kind", kind)

    def __getattr__(self, name: str) -> Any:
        data = object.__getattribute__(self, "_data")
        try:
            return materialize(data[name])
        except KeyError:
            kind = object.__getattribute__(self, "_kind") or "section"
            raise AttributeError(f"{kind} has no attribute {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("dsconf config objects are frozen")

    def __getitem__(self, key: str) -> Any:
        return materialize(self._data[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def model_dump(self) -> dict[str, Any]:
        """Plain data, like DeepSpeed's ``model_dump()`` (dtypes as their string names)."""
        return {k: dump(v) for k, v in self._data.items()}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Section):
            return self.model_dump() == other.model_dump()
        if isinstance(other, Mapping):
            return self.model_dump() == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        import json

        return hash(json.dumps(self.model_dump(), sort_keys=True, default=str))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._data.items())
        return f"{self._kind or 'Section'}({inner})"


class ExtraSection(Section):
    """A view with attributes that DeepSpeed keeps outside ``model_dump()`` (set after validation, or fields declared
    ``exclude=True``): readable as attributes, left out of the dump."""

    __slots__ = ("_extra",)

    def __init__(self, data: Mapping[str, Any], kind: str, extra: Mapping[str, Any]) -> None:
        super().__init__(data, kind)
        object.__setattr__(self, "_extra", dict(extra))

    def __getattr__(self, name: str) -> Any:
        extra = object.__getattribute__(self, "_extra")
        if name in extra:
            return extra[name]
        return super().__getattr__(name)


class Float16Section(Section):
    """``float16_config``: DeepSpeed's fp16 model, with its two methods."""

    __slots__ = ()

    def initial_dynamic_scale(self) -> int:
        return int(2 ** self._data["initial_scale_power"])

    def dynamic_loss_scale_args(self) -> dict[str, Any]:
        d = self._data
        return {
            "init_scale": 2 ** d["initial_scale_power"],
            "scale_window": d["loss_scale_window"],
            "delayed_shift": d["hysteresis"],
            "consecutive_hysteresis": d["consecutive_hysteresis"],
            "min_scale": d["min_loss_scale"],
        }


def dump(value: Any) -> Any:
    if isinstance(value, Section):
        return value.model_dump()
    if isinstance(value, Mapping):
        return {k: dump(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [dump(v) for v in value]
    if isinstance(value, Dtype):
        return str(value)
    return value
