"""Hypothesis strategies for DeepSpeed configs, and the hypothesis profiles of the property tests.

Profiles (select with the environment variable ``HYPOTHESIS_PROFILE``; default ``ci``):

* ``ci``   -- what the test command runs: the batch-math property at 10,000 examples, the whole-config property
  at 1,000 and the consistent-triple property at 1,000 (about a minute per release: DeepSpeed parses a config in
  ~0.3 ms, hypothesis itself costs a few ms an example);
* ``long`` -- 1,000,000 examples for every property (run it by hand or nightly);
* ``dev``  -- a quick smoke run while editing (200 examples).

Load them with :func:`load_profile` (the conftests of ``tests/integration`` and ``tests/property`` do) and size a
test with ``@settings(max_examples=examples("batch"))``.

Every strategy produces plain JSON data (dicts, lists, str, int, float, bool, None) -- what a ds_config file can
hold -- deliberately including the values DeepSpeed mishandles: None, 0, negatives, huge integers, floats, strings,
booleans where numbers go, ``"auto"``, legacy spellings and unknown keys.
"""

from __future__ import annotations

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
    "examples",
    "load_profile",
    "world_sizes",
]

PROFILE_ENV = "HYPOTHESIS_PROFILE"

#: max_examples per property kind, per profile
_EXAMPLES: dict[str, dict[str, int]] = {
    "ci": {"batch": 10_000, "config": 1_000},
    "long": {"batch": 1_000_000, "config": 1_000_000},
    "dev": {"batch": 200, "config": 200},
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


def examples(kind: str) -> int:
    """``max_examples`` for a property of ``kind`` ("batch" or "config") under the active profile."""
    return _EXAMPLES[profile_name()][kind]


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
        st.sampled_from(["8", "auto"]),  # strings: DeepSpeed crashes in the arithmetic
        st.booleans(),  # bool is an int to DeepSpeed: True works as 1
    )
    return st.one_of(good, good, good, bad)


def batch_configs() -> st.SearchStrategy[dict[str, Any]]:
    """Configs holding any subset of the batch triple (each key absent, or any :func:`batch_value`)."""
    maybe = st.one_of(st.just(_ABSENT), st.just(_ABSENT), batch_value())
    return st.tuples(maybe, maybe, maybe).map(
        lambda t: {
            k: v
            for k, v in zip(
                ("train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps"), t, strict=True
            )
            if v is not _ABSENT
        }
    )


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
    return st.one_of(*[st.booleans()] * 6, _AUTO, st.sampled_from([0, 1, "true", None]))


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
        "gradient_clipping": st.one_of(st.sampled_from([0.0, 1.0, 0.5, 1, "auto", "1.0"]), st.floats(0, 10)),
        "steps_per_print": st.one_of(st.integers(1, 10_000), st.sampled_from([0, None])),
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
