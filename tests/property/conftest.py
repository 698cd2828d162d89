"""Property tests: put the harness and the strategies on the path, and load the hypothesis profile
(``HYPOTHESIS_PROFILE`` = ci | long | dev; see tests/strategies.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parent.parent
for _p in (_TESTS / "integration", _TESTS):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import strategies  # noqa: E402

strategies.load_profile()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    mod = sys.modules.get("_deepspeed")
    lines = mod.summary_lines() if mod is not None else []
    if lines:
        terminalreporter.section("differential verdicts")
        for line in lines:
            terminalreporter.write_line(line)
