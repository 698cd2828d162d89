"""Hypothesis strategies for DeepSpeed configs, and the hypothesis profiles of the property tests.

Profiles (select with the environment variable ``HYPOTHESIS_PROFILE``; default ``ci``):

* ``ci``   -- what the test command runs: the batch-math property at 10,000 examples, the whole-config,
  schema-config and consistent-triple properties at 1,000 each (about a minute per release: DeepSpeed parses a
  config in ~0.3 ms, hypothesis itself costs a few ms an example); without DeepSpeed, the no-crash property at
  10,000 and the round trips at 1,000 (convert: a handful, each composes with Hydra);
* ``long`` -- 1,000,000 examples for most properties (run it by hand or nightly: ``nox -s robustness``,
  ``HYPOTHESIS_PROFILE=long nox -s deepspeed``);
* ``dev``  -- a quick smoke run while editing (200 examples).

The counts are in ``_EXAMPLES``; the README's robustness figures are computed from them
(tests/unit/test_readme_robustness.py).

Load them with :func:`load_profile` (the conftests of ``tests/integration`` and ``tests/property`` do) and size a
test with ``@settings(max_examples=examples("batch"))``. :func:`schema_configs` draws over every section and key of
dsconf's schema (``wild``: with edge values, typos and keys in the wrong section; tame: values of each key's kind).

Every strategy produces plain JSON data (dicts, lists, str, int, float, bool, None) -- what a ds_config file can
hold -- deliberately including the values DeepSpeed mishandles: None, 0, negatives, huge integers, floats, strings,
booleans where numbers go, ``"auto"``, legacy spellings and unknown keys.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = [
    "PROFILE_ENV",
    "WORLD_SIZES",
    "batch_cases",
    "batch_configs",
    "batch_value",
    "config_cases",
    "configs",
    "consistent_batch_configs",
    "edge_values",
    "examples",
    "load_profile",
    "schema_configs",
    "schema_sections",
    "targets",
    "world_sizes",
]

PROFILE_ENV = "HYPOTHESIS_PROFILE"

#: max_examples per property kind, per profile
_EXAMPLES: dict[str, dict[str, int]] = {
    # robust: the no-crash property over the whole schema (fast suite, no DeepSpeed); roundtrip: resolve ->
    # to_dict -> resolve; convert: JSON -> YAML -> JSON through Hydra's compose (~0.5 s a composition)
    "ci": {"batch": 10_000, "config": 3_400, "robust": 10_000, "roundtrip": 1_000, "convert": 4},
    "long": {"batch": 1_000_000, "config": 1_000_000, "robust": 1_000_000, "roundtrip": 100_000, "convert": 2_000},
    "dev": {"batch": 200, "config": 200, "robust": 200, "roundtrip": 100, "convert": 2},
}

_COMMON: dict[str, Any] = {
    "deadline": None,  # the first call imports deepspeed/torch; timing is not what these tests check
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}

settings.register_profile("ci", max_examples=_EXAMPLES["ci"]["config"], **_COMMON)
settings.register_profile("long", max_examples=_EXAMPLES["long"]["config"], **_COMMON)
settings.register_profile("dev", max_examples=_EXAMPLES["dev"]["config"], **_COMMON)


def profile_name() -> str:
    name = os.environ.get(PROFILE_ENV, "ci")
    return name if name in _EXAMPLES else "ci"


def load_profile() -> str:
    """Activate the profile named by ``HYPOTHESIS_PROFILE`` (default ``ci``) and return its name."""
    name = os.environ.get(PROFILE_ENV, "ci")
    settings.load_profile(name)  # an unknown name raises InvalidArgument, which is what a typo deserves
    return name


SHARDS_ENV = "HYPOTHESIS_SHARDS"


def examples(kind: str) -> int:
    """``max_examples`` for a property of ``kind`` (a key of ``_EXAMPLES[profile]``) under the active profile.

    With ``HYPOTHESIS_SHARDS=N`` each process runs 1/N of it (rounded up): N processes with different
    ``--hypothesis-seed`` values share a long profile between cores (``nox -s robustness`` does this).
    """
    total = _EXAMPLES[profile_name()][kind]
    shards = max(1, int(os.environ.get(SHARDS_ENV, "1")))
    return -(-total // shards)


# ------------------------------------------------------------------------------------------------ world size

#: the world sizes of the issue, plus a few more that divide badly
WORLD_SIZES: tuple[int, ...] = (1, 2, 3, 8, 64)


def world_sizes() -> st.SearchStrategy[int]:
    return st.one_of(
        st.sampled_from(WORLD_SIZES),
        st.sampled_from(WORLD_SIZES),
        st.sampled_from([4, 16, 32, 128, 256, 512, 1024]),
        st.integers(min_value=1, max_value=1024),
    )


# ------------------------------------------------------------------------------------------------ batch math

_ABSENT: Any = object()


def batch_value() -> st.SearchStrategy[Any]:
    """One of T, M, G: mostly small positive ints (so that the arithmetic is exercised), plus the bad ones."""
    good = st.one_of(
        st.integers(min_value=1, max_value=64),
        st.sampled_from([1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 4096]),
    )
    bad = st.one_of(
        st.just(0),
        st.integers(min_value=-64, max_value=-1),
        st.integers(min_value=2**31, max_value=2**63),  # huge
        st.none(),  # explicit null: DeepSpeed treats it as absent
        st.sampled_from([8.0, 2.5, -1.0]),  # floats: DeepSpeed accepts 8.0 and propagates floats
        st.sampled_from([1e9, 1000000000, 1e3, 1000, -0.0]),  # the same number as a float and as an int
        st.sampled_from([float("nan"), float("inf"), float("-inf")]),
        st.sampled_from(["8", "auto", "true", "1", ""]),  # strings: DeepSpeed crashes in the arithmetic
        st.booleans(),  # bool is an int to DeepSpeed: True works as 1
    )
    return st.one_of(good, good, good, bad)


_BATCH_KEYS = ("train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps")


def bounded_for_deepspeed(config: dict[str, Any]) -> bool:
    """False for a batch triple that would make real DeepSpeed allocate gigabytes: it multiplies a string batch value
    by the others ("8" * G * W), i.e. builds a string that long -- {"train_micro_batch_size_per_gpu": "8",
    "gradient_accumulation_steps": 16660518791} at world size 13 took 16 GB in one example (this, not pytest's
    capture, was the differential properties' RSS growth). Strings stay, with the other values kept small."""
    values = [config.get(k) for k in _BATCH_KEYS]
    if not any(isinstance(v, str) for v in values):
        return True
    product = 1024  # the largest world size drawn
    for v in values:
        if isinstance(v, int) and not isinstance(v, bool):
            product *= max(abs(v), 1)
    return product <= 2**24


def batch_configs() -> st.SearchStrategy[dict[str, Any]]:
    """Configs holding any subset of the batch triple (each key absent, or any :func:`batch_value`)."""
    maybe = st.one_of(st.just(_ABSENT), st.just(_ABSENT), batch_value())
    return st.tuples(maybe, maybe, maybe).map(
        lambda t: {k: v for k, v in zip(_BATCH_KEYS, t, strict=True) if v is not _ABSENT}
    ).filter(bounded_for_deepspeed)


def consistent_batch_configs() -> st.SearchStrategy[tuple[dict[str, Any], int]]:
    """(config, world size) where T = M * G * W holds, with a random subset of the three keys given."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
        w = draw(st.one_of(st.sampled_from(WORLD_SIZES), st.integers(min_value=1, max_value=256)))
        m = draw(st.integers(min_value=1, max_value=64))
        g = draw(st.integers(min_value=1, max_value=64))
        full = {"train_batch_size": m * g * w, "train_micro_batch_size_per_gpu": m, "gradient_accumulation_steps": g}
        keys = draw(st.sets(st.sampled_from(sorted(full)), min_size=1))
        return {k: full[k] for k in keys}, w

    return build()


def batch_cases() -> st.SearchStrategy[tuple[dict[str, Any], int]]:
    """(config, world size): half any subset of any values, half consistent triples (so both verdicts are common)."""
    return st.one_of(st.tuples(batch_configs(), world_sizes()), consistent_batch_configs())


# ------------------------------------------------------------------------------------------------ sections

_AUTO = st.just("auto")


def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value for an optional key: absent (most often) or drawn from ``strategy``."""
    return st.one_of(st.just(_ABSENT), st.just(_ABSENT), strategy)


@st.composite
def _section(
    draw: st.DrawFn, fields: dict[str, st.SearchStrategy[Any]], rare: dict[str, st.SearchStrategy[Any]] | None = None
) -> dict[str, Any]:
    """A dict section: each of ``fields`` present with probability 1/3, each of ``rare`` (legacy spellings,
    typos) with probability 1/12."""
    out: dict[str, Any] = {}
    for key, strategy in fields.items():
        value = draw(_opt(strategy))
        if value is not _ABSENT:
            out[key] = value
    for key, strategy in (rare or {}).items():
        if draw(st.integers(0, 11)) == 0:
            out[key] = draw(strategy)
    return out


def _flag() -> st.SearchStrategy[Any]:
    return st.one_of(*[st.booleans()] * 6, _AUTO, st.sampled_from([0, 1, "true", "false", "True", 1.0, None]))


def fp16_sections() -> st.SearchStrategy[dict[str, Any]]:
    return _section(
        {
            "enabled": _flag(),
            "auto_cast": _flag(),
            "loss_scale": st.one_of(st.sampled_from([0, 0.0, 1, 128, 65536.0, -1, "auto"]), st.floats(0, 1e6)),
            "initial_scale_power": st.one_of(st.integers(0, 40), st.just(-1)),
            "loss_scale_window": st.one_of(st.integers(0, 5000), st.sampled_from([-1, 1.5])),
            "hysteresis": st.integers(0, 10),
            "consecutive_hysteresis": st.booleans(),
            "min_loss_scale": st.one_of(st.integers(0, 10), st.sampled_from([-1, 0.5])),
            "fp16_master_weights_and_grads": st.booleans(),
        }
    )


def bf16_sections() -> st.SearchStrategy[dict[str, Any]]:
    return _section({"enabled": _flag(), "immediate_grad_update": st.booleans()})


def offload_sections(param: bool) -> st.SearchStrategy[Any]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        "device": st.sampled_from(["cpu", "nvme", "none", "gpu", "CPU"]),
        "nvme_path": st.sampled_from(["/local_nvme", "/tmp/nvme"]),
        "pin_memory": st.booleans(),
        "buffer_count": st.one_of(st.integers(0, 8), st.just(-1)),
    }
    if param:
        fields.update({"buffer_size": st.sampled_from([1e8, 100000000, 2**31]), "max_in_cpu": st.just(1e9)})
    else:
        fields.update({"pipeline_read": st.booleans(), "pipeline_write": st.booleans(), "fast_init": st.booleans()})
    return st.one_of(st.none(), _section(fields))


