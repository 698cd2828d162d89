"""The ``optimizer`` and ``scheduler`` sections, with typed parameters per optimizer / LR schedule.

DeepSpeed passes ``optimizer.params`` / ``scheduler.params`` unchanged to the class it builds at ``initialize``, so
only the keys a user gives reach it. In the params classes below, a key whose default is ``None`` means "not
passed: the constructor's own default applies" (a composed Hydra config carries every key, and these keys are
accepted only by some of the classes DeepSpeed may pick, e.g. ``bias_correction`` by FusedAdam but not by
``torch.optim.AdamW``). The other defaults equal the constructor defaults of DeepSpeed 0.19.8 (0.19.6 for the 1-bit
optimizers, which 0.19.7 removed), so passing them explicitly changes nothing.

Section-level ``added``/``removed`` on a params class say in which releases DeepSpeed builds that optimizer itself
(``DEEPSPEED_OPTIMIZERS``) or ships that LR schedule; ``name`` is the schedule's class name (case-sensitive).
"""

# OmegaConf 2.3 needs typing.Optional/Union/Dict, not PEP 604/585 spellings:
# ruff: noqa: UP006, UP007, UP045
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Union  # noqa: UP035

from ._field import key, section_meta
from ._spec import variants_field

# Names DeepSpeed's engine falls back to (getattr(torch.optim, name) / torch.optim.lr_scheduler) when a type is not
# one of its own; torch 2.x. Used only to tell a typo from a torch class without importing torch.
TORCH_OPTIM_NAMES: tuple[str, ...] = (
    "ASGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "LBFGS", "Muon", "NAdam", "RAdam",
    "RMSprop", "Rprop", "SGD", "SparseAdam",
)
TORCH_LR_SCHEDULER_NAMES: tuple[str, ...] = (
    "ChainedScheduler", "ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "ExponentialLR",
    "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR", "MultiplicativeLR", "OneCycleLR", "PolynomialLR",
    "ReduceLROnPlateau", "SequentialLR", "StepLR",
)

_NOT_PASSED = " (null: not passed, the optimizer's own default applies)"
_MAX_GRAD_NORM_HELP = "Refused by DeepSpeed's engine at initialize; use the top-level gradient_clipping instead."


# -- optimizer params ----------------------------------------------------------------------------------------------


@dataclass
class AdamParams:
    """Adam / AdamW: FusedAdam, DeepSpeedCPUAdam (ZeRO offload) or torch.optim.Adam(W) (torch_adam)."""

    __dsconf__ = section_meta(help="Parameters of DeepSpeed's Adam/AdamW (FusedAdam, DeepSpeedCPUAdam or torch).")

    lr: Union[float, str] = key(1e-3, help="Learning rate.", auto=True, ge=0)
    betas: Any = key([0.9, 0.999], help="Running-average coefficients of the gradient and its square.", auto=True)
    eps: Union[float, str] = key(1e-8, help="Term added to the denominator for numerical stability.", auto=True)
    weight_decay: Union[float, str] = key(0.0, help="Weight decay (L2 penalty, decoupled in AdamW mode).", auto=True)
    amsgrad: bool = key(False, help="AMSGrad variant (FusedAdam refuses it).")
    torch_adam: bool = key(False, help="Use torch.optim.Adam/AdamW instead of DeepSpeed's fused/CPU Adam.")
    adam_w_mode: bool = key(True, help="Decoupled weight decay (AdamW); the type adamw forces it.")
    bias_correction: Optional[bool] = key(None, help="Bias-correct the moments (FusedAdam, CPUAdam)" + _NOT_PASSED)
    set_grad_none: Optional[bool] = key(None, help="zero_grad() sets grads to None (FusedAdam only)" + _NOT_PASSED)
    fp32_optimizer_states: Optional[bool] = key(
        None, help="Keep DeepSpeedCPUAdam moments in fp32 (ZeRO offload)" + _NOT_PASSED
    )
    foreach: Optional[bool] = key(None, help="torch foreach implementation (torch_adam only)" + _NOT_PASSED)
    max_grad_norm: Optional[float] = key(None, help=_MAX_GRAD_NORM_HELP)


