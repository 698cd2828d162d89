"""DeepSpeed's constant names (``deepspeed.runtime.constants`` and the name constants of ``runtime/config.py`` and
``runtime/lr_schedules.py``), derived from the schema for one release.

The derivation is mechanical:

* every top-level key: ``NAME = "key"`` and, for a plain value, ``NAME_DEFAULT = <the release's default>``;
* the keys of the sections in :data:`_EXPANDED` get the section's prefix (``fp16.loss_scale`` -> ``FP16_LOSS_SCALE``;
  the prefix is the section's ``section_meta(constant=...)``, else its name upper-cased); a key already spelled with
  the prefix is not prefixed twice (``FP16_MASTER_WEIGHTS_AND_GRADS``); a key DeepSpeed names irregularly carries
  ``key(..., constant="NAME")`` in the schema;
* optimizer names, ``DEEPSPEED_OPTIMIZERS``, the LR schedule names and ``VALID_LR_SCHEDULES`` come from the variant
  tables of ``optimizer.params`` / ``scheduler.params`` (with each params class's ``added``/``removed``);
* ``*_FORMAT`` texts are generated from the help text and the release's defaults (DeepSpeed's own texts are prose);
* :data:`_SPECIAL` is the one table of names DeepSpeed spells irregularly. Its entries read key names and defaults
  from the spec; only values that are no key of the config (routes, internal names, stale constants) are literal.
"""

from __future__ import annotations

import copy
import json
import re
import types
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from .._releases import SUPPORTED_TARGETS, Release
from ..schema._spec import FieldSpec, SectionSpec

# sections whose keys DeepSpeed names with a prefix -> the prefix when it is not the section's own
# (section_meta(constant=...) or its key upper-cased); "" means the keys are named without a prefix
_EXPANDED: dict[str, str | None] = {
    "fp16": None,
    "bf16": None,
    "torch_autocast": None,
    "amp": None,
    "sparse_attention": None,
    "progressive_layer_drop": None,
    "curriculum_learning": None,
    "eigenvalue": None,
    "checkpoint": None,
    "checkpoint.parallel_write": None,
    "data_types": "",
    "optimizer": None,
    "scheduler": None,
}

# optimizer type -> DeepSpeed's constant stem where it is not the type upper-cased
_OPTIMIZER_STEMS = {"onebitadam": "ONEBIT_ADAM", "onebitlamb": "ONEBIT_LAMB", "zerooneadam": "ZERO_ONE_ADAM"}


def _root() -> SectionSpec:
    from ..load import root_spec

    return root_spec()


def _field(path: str) -> FieldSpec:
    """The spec of a key by dotted path; ``optimizer.params[adam].torch_adam`` picks a variant."""
    spec: SectionSpec | None = _root()
    found: FieldSpec | None = None
    for part in path.split("."):
        name, _, variant = part.partition("[")
        assert spec is not None, path
        found = spec.fields[name]
        if variant:
            assert found.variants is not None, path
            spec = found.variants[variant.rstrip("]")]
        else:
            spec = found.section
    assert found is not None
    return found


def _key(path: str) -> Callable[[Release], Any]:
    return lambda rel: _field(path).name


def _default(path: str) -> Callable[[Release], Any]:
    return lambda rel: _field(path).default_for(rel)


def _choices(path: str) -> tuple[Any, ...]:
    choices = _field(path).info.choices
    assert choices is not None, path
    return choices


def _literal(value: Any) -> Callable[[Release], Any]:
    return lambda rel: copy.deepcopy(value)


def _legacy_bf16_name(rel: Release) -> str:
    from .._migrate import RENAMES

    (old,) = [r.old for r in RENAMES if r.new == _field("bf16").name]
    return old


