"""`key()`: how a schema field carries DeepSpeed's knowledge (description, releases, defaults, checks).

Every field of every schema dataclass is declared with :func:`key`. Its metadata is the single source from which
the validator, the resolver's defaults, the JSON Schema, the docs, ``explain`` and ``dsconf.constants`` are derived.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

META = "dsconf"


@dataclass(frozen=True)
class KeyInfo:
    """What dsconf knows about one key besides its Python type and default.

    Attributes:
        help: one-line description.
        attr: the name DeepSpeed's own object uses for it, when it differs from the JSON key
            (``stage3_prefetch_bucket_size`` is ``zero_config.prefetch_bucket_size``).
        aliases: other spellings DeepSpeed accepts as equals (no warning).
        added: first supported release that reads the key (None: all of them).
        removed: first release that no longer reads it (None: still read by the newest).
        was: ``((release, old_default), ...)``: before ``release`` the default was ``old_default``.
        auto: the string ``"auto"`` is allowed (to be derived or filled before DeepSpeed sees it).
        ge, gt, le, lt: numeric bounds, as DeepSpeed checks them.
        choices: allowed values (compared after ``normalize``).
        normalize: ``"lower"``/``"upper"`` when DeepSpeed case-folds the value before comparing; ``"path"`` when
            DeepSpeed's model types it ``Path`` (the value becomes ``str(PurePath(v))``).
        ds_checked: DeepSpeed itself validates the value's type at parse time (pydantic sections). When False,
            DeepSpeed stores whatever JSON value it is given, and dsconf's type check is deliberately stricter.
        constant: DeepSpeed's constant name for the key when it is not derivable from the path.
    """

    help: str
    attr: str | None = None
    aliases: tuple[str, ...] = ()
    added: str | None = None
    removed: str | None = None
    was: tuple[tuple[str, Any], ...] = ()
    auto: bool = False
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple[Any, ...] | None = None
    normalize: str | None = None
    ds_checked: str | None = None
    constant: str | None = None
    newest: Any = None  # set by key() for fields whose default changed across releases
    integral: bool = False  # a float-typed field that holds an exact int (5e8 written in YAML/CLI)
    # the type dsconf checks a value against, for a field annotated ``Any`` because OmegaConf 2.3 cannot merge its
    # real type (a Union) inside an Optional section; Hydra then passes any value and dsconf's checker decides
    checks_as: Any = None
    # DeepSpeed reads the key by presence (an error when absent, even though a default constant exists):
    # a composed config keeps it at its default value rather than pruning it
    required: bool = False
    # an optional section DeepSpeed also takes as an explicit null (its model types it Optional); every other
    # section given as null fails in DeepSpeed (a validation error, or a crash reading a mapping)
    null_ok: bool = False


def changes_default(info: KeyInfo) -> bool:
    return bool(info.was)


def key(
    default: Any = dataclasses.MISSING,
    *,
    help: str,
    factory: Callable[[], Any] | None = None,
    **info: Any,
) -> Any:
    """Declare a schema field: ``stage: int = key(0, help="ZeRO stage", choices=(0, 1, 2, 3))``."""
    if info.get("was"):
        # The default depends on the target release: the dataclass holds None ("the target's default") so that a
        # composed config does not pin the newest release's value; the newest default lives in the metadata.
        info["newest"] = default
        default = None
    meta = {META: KeyInfo(help=help, **info)}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta)
    if isinstance(default, (list, dict)):
        frozen = default
        return dataclasses.field(default_factory=lambda: _copy(frozen), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def section_meta(*, help: str, **info: Any) -> dict[str, Any]:
    """Metadata for a whole section class (set as ``__dsconf__`` on the dataclass)."""
    return {"help": help, **info}
