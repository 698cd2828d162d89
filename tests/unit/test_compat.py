"""dsconf.constants and dsconf.compat, dsconf side (no deepspeed import; the differential checks against the real
releases are in tests/integration/test_compat_deepspeed.py)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import dsconf.compat as compat
import dsconf.constants as constants
from dsconf import DeepSpeedConfigError
from dsconf._releases import SUPPORTED_TARGETS, Release
from dsconf.compat.constants import special_names
from dsconf.constants import for_release
from dsconf.load import root_spec
from dsconf.schema._spec import walk


def test_import_does_not_import_torch_or_deepspeed() -> None:
    code = (
        "import sys\n"
        "from dsconf.constants import TRAIN_BATCH_SIZE, SPARSE_BIGBIRD_MODE\n"
        "import dsconf.compat as c\n"
        "c.get_fp16_enabled({'fp16': {'enabled': True}}); c.get_sparse_attention({'sparse_attention': {}})\n"
        "bad = [m for m in ('torch', 'deepspeed') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_names_from_the_issue() -> None:
    from dsconf.constants import (
        ADAM_OPTIMIZER,
        DEEPSPEED_OPTIMIZERS,
        ROUTE_TRAIN,
        SPARSE_BIGBIRD_MODE,
        TRAIN_BATCH_SIZE,
        TRAIN_BATCH_SIZE_DEFAULT,
        VALID_LR_SCHEDULES,
        WARMUP_COSINE_LR,
    )

    assert (TRAIN_BATCH_SIZE, TRAIN_BATCH_SIZE_DEFAULT, ROUTE_TRAIN) == ("train_batch_size", None, "train")
    assert (SPARSE_BIGBIRD_MODE, ADAM_OPTIMIZER) == ("bigbird", "adam")
    assert DEEPSPEED_OPTIMIZERS == ["adagrad", "adam", "adamw", "lamb", "muadam", "muadamw", "musgd", "lion", "muon"]
    assert VALID_LR_SCHEDULES == ["LRRangeTest", "OneCycle", "WarmupLR", "WarmupDecayLR", "WarmupCosineLR"]
    assert WARMUP_COSINE_LR == "WarmupCosineLR"


def test_module_level_is_0198_plus_older_names() -> None:
    c: Any = constants
    assert c.GRADIENT_CLIPPING_DEFAULT == 1.0 and c.STEPS_PER_PRINT_DEFAULT is None
    assert c.FP16_INITIAL_SCALE_POWER_DEFAULT == 16
    # names 0.19.8 no longer has keep the older release's value
    assert c.SPARSE_MODE_DEFAULT == "fixed" and c.PLD_THETA_DEFAULT == 1.0 and c.AMP_ENABLED is not None
    assert c.ONEBIT_ADAM_OPTIMIZER == "onebitadam" and c.CURRICULUM_LEARNING == "curriculum_learning"
    assert c.GRAPH_HARVESTING == "graph_harvesting"  # only 0.19.6 had it
    with pytest.raises(AttributeError, match="did you mean"):
        _ = c.TRAIN_BATCH_SIZ


def test_for_release_views() -> None:
    old, mid, new = (for_release(t) for t in SUPPORTED_TARGETS)
    assert (old.STEPS_PER_PRINT_DEFAULT, mid.STEPS_PER_PRINT_DEFAULT, new.STEPS_PER_PRINT_DEFAULT) == (10, None, None)
    assert (old.FP16_INITIAL_SCALE_POWER_DEFAULT, new.FP16_INITIAL_SCALE_POWER_DEFAULT) == (32, 16)
    assert (old.GRADIENT_CLIPPING_DEFAULT, mid.GRADIENT_CLIPPING_DEFAULT) == (0.0, 1.0)
    assert old.DEEPSPEED_OPTIMIZERS == ["adagrad", "adam", "adamw", "lamb", "onebitadam", "onebitlamb", "zerooneadam"]
    assert len(mid.DEEPSPEED_OPTIMIZERS) == 12
    assert old.VALID_LR_SCHEDULES == ["LRRangeTest", "OneCycle", "WarmupLR", "WarmupDecayLR"]
    assert not hasattr(new, "SPARSE_MODE") and hasattr(mid, "SPARSE_MODE") and not hasattr(old, "LOG_LEVEL")
    assert old.ValidationMode.WARN == "WARN" and old.CHECKPOINT_TAG_VALIDATION_MODES == ["WARN", "IGNORE", "FAIL"]
    # fresh copies: mutating a view changes nothing
    old.DEEPSPEED_OPTIMIZERS.append("x")
    assert "x" not in for_release("0.7.7").DEEPSPEED_OPTIMIZERS
    with pytest.raises(DeepSpeedConfigError, match="not a supported target"):
        for_release("0.10.0")


def test_names_come_from_the_schema() -> None:
    """Every key name constant is a key of the schema and its _DEFAULT is that key's default in the release."""
    keys = {f.name for f in walk(root_spec())}
    special = set(special_names())
    for release in SUPPORTED_TARGETS:
        ns = vars(for_release(release))
        for name, value in ns.items():
            if name in special or name.endswith(("_FORMAT", "_DEFAULT")) or not isinstance(value, str):
                continue
            if name.endswith(("_OPTIMIZER", "_MODE")) or value[:1].isupper():
                continue  # optimizer / sparse mode / schedule names: values of keys
            assert value in keys, (release, name, value)
    fields = {f.info.constant: f for f in walk(root_spec()) if f.info.constant}
    assert {"BFLOAT16", "LEGACY_FUSION", "SPARSE_ATTENTION_TYPE", "LOAD_UNIVERSAL_CHECKPOINT"} <= set(fields)
    old = vars(for_release("0.7.7"))
    assert old["SPARSE_ATTENTION_TYPE"] == fields["SPARSE_ATTENTION_TYPE"].name
    assert old["SPARSE_ATTENTION_TYPE_DEFAULT"] == fields["SPARSE_ATTENTION_TYPE"].default_for(Release("0.7.7"))