@dataclass
class AdagradParams:
    """Adagrad: DeepSpeedCPUAdagrad (ZeRO offload), else torch.optim.Adagrad (0.7.7: FusedAdam)."""

    __dsconf__ = section_meta(help="Parameters of DeepSpeed's Adagrad (DeepSpeedCPUAdagrad or torch.optim.Adagrad).")

    lr: Union[float, str] = key(1e-2, help="Learning rate.", auto=True, ge=0)
    eps: Union[float, str] = key(1e-10, help="Term added to the denominator for numerical stability.", auto=True)
    weight_decay: Union[float, str] = key(0.0, help="Weight decay (L2 penalty).", auto=True)
    lr_decay: Optional[float] = key(None, help="Learning-rate decay (torch.optim.Adagrad only)" + _NOT_PASSED)
    initial_accumulator_value: Optional[float] = key(
        None, help="Initial sum of squares (torch.optim.Adagrad only)" + _NOT_PASSED
    )
    fp32_optimizer_states: Optional[bool] = key(
        None, help="Keep DeepSpeedCPUAdagrad state in fp32 (ZeRO offload)" + _NOT_PASSED
    )
    torch_adam: Optional[bool] = key(
        None, help="Popped by DeepSpeed 0.7.7 only; later releases pass it on to the optimizer" + _NOT_PASSED
    )
    adam_w_mode: Optional[bool] = key(
        None, help="Popped by DeepSpeed 0.7.7 only; later releases pass it on to the optimizer" + _NOT_PASSED
    )
    max_grad_norm: Optional[float] = key(None, help=_MAX_GRAD_NORM_HELP)


@dataclass
class LambParams:
    __dsconf__ = section_meta(help="Parameters of DeepSpeed's FusedLamb (needs CUDA and dynamic loss scaling).")

    lr: Union[float, str] = key(1e-3, help="Learning rate.", auto=True, ge=0)
    bias_correction: bool = key(True, help="Bias-correct the moments.")
    betas: Any = key([0.9, 0.999], help="Running-average coefficients of the gradient and its square.", auto=True)
    eps: Union[float, str] = key(1e-8, help="Term added to the denominator for numerical stability.", auto=True)
    eps_inside_sqrt: bool = key(False, help="Add eps inside the square root.")
    weight_decay: Union[float, str] = key(0.0, help="Weight decay.", auto=True)
    max_coeff: float = key(10.0, help="Upper bound of the LAMB trust ratio.")
    min_coeff: float = key(0.01, help="Lower bound of the LAMB trust ratio.")
    amsgrad: bool = key(False, help="AMSGrad variant (FusedLamb refuses it).")
    max_grad_norm: Optional[float] = key(None, help=_MAX_GRAD_NORM_HELP)


@dataclass
class _OneBitCommon:
    lr: Union[float, str] = key(1e-3, help="Learning rate.", auto=True, ge=0)
    bias_correction: bool = key(True, help="Bias-correct the moments.")
    betas: Any = key([0.9, 0.999], help="Running-average coefficients of the gradient and its square.", auto=True)
    eps: Union[float, str] = key(1e-8, help="Term added to the denominator for numerical stability.", auto=True)
    eps_inside_sqrt: bool = key(False, help="Add eps inside the square root.")
    weight_decay: Union[float, str] = key(0.0, help="Weight decay.", auto=True)
    amsgrad: bool = key(False, help="AMSGrad variant (refused by the 1-bit optimizers).")
    cuda_aware: bool = key(False, help="Use CUDA-aware MPI for the compressed communication.")
    comm_backend_name: str = key("nccl", help="Backend of the compressed communication (nccl, mpi, ...).")
    max_grad_norm: Optional[float] = key(None, help=_MAX_GRAD_NORM_HELP)


@dataclass
class OneBitAdamParams(_OneBitCommon):
    __dsconf__ = section_meta(help="Parameters of 1-bit Adam (fp16, no ZeRO).", removed="0.19.7")

    freeze_step: int = key(100000, help="Warm-up steps of uncompressed Adam before compression starts.", ge=0)


@dataclass
class OneBitLambParams(_OneBitCommon):
    __dsconf__ = section_meta(help="Parameters of 1-bit LAMB (fp16, no ZeRO, dynamic loss scaling).", removed="0.19.7")

    freeze_step: int = key(100000, help="Warm-up steps of uncompressed LAMB before compression starts.", ge=0)
    max_coeff: float = key(10.0, help="Upper bound of the LAMB trust ratio.")
    min_coeff: float = key(0.01, help="Lower bound of the LAMB trust ratio.")
    coeff_beta: float = key(0.9, help="Coefficient of the moving average of the trust ratio.")
    factor_max: float = key(4.0, help="Upper bound of the compression-stage scaling factor.")
    factor_min: float = key(0.5, help="Lower bound of the compression-stage scaling factor.")
    factor_threshold: float = key(0.1, help="Threshold of the scaling factor's change per step.")


