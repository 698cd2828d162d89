"""Where the data-parallel world size comes from: explicit > mpu > torch.distributed > launcher env > 1."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

_ENV = ("WORLD_SIZE", "SLURM_NTASKS", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE")


def discover(world_size: int | None = None, mpu: Any = None, environ: Mapping[str, str] | None = None
             ) -> tuple[int | float, str]:
    """The world size and a text naming its source. Never imports torch: only looks if it is already loaded."""
    if world_size is not None:
        return world_size, "explicit world_size"
    if mpu is not None:
        if hasattr(mpu, "get_data_parallel_world_size"):
            return mpu.get_data_parallel_world_size(), "mpu.get_data_parallel_world_size()"
        if hasattr(mpu, "get_sequence_parallel_world_size"):
            total, src = _distributed_or_env(environ)
            return total / mpu.get_sequence_parallel_world_size(), f"{src} / mpu sequence-parallel size"
    return _distributed_or_env(environ)


def _distributed_or_env(environ: Mapping[str, str] | None) -> tuple[int, str]:
    dist = sys.modules.get("torch.distributed")
    if dist is not None:
        try:
            if dist.is_available() and dist.is_initialized():
                return int(dist.get_world_size()), "torch.distributed"
        except Exception:  # noqa: BLE001 - a half-initialised backend: fall through to the environment
            pass
    env = os.environ if environ is None else environ
    for name in _ENV:
        raw = env.get(name)
        if raw and raw.strip().isdigit() and int(raw) > 0:
            return int(raw), f"environment {name}"
    return 1, "default (no launcher found)"
