"""ZeRO: zero_optimization with its offload, ZenFlow and leaf-module sub-sections."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, List, Optional, Union  # noqa: UP035  (OmegaConf 2.3 reads typing aliases)

from ._field import key, section_meta

_BIG = Union[int, float, str]  # bucket sizes: 5e8 in real configs, "auto" in HF-style ones
_CHECKED = "0.7.7"  # zero_optimization has been a pydantic model in every supported release
_MAXSIZE = 9223372036854775807  # sys.maxsize on 64-bit, DeepSpeed's model_persistence_threshold default


class OffloadDevice(enum.Enum):
    none = "none"
    cpu = "cpu"
    nvme = "nvme"


@dataclass
class OffloadParamConfig:
    __dsconf__ = section_meta(help="Offload model parameters (ZeRO stage 3 only).", ds_checked=_CHECKED)

    device: OffloadDevice = key(OffloadDevice.none, help="Where parameters are offloaded.", ds_checked=_CHECKED)
    nvme_path: Optional[str] = key(
        None, help="NVMe directory for device=nvme.", ds_checked=_CHECKED, normalize="path"
    )
    buffer_count: int = key(5, help="Number of parameter swap buffers.", ge=0, ds_checked=_CHECKED)
    # float-typed (integral=True): OmegaConf 2.3 cannot expand Union fields inside an Optional section
    buffer_size: float = key(
        100_000_000, help="Size of each swap buffer.", ge=0, ds_checked=_CHECKED, integral=True
    )
    max_in_cpu: float = key(
        1_000_000_000, help="Parameter elements kept in CPU memory with nvme offload.", ge=0, ds_checked=_CHECKED,
        integral=True,
    )
    pin_memory: Optional[bool] = key(
        True, help="Use page-locked CPU memory.", was=(("0.19.6", False),), ds_checked=_CHECKED
    )


@dataclass
class OffloadOptimizerConfig:
    __dsconf__ = section_meta(help="Offload optimizer state and computation (ZeRO stages 1-3).", ds_checked=_CHECKED)

    device: OffloadDevice = key(OffloadDevice.none, help="Where optimizer state is offloaded.", ds_checked=_CHECKED)
    nvme_path: Optional[str] = key(
        None, help="NVMe directory for device=nvme.", ds_checked=_CHECKED, normalize="path"
    )
    buffer_count: int = key(4, help="Number of optimizer-state swap buffers.", ge=0, ds_checked=_CHECKED)
    pin_memory: Optional[bool] = key(
        True, help="Use page-locked CPU memory.", was=(("0.19.6", False),), ds_checked=_CHECKED
    )
    pipeline_read: bool = key(False, help="Overlap reading optimizer state with the step.", ds_checked=_CHECKED)
    pipeline_write: bool = key(False, help="Overlap writing optimizer state with the step.", ds_checked=_CHECKED)
    fast_init: bool = key(False, help="Fast initialization of the swapped optimizer state.", ds_checked=_CHECKED)
    ratio: float = key(
        1.0, help="Fraction of optimizer state offloaded (partial offload needs stage 3).", ge=0, le=1,
        added="0.19.6", ds_checked=_CHECKED,
    )
    super_offload: bool = key(
        False, help="SuperOffload: CPU optimizer pipelining.", added="0.19.6", ds_checked=_CHECKED
    )
    cpuadam_cores_perc: float = key(
        0.8, help="Share of CPU cores used by CPU Adam with super_offload.", ge=0, le=1,
        added="0.19.6", ds_checked=_CHECKED,
    )


@dataclass
class ZenFlowConfig:
    __dsconf__ = section_meta(help="ZenFlow: stall-free offloaded training (ZeRO stage 1/2).", ds_checked=_CHECKED)

    topk_ratio: float = key(
        0.1, help="Share of important gradients updated on the GPU.", gt=0, lt=1, ds_checked=_CHECKED
    )
    select_strategy: str = key(
        "auto", help="When to reselect important channels.", choices=("auto", "step", "epoch"), ds_checked=_CHECKED
    )
    # Any for OmegaConf 2.3 (a Union inside the Optional zenflow section breaks Hydra's merges); checked as int|str
    select_interval: Any = key(
        "auto", help="Steps or epochs between reselection (or 'auto').", choices=("auto",), ds_checked=_CHECKED,
        checks_as=Union[int, str],
    )
    update_interval: Any = key(
        "auto", help="Steps between CPU updates of the other gradients (or 'auto').", choices=("auto",),
        ds_checked=_CHECKED, checks_as=Union[int, str],
    )
    overlap_step: bool = key(False, help="Overlap the CPU step with GPU computation.", ds_checked=_CHECKED)
    offload: bool = key(False, help="Offload ZenFlow's optimizer state.", ds_checked=_CHECKED)
    auto_ratio: float = key(0.99, help="Threshold of the automatic update interval.", ge=0, le=1, ds_checked=_CHECKED)
    full_warm_up_rounds: int = key(0, help="Steps of full updates before ZenFlow starts.", ds_checked=_CHECKED)
    pt_reserved_cores_perc: float = key(
        0.5, help="Share of CPU cores reserved for PyTorch.", ge=0, le=1, ds_checked=_CHECKED
    )


@dataclass
class LeafModuleConfig:
    __dsconf__ = section_meta(help="Modules ZeRO-3 treats as leaves (no hooks inside).", ds_checked=_CHECKED)

    classes: List[str] = key(
        [
            "transformers.models.mixtral.modeling_mixtral.MixtralSparseMoeBlock",
            "transformers.models.qwen2_moe.modeling_qwen2_moe.Qwen2MoeSparseMoeBlock",
            "transformers.models.qwen3_moe.modeling_qwen3_moe.Qwen3MoeSparseMoeBlock",
        ],
        help="Dotted class paths treated as leaf modules.",
        ds_checked=_CHECKED,
    )
    names: List[str] = key([], help="Module names treated as leaf modules.", ds_checked=_CHECKED)
    name_suffixes: List[str] = key([], help="Module-name suffixes treated as leaf modules.", ds_checked=_CHECKED)


def _z(default: Any, help: str, **kw: Any) -> Any:
    kw.setdefault("ds_checked", _CHECKED)
    return key(default, help=help, **kw)


@dataclass
class ZeroConfig:
    __dsconf__ = section_meta(help="ZeRO memory optimizations.", constant="ZERO_OPTIMIZATION", ds_checked=_CHECKED)

    stage: int = _z(0, "ZeRO stage: 0 off, 1 optimizer states, 2 + gradients, 3 + parameters.", choices=(0, 1, 2, 3))
    contiguous_gradients: bool = _z(True, "Copy gradients to a contiguous buffer as they are produced.")
    reduce_scatter: bool = _z(True, "Average gradients with reduce-scatter instead of all-reduce.")
    # 0.7.7 allows 0 (ge=0); 0.19 refuses it (gt=0): the zero builder checks the newer bound
    reduce_bucket_size: _BIG = _z(500_000_000, "Elements reduced at a time.", ge=0, auto=True)
    use_multi_rank_bucket_allreduce: bool = _z(True, "All-reduce buckets across ranks together.", added="0.19.6")
    allgather_partitions: bool = _z(True, "All-gather partitions instead of broadcasting them.")
    allgather_bucket_size: _BIG = _z(500_000_000, "Elements all-gathered at a time.", ge=0, auto=True)
    overlap_comm: Optional[bool] = _z(None, "Overlap gradient reduction with backward (null: true at stage 3).")
    compute_grad_norm: bool = _z(True, "Compute the global gradient norm at ZeRO stage 1/2 steps.", added="0.19.8")
    load_from_fp32_weights: bool = _z(True, "Initialize fp32 master weights from the checkpoint's fp32 copy.")
    elastic_checkpoint: bool = _z(False, "Load checkpoints saved with a different data-parallel size.")
    offload_param: Optional[OffloadParamConfig] = _z(None, "Parameter offload (stage 3).", null_ok=True)
    offload_optimizer: Optional[OffloadOptimizerConfig] = _z(None, "Optimizer offload (stages 1-3).", null_ok=True)
    zenflow: Optional[ZenFlowConfig] = _z(None, "ZenFlow settings.", added="0.19.6", null_ok=True)
    sub_group_size: _BIG = _z(1_000_000_000, "Parameter elements per optimizer sub-group (stage 3).", ge=0, auto=True)
    stage3_prefetch_bucket_size: _BIG = _z(
        50_000_000, "Parameter elements prefetched ahead of use (stage 3).", ge=0, auto=True,
        attr="prefetch_bucket_size",
    )
    stage3_param_persistence_threshold: _BIG = _z(
        100_000, "Parameters smaller than this stay unpartitioned (stage 3).", ge=0, auto=True,
        attr="param_persistence_threshold",
    )
    stage3_model_persistence_threshold: _BIG = _z(
        _MAXSIZE, "Upper bound of unpartitioned parameter elements (stage 3).", ge=0, auto=True,
        attr="model_persistence_threshold",
    )
    stage3_max_live_parameters: _BIG = _z(
        1_000_000_000, "Parameter elements resident per GPU before release (stage 3).", ge=0, auto=True,
        attr="max_live_parameters",
    )
    stage3_max_reuse_distance: _BIG = _z(
        1_000_000_000, "Keep a parameter resident if it is reused within this many elements (stage 3).", ge=0,
        auto=True, attr="max_reuse_distance",
    )
    stage3_gather_16bit_weights_on_model_save: bool = _z(
        False, "Gather 16-bit weights into one state dict when saving (stage 3).",
        attr="gather_16bit_weights_on_model_save",
    )
    stage3_module_granularity_threshold: _BIG = _z(
        0, "Fetch modules below this size as one unit (stage 3).", added="0.19.6", auto=True,
        attr="module_granularity_threshold",
    )
    stage3_use_all_reduce_for_fetch_params: bool = _z(
        False, "Fetch parameters with all-reduce (stage 3).", added="0.19.6", attr="use_all_reduce_for_fetch_params"
    )
    stage3_allgather_sequential: bool = _z(
        False, "All-gather parameters one at a time (stage 3).", added="0.19.6", attr="allgather_sequential"
    )
    cpu_offload_use_pin_memory: Optional[bool] = _z(
        None, "Deprecated and unused by DeepSpeed: set offload_param/offload_optimizer.pin_memory instead."
    )
    ignore_unused_parameters: bool = _z(True, "Tolerate parameters without gradients (stage 2).")
    legacy_stage1: bool = _z(False, "The pre-0.5.9 ZeRO stage 1 (no longer available).")
    round_robin_gradients: bool = _z(False, "Round-robin gradient partitioning across ranks (stage 1/2).")
    parameter_alignment: bool = _z(False, "Align each parameter to 16 bytes in ZeRO 1/2 flat buffers.", added="0.19.8")
    zero_hpz_partition_size: int = _z(1, "ZeRO++ hierarchical partition size.", ge=0, added="0.19.6")
    zero_quantized_weights: bool = _z(False, "ZeRO++ quantized weights.", added="0.19.6")
    zero_quantized_nontrainable_weights: bool = _z(False, "ZeRO++ quantized frozen weights.", added="0.19.6")
    zero_quantized_gradients: bool = _z(False, "ZeRO++ quantized gradients.", added="0.19.6")
    zeropp_loco_param: Optional[dict] = _z(  # type: ignore[type-arg]
        None, "LoCo-Zero++ parameters (err_beta, reset_T).", added="0.19.6", removed="0.19.7"
    )
    mics_shard_size: int = _z(-1, "MiCS shard size (-1: off).", added="0.19.6", removed="0.19.7")
    mics_hierarchical_params_gather: bool = _z(
        False, "MiCS hierarchical parameter gather.", added="0.19.6", removed="0.19.7"
    )
    memory_efficient_linear: bool = _z(True, "Memory-efficient linear layers under ZeRO-3.", added="0.19.6")
    pipeline_loading_checkpoint: bool = _z(False, "Load pipeline checkpoints under ZeRO-3.", added="0.19.6")
    override_module_apply: bool = _z(True, "Gather parameters in module.apply under ZeRO-3.", added="0.19.6")
    log_trace_cache_warnings: bool = _z(False, "Log ZeRO-3 trace-cache invalidation warnings.", added="0.19.6")
    enable_sanity_checks: bool = _z(False, "Extra ZeRO-3 sanity checks.", added="0.19.6")
    save_muon_momentum_buffer_in_memory: bool = _z(False, "Keep Muon momentum buffers in memory.", added="0.19.6")
    leaf_module: LeafModuleConfig = key(
        help="Leaf modules for ZeRO-3.", factory=LeafModuleConfig, added="0.19.6", ds_checked=_CHECKED
    )


@dataclass
class ZeroFields:
    zero_optimization: ZeroConfig = key(help="ZeRO memory optimizations.", factory=ZeroConfig)
