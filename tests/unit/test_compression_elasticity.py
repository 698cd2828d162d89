"""Builders of compression_training, elasticity, data_efficiency, autotuning and nebula (dsconf side only).

Expected values marked "real DeepSpeed" were read from ``deepspeed.runtime.config.DeepSpeedConfig`` of 0.7.7 / 0.19.6 /
0.19.8 with the same config (probe script outside the repo); deepspeed is not imported here.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

import pytest

from dsconf._releases import Release
from dsconf._section import Section, dump
from dsconf.errors import Problems
from dsconf.resolver import elastic
from dsconf.resolver._context import Ctx
from dsconf.resolver.sections import compression, data_efficiency, elasticity
from dsconf.schema._spec import section_spec
from dsconf.schema.compression import CompressionFields
from dsconf.schema.core import CoreFields
from dsconf.schema.data_efficiency import DataEfficiencyFields
from dsconf.schema.elasticity import ElasticityConfig, ElasticityFields

OLD, MID, NEW = "0.7.7", "0.19.6", "0.19.8"
CLASSIC = (OLD, MID)  # releases that still read elasticity / compression_training / nebula
ENV = elastic.ENV_SCHEDULER_CONFIG


@dataclass
class _Root(CompressionFields, ElasticityFields, DataEfficiencyFields, CoreFields):
    """Just the families under test (and the batch keys elasticity writes)."""


def make_ctx(data: dict[str, Any], target: str, world: int | float = 1) -> Ctx:
    return Ctx(
        data=copy.deepcopy(data),
        target=Release(target),
        root=section_spec(_Root),
        world_size=world,
        problems=Problems(),
    )


def run(builder: Any, data: dict[str, Any], target: str, world: int | float = 1) -> tuple[dict[str, Any], Ctx]:
    ctx = make_ctx(data, target, world)
    return {k: dump(v) for k, v in builder(ctx).items()}, ctx


def codes(ctx: Ctx) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in ctx.problems.items]


@pytest.fixture(autouse=True)
def _no_scheduler_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)


# -- elasticity ------------------------------------------------------------------------------------------------------
# DeepSpeed's own fixture (tests/unit/elasticity/test_elastic.py).
FIXTURE = {
    "enabled": True,
    "max_train_batch_size": 10000,
    "micro_batch_sizes": [8, 12, 16, 17],
    "min_gpus": 32,
    "max_gpus": 1500,
    "min_time": 20,
    "version": 0.1,
}


DEFAULTS = {f.name: f.default_for(Release(OLD)) for f in section_spec(ElasticityConfig).fields.values()}


def batch(ctx: Ctx) -> list[Any]:
    return [
        ctx.data.get(k) for k in ("train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps")
    ]


@pytest.mark.parametrize("target", CLASSIC)
def test_basic_10k(target: str) -> None:
    params, problems = elastic.parse(FIXTURE, DEFAULTS)
    assert params is not None and not problems
    result = elastic.compute_elastic_config(params, 64, skip_over_max=target != OLD)
    assert result.final_batch_size == 9792
    assert len(result.valid_gpus) == 23
    for gpus in result.valid_gpus:
        assert any(
            result.final_batch_size % gpus == 0 and result.final_batch_size // gpus % m == 0 for m in [8, 12, 16, 17]
        )


@pytest.mark.parametrize("target", CLASSIC)
def test_valid_world_size_sets_the_batch_triple(target: str) -> None:
    attrs, ctx = run(elasticity.elasticity, {"elasticity": FIXTURE}, target, world=64)
    assert not ctx.problems
    assert attrs == {"elasticity_enabled": True, "elastic_model_parallel_size": 1, "num_gpus_per_node": 1}
    assert batch(ctx) == [9792, 17, 9]  # real DeepSpeed (both releases)
    assert any(ENV in w for w in ctx.warnings)  # DeepSpeed's warning when the scheduler's copy is missing


@pytest.mark.parametrize("target", CLASSIC)
def test_invalid_world_size(target: str) -> None:
    _, ctx = run(elasticity.elasticity, {"elasticity": FIXTURE}, target, world=128)
    assert codes(ctx) == [("elasticity", "incompatible_world_size")]
    message = ctx.problems.items[0].message
    assert "128" in message and "1224" in message  # the world size and the list of valid GPU counts
    assert batch(ctx) == [None, None, None]


def test_elasticity_not_read_by_0198() -> None:
    attrs, ctx = run(elasticity.elasticity, {"elasticity": FIXTURE}, NEW, world=64)
    assert attrs == {} and not ctx.problems


@pytest.mark.parametrize("target", CLASSIC)
def test_absent_and_disabled(target: str) -> None:
    assert run(elasticity.elasticity, {}, target)[0] == {"elasticity_enabled": False}
    # Nothing is checked while disabled (DeepSpeed accepts min_gpus=-5 then).
    attrs, ctx = run(elasticity.elasticity, {"elasticity": {**FIXTURE, "enabled": False, "min_gpus": -5}}, target)
    assert attrs == {"elasticity_enabled": False} and not ctx.problems


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            {k: v for k, v in FIXTURE.items() if k != "max_train_batch_size"},
            [("elasticity.max_train_batch_size", "missing")],
        ),
        ({k: v for k, v in FIXTURE.items() if k != "micro_batch_sizes"}, [("elasticity.micro_batch_sizes", "missing")]),
        (
            {"enabled": True},
            [("elasticity.max_train_batch_size", "missing"), ("elasticity.micro_batch_sizes", "missing")],
        ),
        ({**FIXTURE, "micro_batch_sizes": [1, 4, -1, 2, -10]}, [("elasticity.micro_batch_sizes", "range")]),
        ({**FIXTURE, "min_gpus": -1}, [("elasticity.min_gpus", "range")]),
        ({**FIXTURE, "max_gpus": -1}, [("elasticity.max_gpus", "range")]),
        ({**FIXTURE, "min_gpus": 100, "max_gpus": 50}, [("elasticity.min_gpus", "conflict")]),
        ({**FIXTURE, "min_time": -1}, [("elasticity.min_time", "range")]),
        ({**FIXTURE, "model_parallel_size": 0}, [("elasticity.model_parallel_size", "range")]),
        ({**FIXTURE, "num_gpus_per_node": 0}, [("elasticity.num_gpus_per_node", "range")]),
        ({**FIXTURE, "version": 0.3}, [("elasticity.version", "range")]),  # future version
        ({**FIXTURE, "version": 0.15}, [("elasticity.version", "choices")]),
        (
            {**FIXTURE, "model_parallel_size": 4, "num_gpus_per_node": 8},
            [("elasticity.model_parallel_size", "conflict")],
        ),
        (
            {**FIXTURE, "version": 0.2, "model_parallel_size": 16, "num_gpus_per_node": 8},
            [("elasticity.num_gpus_per_node", "conflict")],
        ),
        (
            {**FIXTURE, "max_train_batch_size": 10, "micro_batch_sizes": [8, 16]},
            [("elasticity.micro_batch_sizes", "conflict")],
        ),
    ],
)
@pytest.mark.parametrize("target", CLASSIC)
def test_elasticity_errors(target: str, section: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    # Real DeepSpeed raises for each (ElasticityConfigError, ElasticityError, NotImplementedError, ValueError).
    _, ctx = run(elasticity.elasticity, {"elasticity": section}, target, world=16)
    assert codes(ctx) == expected
    assert batch(ctx) == [None, None, None]


@pytest.mark.parametrize("target", CLASSIC)
def test_null_elasticity_block_crashes_deepspeed(target: str) -> None:
    _, ctx = run(elasticity.elasticity, {"elasticity": None}, target)
    assert codes(ctx) == [("elasticity", "ds_crash")]


PROPER = {"enabled": True, "max_train_batch_size": 32, "micro_batch_sizes": [1, 2, 3, 7], "min_gpus": 1, "version": 0.1}


def test_proper_mbsz_077_may_exceed_the_max() -> None:
    # 0.7.7 keeps the LCM (42) as a candidate although it exceeds max_train_batch_size (real DeepSpeed: [42, 3, 2]).
    _, ctx = run(elasticity.elasticity, {"elasticity": PROPER}, OLD, world=7)
    assert not ctx.problems and batch(ctx) == [42, 3, 2]
    _, ctx = run(elasticity.elasticity, {"elasticity": PROPER}, OLD, world=4)
    assert codes(ctx) == [("elasticity", "incompatible_world_size")]


def test_proper_mbsz_0196_stays_within_the_max() -> None:
    _, ctx = run(elasticity.elasticity, {"elasticity": PROPER}, MID, world=4)
    assert not ctx.problems and batch(ctx) == [24, 3, 2]  # real DeepSpeed
    _, ctx = run(elasticity.elasticity, {"elasticity": PROPER}, MID, world=7)
    assert codes(ctx) == [("elasticity", "incompatible_world_size")]


@pytest.mark.parametrize("target", CLASSIC)
def test_batch_size_within_max(target: str) -> None:
    section = {"enabled": True, "max_train_batch_size": 20, "micro_batch_sizes": [3, 5, 7], "version": 0.1}
    params, _ = elastic.parse(section, DEFAULTS)
    assert params is not None
    result = elastic.compute_elastic_config(params, 1, skip_over_max=target != OLD)
    if target == OLD:
        assert result.final_batch_size > 20  # the 0.7.7 behaviour the 0.19.x test guards against
    else:
        assert result.final_batch_size <= 20


@pytest.mark.parametrize("target", CLASSIC)
@pytest.mark.parametrize(
    ("extra", "world", "expected"),
    [
        # real DeepSpeed, identical in 0.7.7 and 0.19.6
        ({"version": 0.2, "num_gpus_per_node": 8}, 64, [7680, 12, 10]),
        ({"version": 0.2, "num_gpus_per_node": 4}, 40, [8640, 12, 18]),
        ({"version": 0.2, "num_gpus_per_node": 4, "prefer_larger_batch": False}, 40, [7680, 16, 12]),
        ({"micro_batch_sizes": [17, 8, 16, 12, 8]}, 64, [9792, 17, 9]),
        ({"max_train_batch_size": 1e4}, 64, [9792, 17, 9]),
        ({"prefer_larger_batch": False}, 64, [9792, 17, 9]),
    ],
)
def test_elastic_batch_matches_deepspeed(target: str, extra: dict[str, Any], world: int, expected: list[int]) -> None:
    _, ctx = run(elasticity.elasticity, {"elasticity": {**FIXTURE, **extra}}, target, world=world)
    assert not ctx.problems and batch(ctx) == expected


@pytest.mark.parametrize("target", CLASSIC)
def test_v2_model_parallel_world_not_in_dp_counts(target: str) -> None:
    # mp 4, 8 GPUs per node, world 16: the valid data-parallel sizes are [4], the world size is 16 (real DeepSpeed).
    section = {**FIXTURE, "version": 0.2, "model_parallel_size": 4, "num_gpus_per_node": 8}
    attrs, ctx = run(elasticity.elasticity, {"elasticity": section}, target, world=16)
    assert codes(ctx) == [("elasticity", "incompatible_world_size")]
    assert "[4]" in ctx.problems.items[0].message


@pytest.mark.parametrize("target", CLASSIC)
def test_batch_keys_refused_unless_ignored(target: str) -> None:
    _, ctx = run(elasticity.elasticity, {"train_batch_size": 8, "elasticity": FIXTURE}, target, world=64)
    assert codes(ctx) == [("train_batch_size", "conflict")]
    assert "ignore_non_elastic_batch_info" in ctx.problems.items[0].message

    data = {"train_batch_size": 8, "gradient_accumulation_steps": 3,
            "elasticity": {**FIXTURE, "ignore_non_elastic_batch_info": True}}  # fmt: skip
    _, ctx = run(elasticity.elasticity, data, target, world=64)
    assert not ctx.problems and batch(ctx) == [9792, 17, 9]
    assert "[Elasticity] overriding training_batch_size: 8 -> 9792" in ctx.warnings
    assert "[Elasticity] overriding gradient_accumulation_steps: 3 -> 9" in ctx.warnings


@pytest.mark.parametrize("target", CLASSIC)
def test_scheduler_config_env(target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, json.dumps(FIXTURE))
    _, ctx = run(elasticity.elasticity, {"elasticity": FIXTURE}, target, world=64)
    assert not ctx.problems and not ctx.warnings

    monkeypatch.setenv(ENV, json.dumps({**FIXTURE, "max_train_batch_size": 27}))
    _, ctx = run(elasticity.elasticity, {"elasticity": FIXTURE}, target, world=64)
    assert codes(ctx) == [("elasticity.max_train_batch_size", "conflict")]
    assert "27" in ctx.problems.items[0].message

    # DeepSpeed compares the raw values: "0.1" is not 0.1.
    monkeypatch.setenv(ENV, json.dumps({**FIXTURE, "version": "0.1"}))
    assert codes(run(elasticity.elasticity, {"elasticity": FIXTURE}, target, world=64)[1]) == [
        ("elasticity.version", "conflict")
    ]
    monkeypatch.setenv(ENV, "{not json")
    assert codes(run(elasticity.elasticity, {"elasticity": FIXTURE}, target, world=64)[1]) == [
        ("elasticity", "ds_crash")
    ]


def test_candidate_quirk_argmax_none_true() -> None:
    # np.argmax over all-False is 0, so DeepSpeed then scales by HCN_LIST[-1].
    assert elastic.candidate_batch_sizes([1], 2_000_000, skip_over_max=True) == [720720]


# -- compression_training --------------------------------------------------------------------------------------------
DEFAULT_COMPRESSION = {  # real DeepSpeed, 0.7.7 and 0.19.6, for a config without compression_training
    "weight_quantization": {
        "shared_parameters": {
            "enabled": False, "quantizer_kernel": False, "schedule_offset": 0, "quantize_groups": 1,
            "quantize_verbose": False, "quantization_type": "symmetric", "quantize_weight_in_forward": False,
            "rounding": "nearest", "fp16_mixed_quantize": False, "quantize_change_ratio": 0.001,
        },
        "different_groups": {},
    },
    "activation_quantization": {
        "shared_parameters": {"enabled": False, "quantization_type": "symmetric", "range_calibration": "dynamic",
                              "schedule_offset": 1000},
        "different_groups": {},
    },
    "sparse_pruning": {"shared_parameters": {"enabled": False, "method": "l1", "schedule_offset": 1000},
                       "different_groups": {}},
    "row_pruning": {"shared_parameters": {"enabled": False, "method": "l1", "schedule_offset": 1000},
                    "different_groups": {}},
    "head_pruning": {"shared_parameters": {"enabled": False, "method": "topk", "schedule_offset": 1000},
                     "different_groups": {}},
    "channel_pruning": {"shared_parameters": {"enabled": False, "method": "l1", "schedule_offset": 1000},
                        "different_groups": {}},
    "layer_reduction": {"enabled": False},
}  # fmt: skip


def compression_config(data: dict[str, Any], target: str) -> tuple[dict[str, Any], Ctx]:
    attrs, ctx = run(compression.compression, data, target)
    return attrs.get("compression_config", {}), ctx


@pytest.mark.parametrize("target", CLASSIC)
def test_compression_defaults(target: str) -> None:
    config, ctx = compression_config({}, target)
    assert config == DEFAULT_COMPRESSION and not ctx.problems
    assert compression_config({"compression_training": {}}, target)[0] == DEFAULT_COMPRESSION


def test_compression_not_read_by_0198() -> None:
    assert run(compression.compression, {}, NEW)[0] == {}


@pytest.mark.parametrize("target", CLASSIC)
def test_weight_quantization_groups(target: str) -> None:
    data = {"compression_training": {"weight_quantization": {
        "shared_parameters": {"enabled": True, "quantize_groups": 4, "fp16_mixed_quantize": {"enabled": True}},
        "different_groups": {
            "wq1": {"params": {"start_bits": 8, "target_bits": 4, "extra": 1}, "modules": ["attention.self"]},
            "wq2": {"params": {"start_bits": 12, "target_bits": 8, "quantization_period": 50}, "modules": "*",
                    "related_modules": [["a"]]},
        },
    }}}  # fmt: skip
    config, ctx = compression_config(data, target)
    assert not ctx.problems
    wq = config["weight_quantization"]
    assert wq["shared_parameters"]["quantize_groups"] == 4
    assert wq["shared_parameters"]["fp16_mixed_quantize"] is True  # the sub-block's `enabled`, flattened
    assert wq["different_groups"] == {  # real DeepSpeed
        "wq1": {"params": {"start_bits": 8, "target_bits": 4, "extra": 1, "quantization_period": 1},
                "modules": ["attention.self"], "related_modules": None},
        "wq2": {"params": {"start_bits": 12, "target_bits": 8, "quantization_period": 50}, "modules": "*",
                "related_modules": [["a"]]},
    }  # fmt: skip


@pytest.mark.parametrize("target", CLASSIC)
def test_technique_without_shared_parameters_lacks_quantize_weight_in_forward(target: str) -> None:
    config, ctx = compression_config(
        {"compression_training": {"weight_quantization": {"different_groups": {}}}}, target
    )
    assert not ctx.problems
    assert "quantize_weight_in_forward" not in config["weight_quantization"]["shared_parameters"]


@pytest.mark.parametrize("target", CLASSIC)
@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"weight_quantization": {"shared_parameters": {}}},
         [("compression_training.weight_quantization.different_groups", "ds_crash")]),  # KeyError
        ({"activation_quantization": {"shared_parameters": {"enabled": True}}},
         [("compression_training.activation_quantization.different_groups", "missing")]),  # assertion
        ({"row_pruning": {"shared_parameters": {"enabled": True}, "different_groups": {"r": {"modules": ["x"]}}}},
         [("compression_training.row_pruning.different_groups.r.params", "ds_crash")]),  # KeyError
        ({"weight_quantization": {"shared_parameters": {"enabled": True},
                                  "different_groups": {"g": {"params": {"start_bits": 8}}}}},
         [("compression_training.weight_quantization.different_groups.g.params.target_bits", "missing")]),
        ({"head_pruning": {"shared_parameters": {"enabled": True}, "different_groups": {}}},
         [("compression_training.head_pruning.shared_parameters.num_heads", "missing")]),
        ({"row_pruning": None}, [("compression_training.row_pruning", "ds_crash")]),
    ],
)  # fmt: skip
def test_compression_errors(target: str, section: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert codes(compression_config({"compression_training": section}, target)[1]) == expected


@pytest.mark.parametrize("target", CLASSIC)
def test_head_pruning_num_heads(target: str) -> None:
    data = {"compression_training": {"head_pruning": {
        "shared_parameters": {"enabled": True, "num_heads": 12, "method": "l1"},
        "different_groups": {"h": {"params": {"dense_ratio": 0.5}, "modules": ["attn"], "related_modules": [["o"]]}},
    }}}  # fmt: skip
    config, ctx = compression_config(data, target)
    assert not ctx.problems
    assert config["head_pruning"]["shared_parameters"] == {
        "enabled": True, "method": "l1", "schedule_offset": 1000, "num_heads": 12
    }  # fmt: skip


def test_snip_momentum_only_from_0196() -> None:
    sparse = {"shared_parameters": {"enabled": True, "method": "snip_momentum", "schedule_offset": 10,
                                    "excluded_modules": ["cls"]}, "different_groups": {}}  # fmt: skip
    _, ctx = compression_config({"compression_training": {"sparse_pruning": sparse}}, OLD)
    assert codes(ctx) == [("compression_training.sparse_pruning.shared_parameters.method", "choices")]
    config, ctx = compression_config({"compression_training": {"sparse_pruning": sparse}}, MID)
    assert not ctx.problems
    assert config["sparse_pruning"]["shared_parameters"] == {  # real DeepSpeed 0.19.6
        "enabled": True, "method": "snip_momentum", "schedule_offset": 10, "block_pattern": "4x1", "dense_ratio": 0.1,
        "schedule_offset_stride": 1, "excluded_modules": ["cls"], "schedule_offset_end": 10,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("shared", "expected"),
    [
        ({"dense_ratio": 1.5}, [("compression_training.sparse_pruning.shared_parameters.dense_ratio", "range")]),
        ({"schedule_offset": 10, "schedule_offset_end": 5},
         [("compression_training.sparse_pruning.shared_parameters.schedule_offset_end", "range")]),
    ],
)  # fmt: skip
def test_snip_momentum_checks(shared: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    section = {"shared_parameters": {"enabled": True, "method": "snip_momentum", **shared}, "different_groups": {}}
    assert codes(compression_config({"compression_training": {"sparse_pruning": section}}, MID)[1]) == expected
    # Without different_groups 0.19.6 skips the assertion but still fails on the missing key (real DeepSpeed).
    section = {"shared_parameters": {"enabled": True, "method": "snip_momentum"}}
    assert codes(compression_config({"compression_training": {"sparse_pruning": section}}, MID)[1]) == [
        ("compression_training.sparse_pruning.different_groups", "ds_crash")
    ]


@pytest.mark.parametrize("target", CLASSIC)
def test_layer_reduction_is_copied_when_enabled(target: str) -> None:
    block = {"enabled": True, "keep_number_layer": 5, "module_name_prefix": "bert.encoder.layer",
             "teacher_layer": [2, 4, 6, 8, 10], "other_module_name": ["bert.pooler"]}  # fmt: skip
    assert (
        compression_config({"compression_training": {"layer_reduction": block}}, target)[0]["layer_reduction"] == block
    )
    off = {"enabled": False, "keep_number_layer": 5}
    assert compression_config({"compression_training": {"layer_reduction": off}}, target)[0]["layer_reduction"] == {
        "enabled": False
    }


def test_moq_switch_crashes_077_only() -> None:
    data = {"compression_training": {"shared_parameters": {"enabled": True}}}
    _, ctx = compression_config(data, OLD)
    assert codes(ctx) == [("compression_training.shared_parameters.enabled", "ds_crash")]
    assert "QUANTIZE_TRAINING" in ctx.problems.items[0].message
    config, ctx = compression_config(data, MID)
    assert not ctx.problems and config == DEFAULT_COMPRESSION
    assert compression.quantize_enabled(make_ctx(data, MID)) is True
    assert compression.quantize_enabled(make_ctx({}, MID)) is False
    assert compression.quantize_enabled(make_ctx(data, NEW)) is False


# -- data_efficiency ----------------------------------------------------------------------------------------------
DEFAULT_DE = {  # real DeepSpeed 0.19.6 and 0.19.8
    "enabled": False,
    "seed": 1234,
    "data_sampling": {
        "enabled": False, "num_epochs": 1000, "num_workers": 0, "pin_memory": False,
        "curriculum_learning": {"enabled": False},
        "dynamic_batching": {"enabled": False, "lr_scaling_method": "linear", "min_batch_size": 1,
                             "max_batch_size": None, "sequence_picking_order": "dataloader", "verbose": False},
    },
    "data_routing": {"enabled": False, "random_ltd": {"enabled": False, "layer_token_lr_schedule": {"enabled": False}}},
}  # fmt: skip


@pytest.mark.parametrize("target", (MID, NEW))
def test_data_efficiency_defaults(target: str) -> None:
    attrs, ctx = run(data_efficiency.data_efficiency, {}, target)
    assert attrs == {"data_efficiency_enabled": False, "data_efficiency_config": DEFAULT_DE} and not ctx.problems


def test_data_efficiency_not_read_by_077() -> None:
    assert run(data_efficiency.data_efficiency, {}, OLD)[0] == {}


@pytest.mark.parametrize("target", (MID, NEW))
def test_data_efficiency_copies_blocks(target: str) -> None:
    data = {
        "data_efficiency": {
            "enabled": True,
            "seed": 7,
            "data_sampling": {
                "enabled": True,
                "num_workers": 2,
                "foo": "bar",
                "curriculum_learning": {
                    "enabled": True,
                    "data_cluster_path": "/tmp/c",
                    "curriculum_metrics": {
                        "seqlen": {"index_to_sample_path": "a", "difficulty_type": "value", "min_difficulty": 1}
                    },
                },
                "dynamic_batching": {
                    "enabled": True,
                    "max_tokens": 4096,
                    "max_batch_size": 16,
                    "lr_scaling_method": "sqrt",
                    "metrics_path": "/tmp/m",
                },
            },
            "data_routing": {
                "enabled": True,
                "random_ltd": {
                    "enabled": True,
                    "total_layer_num": 24,
                    "random_ltd_layer_id": [1, 2],
                    "model_type": "decoder",
                },
            },
        }
    }
    expected = {
        "enabled": True,
        "seed": 7,
        "data_sampling": {
            "enabled": True,
            "num_workers": 2,
            "foo": "bar",
            "curriculum_learning": {
                "enabled": True,
                "data_cluster_path": "/tmp/c",
                "curriculum_metrics": {
                    "seqlen": {"index_to_sample_path": "a", "difficulty_type": "value", "min_difficulty": 1}
                },
            },
            "dynamic_batching": {
                "enabled": True,
                "max_tokens": 4096,
                "max_batch_size": 16,
                "lr_scaling_method": "sqrt",
                "metrics_path": "/tmp/m",
                "min_batch_size": 1,
                "sequence_picking_order": "dataloader",
                "verbose": False,
            },
            "num_epochs": 1000,
            "pin_memory": False,
        },
        "data_routing": {
            "enabled": True,
            "random_ltd": {
                "enabled": True,
                "layer_token_lr_schedule": {"enabled": False},
                "total_layer_num": 24,
                "random_ltd_layer_id": [1, 2],
                "model_type": "decoder",
            },
        },
    }  # fmt: skip  (real DeepSpeed 0.19.6)
    attrs, ctx = run(data_efficiency.data_efficiency, data, target)
    assert not ctx.problems
    assert attrs == {"data_efficiency_enabled": True, "data_efficiency_config": expected}


@pytest.mark.parametrize(
    ("sampling", "path"),
    [
        (
            {"curriculum_learning": {"enabled": True}},
            "data_efficiency.data_sampling.curriculum_learning.curriculum_metrics",
        ),
        ({"dynamic_batching": {"enabled": True}}, "data_efficiency.data_sampling.dynamic_batching.max_tokens"),
    ],
)
def test_data_efficiency_required_keys(sampling: dict[str, Any], path: str) -> None:
    _, ctx = run(data_efficiency.data_efficiency, {"data_efficiency": {"data_sampling": sampling}}, MID)
    assert codes(ctx) == [(path, "missing")]


def test_data_efficiency_null_block_crashes_deepspeed() -> None:
    _, ctx = run(data_efficiency.data_efficiency, {"data_efficiency": {"data_sampling": None}}, MID)
    assert codes(ctx) == [("data_efficiency.data_sampling", "ds_crash")]


# -- autotuning / nebula ---------------------------------------------------------------------------------------------
AUTOTUNING_ATTRS = {  # vars(DeepSpeedAutotuningConfig) of real DeepSpeed, all three releases
    "enabled": False, "start_step": None, "end_step": None, "metric_path": None, "arg_mappings": None,
    "metric": "throughput", "model_info": None, "results_dir": "autotuning_results", "exps_dir": "autotuning_exps",
    "overwrite": True, "fast": True, "start_profile_step": 3, "end_profile_step": 5, "tuner_type": "gridsearch",
    "tuner_early_stopping": 5, "tuner_num_trials": 50, "model_info_path": None, "mp_size": 1,
    "max_train_batch_size": None, "min_train_batch_size": 1, "max_train_micro_batch_size_per_gpu": 1024,
    "min_train_micro_batch_size_per_gpu": 1, "num_tuning_micro_batch_sizes": 3,
}  # fmt: skip


@pytest.mark.parametrize("target", (OLD, MID, NEW))
def test_autotuning_defaults(target: str) -> None:
    ctx = make_ctx({}, target)
    config = data_efficiency.autotuning(ctx)["autotuning_config"]
    assert isinstance(config, Section) and config.model_dump() == AUTOTUNING_ATTRS
    assert config.tuner_type == "gridsearch"


@pytest.mark.parametrize(("target", "size_key"), [(OLD, "hideen_size"), (MID, "hidden_size"), (NEW, "hidden_size")])
def test_autotuning_model_info_hidden_size_spelling(target: str, size_key: str) -> None:
    attrs, _ = run(data_efficiency.autotuning, {"autotuning": {"model_info": {size_key: 10}}}, target)
    assert attrs["autotuning_config"]["model_info"] == {"profile": False, "num_params": None, size_key: 10,
                                                        "num_layers": None}  # fmt: skip


@pytest.mark.parametrize("key", ["results_dir", "exps_dir"])
def test_autotuning_dirs_not_empty(key: str) -> None:
    assert codes(run(data_efficiency.autotuning, {"autotuning": {key: ""}}, MID)[1]) == [(f"autotuning.{key}", "range")]


@pytest.mark.parametrize("target", CLASSIC)
def test_nebula(target: str) -> None:
    attrs, ctx = run(data_efficiency.nebula, {"nebula": {"enabled": True, "nebula_load_path": "/l"}}, target)
    assert not ctx.problems
    assert attrs["nebula_config"] == {  # vars(DeepSpeedNebulaConfig)
        "enabled": True, "persistent_storage_path": None, "persistent_time_interval": 100,
        "num_of_version_in_retention": 2, "enable_nebula_load": True, "load_path": "/l",
    }  # fmt: skip
    assert run(data_efficiency.nebula, {}, NEW)[0] == {}
    assert codes(run(data_efficiency.nebula, {"nebula": None}, target)[1]) == [("nebula", "ds_crash")]
