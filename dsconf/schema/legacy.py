"""Blocks DeepSpeed 0.19.7 removed: sparse_attention, amp, progressive_layer_drop, legacy curriculum_learning,
eigenvalue and quantize_training (0.19.7+ refuses a config that still has any of them).

DeepSpeed parses all of these with plain ``dict.get``: unknown keys are ignored and values are not type-checked.
``passthrough=True`` marks blocks DeepSpeed keeps as the user's dict (minus ``enabled``, which it pops without a
default): a composed config must hand them over whole, defaults included.
"""

# OmegaConf 2.3 needs typing.Optional/List, not PEP 604/585 spellings:
# ruff: noqa: UP006, UP007, UP045
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional  # noqa: UP035

from ._field import key, section_meta

_REMOVED = "0.19.7"
_NOT_PASSED = " (null: not passed)"

# -- sparse_attention ----------------------------------------------------------------------------------------------


@dataclass
class SparseAttentionConfig:
    """Keys every sparsity mode has; the mode's own class adds the rest."""

    __dsconf__ = section_meta(
        help="DeepSpeed Sparse Attention: the sparsity layout (read by the model, not the engine).",
        constant="SPARSE",
        variants=("mode", {}),  # filled in below, once the mode classes exist
    )

    mode: str = key("fixed", help="Sparsity layout: dense, fixed, variable, bigbird or bslongformer (case-sensitive).")
    block: int = key(16, help="Block size of the block-sparse layout.")


@dataclass
class DenseSparseAttention(SparseAttentionConfig):
    __dsconf__ = section_meta(help="Dense attention expressed as a block-sparse layout.")

    mode: str = key("dense", help="Sparsity layout.")


@dataclass
class _PerHead(SparseAttentionConfig):
    different_layout_per_head: bool = key(False, help="Give each attention head its own layout.")


@dataclass
class FixedSparseAttention(_PerHead):
    __dsconf__ = section_meta(help="Fixed sparsity (Sparse Transformer): local windows plus global blocks.")

    mode: str = key("fixed", help="Sparsity layout.")
    num_local_blocks: int = key(4, help="Blocks per local window.")
    num_global_blocks: int = key(1, help="Global blocks per local window.")
    attention: str = key(
        "bidirectional", help="unidirectional or bidirectional.", constant="SPARSE_ATTENTION_TYPE"
    )
    horizontal_global_attention: bool = key(False, help="Global blocks also attend horizontally (bidirectional).")
    num_different_global_patterns: int = key(1, help="Distinct global patterns across heads.")


@dataclass
class VariableSparseAttention(_PerHead):
    __dsconf__ = section_meta(help="Variable sparsity: random, variable-size local windows and global blocks.")

    mode: str = key("variable", help="Sparsity layout.")
    num_random_blocks: int = key(0, help="Random blocks per row.")
    local_window_blocks: List[int] = key([4], help="Sizes of the local windows (the last one repeats).")
    global_block_indices: List[int] = key([0], help="Indices of the global blocks.")
    global_block_end_indices: Optional[List[int]] = key(None, help="End indices of global block ranges.")
    attention: str = key(
        "bidirectional", help="unidirectional or bidirectional.", constant="SPARSE_ATTENTION_TYPE"
    )
    horizontal_global_attention: bool = key(False, help="Global blocks also attend horizontally (bidirectional).")


@dataclass
class BigBirdSparseAttention(_PerHead):
    __dsconf__ = section_meta(help="BigBird sparsity: random, sliding-window and global blocks.")

    mode: str = key("bigbird", help="Sparsity layout.")
    num_random_blocks: int = key(0, help="Random blocks per row.")
    num_sliding_window_blocks: int = key(3, help="Blocks of the sliding window.")
    num_global_blocks: int = key(1, help="Global blocks.")


@dataclass
class BSLongformerSparseAttention(_PerHead):
    __dsconf__ = section_meta(help="Block-sparse Longformer: sliding-window and global blocks.")

    mode: str = key("bslongformer", help="Sparsity layout.")
    num_sliding_window_blocks: int = key(3, help="Blocks of the sliding window.")
    global_block_indices: List[int] = key([0], help="Indices of the global blocks.")
    global_block_end_indices: Optional[List[int]] = key(None, help="End indices of global block ranges.")


SPARSE_ATTENTION_MODES: dict[str, type] = {
    "dense": DenseSparseAttention,
    "fixed": FixedSparseAttention,
    "variable": VariableSparseAttention,
    "bigbird": BigBirdSparseAttention,
    "bslongformer": BSLongformerSparseAttention,
}
SparseAttentionConfig.__dsconf__["variants"] = ("mode", SPARSE_ATTENTION_MODES)

# -- amp, progressive layer drop, legacy curriculum ----------------------------------------------------------------


@dataclass
class AmpConfig:
    __dsconf__ = section_meta(
        help="NVIDIA Apex AMP; every key besides enabled is passed to apex.amp.initialize.", open=True, constant="AMP",
        passthrough=True
    )

    enabled: bool = key(False, help="Train with Apex AMP (needs apex).")
    # apex.amp.initialize's JSON-expressible arguments, typed for Hydra (null: not passed, apex's default applies)
    opt_level: Optional[str] = key(None, help="Apex optimization level O0-O3" + _NOT_PASSED)
    # Any, not Union: OmegaConf 2.3 cannot expand a Union field inside an Optional section
    loss_scale: Any = key(None, help='Static loss scale or "dynamic"' + _NOT_PASSED)
    keep_batchnorm_fp32: Any = key(None, help="Keep batch-norm weights in fp32" + _NOT_PASSED)
    master_weights: Optional[bool] = key(None, help="Keep fp32 master weights" + _NOT_PASSED)
    patch_torch_functions: Optional[bool] = key(None, help="Patch torch functions to cast on the fly" + _NOT_PASSED)
    min_loss_scale: Optional[float] = key(None, help="Floor of the dynamic loss scale" + _NOT_PASSED)
    max_loss_scale: Optional[float] = key(None, help="Ceiling of the dynamic loss scale" + _NOT_PASSED)
    num_losses: Optional[int] = key(None, help="Number of losses scaled separately" + _NOT_PASSED)
    verbosity: Optional[int] = key(None, help="Apex logging verbosity" + _NOT_PASSED)