@dataclass
class ZeroOneAdamParams(_OneBitCommon):
    __dsconf__ = section_meta(help="Parameters of 0/1 Adam (fp16, no ZeRO).", removed="0.19.7")

    var_freeze_step: int = key(100000, help="Step after which the variance is frozen.", ge=0)
    var_update_scaler: int = key(16, help="Interval scaler of variance updates.", ge=1)
    local_step_scaler: int = key(32678, help="Interval scaler of local steps.", ge=1)
    local_step_clipper: int = key(16, help="Upper bound of the local-step interval.", ge=1)


@dataclass
class LionParams:
    __dsconf__ = section_meta(help="Parameters of DeepSpeed's Lion (FusedLion, or DeepSpeedCPULion with offload).",
                              added="0.19.6")

    lr: Union[float, str] = key(1e-3, help="Learning rate.", auto=True, ge=0)
    betas: Any = key([0.9, 0.999], help="Coefficients of the update interpolation and the momentum.", auto=True)
    weight_decay: Union[float, str] = key(0.0, help="Decoupled weight decay.", auto=True)
    set_grad_none: Optional[bool] = key(None, help="zero_grad() sets grads to None (FusedLion only)" + _NOT_PASSED)
    fp32_optimizer_states: Optional[bool] = key(
        None, help="Keep DeepSpeedCPULion state in fp32 (ZeRO offload)" + _NOT_PASSED
    )
    max_grad_norm: Optional[float] = key(None, help=_MAX_GRAD_NORM_HELP)


@dataclass
class MuAdamParams:
    __dsconf__ = section_meta(help="Parameters of mup.MuAdam (torch.optim.Adam with muP scaling).", added="0.19.6")

    lr: Union[float, str] = key(1e-3, help="Learning rate.", auto=True, ge=0)
    betas: Any = key([0.9, 0.999], help="Running-average coefficients of the gradient and its square.", auto=True)
    eps: Union[float, str] = key(1e-8, help="Term added to the denominator for numerical stability.", auto=True)
    weight_decay: Union[float, str] = key(0.0, help="Weight decay.", auto=True)
    amsgrad: bool = key(False, help="AMSGrad variant.")
    decoupled_wd: bool = key(False, help="Do not scale weight decay with the muP width multiplier.")
    max_grad_norm: Optional[float] = key(None, help=_MAX_GRAD_NORM_HELP)


@dataclass
class MuAdamWParams(MuAdamParams):
    __dsconf__ = section_meta(help="Parameters of mup.MuAdamW (torch.optim.AdamW with muP scaling).", added="0.19.6")

    weight_decay: Union[float, str] = key(0.01, help="Decoupled weight decay.", auto=True)


@dataclass
class MuSGDParams:
    __dsconf__ = section_meta(help="Parameters of mup.MuSGD (torch.optim.SGD with muP scaling).", added="0.19.6")

    lr: Union[float, str] = key(1e-3, help="Learning rate.", auto=True, ge=0)
    momentum: float = key(0.0, help="Momentum factor.")
    dampening: float = key(0.0, help="Dampening for momentum.")
    weight_decay: Union[float, str] = key(0.0, help="Weight decay.", auto=True)
    nesterov: bool = key(False, help="Nesterov momentum.")
    decoupled_wd: bool = key(False, help="Do not scale weight decay with the muP width multiplier.")
    max_grad_norm: Optional[float] = key(None, help=_MAX_GRAD_NORM_HELP)