# ------------------------------------------------------------------------------------------------ helpers


def test_helper_surface() -> None:
    assert set(compat.helpers.__all__) - {"HELPERS", "helper_releases"} == set(compat.HELPERS)
    assert compat.helper_releases("get_fp16_enabled") == ("0.7.7",)
    assert compat.helper_releases("get_amp_enabled") == ("0.7.7", "0.19.6")
    assert compat.helper_releases("get_log_level") == ("0.19.6", "0.19.8")
    assert compat.helper_releases("get_train_batch_size") == SUPPORTED_TARGETS


def test_seed_precision_quirks() -> None:
    t = "0.7.7"
    assert compat.get_fp16_auto_cast({}, target=t) is None
    assert compat.get_fp16_auto_cast({"fp16": {"enabled": True}}, target=t) is False
    assert compat.get_loss_scale({"bf16": {"enabled": True}}, target=t) == 1.0
    assert compat.get_loss_scale({}, target=t) == 0
    assert compat.get_initial_dynamic_scale({}, target=t) == 2**32
    assert compat.get_initial_dynamic_scale({"bfloat16": {"enabled": True}}, target=t) == 1
    assert compat.get_dynamic_loss_scale_args({"fp16": {"enabled": True}}, target=t) is None
    assert compat.get_dynamic_loss_scale_args({"fp16": {"enabled": True, "hysteresis": 3}}, target=t) == {
        "init_scale": 2**32, "scale_window": 1000, "delayed_shift": 3, "min_scale": 1}
    assert compat.get_fp16_enabled({"fp16": {"enabled": "auto"}}, target=t) == "auto"  # read as given
    assert compat.get_amp_params({}, target=t) is False
    assert compat.get_pld_params({"progressive_layer_drop": {"enabled": True, "theta": 0.5}}, target=t) == {
        "theta": 0.5}


def test_target_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    import dsconf._releases as releases

    monkeypatch.setattr(releases, "installed_deepspeed_version", lambda: "0.7.7")
    assert compat.get_steps_per_print({}) == 10
    monkeypatch.setattr(releases, "installed_deepspeed_version", lambda: None)
    assert compat.get_steps_per_print({}) is None
    assert compat.get_gradient_clipping({}) == 1.0
    # helpers the target lacks answer as the nearest release that has them
    assert compat.get_initial_dynamic_scale({}) == 2**32  # as 0.7.7
    assert compat.get_pipeline_config({}, target="0.7.7")["activation_checkpoint_interval"] == 0
    assert "pipe_partitioned" not in compat.get_pipeline_config({}, target="0.7.7")
    assert compat.get_log_level({"log_level": "info"}, target="0.7.7") == "info"


def test_sparse_attention_parsers() -> None:
    t = "0.19.6"
    assert compat.get_sparse_attention({}, target=t) is None
    fixed = compat.get_sparse_attention({"sparse_attention": {}}, target=t)
    assert fixed["mode"] == "fixed" and fixed["num_local_blocks"] == 4 and fixed["attention"] == "bidirectional"
    assert compat.get_sparse_attention({"sparse_attention": {"mode": "dense"}}, target=t) == {"mode": "dense",
                                                                                               "block": 16}
    bigbird = compat.get_sparse_bigbird_config({"num_random_blocks": 2}, target=t)
    assert bigbird == {"mode": "bigbird", "block": 16, "different_layout_per_head": False, "num_random_blocks": 2,
                       "num_sliding_window_blocks": 3, "num_global_blocks": 1}
    with pytest.raises(DeepSpeedConfigError, match="sparse_attention.mode"):
        compat.get_sparse_attention({"sparse_attention": {"mode": "Fixed"}}, target=t)


@pytest.mark.parametrize(
    ("helper", "arg", "target", "path"),
    [
        ("get_amp_params", {"amp": {"opt_level": "O1"}}, "0.7.7", "amp.enabled"),
        ("get_curriculum_params", {"curriculum_learning": {}}, "0.7.7", "curriculum_learning.enabled"),
        ("get_communication_data_type", {"communication_data_type": "bf16"}, "0.7.7", "communication_data_type"),
        ("get_communication_data_type", {"communication_data_type": "bfp16"}, "0.19.8", "communication_data_type"),
        ("get_gradient_allreduce_op", {"gradient_allreduce_op": "max"}, "0.19.8", "gradient_allreduce_op"),
        ("get_checkpoint_tag_validation_mode", {"tag_validation": "loud"}, "0.19.8", "checkpoint.tag_validation"),
        ("get_checkpoint_parallel_write_pipeline", {"parallel_write": {"pipeline_stage": "yes"}}, "0.7.7",
         "checkpoint.parallel_write.pipeline_stage"),
        ("get_optimizer_name", {"optimizer": None}, "0.19.8", ""),
        ("get_lower_precision_safe_modules", {"torch_autocast": {"lower_precision_safe_modules": [1]}}, "0.19.8",
         "torch_autocast.lower_precision_safe_modules"),
    ],
)
def test_where_deepspeed_raises_dsconf_raises(helper: str, arg: Any, target: str, path: str) -> None:
    with pytest.raises(DeepSpeedConfigError) as info:
        getattr(compat, helper)(arg, target=target)
    assert info.value.paths == [path]


def test_dictconfig_input() -> None:
    from omegaconf import OmegaConf

    cfg = OmegaConf.create({"optimizer": {"type": "Adam", "params": {"lr": 0.1}}})
    assert compat.get_optimizer_params(cfg, target="0.19.8") == {"lr": 0.1}
