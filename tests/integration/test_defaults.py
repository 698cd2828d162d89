"""Every default in the schema equals the installed DeepSpeed's own: its pydantic models field by field, and the
``*_DEFAULT`` constants of its runtime/constants.py for the top-level keys (no copied table that could drift)."""

from __future__ import annotations

import enum
import importlib
from typing import Any

import _deepspeed as harness
import pytest

pytestmark = pytest.mark.deepspeed

TARGET = harness.target_or_skip()

from dsconf._releases import Release  # noqa: E402
from dsconf.load import root_spec  # noqa: E402
from dsconf.schema._spec import SectionSpec  # noqa: E402

REL = Release(TARGET)

# schema section path -> DeepSpeed's model (module, class); the releases that have that model
MODELS: list[tuple[str, str, str, str]] = [
    ("zero_optimization", "deepspeed.runtime.zero.config", "DeepSpeedZeroConfig", "0.7.7"),
    ("zero_optimization.offload_param", "deepspeed.runtime.zero.offload_config", "DeepSpeedZeroOffloadParamConfig",
     "0.7.7"),
    ("zero_optimization.offload_optimizer", "deepspeed.runtime.zero.offload_config",
     "DeepSpeedZeroOffloadOptimizerConfig", "0.7.7"),
    ("zero_optimization.zenflow", "deepspeed.runtime.zenflow.zenflow_config", "ZenFlowConfig", "0.19.6"),
    ("zero_optimization.leaf_module", "deepspeed.runtime.zero.leaf_module_config", "DeepSpeedZeroLeafModuleConfig",
     "0.19.6"),
    ("fp16", "deepspeed.runtime.precision_config", "DeepSpeedFP16Config", "0.19.6"),
    ("bf16", "deepspeed.runtime.precision_config", "DeepSpeedBF16Config", "0.19.6"),
    ("hybrid_engine", "deepspeed.runtime.config", "HybridEngineConfig", "0.19.6"),
    ("compile", "deepspeed.compile.config", "CompileConfig", "0.19.6"),
    ("tensorboard", "deepspeed.monitor.config", "TensorBoardConfig", "0.7.7"),
    ("wandb", "deepspeed.monitor.config", "WandbConfig", "0.7.7"),
    ("csv_monitor", "deepspeed.monitor.config", "CSVConfig", "0.7.7"),
    ("comet", "deepspeed.monitor.config", "CometConfig", "0.19.6"),
    ("comms_logger", "deepspeed.comm.config", "CommsLoggerConfig", "0.7.7"),
    ("timers.throughput", "deepspeed.utils.config", "DeepSpeedThroughputTimerConfig", "0.19.6"),
]

# DeepSpeed model fields that are not config keys (runtime objects or values set by the engine)
NOT_KEYS = {"steps_per_epoch", "mpu", "tp_group", "dtype", "cpu_offload", "cpu_offload_param",
            "stage3_gather_fp16_weights_on_model_save"}


def _spec(path: str) -> SectionSpec:
    spec = root_spec()
    for part in path.split("."):
        f = spec.lookup[part]
        assert f.section is not None, path
        spec = f.section
    return spec


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)  # 0.7.7's pp_int
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _model_defaults(cls: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fields = getattr(cls, "model_fields", None)
    if fields is not None:  # pydantic 2
        for name, info in fields.items():
            if info.default_factory is not None:
                value = info.default_factory()
            else:
                value = info.default
            out[name] = value
        return out
    for name, info in cls.__fields__.items():  # pydantic 1 (DeepSpeed 0.7.7)
        out[name] = info.default_factory() if info.default_factory is not None else info.default
    return out


CASES = [m for m in MODELS if REL >= Release(m[3])]


@pytest.mark.parametrize(("path", "module", "cls"), [m[:3] for m in CASES], ids=[m[0] for m in CASES])
def test_model_defaults_equal_deepspeeds(path: str, module: str, cls: str) -> None:
    model = getattr(importlib.import_module(module), cls)
    spec = _spec(path)
    by_attr = {f.attr: f for f in spec.fields.values() if f.known_in(REL)}
    ds_defaults = {k: v for k, v in _model_defaults(model).items() if k not in NOT_KEYS}
    missing = sorted(set(ds_defaults) - set(by_attr))
    assert not missing, f"{path}: DeepSpeed {TARGET} has fields the schema lacks for this release: {missing}"
    extra = sorted(set(by_attr) - set(ds_defaults) - {"cpu_offload_use_pin_memory"})
    assert not extra, f"{path}: the schema has keys DeepSpeed {TARGET}'s model does not: {extra}"
    wrong = {}
    for name, ds_value in ds_defaults.items():
        f = by_attr[name]
        ours = None if f.section is not None else f.default_for(REL)
        if f.section is not None:
            continue  # nested models are compared by their own row
        if _plain(ds_value) != ours and not (name == "overlap_comm" and ds_value is None):
            wrong[name] = (ours, _plain(ds_value))
    assert not wrong, f"{path}: defaults differ (dsconf, deepspeed): {wrong}"


TOP_LEVEL = ["steps_per_print", "gradient_clipping", "prescale_gradients", "gradient_predivide_factor",
             "disable_allgather", "dump_state", "wall_clock_breakdown", "memory_breakdown", "dataloader_drop_last",
             "communication_data_type", "zero_allow_untested_optimizer", "train_batch_size",
             "train_micro_batch_size_per_gpu", "gradient_accumulation_steps", "vocabulary_size",
             "managed_gradient_accumulation", "seq_parallel_communication_data_type", "gradient_allreduce_op",
             "zero_force_ds_cpu_optimizer", "disable_python_gc", "use_data_before_expert_parallelism", "log_level"]


@pytest.mark.parametrize("key", TOP_LEVEL)
def test_top_level_defaults_equal_deepspeeds_constants(key: str) -> None:
    constants = importlib.import_module("deepspeed.runtime.constants")
    name = {"use_data_before_expert_parallelism": "USE_DATA_BEFORE_EXPERT_PARALLEL"}.get(key, key.upper())
    if not hasattr(constants, name + "_DEFAULT"):
        f = root_spec().lookup[key]
        assert not f.known_in(REL), f"DeepSpeed {TARGET} has no {name}_DEFAULT but the schema says it reads {key}"
        return
    f = root_spec().lookup[key]
    assert f.known_in(REL), f"DeepSpeed {TARGET} reads {key} but the schema says it does not"
    assert f.default_for(REL) == _plain(getattr(constants, name + "_DEFAULT"))
