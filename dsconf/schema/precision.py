"""Mixed precision: fp16, bf16 (and its legacy name bfloat16), torch_autocast."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Union  # noqa: UP035  (OmegaConf 2.3 reads typing aliases)

from ._field import key, section_meta

_SINCE_MODEL = "0.19.6"  # fp16/bf16 became pydantic models (type-checked, unknown keys refused)


@dataclass
class FP16Config:
    __dsconf__ = section_meta(help="fp16 mixed precision with loss scaling.", constant="FP16", ds_checked=_SINCE_MODEL)

    enabled: Union[bool, str] = key(False, help="Train in fp16 mixed precision.", auto=True, ds_checked=_SINCE_MODEL)
    auto_cast: bool = key(False, help="Cast the model's inputs to fp16.", ds_checked=_SINCE_MODEL)
    loss_scale: float = key(
        0.0, help="Static loss scale; 0 selects dynamic loss scaling.", ge=0, ds_checked=_SINCE_MODEL
    )
    initial_scale_power: Optional[int] = key(
        16,
        help="Dynamic loss scaling starts at 2**initial_scale_power.",
        was=(("0.19.6", 32),),
        ds_checked=_SINCE_MODEL,
    )
    loss_scale_window: int = key(
        1000, help="Steps without overflow before the dynamic loss scale is raised.", ds_checked=_SINCE_MODEL
    )
    hysteresis: int = key(2, help="Overflows tolerated before the loss scale is lowered.", ds_checked=_SINCE_MODEL)
    consecutive_hysteresis: bool = key(
        False,
        help="Refill the hysteresis after every step without overflow.",
        added="0.19.6",
        ds_checked=_SINCE_MODEL,
    )
    min_loss_scale: int = key(1, help="Lower bound of the dynamic loss scale.", ds_checked=_SINCE_MODEL)
    fp16_master_weights_and_grads: bool = key(
        False, help="Keep master weights and gradients in fp16 (ZeRO with DeepSpeedCPUAdam).", ds_checked=_SINCE_MODEL
    )


@dataclass
class BF16Config:
    __dsconf__ = section_meta(help="bfloat16 mixed precision.", constant="BFLOAT16", ds_checked=_SINCE_MODEL)

    enabled: Union[bool, str] = key(
        False, help="Train in bfloat16 mixed precision.", auto=True, ds_checked=_SINCE_MODEL
    )
    immediate_grad_update: bool = key(
        False, help="Apply gradient updates immediately rather than delayed.", added="0.19.6", ds_checked=_SINCE_MODEL
    )
    check_grad_overflow: bool = key(
        True, help="Skip the optimizer step when gradients overflow.", added="0.19.6", ds_checked=_SINCE_MODEL
    )
    bf16_master_weights_and_grads: bool = key(
        False,
        help="Keep ZeRO master weights and gradients in bf16.",
        added="0.19.6",
        ds_checked=_SINCE_MODEL,
        constant="BFLOAT16_MASTER_WEIGHTS_AND_GRADS",
    )
    bf16_optimizer_states: bool = key(
        False,
        help="Keep optimizer states in bf16 (needs bf16_master_weights_and_grads).",
        added="0.19.6",
        ds_checked=_SINCE_MODEL,
        constant="BFLOAT16_OPTIMIZER_STATES",
    )


@dataclass
class TorchAutocastConfig:
    __dsconf__ = section_meta(help="torch.autocast-based mixed precision.")

    enabled: bool = key(False, help="Run forward passes under torch.autocast.")
    dtype: Optional[str] = key(
        None,
        help="Lower-precision dtype for autocast.",
        choices=(
            "torch.float16", "fp16", "float16", "half",
            "torch.bfloat16", "bf16", "bfloat16",
            "torch.float32", "fp32", "float32", "float",
            "torch.int8", "int8",
        ),
    )
    lower_precision_safe_modules: Optional[List[str]] = key(
        None, help="Module classes (dotted paths) whose outputs may stay in the lower precision."
    )


@dataclass
class PrecisionFields:
    fp16: FP16Config = key(help="fp16 mixed precision.", factory=FP16Config)
    bf16: BF16Config = key(
        help="bfloat16 mixed precision (legacy section name: bfloat16).", factory=BF16Config, constant="BFLOAT16"
    )
    torch_autocast: Optional[TorchAutocastConfig] = key(
        None, help="torch.autocast mixed precision.", added="0.19.6"
    )
