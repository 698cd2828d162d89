"""dsconf: DeepSpeed's runtime configuration as typed Hydra/OmegaConf structured configs.

Importing dsconf never imports torch or deepspeed.
"""

from __future__ import annotations

from typing import Any

from ._releases import SUPPORTED_TARGETS
from .compatibility import CompatReport, compatibility
from .config import DeepSpeedConfig
from .errors import DeepSpeedConfigError, Problem
from .load import load
from .schema.root import DeepSpeedSchema, DsconfAppConfig

__all__ = [
    "SUPPORTED_TARGETS",
    "CompatReport",
    "DeepSpeedConfig",
    "DeepSpeedConfigError",
    "DeepSpeedSchema",
    "DsconfAppConfig",
    "Problem",
    "compatibility",
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
    """Resolve a composed config, a dict or a path into a :class:`DeepSpeedConfig`.

    ``config`` may be a Hydra app's whole config (``DsconfAppConfig``: a ``deepspeed`` section plus ``dsconf``
    settings): then ``dsconf.target`` / ``dsconf.world_size`` / ``dsconf.strict`` pinned there apply (explicit
    arguments win), so every rank and every sweep point resolves for the same release.
    World size: ``world_size`` > ``mpu`` > torch.distributed (if already initialised) > launcher environment > 1.
    """
    settings = _app_settings(config)
    if settings is not None:
        config, pinned = settings
        target = target if target is not None else pinned.get("target")
        world_size = world_size if world_size is not None else pinned.get("world_size")
        strict = strict or bool(pinned.get("strict"))
    return DeepSpeedConfig(config, mpu, world_size=world_size, target=target, strict=strict, auto=auto)


def _app_settings(config: Any) -> tuple[Any, dict[str, Any]] | None:
    """(the deepspeed section, dsconf's settings) when ``config`` is an app root; DeepSpeed has no 'deepspeed' key."""
    from collections.abc import Mapping

    if not isinstance(config, Mapping) or "deepspeed" not in config:
        return None
    settings = config.get("dsconf") or {}
    if type(settings).__name__ == "DictConfig":
        from omegaconf import OmegaConf

        settings = OmegaConf.to_container(settings, resolve=True)
    return config["deepspeed"], dict(settings) if isinstance(settings, Mapping) else {}


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
