"""The Hydra config groups, registered in Hydra's ConfigStore (the only module that does).

Every option is an instance of a schema dataclass, so Hydra type-checks overrides against the schema:
``zero=stage3 deepspeed.zero_optimization.stage3_max_live_parameters=2e9``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Optional

from .schema import optim
from .schema._field import key
from .schema.legacy import AmpConfig, SparseAttentionConfig
from .schema.precision import BF16Config, FP16Config
from .schema.root import DsconfAppConfig
from .schema.zero import OffloadDevice, OffloadOptimizerConfig, OffloadParamConfig, ZeroConfig

PROVIDER = "dsconf"
PRIMARY = "dsconf_base"

# group -> where its options land in the composed config
PACKAGES = {
    "zero": "deepspeed.zero_optimization",
    "optimizer": "deepspeed.optimizer",
    "scheduler": "deepspeed.scheduler",
    "precision": "deepspeed",
    "sparse_attention": "deepspeed.sparse_attention",
}


def zero_options() -> dict[str, ZeroConfig]:
    cpu = OffloadDevice.cpu
    nvme = OffloadDevice.nvme
    return {
        "stage0": ZeroConfig(stage=0),
        "stage1": ZeroConfig(stage=1),
        "stage2": ZeroConfig(stage=2, overlap_comm=True),
        "stage3": ZeroConfig(stage=3),
        "stage2_offload": ZeroConfig(stage=2, overlap_comm=True, offload_optimizer=OffloadOptimizerConfig(device=cpu)),
        "stage3_offload": ZeroConfig(
            stage=3,
            offload_optimizer=OffloadOptimizerConfig(device=cpu),
            offload_param=OffloadParamConfig(device=cpu),
        ),
        "stage3_nvme": ZeroConfig(
            stage=3,
            offload_optimizer=OffloadOptimizerConfig(device=nvme, nvme_path="/local_nvme"),
            offload_param=OffloadParamConfig(device=nvme, nvme_path="/local_nvme"),
        ),
    }


@dataclass
class Precision:
    """A precision option: the fp16 and bf16 sections written consistently (one on, the other off)."""

    fp16: FP16Config = key(help="fp16 mixed precision.", factory=FP16Config)
    bf16: BF16Config = key(help="bfloat16 mixed precision.", factory=BF16Config)


def precision_options() -> dict[str, Any]:
    out: dict[str, Any] = {
        "fp32": Precision(),
        "fp16": Precision(fp16=FP16Config(enabled=True)),
        "bf16": Precision(bf16=BF16Config(enabled=True)),
    }
    out["amp"] = AmpPrecision(amp=AmpConfig(enabled=True))
    return out


@dataclass
class AmpPrecision(Precision):
    """NVIDIA Apex AMP (removed in DeepSpeed 0.19.7): fp16 and bf16 off, amp on."""

    amp: Optional[AmpConfig] = key(None, help="NVIDIA Apex AMP.")


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def optimizer_options() -> dict[str, Any]:
    out: dict[str, Any] = {"none": None}
    for cls in _subclasses(optim.OptimizerConfig):
        inst = cls()
        out[str(inst.type).lower()] = inst
    return out


def scheduler_options() -> dict[str, Any]:
    out: dict[str, Any] = {"none": None}
    base = getattr(optim, "SchedulerConfig", None)
    for cls in _subclasses(base) if base is not None else []:
        inst = cls()
        out[_snake(str(inst.type))] = inst
    return out


def sparse_attention_options() -> dict[str, Any]:
    out: dict[str, Any] = {"none": None}
    for cls in _subclasses(SparseAttentionConfig):
        inst = cls()
        out[str(inst.mode)] = inst
    return out


def _subclasses(base: type) -> list[type]:
    seen: list[type] = []
    stack: list[type] = list(base.__subclasses__())
    while stack:
        cls = stack.pop(0)
        if dataclasses.is_dataclass(cls) and not cls.__name__.startswith("_") and cls not in seen:
            seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen


def options() -> dict[str, dict[str, Any]]:
    """Every group and its options (derived from the schema)."""
    return {
        "zero": dict(zero_options()),
        "optimizer": optimizer_options(),
        "scheduler": scheduler_options(),
        "precision": precision_options(),
        "sparse_attention": sparse_attention_options(),
    }


def _plain(node: Any) -> dict[str, Any]:
    from ._read import plain

    out = plain(node)
    assert isinstance(out, dict)
    return out


_registered = False


def register_configs() -> None:
    """Register the primary schema node and every group option in Hydra's ConfigStore (idempotent)."""
    global _registered
    if _registered:
        return
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name=PRIMARY, node=DsconfAppConfig, provider=PROVIDER)
    for group, opts in options().items():
        package = PACKAGES[group]
        for name, node in opts.items():
            if node is None:
                # "none": the section is absent (DeepSpeed treats these sections by presence)
                leaf = package.rsplit(".", 1)
                cs.store(group=group, name=name, node={leaf[1]: None}, package=leaf[0], provider=PROVIDER)
            elif group in ("zero", "precision"):
                # Stored as their data: OmegaConf 2.3 merges a structured node only into its own type or a base
                # (precision spans several sections); the destination's schema type-checks every value all the same.
                cs.store(group=group, name=name, node=_plain(node), package=package, provider=PROVIDER)
            else:
                # typed subclasses (AdamOptimizer, BigBirdSparseAttention...): their own keys are type-checked
                cs.store(group=group, name=name, node=node, package=package, provider=PROVIDER)
    _registered = True