@dataclass
class MuonParams:
    __dsconf__ = section_meta(help="Parameters of DeepSpeed's Muon (with an auxiliary Adam for non-Muon params).",
                              added="0.19.6")

    lr: Union[float, str, None] = key(None, help="Learning rate of both halves" + _NOT_PASSED, auto=True)
    muon_lr: Optional[float] = key(None, help="Learning rate of the Muon half (overrides lr)" + _NOT_PASSED)
    adam_lr: Optional[float] = key(None, help="Learning rate of the auxiliary Adam half (overrides lr)" + _NOT_PASSED)
    momentum: Optional[float] = key(None, help="Momentum of the Muon half" + _NOT_PASSED)
    ns_method: Optional[str] = key(None, help="Newton-Schulz orthogonalisation method (Muon uses gram)" + _NOT_PASSED)
    betas: Any = key(None, help="Betas of the auxiliary Adam half" + _NOT_PASSED, auto=True)
    eps: Union[float, str, None] = key(None, help="eps of the auxiliary Adam half" + _NOT_PASSED, auto=True)
    weight_decay: Union[float, str, None] = key(None, help="Weight decay of both halves" + _NOT_PASSED, auto=True)
    adam_w_mode: bool = key(True, help="Decoupled weight decay in the auxiliary Adam.")
    torch_adam: bool = key(False, help="Use torch.optim.Adam(W) as the auxiliary Adam.")
    fp32_optimizer_states: Optional[bool] = key(
        None, help="Keep CPU Adam moments in fp32 (ZeRO offload)" + _NOT_PASSED
    )
    max_grad_norm: Optional[float] = key(None, help=_MAX_GRAD_NORM_HELP)


# Keys: DeepSpeed's own optimizer names (lower case; DeepSpeed lower-cases a type that is one of them).
OPTIMIZER_PARAMS: Dict[str, type] = {
    "adagrad": AdagradParams,
    "adam": AdamParams,
    "adamw": AdamParams,
    "lamb": LambParams,
    "onebitadam": OneBitAdamParams,
    "onebitlamb": OneBitLambParams,
    "zerooneadam": ZeroOneAdamParams,
    "muadam": MuAdamParams,
    "muadamw": MuAdamWParams,
    "musgd": MuSGDParams,
    "lion": LionParams,
    "muon": MuonParams,
}


@dataclass
class OptimizerConfig:
    __dsconf__ = section_meta(help="The optimizer DeepSpeed builds at initialize (unless the client passes one).")

    type: Optional[str] = key(
        None, help="A DeepSpeed optimizer (case-insensitive, e.g. AdamW, Lamb) or a torch.optim class name (e.g. SGD)."
    )
    params: Dict[str, Any] = variants_field(
        "type", OPTIMIZER_PARAMS, help="Keyword arguments of the optimizer; ignored by DeepSpeed when type is unset."
    )
    legacy_fusion: bool = key(
        False, help="Use the legacy fused-Adam path of DeepSpeed's fp16 optimizer.", constant="LEGACY_FUSION"
    )


# Hydra group options (optimizer=adam ...): OptimizerConfig with the type set and the params typed. OmegaConf 2.3
# merges such a node into a field typed Optional[OptimizerConfig]; a narrower params type is the point, hence the
# ignore on each override (mypy sees an incompatible override).
@dataclass
class AdamOptimizer(OptimizerConfig):
    type: Optional[str] = key("Adam", help="DeepSpeed's Adam.")
    params: AdamParams = key(help="Adam parameters.", factory=AdamParams)  # type: ignore[assignment]


@dataclass
class AdamWOptimizer(OptimizerConfig):
    type: Optional[str] = key("AdamW", help="DeepSpeed's AdamW.")
    params: AdamParams = key(help="AdamW parameters.", factory=AdamParams)  # type: ignore[assignment]


@dataclass
class AdagradOptimizer(OptimizerConfig):
    type: Optional[str] = key("Adagrad", help="DeepSpeed's Adagrad.")
    params: AdagradParams = key(help="Adagrad parameters.", factory=AdagradParams)  # type: ignore[assignment]


@dataclass
class LambOptimizer(OptimizerConfig):
    type: Optional[str] = key("Lamb", help="DeepSpeed's FusedLamb.")
    params: LambParams = key(help="LAMB parameters.", factory=LambParams)  # type: ignore[assignment]


@dataclass
class OneBitAdamOptimizer(OptimizerConfig):
    type: Optional[str] = key("OneBitAdam", help="1-bit Adam.")
    params: OneBitAdamParams = key(help="1-bit Adam parameters.", factory=OneBitAdamParams)  # type: ignore[assignment]


@dataclass
class OneBitLambOptimizer(OptimizerConfig):
    type: Optional[str] = key("OneBitLamb", help="1-bit LAMB.")
    params: OneBitLambParams = key(help="1-bit LAMB parameters.", factory=OneBitLambParams)  # type: ignore[assignment]


