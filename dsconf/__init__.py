"""dsconf: DeepSpeed's runtime configuration as typed Hydra/OmegaConf structured configs.

Importing dsconf never imports torch or deepspeed.
"""

from __future__ import annotations

from typing import Any

from ._releases import SUPPORTED_TARGETS
from .config import DeepSpeedConfig
from .errors import DeepSpeedConfigError, Problem
from .load import load
from .schema.root import DeepSpeedSchema, DsconfAppConfig

__all__ = [
    "SUPPORTED_TARGETS",
    "DeepSpeedConfig",
    "DeepSpeedConfigError",
    "DeepSpeedSchema",
    "DsconfAppConfig",
    "Problem",
    "fill_auto",
    "load",
    "resolve",
]

__version__ = "0.1.0"


def resolve(
    config: Any,
    *,
    world_size: int | None = None,
    mpu: Any = None,
    target: str | None = None,
    strict: bool = False,
    auto: dict[str, Any] | None = None,
) -> DeepSpeedConfig:
    """Resolve a composed config (``cfg.deepspeed``), a dict or a path into a :class:`DeepSpeedConfig`.

    World size: ``world_size`` > ``mpu`` > torch.distributed (if already initialised) > launcher environment > 1.
    """
    return DeepSpeedConfig(config, mpu, world_size=world_size, target=target, strict=strict, auto=auto)


def fill_auto(config: Any, values: dict[str, Any] | None = None, **by_name: Any) -> dict[str, Any]:
    """Replace ``"auto"`` placeholders, HF-Trainer style; returns a plain dict.

    ``values`` maps dotted key paths to values; keyword arguments fill every ``"auto"`` whose last key matches
    (``fill_auto(cfg, lr=3e-4)`` fills ``optimizer.params.lr``).
    """
    from ._read import read

    data, _ = read(config)

    def walk(node: Any, path: str) -> Any:
        if isinstance(node, dict):
            return {k: walk(v, f"{path}.{k}" if path else k) for k, v in node.items()}
        if node == "auto":
            if values and path in values:
                return values[path]
            last = path.rsplit(".", 1)[-1]
            if last in by_name:
                return by_name[last]
        return node

    out = walk(data, "")
    assert isinstance(out, dict)
    return out