def zero_sections() -> st.SearchStrategy[Any]:
    stage = st.one_of(*[st.integers(0, 3)] * 4, st.sampled_from([4, -1, "2", 2.0, True, "auto"]))
    size = st.one_of(*[st.sampled_from([5e8, 2e8, 500000000, 16777216, 0])] * 4, st.sampled_from([-1, 5.5, "auto"]))
    section = _section(
        {
            "stage": stage,
            "contiguous_gradients": _flag(),
            "overlap_comm": _flag(),
            "reduce_scatter": st.booleans(),
            "reduce_bucket_size": size,
            "allgather_bucket_size": size,
            "allgather_partitions": st.booleans(),
            "sub_group_size": size,
            "offload_optimizer": offload_sections(param=False),
            "offload_param": offload_sections(param=True),
            "stage3_prefetch_bucket_size": size,
            "stage3_param_persistence_threshold": size,
            "stage3_max_live_parameters": size,
            "stage3_gather_16bit_weights_on_model_save": st.booleans(),
        },
        {
            # legacy spellings (0.7.x era)
            "cpu_offload": st.booleans(),
            "cpu_offload_param": st.booleans(),
            "stage3_gather_fp16_weights_on_model_save": st.booleans(),
            # typos / unknown keys (zero_optimization forbids extras in every release)
            "overlap_com": st.booleans(),
        },
    )
    return st.one_of(section, section, section, st.booleans())  # bool: the legacy form


