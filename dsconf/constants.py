"""DeepSpeed's constant names with DeepSpeed 0.19.8's values, derived from the schema.

``from dsconf.constants import TRAIN_BATCH_SIZE, FP16_INITIAL_SCALE_POWER_DEFAULT, ADAM_OPTIMIZER`` works for code
that imported ``deepspeed.runtime.constants`` (and the optimizer / LR-schedule names of ``runtime/config.py`` and
``runtime/lr_schedules.py``). A name 0.19.8 no longer has keeps 0.7.7's value (every name of 0.7.7's
runtime/constants.py exists: ``SPARSE_BIGBIRD_MODE``, ``AMP_ENABLED``, ``PLD_THETA_DEFAULT``, ...); a name only
0.19.6 had keeps 0.19.6's. One release's own view: :func:`for_release` (``for_release("0.7.7").STEPS_PER_PRINT_DEFAULT
== 10``). ``*_FORMAT`` texts are generated from the schema's help and defaults, not copied from DeepSpeed.

Importing this module never imports torch or deepspeed.
"""

from __future__ import annotations

from typing import Any

from .compat.constants import for_release, module_level

__all__ = ["for_release"]

_NAMES: dict[str, Any] = module_level()
globals().update(_NAMES)
__all__ += sorted(_NAMES)


def __getattr__(name: str) -> Any:
    import difflib

    close = difflib.get_close_matches(name, list(_NAMES), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise AttributeError(f"module 'dsconf.constants' has no attribute {name!r}{hint}")
