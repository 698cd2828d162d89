"""DeepSpeedSchema: the whole ds_config.json, composed from one mixin per section family."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ._field import key, section_meta
from .compression import CompressionFields
from .core import CoreFields
from .data_efficiency import DataEfficiencyFields
from .elasticity import ElasticityFields
from .legacy import LegacyFields
from .monitoring import MonitoringFields
from .optim import OptimizationFields
from .precision import PrecisionFields
from .runtime import RuntimeFields
from .zero import ZeroFields


# Fields appear in reverse order of the bases: the batch triple first, the removed blocks last.
@dataclass
class DeepSpeedSchema(
    CompressionFields,
    ElasticityFields,
    LegacyFields,
    DataEfficiencyFields,
    RuntimeFields,
    MonitoringFields,
    OptimizationFields,
    ZeroFields,
    PrecisionFields,
    CoreFields,
):
    """Every key DeepSpeed's runtime config reads, across the supported releases."""

    __dsconf__ = section_meta(help="DeepSpeed runtime configuration (ds_config.json).")


@dataclass
class DsconfSettings:
    """Settings of dsconf itself that live beside the DeepSpeed section in a Hydra config."""

    target: Optional[str] = key(None, help="DeepSpeed release to resolve for (null: the installed one, else newest).")
    world_size: Optional[int] = key(None, help="Plan for this data-parallel size (null: discover at run time).", gt=0)
    strict: bool = key(False, help="Refuse settings DeepSpeed silently ignores.")


@dataclass
class DsconfAppConfig:
    """The primary node of a Hydra app: the DeepSpeed section and dsconf's own settings."""

    deepspeed: DeepSpeedSchema = key(help="What DeepSpeed gets.", factory=DeepSpeedSchema)
    dsconf: DsconfSettings = key(help="How dsconf resolves it.", factory=DsconfSettings)
