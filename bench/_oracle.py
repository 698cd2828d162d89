"""Real DeepSpeed's config parser, and a world size for it without starting processes.

The approach of ``tests/integration/_deepspeed.py`` (kept separate: bench must not depend on the test tree):
DeepSpeed's ``DeepSpeedConfig`` asks ``deepspeed.comm.get_world_size()`` (falling back to 1 when nothing is
initialised), so for a world size above 1 those two functions are patched for the duration of a block.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def parser() -> Any:
    """``deepspeed.runtime.config.DeepSpeedConfig`` (imports torch; DeepSpeed's INFO logging silenced)."""
    os.environ.setdefault("DS_ACCELERATOR", "cpu")
    from deepspeed.runtime.config import DeepSpeedConfig
    from deepspeed.utils import logger

    logger.setLevel(logging.ERROR)
    return DeepSpeedConfig


def version() -> str:
    import deepspeed

    return str(deepspeed.__version__).split("+")[0]


@contextmanager
def world(size: int) -> Iterator[None]:
    """Inside the block DeepSpeed sees ``size`` data-parallel processes and rank 0."""
    import deepspeed.comm as comm

    saved = {name: getattr(comm, name) for name in ("get_rank", "get_world_size")}
    comm.get_rank = lambda *_a, **_k: 0
    comm.get_world_size = lambda *_a, **_k: size
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(comm, name, fn)
