"""Generated documentation stays in step with the code; every schema key is described."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from dsconf.load import root_spec
from dsconf.schema._spec import walk

ROOT = Path(__file__).resolve().parents[2]


def test_checks_doc_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("gen_checks", ROOT / "tools" / "gen_checks.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert (ROOT / "docs" / "checks.md").read_text(encoding="utf-8") == gen.render(), (
        "docs/checks.md is out of date: python tools/gen_checks.py > docs/checks.md")


def test_every_key_has_a_description() -> None:
    assert [f.path for f in walk(root_spec()) if not f.info.help.strip()] == []