def optimizer_sections() -> st.SearchStrategy[dict[str, Any]]:
    params = st.fixed_dictionaries(
        {"lr": st.one_of(st.floats(1e-6, 1.0), _AUTO)},
        optional={"weight_decay": st.floats(0, 0.1), "max_grad_norm": st.sampled_from([0.0, 1.0]), "eps": _AUTO},
    )
    return _section(
        {
            "type": st.sampled_from(["Adam", "AdamW", "adam", "Lamb", "OneBitAdam", "SGD", "Adagrad", "lion"]),
            "params": params,
            "legacy_fusion": st.booleans(),
        },
        {"tpye": st.just("Adam")},  # typo
    )


def scalar_keys() -> dict[str, st.SearchStrategy[Any]]:
    return {
        "gradient_clipping": st.one_of(st.sampled_from([0.0, 1.0, 0.5, 1, "auto", "1.0"]), st.floats(0, 10),
                                       st.sampled_from([-1.0, 1e9, float("nan"), float("inf"), True, 10**30])),
        "steps_per_print": st.one_of(st.integers(1, 10_000), st.sampled_from([0, None, 1e9, 1000000000, -1, 2.5])),
        "prescale_gradients": st.booleans(),
        "gradient_predivide_factor": st.sampled_from([1.0, 2, 8.0]),
        "wall_clock_breakdown": st.booleans(),
        "communication_data_type": st.sampled_from(["fp16", "fp32", "bf16", "bfp16", "FP16", "int8", None, 16]),
        "zero_allow_untested_optimizer": st.booleans(),
        "dataloader_drop_last": st.booleans(),
        "allgather_size": st.sampled_from([250000000, 5e8]),
    }


