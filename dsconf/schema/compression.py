"""``compression_training``: DeepSpeed's compression library (quantization, pruning, layer reduction).

Read by 0.7.7 and 0.19.6 (``deepspeed/compression/config.py``, a plain dict parser); 0.19.7 removed the library and
0.19.8 refuses the block. Every technique has ``shared_parameters`` and ``different_groups``; the latter is a mapping
of user-chosen group names to :class:`CompressionGroup` entries whose ``params`` depend on the technique (the
``*GroupParams`` classes below). The group mapping is open by nature, so the builder checks each entry against
those classes instead of the loader.
"""

# ruff: noqa: UP006, UP007, UP045  (the schema spells types the way CONTRIBUTING-sections.md lists for OmegaConf 2.3)
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional  # noqa: UP035  (OmegaConf 2.3 reads typing aliases)

from ._field import key, section_meta

_GONE = "0.19.7"  # the compression library was removed
_SNIP = "0.19.6"  # first supported release with sparse_pruning's snip_momentum method (and its keys)
_QUANT_TYPES = ("symmetric", "asymmetric")

_GROUPS_HELP = (
    "Named groups of modules: {name: {params: {...}, modules: [...], related_modules: [...]}} "
    "(required once the technique is enabled)."
)


# -- entries of ``different_groups`` (checked by the builder) ------------------------------------------------------
@dataclass
class CompressionGroup:
    """One entry of a technique's ``different_groups``."""

    params: Dict[str, Any] = key(help="The technique's parameters for this group (see the *GroupParams classes).")
    modules: Any = key("*", help="Module name patterns this group applies to.")
    related_modules: Any = key(None, help="Modules related to each matched module (e.g. heads of an attention layer).")


@dataclass
class WeightQuantizationGroupParams:
    """``params`` of a weight-quantization group."""

    start_bits: int = key(help="Bits at the start of quantization.")
    target_bits: int = key(help="Bits reached at the end.")
    quantization_period: int = key(1, help="Steps between halving the bits from start_bits to target_bits.")


@dataclass
class ActivationQuantizationGroupParams:
    """``params`` of an activation-quantization group."""

    bits: int = key(help="Bits of the quantized activations.")


@dataclass
class PruningGroupParams:
    """``params`` of a sparse/row/head/channel pruning group."""

    dense_ratio: float = key(help="Fraction of weights (rows, heads, channels) kept.")


# -- shared parameters -----------------------------------------------------------------------------------------------
@dataclass
class FP16MixedQuantizeConfig:
    __dsconf__ = section_meta(help="Mix fp16 and quantized weights while the bits shrink.")

    enabled: bool = key(False, help="Blend fp16 weights into the quantized ones.")
    quantize_change_ratio: float = key(0.001, help="Step by which the quantized share grows.")


@dataclass
class WeightQuantizationShared:
    __dsconf__ = section_meta(help="Settings shared by all weight-quantization groups.")

    enabled: bool = key(False, help="Quantize weights during training.")
    quantizer_kernel: bool = key(False, help="Use DeepSpeed's CUDA quantizer kernel.")
    schedule_offset: int = key(0, help="Training step at which quantization starts.")
    quantize_groups: int = key(1, help="Number of quantization groups per weight matrix.")
    quantize_verbose: bool = key(False, help="Log quantization progress.")
    quantization_type: str = key("symmetric", help="Quantization scheme.", choices=_QUANT_TYPES)
    quantize_weight_in_forward: bool = key(False, help="Quantize weights in the forward pass (else in the step).")
    rounding: str = key("nearest", help="Rounding of quantized values.", choices=("nearest", "stochastic"))
    fp16_mixed_quantize: FP16MixedQuantizeConfig = key(
        help="fp16/quantized weight mixing (its `enabled` lands as shared_parameters.fp16_mixed_quantize).",
        factory=FP16MixedQuantizeConfig,
    )


@dataclass
class ActivationQuantizationShared:
    __dsconf__ = section_meta(help="Settings shared by all activation-quantization groups.")

    enabled: bool = key(False, help="Quantize activations during training.")
    quantization_type: str = key("symmetric", help="Quantization scheme.", choices=_QUANT_TYPES)
    range_calibration: str = key("dynamic", help="How the activation range is found.", choices=("dynamic", "static"))
    schedule_offset: int = key(1000, help="Training step at which quantization starts.")


@dataclass
class SparsePruningShared:
    __dsconf__ = section_meta(help="Settings shared by all sparse-pruning groups.")

    enabled: bool = key(False, help="Prune individual weights.")
    method: str = key(
        "l1",
        help="Pruning criterion (snip_momentum since 0.19.6).",
        choices=("l1", "topk", "snip_momentum"),
    )
    schedule_offset: int = key(1000, help="Training step at which pruning starts.")
    block_pattern: str = key("4x1", help="snip_momentum: shape of the pruned blocks.", added=_SNIP)
    dense_ratio: float = key(0.1, help="snip_momentum: fraction of weights kept, in (0, 1).", added=_SNIP)
    schedule_offset_stride: int = key(1, help="snip_momentum: steps between pruning updates.", added=_SNIP)
    excluded_modules: List[str] = key([], help="snip_momentum: modules never pruned.", added=_SNIP)
    schedule_offset_end: Optional[int] = key(
        None, help="snip_momentum: step at which pruning ends (null: schedule_offset).", added=_SNIP
    )


