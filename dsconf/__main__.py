"""``python -m dsconf``: the ``dsconf`` command."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
