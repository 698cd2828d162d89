"""Section builders: each module registers its builders with ``@builder`` when imported."""

from __future__ import annotations

import importlib
import pkgutil

_loaded = False


def load_all() -> None:
    # once per process: listing the package directory on every resolve cost more than some builders
    global _loaded
    if _loaded:
        return
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    _loaded = True