@dataclass
class ZeroOneAdamOptimizer(OptimizerConfig):
    type: Optional[str] = key("ZeroOneAdam", help="0/1 Adam.")
    params: ZeroOneAdamParams = key(help="0/1 Adam parameters.", factory=ZeroOneAdamParams)  # type: ignore[assignment]


@dataclass
class LionOptimizer(OptimizerConfig):
    type: Optional[str] = key("Lion", help="DeepSpeed's Lion.")
    params: LionParams = key(help="Lion parameters.", factory=LionParams)  # type: ignore[assignment]


@dataclass
class MuAdamOptimizer(OptimizerConfig):
    type: Optional[str] = key("MuAdam", help="mup.MuAdam.")
    params: MuAdamParams = key(help="MuAdam parameters.", factory=MuAdamParams)  # type: ignore[assignment]


@dataclass
class MuAdamWOptimizer(OptimizerConfig):
    type: Optional[str] = key("MuAdamW", help="mup.MuAdamW.")
    params: MuAdamWParams = key(help="MuAdamW parameters.", factory=MuAdamWParams)  # type: ignore[assignment]


@dataclass
class MuSGDOptimizer(OptimizerConfig):
    type: Optional[str] = key("MuSGD", help="mup.MuSGD.")
    params: MuSGDParams = key(help="MuSGD parameters.", factory=MuSGDParams)  # type: ignore[assignment]


@dataclass
class MuonOptimizer(OptimizerConfig):
    type: Optional[str] = key("Muon", help="DeepSpeed's Muon.")
    params: MuonParams = key(help="Muon parameters.", factory=MuonParams)  # type: ignore[assignment]


# -- scheduler params ----------------------------------------------------------------------------------------------


@dataclass
class LRRangeTestParams:
    __dsconf__ = section_meta(help="Parameters of the LRRangeTest schedule.", name="LRRangeTest")

    lr_range_test_min_lr: Union[float, str] = key(1e-3, help="Starting learning rate.", auto=True)
    lr_range_test_step_size: Union[int, float] = key(2000, help="Steps per learning-rate increase.")
    lr_range_test_step_rate: float = key(1.0, help="Scale of each learning-rate increase.")
    lr_range_test_staircase: bool = key(False, help="Increase in steps rather than continuously.")
    last_batch_iteration: int = key(-1, help="Index of the last batch (resume).")


@dataclass
class OneCycleParams:
    __dsconf__ = section_meta(help="Parameters of the OneCycle schedule.", name="OneCycle")

    cycle_min_lr: Union[float, str, None] = key(None, help="Lower learning rate of the cycle (required).", auto=True)
    cycle_max_lr: Union[float, str, None] = key(None, help="Upper learning rate of the cycle (required).", auto=True)
    decay_lr_rate: float = key(0.0, help="Learning-rate decay after the cycle.")
    cycle_first_step_size: Union[int, float] = key(2000, help="Steps of the increasing half of the cycle.")
    cycle_second_step_size: Union[int, float, None] = key(
        None, help="Steps of the decreasing half (null: as the first)."
    )
    cycle_first_stair_count: int = key(0, help="Stairs in the first half (0: continuous).")
    cycle_second_stair_count: Optional[int] = key(None, help="Stairs in the second half (null: as the first).")
    decay_step_size: Union[int, float] = key(0, help="Steps between decays after the cycle.")
    cycle_momentum: bool = key(True, help="Cycle the momentum inversely to the learning rate.")
    cycle_min_mom: float = key(0.8, help="Lower momentum of the cycle.")
    cycle_max_mom: float = key(0.9, help="Upper momentum of the cycle.")
    decay_mom_rate: float = key(0.0, help="Momentum decay after the cycle.")
    last_batch_iteration: int = key(-1, help="Index of the last batch (resume).")


@dataclass
class WarmupLRParams:
    __dsconf__ = section_meta(help="Parameters of the WarmupLR schedule.", name="WarmupLR")

    warmup_min_lr: Union[float, str] = key(0.0, help="Learning rate at step 0.", auto=True)
    warmup_max_lr: Union[float, str, None] = key(
        None, help="Learning rate after warm-up (null: the optimizer's lr; 0.7.7: 0.001).", auto=True
    )
    warmup_num_steps: Union[int, float, str] = key(1000, help="Warm-up steps.", auto=True)
    warmup_type: str = key("log", help="Warm-up curve: log or linear.")
    last_batch_iteration: int = key(-1, help="Index of the last batch (resume).")


