"""Shared setup: the harness and strategies on the path, the hypothesis profile, clean Hydra state, and the
differential verdict summary."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parent
for _p in (_TESTS / "integration", _TESTS):  # the real-DeepSpeed harness, the hypothesis strategies
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import strategies  # noqa: E402

strategies.load_profile()


@pytest.fixture(autouse=True)
def _clean_hydra() -> Iterator[None]:
    yield
    try:
        from hydra.core.global_hydra import GlobalHydra

        GlobalHydra.instance().clear()
    except ImportError:  # pragma: no cover
        pass


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # the harness (and with it deepspeed) is imported by the differential tests only, never here
    mod = sys.modules.get("_deepspeed")
    lines = mod.summary_lines() if mod is not None else []
    if lines:
        terminalreporter.section("differential verdicts")
        for line in lines:
            terminalreporter.write_line(line)
