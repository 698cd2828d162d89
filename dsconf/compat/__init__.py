"""The seed module's surface, derived from the schema: DeepSpeed's constants and the ``get_*`` helpers of
``deepspeed.runtime.config``, per target release.

* :mod:`dsconf.constants` (``from dsconf.constants import TRAIN_BATCH_SIZE``) and :func:`for_release`;
* the helpers (``from dsconf.compat import get_fp16_enabled``), each taking a DeepSpeed param dict and
  ``target=`` (default: the installed deepspeed's release, else the newest supported) and returning what that
  release's function returns. A helper the target release does not have answers as the nearest supported release
  that has it (:func:`helper_releases`). Where DeepSpeed's helper raises, dsconf raises
  :class:`~dsconf.DeepSpeedConfigError`.

Importing this package never imports torch or deepspeed.
"""

from __future__ import annotations

from .constants import for_release
from .helpers import *  # noqa: F403
from .helpers import HELPERS, helper_releases

__all__ = ["HELPERS", "for_release", "helper_releases", *HELPERS]