# name -> (first release that has it, release that dropped it, value for the release). The one table of irregular
# names; values come from the spec unless they are no key of the config.
_SPECIAL: dict[str, tuple[str | None, str | None, Callable[[Release], Any]]] = {
    # engine routes and internal names (not config keys)
    "ROUTE_TRAIN": (None, None, _literal("train")),
    "ROUTE_EVAL": (None, None, _literal("eval")),
    "ROUTE_PREDICT": (None, None, _literal("predict")),
    "ROUTE_ENCODE": (None, None, _literal("encode")),
    "PIPE_REPLICATED": (None, None, _literal("ds_pipe_replicated")),
    "DATA_PARALLEL_GROUP": ("0.19.6", None, _literal("data_parallel_group")),
    "GLOBAL_RANK": ("0.19.6", None, _literal("global_rank")),
    "DDP_BFLOAT16": ("0.19.6", None, _literal("ddp_bf16")),
    "TENSOR_CORE_ALIGN_SIZE": (None, None, _literal(8)),
    "LR_SCHEDULE": (None, None, _literal("lr_schedule")),
    "EDGE_VALUE": (None, None, _literal("edge_value")),
    "MID_VALUE": (None, None, _literal("mid_value")),
    "WARMUP_LOG_RATE": (None, None, _literal("log")),
    "WARMUP_LINEAR_RATE": (None, None, _literal("linear")),
    # DynamicLossScaler keyword names (runtime/fp16/loss_scaler.py), the keys of get_dynamic_loss_scale_args
    "INITIAL_LOSS_SCALE": (None, None, _literal("init_scale")),
    "SCALE_WINDOW": (None, None, _literal("scale_window")),
    "DELAYED_SHIFT": (None, None, _literal("delayed_shift")),
    "MIN_LOSS_SCALE": (None, None, _literal("min_scale")),
    "CONSECUTIVE_HYSTERESIS": ("0.19.6", None, _literal("consecutive_hysteresis")),
    # stale constants DeepSpeed 0.19.x keeps beside its pydantic bf16 model (the model, i.e. the schema, is what
    # DeepSpeed applies: check_grad_overflow defaults to True, immediate_grad_update to False)
    "CHECK_OVERFLOW": ("0.19.6", None, _literal("check_overflow")),
    "BFLOAT16_CHECK_OVERFLOW_DEFAULT": ("0.19.6", None, _literal(False)),
    "BFLOAT16_IMMEDIATE_GRAD_UPDATE_DEFAULT": ("0.19.6", None, _literal(True)),
    # irregular names of keys
    "TYPE": (None, None, _key("optimizer.type")),
    "MAX_GRAD_NORM": (None, None, _key("optimizer.params[adam].max_grad_norm")),
    "TORCH_ADAM_PARAM": (None, None, _key("optimizer.params[adam].torch_adam")),
    "ADAM_W_MODE": (None, None, _key("optimizer.params[adam].adam_w_mode")),
    "ADAM_W_MODE_DEFAULT": (None, None, _default("optimizer.params[adam].adam_w_mode")),
    "BFLOAT16_OLD": (None, None, _legacy_bf16_name),
    "CHECKPOINT_TAG_VALIDATION_MODES": (None, None, lambda rel: list(_choices("checkpoint.tag_validation"))),
    "GRADIENT_ALLREDUCE_OP_MEAN": ("0.19.6", None, lambda rel: _choices("gradient_allreduce_op")[0]),
    "GRADIENT_ALLREDUCE_OP_SUM": ("0.19.6", None, lambda rel: _choices("gradient_allreduce_op")[1]),
    "GRADIENT_ALLREDUCE_OP_SUPPORTED": ("0.19.6", None, lambda rel: tuple(_choices("gradient_allreduce_op"))),
    "GRADIENT_ACCUMULATION_FORMAT": (None, None, lambda rel: _format(_field("gradient_accumulation_steps"), rel)),
}


def _snake(camel: str) -> str:
    """``LRRangeTest`` -> ``LR_RANGE_TEST``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", camel).upper()


def _class_known(cls: type, rel: Release) -> bool:
    meta: dict[str, Any] = getattr(cls, "__dsconf__", {})
    added, removed = meta.get("added"), meta.get("removed")
    return (added is None or rel >= Release(added)) and (removed is None or rel < Release(removed))


def _example(f: FieldSpec, rel: Release) -> Any:
    if f.section is not None:
        return {s.name: _example(s, rel) for s in f.section.fields.values() if s.known_in(rel)}
    return f.default_for(rel)


def _format(f: FieldSpec, rel: Release) -> str:
    """A ``*_FORMAT`` text: what the key is and how it is written, with the release's defaults."""
    example = json.dumps({f.name: _example(f, rel)}, indent=2, default=str)[1:-1].strip("\n")
    lines = "\n".join(line[2:] for line in example.splitlines())
    return f"\n{f.info.help or f.name} It is written as:\n{lines}\n"


def _section_fields(spec: SectionSpec) -> Iterator[FieldSpec]:
    """The fields of a section and of its variants (a key several variants share: the first one)."""
    seen: set[str] = set()
    for s in (spec, *(spec.variants or {}).values()):
        for f in s.fields.values():
            if f.name not in seen:
                seen.add(f.name)
                yield f


class _Names:
    def __init__(self, rel: Release) -> None:
        self.rel = rel
        self.values: dict[str, Any] = {}
        self.origin: dict[str, str] = {}

    def add(self, name: str, value: Any, origin: str) -> None:
        if name in self.values and self.values[name] != value:
            raise AssertionError(
                f"dsconf.constants: {name} derived twice with different values "
                f"({self.origin[name]}: {self.values[name]!r}, {origin}: {value!r}); give one key a constant="
            )
        self.values.setdefault(name, value)
        self.origin.setdefault(name, origin)

    def key(self, f: FieldSpec, prefix: str) -> str:
        """Add ``NAME`` (and ``NAME_DEFAULT`` for a plain value) for one key; returns NAME."""
        if f.info.constant:
            name = f.info.constant
        else:
            upper = f.name.upper()
            name = upper if not prefix or upper.startswith(prefix + "_") else f"{prefix}_{upper}"
        self.add(name, f.name, f.path)
        if f.section is None:
            self.add(name + "_DEFAULT", f.default_for(self.rel), f.path)
        return name