#: plausible unknown top-level keys: typos of real keys and keys from other tools
UNKNOWN_TOP_LEVEL_KEYS: tuple[str, ...] = (
    "train_batch_szie",
    "gradient_clip",
    "fp16_enabled",
    "zero_stage",
    "micro_batch_size",
    "steps_per_prnt",
    "gradient_accumulation",
    "zero_optimisation",
)


def configs() -> st.SearchStrategy[dict[str, Any]]:
    """Whole ds_config dicts (see :func:`config_cases`), world size left to the caller."""
    return config_cases().map(lambda case: case[0])


def config_cases() -> st.SearchStrategy[tuple[dict[str, Any], int]]:
    """(config, world size): batch triple (consistent three times in four), precision, ZeRO (with offload and
    legacy forms), optimizer, a few scalars, sometimes an unknown key, sometimes ``"auto"``."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
        if draw(st.integers(0, 3)) == 0:
            cfg, world = draw(st.tuples(batch_configs(), st.sampled_from(WORLD_SIZES)))
        else:
            cfg, world = draw(consistent_batch_configs())
        if draw(st.booleans()):
            cfg["fp16"] = draw(fp16_sections())
        precision = draw(st.sampled_from(["none", "none", "bf16", "bf16", "bfloat16", "both"]))
        if precision in ("bf16", "both"):
            cfg["bf16"] = draw(bf16_sections())
        if precision in ("bfloat16", "both"):
            cfg["bfloat16"] = draw(bf16_sections())
        if draw(st.booleans()):
            cfg["zero_optimization"] = draw(zero_sections())
        if draw(st.integers(0, 3)) == 0:
            cfg["optimizer"] = draw(optimizer_sections())
        for key, strategy in scalar_keys().items():
            if draw(st.integers(0, 5)) == 0:
                cfg[key] = draw(strategy)
        if draw(st.integers(0, 11)) == 0:
            cfg[draw(st.sampled_from(UNKNOWN_TOP_LEVEL_KEYS))] = draw(st.one_of(st.integers(1, 64), st.booleans()))
        return cfg, world

    return build()


# ------------------------------------------------------------------------------------------------ the whole schema
# Robustness: configs over every section and key of dsconf's schema, each value drawn from the key's own kind
# (valid values, its choices and bounds) or from the edge values below, with unknown keys, legacy spellings and keys
# nested in the wrong section mixed in. Used by the no-crash and round-trip properties (no DeepSpeed needed).

#: numbers at the edges: 0, negatives, huge, NaN and infinities, 1e9 vs 1000000000, -0.0, fractions
EDGE_NUMBERS: tuple[Any, ...] = (
    0, -1, 1, 2, -(2**31), 2**31, 2**53 + 1, 2**63, 10**30, 10**400, 1e9, 1000000000, 5e8, 1e308, 1e-308, -0.0,
    0.5, 1.5, float("nan"), float("inf"), float("-inf"),
)
#: strings where numbers and booleans go: booleans and numbers as strings, "auto", the empty string
EDGE_STRINGS: tuple[str, ...] = (
    "", " ", "auto", "AUTO", "true", "false", "True", "1", "0", "-1", "8", "1e9", "1000000000", "nan", "inf",
    "null", "None", "yes", "cpu", "nvme", "fp16", "\u00e9\u00df\u2603", "\x00",
)


def edge_values() -> st.SearchStrategy[Any]:
    """Any JSON value at an edge: the numbers and strings above, booleans, null, empty and small containers."""
    return st.one_of(
        st.sampled_from(EDGE_NUMBERS),
        st.sampled_from(EDGE_STRINGS),
        st.booleans(),
        st.none(),
        st.sampled_from([[], {}, [1, 2], [True], ["a"], {"enabled": True}, {"": 1}, [[]], [None]]),
    )


def _spec() -> Any:
    from dsconf.load import root_spec  # imported lazily: strategies.py is loaded by every conftest

    return root_spec()


@functools.cache
def _all_key_names() -> list[str]:
    from dsconf.schema._spec import walk

    return sorted({n for f in walk(_spec()) for n in f.names})


def _good_value(f: Any, depth: int, wild: bool) -> st.SearchStrategy[Any]:
    """A value of the field's own kind (within its choices and bounds most of the time)."""
    info = f.info
    kind = f.kind
    if f.section is not None:
        return schema_sections(f.section, depth + 1, wild)
    if f.variants is not None:
        return st.one_of(*[schema_sections(f.variants[k], depth + 1, wild) for k in sorted(f.variants)])
    if info.choices:
        return st.sampled_from(list(info.choices))
    if kind == "bool":
        return st.booleans()
    if kind == "enum":
        return st.sampled_from([m.value for m in f.enum_cls])
    if kind in ("int", "float"):
        lo = info.ge if info.ge is not None else (info.gt + 1 if info.gt is not None else 0)
        hi = info.le if info.le is not None else (info.lt - 1 if info.lt is not None else 4096)
        lo, hi = int(min(lo, hi)), int(max(lo, hi))
        ints = st.integers(lo, hi)
        if kind == "int":
            return ints
        return st.one_of(ints, st.floats(lo, hi, allow_nan=False), st.sampled_from([1e-3, 0.1, 1.0]))
    if kind == "str":
        # "auto" in a free string field: DeepSpeed's config models replace it by the default
        # (tensorboard.output_path: "auto" -> ""); dsconf refuses it as stricter, naming that default
        strings = ["cpu", "none", "fp16", "bf16", "fp32", "/tmp/x", "auto"]
        return st.one_of(st.sampled_from(strings), st.text(max_size=8))
    plain = st.one_of(st.integers(0, 64), st.text(max_size=6), st.booleans())  # tame: no NaN, no edge numbers
    anything = edge_values() if wild else plain
    if kind == "list":
        item = {"int": st.integers(0, 64), "float": st.floats(0, 1), "str": st.text(max_size=6),
                "bool": st.booleans()}.get(f.item_kind or "", anything)
        return st.lists(item, max_size=4)
    if kind == "dict":
        return st.dictionaries(st.text(max_size=6), anything, max_size=3)
    return anything


