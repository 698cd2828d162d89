"""Shared fixtures: a clean Hydra state around every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _clean_hydra() -> Iterator[None]:
    yield
    try:
        from hydra.core.global_hydra import GlobalHydra

        GlobalHydra.instance().clear()
    except ImportError:  # pragma: no cover
        pass