def _section_prefix(f: FieldSpec, name: str) -> str:
    override = _EXPANDED.get(f.path)
    if override is not None:
        return override
    assert f.section is not None
    meta: dict[str, Any] = getattr(f.section.cls, "__dsconf__", {})
    return str(meta.get("constant") or name)


def _expand(names: _Names, spec: SectionSpec, prefix: str) -> None:
    rel = names.rel
    for f in _section_fields(spec):
        if not f.known_in(rel):
            continue
        if f.section is not None:
            name = names.key(f, prefix)
            if f.path in _EXPANDED:
                _expand(names, f.section, _section_prefix(f, name))
        else:
            names.key(f, prefix)


@cache
def _derive(release: str) -> dict[str, Any]:
    rel = Release(release)
    names = _Names(rel)
    root = _root()
    for f in root.fields.values():
        if not f.known_in(rel):
            continue
        name = names.key(f, "")
        names.add(name + "_FORMAT", _format(f, rel), f.path)
        if f.section is not None and f.path in _EXPANDED:
            _expand(names, f.section, _section_prefix(f, name))
    # sparse attention modes: SPARSE_<MODE>_MODE, from the mode variants
    sparse = root.fields["sparse_attention"]
    if sparse.known_in(rel) and sparse.section is not None and sparse.section.variants:
        for mode in sparse.section.variants:
            names.add(f"SPARSE_{mode.upper()}_MODE", mode, "sparse_attention.mode")
    # optimizer names, in DeepSpeed's DEEPSPEED_OPTIMIZERS order (the variant table's order)
    opt_params = root.fields["optimizer"].section
    assert opt_params is not None
    variants = opt_params.fields["params"].variants or {}
    own = [t for t, v in variants.items() if _class_known(v.cls, rel)]
    for t in own:
        names.add(f"{_OPTIMIZER_STEMS.get(t, t.upper())}_OPTIMIZER", t, "optimizer.type")
    names.add("DEEPSPEED_OPTIMIZERS", own, "optimizer.type")
    # LR schedules: names (class names from the params classes), VALID_LR_SCHEDULES, and their parameter names
    sched = root.fields["scheduler"].section
    assert sched is not None
    schedules: list[str] = []
    for v in (sched.fields["params"].variants or {}).values():
        if not _class_known(v.cls, rel):
            continue
        cls_name = str(getattr(v.cls, "__dsconf__", {})["name"])
        schedules.append(cls_name)
        names.add(_snake(cls_name), cls_name, "scheduler.type")
        for p in v.fields.values():
            names.add(p.name.upper(), p.name, p.path)
    names.add("VALID_LR_SCHEDULES", schedules, "scheduler.type")
    for name, (first, last, value) in _SPECIAL.items():
        if (first is None or rel >= Release(first)) and (last is None or rel < Release(last)):
            names.values[name] = value(rel)
            names.origin[name] = "special"
    return names.values


def for_release(release: str | Release) -> types.SimpleNamespace:
    """DeepSpeed's constants as ``release`` defines them (a fresh namespace: mutating it changes nothing here)."""
    rel = release if isinstance(release, Release) else Release(str(release))
    if rel.text not in SUPPORTED_TARGETS:
        from .._releases import choose_target

        choose_target(rel.text)  # raises DeepSpeedConfigError naming the supported targets
    values = copy.deepcopy(_derive(rel.text))
    values["ValidationMode"] = _validation_mode()
    return types.SimpleNamespace(**values)


def names_for(release: str | Release) -> dict[str, Any]:
    """``for_release`` as a dict (name -> value)."""
    return dict(vars(for_release(release)))


def _validation_mode() -> type:
    """DeepSpeed's ValidationMode class (WARN, IGNORE, FAIL: the choices of checkpoint.tag_validation)."""
    modes = {m: m for m in _choices("checkpoint.tag_validation")}
    return type("ValidationMode", (), modes)


def module_level() -> dict[str, Any]:
    """The names of ``dsconf.constants``: the newest release's values; a name it no longer has keeps the value of
    0.7.7 (every name of 0.7.7's runtime/constants.py exists), and names only 0.19.6 had keep 0.19.6's.
    """
    order = [SUPPORTED_TARGETS[-1], *SUPPORTED_TARGETS[:-1]]
    out: dict[str, Any] = {}
    for release in order:
        for name, value in names_for(release).items():
            out.setdefault(name, value)
    return out


def special_names() -> tuple[str, ...]:
    """The names the irregular-names table defines (the rest is derived key by key)."""
    return tuple(_SPECIAL)