_FIELD_VALUES: dict[tuple[int, int, bool], st.SearchStrategy[Any]] = {}


def _field_value(f: Any, depth: int, wild: bool) -> st.SearchStrategy[Any]:
    """``wild``: of the key's kind five times in eight, else an edge value, the default, or "auto"; tame: of the
    key's kind. Built once per field (building a strategy costs more than running an example)."""
    key = (id(f), depth, wild)
    if key not in _FIELD_VALUES:
        good = _good_value(f, depth, wild)
        default = f.default if f.section is None and f.variants is None else None
        _FIELD_VALUES[key] = (st.one_of(*[good] * 5, edge_values(), st.just(default), _AUTO) if wild else good)
    return _FIELD_VALUES[key]


@st.composite
def _typo(draw: st.DrawFn, name: str) -> str:
    """A near miss of a key name: one character dropped, doubled or swapped, or the case changed."""
    if len(name) < 2:
        return name + "x"
    i = draw(st.integers(0, len(name) - 2))
    how = draw(st.sampled_from(["drop", "double", "swap", "upper"]))
    if how == "drop":
        return name[:i] + name[i + 1:]
    if how == "double":
        return name[:i] + name[i] + name[i:]
    if how == "swap":
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return name.upper()


@st.composite
def _schema_section(draw: st.DrawFn, spec: Any, depth: int, wild: bool) -> dict[str, Any]:
    section = spec
    if section.variants:  # e.g. sparse_attention: the keys of one mode
        section = section.variants[draw(st.sampled_from(sorted(section.variants)))]
    fields = list(section.fields.values())
    if not wild:  # keys every supported release reads, and not the batch triple (drawn consistent beforehand)
        fields = [f for f in fields if f.info.added is None and f.info.removed is None and f.name not in _TAME_SKIP]
    most = 6 if depth == 0 else 3
    chosen = draw(st.lists(st.sampled_from(fields), max_size=min(most, len(fields)),
                           unique_by=lambda f: f.name)) if fields else []
    out: dict[str, Any] = {}
    for f in chosen:
        name = draw(st.sampled_from(f.names)) if len(f.names) > 1 and draw(st.integers(0, 3)) == 0 else f.name
        out[name] = draw(_field_value(f, depth, wild)) if depth < 3 else draw(edge_values())
    if not wild:
        return out
    extra = draw(st.integers(0, 9))
    if extra == 0 and fields:  # a typo of one of this section's keys
        out[draw(_typo(draw(st.sampled_from(fields)).name))] = draw(edge_values())
    elif extra == 1:  # a key that belongs somewhere else (nesting in the wrong section)
        out[draw(st.sampled_from(_all_key_names()))] = draw(edge_values())
    elif extra == 2:  # not a key of anything
        out[draw(st.text(max_size=10))] = draw(edge_values())
    return out


