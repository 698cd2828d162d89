"""The real DeepSpeed, as the oracle of the differential tests.

Everything that touches the installed ``deepspeed`` package lives here (and only here):

* importing it (for 0.7.7 a stand-in ``torch._six`` module is placed in ``sys.modules`` first; modern torch
  dropped that module and DeepSpeed 0.7.7 imports ``inf``, ``string_classes`` and ``int_classes`` from it);
* :func:`evaluate` -- run ``deepspeed.runtime.config.DeepSpeedConfig`` for a chosen world size without starting
  processes (``deepspeed.comm.get_rank`` / ``get_world_size`` are patched for the duration of the call);
* :func:`canonical` -- DeepSpeed's (and dsconf's) attribute values as plain, comparable data;
* :func:`compare` -- every attribute of a real ``DeepSpeedConfig`` against a dsconf config;
* :func:`differential` -- the four-way rule both the corpus test and the hypothesis property apply.

Only :func:`differential` imports dsconf (lazily); the rest works on either object through attributes.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import enum
import logging
import math
import os
import sys
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import PurePath
from typing import Any

__all__ = [
    "DEEPSPEED_AVAILABLE",
    "DS_VERSION",
    "IMPORT_ERROR",
    "IGNORED_ATTRIBUTES",
    "Mismatch",
    "Outcome",
    "Verdict",
    "canonical",
    "compare",
    "differential",
    "evaluate",
    "import_deepspeed",
    "install_torch_six_shim",
]

#: attributes of DeepSpeed's config that do not come from the JSON (the raw dict itself, the process rank)
IGNORED_ATTRIBUTES: frozenset[str] = frozenset({"_param_dict", "global_rank"})


# --------------------------------------------------------------------------------------------------- import


def install_torch_six_shim() -> None:
    """Make ``import torch._six`` work again (removed from torch long ago; DeepSpeed 0.7.7 still imports it).

    Test harness only: dsconf itself never needs it.
    """
    if "torch._six" in sys.modules:
        return
    shim = types.ModuleType("torch._six")
    shim.inf = math.inf  # type: ignore[attr-defined]
    shim.string_classes = (str, bytes)  # type: ignore[attr-defined]
    shim.int_classes = (int,)  # type: ignore[attr-defined]
    sys.modules["torch._six"] = shim
    try:
        import torch

        if not hasattr(torch, "_six"):
            torch._six = shim  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - torch is a dependency of deepspeed
        pass


def _installed_version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version("deepspeed")
    except metadata.PackageNotFoundError:
        return None


def _import() -> tuple[types.ModuleType | None, str | None]:
    version = _installed_version()
    if version is None:
        return None, "deepspeed is not installed"
    # DeepSpeed logs at INFO on import and for every config; keep test output readable.
    os.environ.setdefault("DS_ACCELERATOR", "cpu")
    if version.split(".")[:2] == ["0", "7"]:
        install_torch_six_shim()
    try:
        import deepspeed
        import deepspeed.comm
        import deepspeed.runtime.config
    except Exception as exc:  # noqa: BLE001 - any import failure means "no oracle"
        return None, f"deepspeed {version} is installed but does not import: {type(exc).__name__}: {exc}"
    try:
        from deepspeed.utils import logger as ds_logger

        ds_logger.setLevel(logging.ERROR)
    except Exception:  # noqa: BLE001  # pragma: no cover
        pass
    return deepspeed, None


_DEEPSPEED, IMPORT_ERROR = _import()
DEEPSPEED_AVAILABLE: bool = _DEEPSPEED is not None
#: the installed release (``deepspeed.__version__``), e.g. "0.19.8"; None when deepspeed is not importable
DS_VERSION: str | None = str(_DEEPSPEED.__version__).split("+")[0] if _DEEPSPEED is not None else None


def import_deepspeed() -> types.ModuleType:
    """The imported deepspeed package (raises ImportError with the reason when there is none)."""
    if _DEEPSPEED is None:
        raise ImportError(IMPORT_ERROR)
    return _DEEPSPEED


# --------------------------------------------------------------------------------------------------- evaluate


@dataclasses.dataclass
class Outcome:
    """What real DeepSpeed made of one config at one world size."""

    world_size: int
    config: Any = None  #: the DeepSpeedConfig object when accepted
    error_type: str | None = None  #: exception class name when rejected (raw crashes count as rejections)
    error: str | None = None  #: exception message when rejected

    @property
    def accepted(self) -> bool:
        return self.config is not None

    @property
    def rejected(self) -> bool:
        return self.config is None

    def describe(self) -> str:
        if self.accepted:
            return f"deepspeed {DS_VERSION} accepts (world_size={self.world_size})"
        return f"deepspeed {DS_VERSION} rejects (world_size={self.world_size}): {self.error_type}: {self.error}"

    def attributes(self) -> dict[str, Any]:
        """Canonical values of every compared attribute (empty when rejected)."""
        if self.config is None:
            return {}
        return {k: canonical(v) for k, v in sorted(vars(self.config).items()) if k not in IGNORED_ATTRIBUTES}


@contextmanager
def _patched_world(world_size: int, rank: int = 0) -> Iterator[None]:
    """``deepspeed.comm.get_rank`` / ``get_world_size`` return ``rank`` / ``world_size`` inside the block."""
    comm = import_deepspeed().comm
    saved = {name: getattr(comm, name) for name in ("get_rank", "get_world_size")}
    saved_env = os.environ.pop("DEEPSPEED_ELASTICITY_CONFIG", None)

    def get_rank(*_args: Any, **_kwargs: Any) -> int:
        return rank

    def get_world_size(*_args: Any, **_kwargs: Any) -> int:
        return world_size

    comm.get_rank = get_rank
    comm.get_world_size = get_world_size
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(comm, name, fn)
        if saved_env is not None:
            os.environ["DEEPSPEED_ELASTICITY_CONFIG"] = saved_env


def evaluate(config: Mapping[str, Any] | str | os.PathLike[str], world_size: int, mpu: Any = None) -> Outcome:
    """Run real ``DeepSpeedConfig`` on ``config`` as if ``world_size`` processes were running.

    A dict is deep-copied first (DeepSpeed mutates nested dicts of its input); a path is handed over as a string so
    DeepSpeed reads the file itself (strict JSON in 0.7.7, hjson in 0.19). Any exception -- DeepSpeed's own errors
    and its raw crashes (KeyError, NameError, TypeError, ZeroDivisionError, AssertionError, ...) -- is a rejection.
    """
    from deepspeed.runtime.config import DeepSpeedConfig as RealConfig

    arg: Any
    if isinstance(config, Mapping):
        arg = copy.deepcopy(dict(config))
    elif isinstance(config, os.PathLike):
        arg = os.fspath(config)
    else:
        arg = config
    with _patched_world(world_size):
        try:
            real = RealConfig(arg, mpu=mpu)
        except Exception as exc:  # noqa: BLE001 - pydantic, asserts, raw crashes: all of it is "rejects"
            return Outcome(world_size=world_size, error_type=type(exc).__name__, error=str(exc))
    return Outcome(world_size=world_size, config=real)


# --------------------------------------------------------------------------------------------------- canonical

#: what :func:`canonical` makes of a bare ``object()`` sentinel ("this key was not given")
UNSET = "<unset>"


def _is_torch_dtype(value: Any) -> bool:
    mod = sys.modules.get("torch")
    return mod is not None and isinstance(value, mod.dtype)


def canonical(value: Any) -> Any:
    """DeepSpeed's / dsconf's attribute values as plain data (dicts, lists, str, numbers, bool, None).

    pydantic v2 models -> ``model_dump()``; pydantic v1 models -> ``.dict()``; dsconf sections -> ``model_dump()``;
    DeepSpeed's plain config objects (``DeepSpeedConfigObject`` subclasses, 0.7.7's ``DeepSpeedMonitorConfig`` /
    ``DeepSpeedCommsConfig``, ...) -> their ``vars()``; torch dtypes -> ``str`` ("torch.float16"); paths -> ``str``;
    enums -> their value; tuples/sets -> lists; a bare ``object()`` sentinel -> ``"<unset>"``. Private attributes
    (leading underscore) of plain objects are skipped. Applied recursively.
    """
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, enum.Enum):  # before the str/int checks: DeepSpeed's enums are (str, Enum) / IntEnum
        return canonical(value.value)
    # subclasses of the scalars lose their class: 0.7.7's pp_int (an int that prints as "500,000,000"), str enums
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if _is_torch_dtype(value):
        return str(value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((canonical(v) for v in value), key=repr)
    # dsconf's lazy dtype (dsconf._section.Dtype): its str() is the torch name
    if type(value).__name__ == "Dtype" and type(value).__module__.startswith("dsconf"):
        return str(value)
    # pydantic v2 model, and dsconf's Section (same method name)
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        out = canonical(_v2_dump(value))
        # DeepSpeed's private "not given" sentinel (AutoEPConfig.expert_w3) counts as absent, as dsconf has it
        return {k: v for k, v in out.items() if v != UNSET} if isinstance(out, dict) else out
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    # pydantic v1 model (DeepSpeed 0.7.7)
    if _is_pydantic_v1_model(value):
        return canonical(_v1_dump(value))
    if hasattr(value, "__dict__") and not isinstance(value, type | types.ModuleType | types.FunctionType):
        plain = {k: canonical(v) for k, v in vars(value).items() if not k.startswith("_")}
        return {k: v for k, v in plain.items() if v != UNSET}  # DeepSpeed's "not given" sentinel: absent
    if type(value) is object:  # a bare sentinel (e.g. 0.19's AutoEPConfig.expert_w3 = _UNSET): "not given"
        return UNSET
    return repr(value)


def _v2_dump(model: Any) -> Any:
    """``model_dump()`` (which also carries computed fields), with the raw values of the instance dict on top.

    The raw values keep nested models as models, so the recursion in :func:`canonical` sees them; and DeepSpeed
    writes derived values straight into a model's ``__dict__`` (e.g. 0.19's ``offload_optimizer.pipeline``), which
    ``model_dump()`` skips but the engine reads.
    """
    try:
        dumped = model.model_dump()
    except Exception:  # noqa: BLE001 - a model with a deleted (deprecated) field may not dump itself
        dumped = {}
    if not isinstance(dumped, dict):
        return dumped
    try:
        raw = {k: v for k, v in vars(model).items() if not k.startswith("_")}
    except TypeError:  # __slots__ objects (dsconf's Section): their data (nested views kept) and extra attributes
        raw = {}
        for slot in ("_data", "_extra"):
            try:
                raw.update(object.__getattribute__(model, slot))
            except AttributeError:
                pass
    return {**dumped, **raw}


def _is_pydantic_v1_model(value: Any) -> bool:
    return any(
        c.__name__ == "BaseModel" and c.__module__.startswith("pydantic") for c in type(value).__mro__
    ) and hasattr(value, "__fields__")


def _v1_dump(model: Any) -> dict[str, Any]:
    # ``.dict()`` walks ``__fields__``; DeepSpeed 0.7.7 ``delattr``s deprecated fields after migrating them, which
    # makes ``.dict()`` fail -- then read the instance dict (where pydantic v1 keeps the values).
    try:
        return dict(model.dict())
    except Exception:  # noqa: BLE001
        return {k: v for k, v in vars(model).items() if not k.startswith("__")}


# --------------------------------------------------------------------------------------------------- compare


@dataclasses.dataclass(frozen=True)
class Mismatch:
    """One value that differs: ``path`` is the attribute name plus the key path inside it."""

    path: str
    dsconf: Any
    deepspeed: Any

    def __str__(self) -> str:
        return f"{self.path}: dsconf={_show(self.dsconf)} deepspeed={_show(self.deepspeed)}"


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


def _show(value: Any) -> str:
    if value is MISSING:
        return "<missing>"
    text = f"{value!r} ({type(value).__name__})"
    return text if len(text) <= 160 else text[:157] + "..."


def _same_scalar(a: Any, b: Any) -> bool:
    # bool is not a number here (True != 1); 1 == 1.0 (an exact int written as 5e8 or 1.0 is the same value to
    # every consumer of the config); NaN equals NaN.
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    numbers = (int, float)
    if type(a) is not type(b) and not (isinstance(a, numbers) and isinstance(b, numbers)):
        return False
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _diff(path: str, a: Any, b: Any, out: list[Mismatch]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            _diff(f"{path}.{key}", a.get(key, MISSING), b.get(key, MISSING), out)
        return
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(f"{path}[{i}]", x, y, out)
        return
    if not _same_scalar(a, b):
        out.append(Mismatch(path, a, b))


def compare(dsconf_obj: Any, ds_obj: Any) -> list[Mismatch]:
    """Every attribute of the real DeepSpeedConfig ``ds_obj`` (except the raw dict and the rank) against ``dsconf_obj``.

    Values are compared after :func:`canonical`, recursively, with exact types (``1`` != ``1.0`` != ``True``).
    An attribute dsconf lacks (or cannot read) is a mismatch.
    """
    out: list[Mismatch] = []
    for name in sorted(vars(ds_obj)):
        if name in IGNORED_ATTRIBUTES:
            continue
        expected = canonical(getattr(ds_obj, name))
        try:
            got = canonical(getattr(dsconf_obj, name))
        except Exception as exc:  # noqa: BLE001 - AttributeError or a "not in this target" error
            got = MISSING
            out.append(Mismatch(name, f"<{type(exc).__name__}: {exc}>", expected))
            continue
        _diff(name, got, expected, out)
    return out


def format_mismatches(mismatches: list[Mismatch], limit: int = 40) -> str:
    lines = [f"  {m}" for m in mismatches[:limit]]
    if len(mismatches) > limit:
        lines.append(f"  ... and {len(mismatches) - limit} more")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------- the rule

#: verdict kinds, in the words of the issue
BOTH_ACCEPT = "both-accept"
BOTH_REJECT = "both-reject"
STRICTER = "stricter"  # dsconf refuses on purpose what DeepSpeed accepts at parse time
MIGRATED = "migrated"  # dsconf migrates a legacy spelling the target DeepSpeed no longer reads


@dataclasses.dataclass
class Verdict:
    """The result of one differential check. ``failures`` empty means the check passed."""

    kind: str | None = None
    failures: list[str] = dataclasses.field(default_factory=list)
    reasons: list[str] = dataclasses.field(default_factory=list)  #: stricter reasons / migration warnings
    ours: Any = None
    real: Outcome | None = None

    @property
    def ok(self) -> bool:
        return not self.failures

    def report(self) -> str:
        return "\n".join(self.failures)


def _label(source: Any) -> str:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    text = repr(source)
    return text if len(text) <= 400 else text[:397] + "..."


def check_round_trip(ours: Any, world_size: int, target: str, verdict: Verdict) -> None:
    """``to_dict()`` is JSON-safe, dsconf reads it back to an equal config, and real DeepSpeed resolves it the same."""
    import json

    import dsconf

    try:
        plain = ours.to_dict()
        json.dumps(plain, allow_nan=False)
    except Exception as exc:  # noqa: BLE001
        verdict.failures.append(f"to_dict() is not plain JSON: {type(exc).__name__}: {exc}")
        return
    try:
        again = dsconf.DeepSpeedConfig(copy.deepcopy(plain), world_size=world_size, target=target)
    except Exception as exc:  # noqa: BLE001
        verdict.failures.append(f"dsconf rejects its own to_dict() {plain!r}: {type(exc).__name__}: {exc}")
        again = None
    if again is not None and again != ours:
        diffs = _self_diff(again, ours)
        verdict.failures.append(
            f"dsconf.DeepSpeedConfig(to_dict()) != original for to_dict()={plain!r}"
            + (":\n" + format_mismatches(diffs) if diffs else " (attributes equal; __eq__ sees another difference)")
        )
    real = evaluate(plain, world_size)
    if real.rejected:
        verdict.failures.append(f"real deepspeed rejects dsconf's to_dict() {plain!r}: {real.describe()}")
        return
    # the same dict on both sides: dsconf's reading of to_dict() against DeepSpeed's (the original may have
    # legacy spellings, which DeepSpeed records on its ZeRO model: those differ from to_dict() by design)
    mismatches = compare(again if again is not None else ours, real.config)
    if mismatches:
        verdict.failures.append(
            f"real deepspeed resolves dsconf's to_dict() differently ({len(mismatches)} values):\n"
            + format_mismatches(mismatches)
        )


def _self_diff(again: Any, ours: Any) -> list[Mismatch]:
    """Attribute differences between two dsconf configs (``dsconf`` = the re-read one, ``deepspeed`` = original)."""
    out: list[Mismatch] = []
    try:
        names = list(ours.attribute_names())
    except Exception:  # noqa: BLE001
        return out
    for name in names:
        try:
            a, b = canonical(getattr(again, name)), canonical(getattr(ours, name))
        except Exception as exc:  # noqa: BLE001
            out.append(Mismatch(name, f"<{type(exc).__name__}: {exc}>", MISSING))
            continue
        _diff(name, a, b, out)
    return out


def differential(source: Any, world_size: int, target: str, *, round_trip: bool = True) -> Verdict:
    """dsconf vs real DeepSpeed on one config (dict or path) at one world size, by the four-way rule.

    * both accept   -> every attribute equal (and, with ``round_trip``, :func:`check_round_trip`);
    * both reject   -> fine;
    * dsconf rejects, DeepSpeed accepts -> every problem must carry a ``stricter`` reason;
    * dsconf accepts, DeepSpeed rejects -> only when dsconf migrated legacy keys (warnings) and real DeepSpeed
      accepts ``to_dict()`` and resolves it to the same values.

    dsconf raising anything but ``DeepSpeedConfigError`` is a failure (no raw crash may reach a user).
    """
    import dsconf

    verdict = Verdict()
    real = evaluate(source, world_size)
    verdict.real = real
    arg = copy.deepcopy(source) if isinstance(source, Mapping) else source
    err: Exception | None = None
    try:
        ours = dsconf.DeepSpeedConfig(arg, world_size=world_size, target=target)
    except dsconf.DeepSpeedConfigError as exc:
        ours, err = None, exc
    except Exception as exc:  # noqa: BLE001
        verdict.failures.append(
            f"dsconf raised {type(exc).__name__} (not DeepSpeedConfigError) for {_label(source)} "
            f"at world_size={world_size}: {exc}\n  ({real.describe()})"
        )
        return verdict
    verdict.ours = ours
    where = f"{_label(source)} at world_size={world_size}, target={target}"

    if ours is not None and real.accepted:
        verdict.kind = BOTH_ACCEPT
        mismatches = compare(ours, real.config)
        if mismatches:
            verdict.failures.append(
                f"both accept {where}, but {len(mismatches)} values differ:\n" + format_mismatches(mismatches)
            )
        if round_trip:
            check_round_trip(ours, world_size, target, verdict)
    elif ours is None and real.rejected:
        verdict.kind = BOTH_REJECT
    elif ours is None:
        assert err is not None
        problems = list(getattr(err, "problems", ()))
        verdict.reasons = [f"{p.path}: {p.stricter}" for p in problems if getattr(p, "stricter", None)]
        if getattr(err, "only_stricter", False):
            verdict.kind = STRICTER
        else:
            not_stricter = [p for p in problems if not getattr(p, "stricter", None)] or problems
            verdict.failures.append(
                f"dsconf rejects {where}, real deepspeed accepts it, and these problems carry no stricter reason:\n"
                + "\n".join(f"  {p.render() if hasattr(p, 'render') else p}" for p in not_stricter)
                + f"\n  (full error: {err})"
            )
    else:
        # dsconf is more lenient only where it rewrites the input for DeepSpeed: legacy spellings it migrates and
        # "auto" in the batch triple it derives; to_dict() then carries today's keys / numbers (checked below)
        warnings = list(getattr(ours, "warnings", []) or [])
        warnings += [f'"auto" derived: {p}' for p in getattr(ours, "auto_derived", ())]
        verdict.reasons = warnings
        if not warnings:
            verdict.failures.append(f"dsconf accepts {where} without migrating anything, but {real.describe()}")
        else:
            verdict.kind = MIGRATED
            check_round_trip(ours, world_size, target, verdict)
    return verdict


# --------------------------------------------------------------------------------------------------- tally

#: how many checks ended in each verdict kind, and why dsconf was stricter / what it migrated (for the summary)
TALLY: collections.Counter[str] = collections.Counter()
REASONS: collections.Counter[str] = collections.Counter()
_summary_written = False


def record(verdict: Verdict) -> None:
    if verdict.kind is not None:
        TALLY[verdict.kind] += 1
    if verdict.kind in (STRICTER, MIGRATED):
        for reason in verdict.reasons:
            REASONS[f"{verdict.kind}: {reason}"] += 1


def summary_lines() -> list[str]:
    """Once per session: the verdict counts and the reasons (the conftests print this at the end)."""
    global _summary_written
    if _summary_written or not TALLY:
        return []
    _summary_written = True
    lines = [f"dsconf vs deepspeed {DS_VERSION}: " + ", ".join(f"{k} {n}" for k, n in sorted(TALLY.items()))]
    for reason, n in REASONS.most_common(30):
        lines.append(f"  {n:6d} x {reason}")
    return lines


def require(verdict: Any) -> None:
    """dsconf and DeepSpeed agree under the four-way rule, or the test fails with the full report."""
    assert verdict.ok, verdict.report()


def target_or_skip() -> str:
    """The installed release as the dsconf target; skips the calling test module when there is none to test."""
    import pytest

    from dsconf._releases import SUPPORTED_TARGETS

    if not DEEPSPEED_AVAILABLE:
        pytest.skip(f"real deepspeed is not importable: {IMPORT_ERROR}", allow_module_level=True)
    if DS_VERSION not in SUPPORTED_TARGETS:
        pytest.skip(f"installed deepspeed {DS_VERSION} is not a dsconf target ({', '.join(SUPPORTED_TARGETS)})",
                    allow_module_level=True)
    return str(DS_VERSION)