@dataclass
class WarmupDecayLRParams(WarmupLRParams):
    __dsconf__ = section_meta(help="Parameters of the WarmupDecayLR schedule.", name="WarmupDecayLR")

    warmup_max_lr: Union[float, str, None] = key(0.001, help="Learning rate after warm-up.", auto=True)
    total_num_steps: Union[int, float, str, None] = key(
        None, help="Total training steps; the rate decays linearly to 0 at the end (required).", auto=True
    )


@dataclass
class WarmupCosineLRParams:
    __dsconf__ = section_meta(help="Parameters of the WarmupCosineLR schedule.", name="WarmupCosineLR",
                              added="0.19.6")

    total_num_steps: Union[int, float, str, None] = key(None, help="Total training steps (required).", auto=True)
    warmup_min_ratio: float = key(0.0, help="Starting learning rate as a ratio of the optimizer's lr.")
    warmup_num_steps: Union[int, float, str] = key(1000, help="Warm-up steps.", auto=True)
    cos_min_ratio: float = key(0.0001, help="Final learning rate as a ratio of the optimizer's lr.")
    warmup_type: str = key("log", help="Warm-up curve: log or linear.")
    last_batch_iteration: int = key(-1, help="Index of the last batch (resume).")


# Keys: the schedule class name lower-cased (the variant lookup folds case; DeepSpeed itself does not).
SCHEDULER_PARAMS: Dict[str, type] = {
    "lrrangetest": LRRangeTestParams,
    "onecycle": OneCycleParams,
    "warmuplr": WarmupLRParams,
    "warmupdecaylr": WarmupDecayLRParams,
    "warmupcosinelr": WarmupCosineLRParams,
}


@dataclass
class SchedulerConfig:
    __dsconf__ = section_meta(help="The learning-rate schedule DeepSpeed builds at initialize.")

    type: Optional[str] = key(
        None, help="A DeepSpeed schedule (WarmupLR, ...; case-sensitive) or a torch.optim.lr_scheduler class name."
    )
    params: Dict[str, Any] = variants_field(
        "type", SCHEDULER_PARAMS, help="Keyword arguments of the schedule; ignored by DeepSpeed when type is unset."
    )


@dataclass
class WarmupLRScheduler(SchedulerConfig):
    type: Optional[str] = key("WarmupLR", help="Warm-up, then constant.")
    params: WarmupLRParams = key(help="WarmupLR parameters.", factory=WarmupLRParams)  # type: ignore[assignment]


@dataclass
class WarmupDecayLRScheduler(SchedulerConfig):
    type: Optional[str] = key("WarmupDecayLR", help="Warm-up, then linear decay.")
    params: WarmupDecayLRParams = key(help="WarmupDecayLR parameters.", factory=WarmupDecayLRParams)  # type: ignore[assignment]


@dataclass
class WarmupCosineLRScheduler(SchedulerConfig):
    type: Optional[str] = key("WarmupCosineLR", help="Warm-up, then cosine decay.")
    params: WarmupCosineLRParams = key(help="WarmupCosineLR parameters.", factory=WarmupCosineLRParams)  # type: ignore[assignment]


@dataclass
class OneCycleScheduler(SchedulerConfig):
    type: Optional[str] = key("OneCycle", help="1-cycle policy.")
    params: OneCycleParams = key(help="OneCycle parameters.", factory=OneCycleParams)  # type: ignore[assignment]


@dataclass
class LRRangeTestScheduler(SchedulerConfig):
    type: Optional[str] = key("LRRangeTest", help="Learning-rate range test.")
    params: LRRangeTestParams = key(help="LRRangeTest parameters.", factory=LRRangeTestParams)  # type: ignore[assignment]


# -- top level -----------------------------------------------------------------------------------------------------


@dataclass
class OptimizationFields:
    optimizer: Optional[OptimizerConfig] = key(None, help="The optimizer DeepSpeed builds (null: none/the client's).")
    scheduler: Optional[SchedulerConfig] = key(None, help="The learning-rate schedule DeepSpeed builds (null: none).")
    zero_allow_untested_optimizer: bool = key(
        False, help="Allow ZeRO with an optimizer DeepSpeed has not tested with it."
    )
    zero_force_ds_cpu_optimizer: bool = key(
        True, help="With ZeRO offload, require DeepSpeed's CPU optimizer (DeepSpeedCPUAdam).", added="0.19.6"
    )