@dataclass
class RowPruningShared:
    __dsconf__ = section_meta(help="Settings shared by all row-pruning groups.")

    enabled: bool = key(False, help="Prune rows of linear layers.")
    method: str = key("l1", help="Pruning criterion.", choices=("l1", "topk"))
    schedule_offset: int = key(1000, help="Training step at which pruning starts.")


@dataclass
class HeadPruningShared:
    __dsconf__ = section_meta(help="Settings shared by all attention-head-pruning groups.")

    enabled: bool = key(False, help="Prune attention heads.")
    method: str = key("topk", help="Pruning criterion.", choices=("l1", "topk"))
    schedule_offset: int = key(1000, help="Training step at which pruning starts.")
    num_heads: Optional[int] = key(None, help="Attention heads per layer (required when enabled).")


@dataclass
class ChannelPruningShared:
    __dsconf__ = section_meta(help="Settings shared by all channel-pruning groups.")

    enabled: bool = key(False, help="Prune channels of convolution layers.")
    method: str = key("l1", help="Pruning criterion.", choices=("l1", "topk"))
    schedule_offset: int = key(1000, help="Training step at which pruning starts.")


# -- techniques ------------------------------------------------------------------------------------------------------
@dataclass
class WeightQuantizationConfig:
    __dsconf__ = section_meta(help="Quantization-aware training of weights.")

    shared_parameters: WeightQuantizationShared = key(help="Settings of all groups.", factory=WeightQuantizationShared)
    different_groups: Dict[str, Any] = key({}, help=_GROUPS_HELP)


@dataclass
class ActivationQuantizationConfig:
    __dsconf__ = section_meta(help="Quantization of activations.")

    shared_parameters: ActivationQuantizationShared = key(
        help="Settings of all groups.", factory=ActivationQuantizationShared
    )
    different_groups: Dict[str, Any] = key({}, help=_GROUPS_HELP)


@dataclass
class SparsePruningConfig:
    __dsconf__ = section_meta(help="Unstructured (weight) pruning.")

    shared_parameters: SparsePruningShared = key(help="Settings of all groups.", factory=SparsePruningShared)
    different_groups: Dict[str, Any] = key({}, help=_GROUPS_HELP)


@dataclass
class RowPruningConfig:
    __dsconf__ = section_meta(help="Row pruning of linear layers.")

    shared_parameters: RowPruningShared = key(help="Settings of all groups.", factory=RowPruningShared)
    different_groups: Dict[str, Any] = key({}, help=_GROUPS_HELP)


@dataclass
class HeadPruningConfig:
    __dsconf__ = section_meta(help="Attention head pruning.")

    shared_parameters: HeadPruningShared = key(help="Settings of all groups.", factory=HeadPruningShared)
    different_groups: Dict[str, Any] = key({}, help=_GROUPS_HELP)


@dataclass
class ChannelPruningConfig:
    __dsconf__ = section_meta(help="Channel pruning of convolution layers.")

    shared_parameters: ChannelPruningShared = key(help="Settings of all groups.", factory=ChannelPruningShared)
    different_groups: Dict[str, Any] = key({}, help=_GROUPS_HELP)


@dataclass
class LayerReductionConfig:
    # DeepSpeed copies every key of an enabled layer_reduction block into compression_config.
    __dsconf__ = section_meta(
        help="Knowledge-distillation layer reduction (student keeps some teacher layers).", open=True
    )

    enabled: bool = key(False, help="Reduce the number of layers.")
    keep_number_layer: Optional[int] = key(None, help="Layers the student keeps.")
    module_name_prefix: Optional[str] = key(None, help="Name prefix of the layer list (e.g. bert.encoder.layer).")
    teacher_layer: Optional[List[int]] = key(None, help="Teacher layers the student's layers start from.")
    other_module_name: Optional[List[str]] = key(None, help="Other modules copied from the teacher.")


@dataclass
class CompressionTrainingConfig:
    __dsconf__ = section_meta(help="DeepSpeed compression library (removed in 0.19.7).")

    weight_quantization: WeightQuantizationConfig = key(
        help="Quantization-aware training of weights.", factory=WeightQuantizationConfig
    )
    activation_quantization: ActivationQuantizationConfig = key(
        help="Quantization of activations.", factory=ActivationQuantizationConfig
    )
    sparse_pruning: SparsePruningConfig = key(help="Unstructured pruning.", factory=SparsePruningConfig)
    row_pruning: RowPruningConfig = key(help="Row pruning.", factory=RowPruningConfig)
    head_pruning: HeadPruningConfig = key(help="Attention head pruning.", factory=HeadPruningConfig)
    channel_pruning: ChannelPruningConfig = key(help="Channel pruning.", factory=ChannelPruningConfig)
    layer_reduction: LayerReductionConfig = key(help="Layer reduction.", factory=LayerReductionConfig)
    # Only the MoQ/eigenvalue gate (get_quantize_enabled) reads this one, not the compression library.
    shared_parameters: WeightQuantizationShared = key(
        help="Mixture-of-Quantization switch read by the eigenvalue config: enabled=true makes 0.7.7 crash "
        "(NameError) and 0.19.6 read the top-level quantize_training block.",
        factory=WeightQuantizationShared,
    )


@dataclass
class CompressionFields:
    compression_training: Optional[CompressionTrainingConfig] = key(
        None,
        help="Compression-aware training: quantization, pruning, layer reduction.",
        removed=_GONE,
    )
