"""optimizer / scheduler and the removed legacy blocks, resolved per target (dsconf side only; no deepspeed import).

Expected values were confirmed against the real releases 0.7.7, 0.19.6 and 0.19.8.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from omegaconf import OmegaConf
from omegaconf.errors import ConfigKeyError

import dsconf
from dsconf.errors import DeepSpeedConfigError
from dsconf.schema import legacy as lg
from dsconf.schema import optim as op

ALL = ("0.7.7", "0.19.6", "0.19.8")
CLASSIC = ("0.7.7", "0.19.6")


def resolve(cfg: dict[str, Any], target: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dsconf.DeepSpeedConfig({"train_batch_size": 4, **cfg}, world_size=1, target=target)


def problems(cfg: dict[str, Any], target: str) -> DeepSpeedConfigError:
    with pytest.raises(DeepSpeedConfigError) as info:
        resolve(cfg, target)
    return info.value


# -- optimizer -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ALL)
def test_no_optimizer(target: str) -> None:
    ds = resolve({}, target)
    assert ds.optimizer_name is None and ds.optimizer_params is None and ds.optimizer_legacy_fusion is False
    assert ds.scheduler_name is None and ds.scheduler_params is None
    assert ds.zero_allow_untested_optimizer is False
    assert ("zero_force_ds_cpu_optimizer" in ds.attribute_names()) is (target != "0.7.7")


@pytest.mark.parametrize("target", ALL)
def test_own_names_are_lower_cased_torch_names_kept(target: str) -> None:
    ds = resolve({"optimizer": {"type": "AdamW", "params": {"lr": 1e-4, "betas": [0.9, 0.95]}, "legacy_fusion": True}},
                 target)
    assert ds.optimizer_name == "adamw" and ds.optimizer_params == {"lr": 1e-4, "betas": [0.9, 0.95]}
    assert ds.optimizer_legacy_fusion is True
    sgd = resolve({"optimizer": {"type": "SGD", "params": {"lr": 0.1, "momentum": 0.9}}}, target)
    assert sgd.optimizer_name == "SGD" and sgd.optimizer_params == {"lr": 0.1, "momentum": 0.9}


@pytest.mark.parametrize(("target", "expected"), [("0.7.7", "onebitadam"), ("0.19.6", "onebitadam"),
                                                  ("0.19.8", None)])
def test_onebit_only_before_0_19_7(target: str, expected: str | None) -> None:
    cfg = {"optimizer": {"type": "OneBitAdam", "params": {"freeze_step": 10}}}
    if expected is not None:
        assert resolve(cfg, target).optimizer_name == expected
    else:  # 0.19.8 keeps the name verbatim and only initialize fails
        err = problems(cfg, target)
        assert err.only_stricter and err.paths == ["optimizer.type"] and "removed in DeepSpeed 0.19.7" in str(err)


def test_lion_needs_0_19_6() -> None:
    cfg = {"optimizer": {"type": "Lion", "params": {"lr": 1e-4}}}
    assert resolve(cfg, "0.19.6").optimizer_name == "lion"
    err = problems(cfg, "0.7.7")
    assert err.only_stricter and "added in DeepSpeed 0.19.6" in str(err)


@pytest.mark.parametrize("target", ALL)
def test_params_ignored_without_type(target: str) -> None:
    ds = resolve({"optimizer": {"params": {"lr": 0.1}}, "scheduler": {"params": {"warmup_num_steps": 5}}}, target)
    assert ds.optimizer_params is None and ds.scheduler_params is None
    assert any("optimizer.params" in w for w in ds.warnings)
    with pytest.raises(DeepSpeedConfigError):
        dsconf.DeepSpeedConfig({"train_batch_size": 4, "optimizer": {"params": {"lr": 0.1}}}, world_size=1,
                               target=target, strict=True)


def test_type_without_params() -> None:
    assert resolve({"optimizer": {"type": "Adam"}}, "0.19.8").optimizer_params is None


@pytest.mark.parametrize("target", ALL)
def test_null_params_mean_not_passed(target: str) -> None:
    params = {"lr": 1e-3, "bias_correction": None, "set_grad_none": None}
    ds = resolve({"optimizer": {"type": "Adam", "params": params}}, target)
    assert ds.optimizer_params == {"lr": 1e-3}
    assert ds.to_dict()["optimizer"]["params"] == {"lr": 1e-3}


def test_unknown_type_and_case_of_torch_names() -> None:
    err = problems({"optimizer": {"type": "sgd"}}, "0.19.8")
    assert err.only_stricter and err.problems[0].suggestions == ("SGD",)
    assert problems({"optimizer": {"type": "Adamm"}}, "0.19.8").only_stricter


@pytest.mark.parametrize("target", ALL)
def test_max_grad_norm(target: str) -> None:
    cfg = {"optimizer": {"type": "Adam", "params": {"lr": 1e-3, "max_grad_norm": 1.0}}}
    err = problems(cfg, target)
    assert err.only_stricter and err.paths == ["optimizer.params.max_grad_norm"]


def test_max_grad_norm_values_and_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    # look past the deliberate refusal to the values DeepSpeed keeps (0.7.7 zeroes it in FP32 mode)
    from dsconf.errors import Problems

    real = Problems.raise_if_any

    def lax(self: Problems, source: str | None = None) -> None:
        self.items = [p for p in self.items if not p.stricter]
        real(self, source)

    monkeypatch.setattr(Problems, "raise_if_any", lax)
    cfg = {"optimizer": {"type": "Adam", "params": {"max_grad_norm": 1.0}}}
    ds = resolve(cfg, "0.7.7")
    assert ds.optimizer_params == {"max_grad_norm": 0.0} and ds.to_dict()["optimizer"]["params"]["max_grad_norm"] == 0
    assert any("In FP32 mode" in w for w in ds.warnings)
    ds = resolve({**cfg, "fp16": {"enabled": True}}, "0.7.7")
    assert ds.optimizer_params == {"max_grad_norm": 1.0} and any("In FP16 mode" in w for w in ds.warnings)
    ds = resolve(cfg, "0.19.6")
    assert ds.optimizer_params == {"max_grad_norm": 1.0} and any("gradient_clipping" in w for w in ds.warnings)


@pytest.mark.parametrize("target", ALL)
def test_lamb_needs_dynamic_loss_scale(target: str) -> None:
    assert resolve({"optimizer": {"type": "Lamb"}, "fp16": {"enabled": True}}, target).optimizer_name == "lamb"
    err = problems({"optimizer": {"type": "Lamb"}, "fp16": {"enabled": True, "loss_scale": 128}}, target)
    assert err.only_stricter and "dynamic loss scaling" in str(err)


def test_lamb_with_bf16_in_0_7_7_is_static() -> None:
    assert problems({"optimizer": {"type": "Lamb"}, "bf16": {"enabled": True}}, "0.7.7").only_stricter
    assert resolve({"optimizer": {"type": "Lamb"}, "bf16": {"enabled": True}}, "0.19.6").optimizer_name == "lamb"


def test_onebit_with_zero() -> None:
    err = problems({"optimizer": {"type": "OneBitLamb"}, "zero_optimization": {"stage": 1}}, "0.19.6")
    assert err.only_stricter and "1bit-Lamb is not compatible with ZeRO" in str(err)


def test_adagrad_torch_adam_refused_after_0_7_7() -> None:
    cfg = {"optimizer": {"type": "Adagrad", "params": {"torch_adam": True}}}
    assert resolve(cfg, "0.7.7").optimizer_params == {"torch_adam": True}
    assert problems(cfg, "0.19.8").paths == ["optimizer.params.torch_adam"]


@pytest.mark.parametrize("target", ALL)
def test_zero_flags(target: str) -> None:
    cfg: dict[str, Any] = {"zero_allow_untested_optimizer": True}
    if target != "0.7.7":
        cfg["zero_force_ds_cpu_optimizer"] = False
    ds = resolve(cfg, target)
    assert ds.zero_allow_untested_optimizer is True
    if target != "0.7.7":
        assert ds.zero_force_ds_cpu_optimizer is False


# -- scheduler -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ALL)
def test_scheduler_verbatim(target: str) -> None:
    ds = resolve({"scheduler": {"type": "WarmupLR", "params": {"warmup_num_steps": 10}}}, target)
    assert ds.scheduler_name == "WarmupLR" and ds.scheduler_params == {"warmup_num_steps": 10}
    assert resolve({"scheduler": {"type": "StepLR", "params": {"step_size": 3}}}, target).scheduler_params == {
        "step_size": 3}


def test_scheduler_case_and_release() -> None:
    err = problems({"scheduler": {"type": "warmuplr"}}, "0.19.8")
    assert err.only_stricter and err.problems[0].suggestions == ("WarmupLR",)
    cosine = {"scheduler": {"type": "WarmupCosineLR", "params": {"total_num_steps": 100}}}
    assert resolve(cosine, "0.19.6").scheduler_name == "WarmupCosineLR"
    assert "does not have it" in str(problems(cosine, "0.7.7"))


def test_scheduler_required_params() -> None:
    assert problems({"scheduler": {"type": "OneCycle", "params": {"cycle_min_lr": 1e-5}}}, "0.19.8").paths == [
        "scheduler.params.cycle_max_lr"]
    assert problems({"scheduler": {"type": "WarmupDecayLR"}}, "0.7.7").paths == ["scheduler.params.total_num_steps"]


def test_warmup_steps_positive_from_0_19_6() -> None:
    cfg = {"scheduler": {"type": "WarmupLR", "params": {"warmup_num_steps": 0}}}
    assert resolve(cfg, "0.7.7").scheduler_params == {"warmup_num_steps": 0}
    assert problems(cfg, "0.19.6").only_stricter


# -- legacy blocks -------------------------------------------------------------------------------------------------

_EIGEN_DEFAULTS = {
    "eigenvalue_enabled": False, "eigenvalue_verbose": False, "eigenvalue_max_iter": 100, "eigenvalue_tol": 1e-2,
    "eigenvalue_stability": 1e-6, "eigenvalue_gas_boundary_resolution": 1,
    "eigenvalue_layer_name": "bert.encoder.layer", "eigenvalue_layer_num": 0,
}


@pytest.mark.parametrize("target", CLASSIC)
def test_legacy_defaults(target: str) -> None:
    ds = resolve({}, target)
    assert ds.sparse_attention is None and ds.amp_enabled is False and ds.amp_params is False
    assert ds.pld_enabled is False and ds.pld_params is False
    prefix = "curriculum_enabled" if target == "0.7.7" else "curriculum_enabled_legacy"
    assert getattr(ds, prefix) is False
    assert {k: getattr(ds, k) for k in _EIGEN_DEFAULTS} == _EIGEN_DEFAULTS


def test_no_legacy_attrs_in_0_19_8() -> None:
    names = set(resolve({}, "0.19.8").attribute_names())
    assert not names & {"sparse_attention", "amp_enabled", "pld_params", "curriculum_params_legacy", *_EIGEN_DEFAULTS}


@pytest.mark.parametrize("target", CLASSIC)
@pytest.mark.parametrize(("given", "expected"), [
    ({}, {"mode": "fixed", "block": 16, "different_layout_per_head": False, "num_local_blocks": 4,
          "num_global_blocks": 1, "attention": "bidirectional", "horizontal_global_attention": False,
          "num_different_global_patterns": 1}),
    ({"mode": "dense", "block": 8}, {"mode": "dense", "block": 8}),
    ({"mode": "variable", "local_window_blocks": [2, 4]},
     {"mode": "variable", "block": 16, "different_layout_per_head": False, "num_random_blocks": 0,
      "local_window_blocks": [2, 4], "global_block_indices": [0], "global_block_end_indices": None,
      "attention": "bidirectional", "horizontal_global_attention": False}),
    ({"mode": "bigbird"}, {"mode": "bigbird", "block": 16, "different_layout_per_head": False, "num_random_blocks": 0,
                           "num_sliding_window_blocks": 3, "num_global_blocks": 1}),
    ({"mode": "bslongformer"}, {"mode": "bslongformer", "block": 16, "different_layout_per_head": False,
                                "num_sliding_window_blocks": 3, "global_block_indices": [0],
                                "global_block_end_indices": None}),
])
def test_sparse_attention_modes(target: str, given: dict[str, Any], expected: dict[str, Any]) -> None:
    assert resolve({"sparse_attention": given}, target).sparse_attention == expected


def test_sparse_attention_mode_is_case_sensitive() -> None:
    err = problems({"sparse_attention": {"mode": "Fixed"}}, "0.7.7")
    assert not err.only_stricter and "has not been implemented yet" in str(err)


@pytest.mark.parametrize("target", CLASSIC)
def test_enabled_blocks(target: str) -> None:
    ds = resolve({"amp": {"enabled": True, "opt_level": "O1", "foo": 1},
                  "progressive_layer_drop": {"enabled": True, "theta": 0.5, "gamma": 0.001}}, target)
    assert ds.amp_enabled is True and ds.amp_params == {"opt_level": "O1", "foo": 1}
    assert ds.pld_enabled is True and ds.pld_params == {"theta": 0.5, "gamma": 0.001}


@pytest.mark.parametrize("target", CLASSIC)
@pytest.mark.parametrize("block", ["amp", "progressive_layer_drop", "curriculum_learning"])
def test_enabled_missing_crashes_deepspeed(target: str, block: str) -> None:
    err = problems({block: {}}, target)
    assert err.paths == [f"{block}.enabled"] and err.problems[0].code == "ds_crash"


@pytest.mark.parametrize(("target", "names"), [("0.7.7", ("curriculum_enabled", "curriculum_params")),
                                               ("0.19.6", ("curriculum_enabled_legacy", "curriculum_params_legacy"))])
def test_curriculum_attrs(target: str, names: tuple[str, str]) -> None:
    block = {"enabled": True, "curriculum_type": "seqlen", "min_difficulty": 8, "max_difficulty": 64,
             "schedule_type": "fixed_linear", "schedule_config": {"total_curriculum_step": 100, "difficulty_step": 8}}
    ds = resolve({"curriculum_learning": block}, target)
    assert getattr(ds, names[0]) is True
    assert getattr(ds, names[1]) == {k: v for k, v in block.items() if k != "enabled"}


def test_curriculum_checks_at_initialize() -> None:
    err = problems({"curriculum_learning": {"enabled": True, "curriculum_type": "seqlen", "min_difficulty": 1,
                                            "max_difficulty": 5, "schedule_type": "fixed_root",
                                            "schedule_config": {"total_curriculum_step": 10}}}, "0.19.6")
    assert err.only_stricter and set(err.paths) == {"curriculum_learning.schedule_config.difficulty_step",
                                                    "curriculum_learning.schedule_config.root_degree"}


def test_eigenvalue_read_from_quantize_training_in_0_19_6() -> None:
    cfg = {"quantize_training": {"eigenvalue": {"max_iter": 50, "layer_num": 12}},
           "compression_training": {"shared_parameters": {"enabled": True}}}
    ds = resolve(cfg, "0.19.6")
    assert ds.eigenvalue_max_iter == 50 and ds.eigenvalue_layer_num == 12 and ds.eigenvalue_tol == 1e-2
    on = {**cfg, "quantize_training": {"eigenvalue": {"enabled": True}}}
    assert "Eigenvalue based MoQ is temporarily disabled" in str(problems(on, "0.19.6"))


@pytest.mark.parametrize("target", CLASSIC)
def test_top_level_eigenvalue_is_ignored(target: str) -> None:
    ds = resolve({"eigenvalue": {"enabled": True, "max_iter": 5}}, target)
    assert ds.eigenvalue_enabled is False and ds.eigenvalue_max_iter == 100
    assert any("eigenvalue" in w for w in ds.warnings)


@pytest.mark.parametrize("block", ["sparse_attention", "amp", "progressive_layer_drop", "curriculum_learning",
                                   "eigenvalue", "quantize_training"])
def test_removed_blocks_refused_by_0_19_8(block: str) -> None:
    assert not problems({block: {"enabled": True}}, "0.19.8").only_stricter


# -- Hydra group options -------------------------------------------------------------------------------------------

_OPTIONS = [op.AdamOptimizer, op.AdamWOptimizer, op.AdagradOptimizer, op.LambOptimizer, op.OneBitAdamOptimizer,
            op.OneBitLambOptimizer, op.ZeroOneAdamOptimizer, op.LionOptimizer, op.MuAdamOptimizer,
            op.MuAdamWOptimizer, op.MuSGDOptimizer, op.MuonOptimizer, op.WarmupLRScheduler,
            op.WarmupDecayLRScheduler, op.WarmupCosineLRScheduler, op.OneCycleScheduler, op.LRRangeTestScheduler]


@pytest.mark.parametrize("option", _OPTIONS, ids=lambda c: c.__name__)
def test_group_option_merges_into_the_base_field(option: type) -> None:
    base = OmegaConf.structured(op.OptimizationFields)
    field = "optimizer" if issubclass(option, op.OptimizerConfig) else "scheduler"
    merged = OmegaConf.merge(base, {field: option})
    assert isinstance(getattr(OmegaConf.to_object(merged), field), option)
    with pytest.raises(ConfigKeyError):  # typed params: a typo is refused while composing
        OmegaConf.merge(merged, OmegaConf.from_dotlist([f"{field}.params.not_a_param=1"]))


@pytest.mark.parametrize("option", [lg.DenseSparseAttention, lg.FixedSparseAttention, lg.VariableSparseAttention,
                                    lg.BigBirdSparseAttention, lg.BSLongformerSparseAttention],
                         ids=lambda c: c.__name__)
def test_sparse_option_merges(option: type) -> None:
    merged = OmegaConf.merge(OmegaConf.structured(lg.LegacyFields), {"sparse_attention": option})
    assert isinstance(OmegaConf.to_object(merged).sparse_attention, option)


def test_composed_adam_params_reach_deepspeed_without_nulls() -> None:
    merged = OmegaConf.merge(OmegaConf.structured(op.OptimizationFields), {"optimizer": op.AdamOptimizer})
    data = OmegaConf.to_container(merged)
    assert isinstance(data, dict)
    ds = resolve({"optimizer": data["optimizer"]}, "0.19.8")
    assert ds.optimizer_params == {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0,
                                   "amsgrad": False, "torch_adam": False, "adam_w_mode": True}