@dataclass
class ProgressiveLayerDropConfig:
    __dsconf__ = section_meta(
        help="Progressive Layer Dropping: keep probability theta_t = (1-theta)e^(-gamma t)+theta.", constant="PLD",
        passthrough=True,
    )

    enabled: bool = key(False, help="Drop transformer layers progressively.")
    theta: float = key(1.0, help="Lower bound of the keep probability (the engine needs it when enabled).")
    gamma: float = key(0.001, help="Decay rate of the keep probability (the engine needs it when enabled).")


@dataclass
class CurriculumScheduleConfig:
    __dsconf__ = section_meta(help="Difficulty schedule of legacy curriculum learning (keys depend on schedule_type).")

    difficulty: Optional[List[int]] = key(None, help="fixed_discrete: the difficulties (one more than max_step).")
    max_step: Optional[List[int]] = key(None, help="fixed_discrete: the step at which each difficulty ends.")
    total_curriculum_step: Optional[int] = key(None, help="fixed_root/fixed_linear: steps to reach max_difficulty.")
    difficulty_step: Optional[int] = key(None, help="fixed_root/fixed_linear: difficulty granularity (multiple of 8).")
    root_degree: Optional[int] = key(None, help="fixed_root: degree of the root function.")


# schedule_type values CurriculumScheduler accepts -> first supported release that has it (None: all).
CURRICULUM_SCHEDULE_TYPES: dict[str, Optional[str]] = {
    "fixed_discrete": None,
    "fixed_root": None,
    "fixed_linear": None,
    "custom": "0.19.6",
}


@dataclass
class CurriculumLearningLegacyConfig:
    __dsconf__ = section_meta(
        help="Legacy curriculum learning (since 0.19.7: data_efficiency.data_sampling).", constant="CURRICULUM",
        passthrough=True,
    )

    enabled: bool = key(False, help="Enable legacy curriculum learning.")
    curriculum_type: Optional[str] = key(None, help="Difficulty metric; seqlen truncates sequences in the engine.")
    min_difficulty: Optional[int] = key(None, help="Starting difficulty (required when enabled).")
    max_difficulty: Optional[int] = key(None, help="Final difficulty (required when enabled).")
    schedule_type: Optional[str] = key(
        None, help="Difficulty schedule: a key of CURRICULUM_SCHEDULE_TYPES (required when enabled)."
    )
    schedule_config: Optional[CurriculumScheduleConfig] = key(None, help="Parameters of the schedule.")


# -- eigenvalue / quantize_training --------------------------------------------------------------------------------


@dataclass
class EigenvalueConfig:
    __dsconf__ = section_meta(help="Eigenvalue computation for Mixture-of-Quantization (MoQ).", constant="EIGENVALUE")

    enabled: bool = key(False, help="Compute eigenvalues (DeepSpeed refuses it: MoQ eigenvalues are disabled).",
                        attr="eigenvalue_enabled")
    verbose: bool = key(False, help="Print the eigenvalues.", attr="eigenvalue_verbose")
    max_iter: int = key(100, help="Power-iteration steps.", attr="eigenvalue_max_iter")
    tol: float = key(1e-2, help="Power-iteration tolerance.", attr="eigenvalue_tol")
    stability: float = key(1e-6, help="Variance stabilisation term.", attr="eigenvalue_stability")
    gas_boundary_resolution: int = key(
        1, help="Compute every this many gradient-accumulation boundaries.", attr="eigenvalue_gas_boundary_resolution"
    )
    layer_name: str = key("bert.encoder.layer", help="Module path of the layers.", attr="eigenvalue_layer_name")
    layer_num: int = key(0, help="Number of layers.", attr="eigenvalue_layer_num")


@dataclass
class QuantizeTrainingConfig:
    __dsconf__ = section_meta(
        help="Legacy MoQ block; DeepSpeed reads only its eigenvalue part, and only with compression quantization.",
        open=True,
    )

    eigenvalue: EigenvalueConfig = key(help="Eigenvalue settings (0.19.x reads them from here).",
                                       factory=EigenvalueConfig)


# -- top level -----------------------------------------------------------------------------------------------------


@dataclass
class LegacyFields:
    sparse_attention: Optional[SparseAttentionConfig] = key(
        None, help="Sparse attention layout (null: none).", removed=_REMOVED
    )
    amp: Optional[AmpConfig] = key(None, help="NVIDIA Apex AMP (null: off).", removed=_REMOVED)
    progressive_layer_drop: Optional[ProgressiveLayerDropConfig] = key(
        None, help="Progressive Layer Dropping (null: off).", removed=_REMOVED
    )
    curriculum_learning: Optional[CurriculumLearningLegacyConfig] = key(
        None, help="Legacy curriculum learning (null: off).", removed=_REMOVED
    )
    eigenvalue: Optional[EigenvalueConfig] = key(
        None, help="Never read by DeepSpeed at the top level (see quantize_training.eigenvalue).", removed=_REMOVED,
        null_ok=True,
    )
    quantize_training: Optional[QuantizeTrainingConfig] = key(
        None, help="Legacy MoQ block (0.19.x reads its eigenvalue part).", removed=_REMOVED, null_ok=True
    )