_SECTIONS: dict[tuple[int, int, bool], st.SearchStrategy[dict[str, Any]]] = {}


def schema_sections(spec: Any = None, depth: int = 0, wild: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """One section of the schema (the whole config when ``spec`` is None): a few of its keys (under any of
    their spellings, legacy ones included), each with a value from :func:`_field_value`; sometimes a typo of one of
    its keys, a key of another section (nesting in the wrong place) or a key that is nobody's. Keys their
    siblings need go missing on their own (only a few keys of a section are drawn). Tame (``wild=False``): values
    of each key's own kind only, no extra keys."""
    spec = spec if spec is not None else _spec()
    key = (id(spec), depth, wild)
    if key not in _SECTIONS:  # strategies are built once: building one costs more than an example
        _SECTIONS[key] = _schema_section(spec, depth, wild)
    return _SECTIONS[key]


@st.composite
def _schema_config(draw: st.DrawFn, wild: bool) -> dict[str, Any]:
    cfg = draw(_BATCH_OR_CONSISTENT if wild else _CONSISTENT)
    cfg.update(draw(schema_sections(wild=wild)))
    if not bounded_for_deepspeed(cfg):  # the schema's own batch keys may have brought a string and a huge number
        for k in _BATCH_KEYS:
            if isinstance(cfg.get(k), int) and not isinstance(cfg[k], bool) and abs(cfg[k]) > 64:
                cfg[k] = 64
    return cfg


#: left out of tame configs: the batch triple (drawn consistent first)
_TAME_SKIP = frozenset({"train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps"})


def _with_micro(config: dict[str, Any]) -> dict[str, Any]:
    if "train_batch_size" not in config and "train_micro_batch_size_per_gpu" not in config:
        config["train_micro_batch_size_per_gpu"] = 1  # G alone is refused by DeepSpeed ("needs to be provided")
    return config


_CONSISTENT = st.deferred(lambda: consistent_batch_configs().map(lambda c: _with_micro(c[0])))
_BATCH_OR_CONSISTENT = st.deferred(lambda: st.one_of(batch_configs(), _CONSISTENT))


def schema_configs(wild: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Whole configs over the schema: a batch triple (any values, or consistent so that resolving gets past the
    batch math), then any sections and top-level keys (see :func:`schema_sections`); ``wild=False`` for configs
    that mostly resolve (a consistent triple, values of each key's kind)."""
    return _schema_config(wild)


def targets() -> st.SearchStrategy[str]:
    from dsconf._releases import SUPPORTED_TARGETS

    return st.sampled_from(list(SUPPORTED_TARGETS))
