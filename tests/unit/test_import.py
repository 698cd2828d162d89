"""Importing and resolving with dsconf never imports torch or deepspeed."""

from __future__ import annotations

import subprocess
import sys


def test_import_does_not_import_torch_or_deepspeed() -> None:
    code = (
        "import sys, dsconf\n"
        "ds = dsconf.DeepSpeedConfig({'train_batch_size': 8, 'communication_data_type': 'bf16',"
        " 'zero_optimization': {'stage': 2}}, world_size=2)\n"
        "ds.to_dict(); dsconf.groups.register_configs() if hasattr(dsconf, 'groups') else None\n"
        "bad = [m for m in ('torch', 'deepspeed') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_surface() -> None:
    import dsconf

    for name in dsconf.__all__:
        assert hasattr(dsconf, name), name
    assert callable(dsconf.resolve)
