"""Integration tests: the real-DeepSpeed harness on the path, the hypothesis profile, the verdict summary."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
for _p in (_HERE, _HERE.parent):  # tests/integration (the harness) and tests/ (strategies)
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import strategies  # noqa: E402

strategies.load_profile()

CONFIG_ROOT = _HERE.parent / "configs"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # the harness (and with it deepspeed) is imported by the differential tests only, never here
    mod = sys.modules.get("_deepspeed")
    lines = mod.summary_lines() if mod is not None else []
    if lines:
        terminalreporter.section("differential verdicts")
        for line in lines:
            terminalreporter.write_line(line)
