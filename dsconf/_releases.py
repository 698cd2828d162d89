"""The DeepSpeed releases dsconf resolves for, and how a target release is chosen."""

from __future__ import annotations

import warnings
from functools import cache, total_ordering

SUPPORTED_TARGETS: tuple[str, ...] = ("0.7.7", "0.19.6", "0.19.8")
NEWEST = SUPPORTED_TARGETS[-1]


@total_ordering
class Release:
    """A DeepSpeed release number, ordered numerically (``0.7.7 < 0.19.6``)."""

    __slots__ = ("text", "parts")

    def __init__(self, text: str) -> None:
        self.parts, self.text = _parse(text)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.parts == _parse(other)[0]
        return isinstance(other, Release) and self.parts == other.parts

    def __lt__(self, other: Release | str) -> bool:
        return self.parts < (_parse(other)[0] if isinstance(other, str) else other.parts)

    def __ge__(self, other: Release | str) -> bool:  # spelled out: total_ordering's version costs two calls
        return self.parts >= (_parse(other)[0] if isinstance(other, str) else other.parts)

    def __hash__(self) -> int:
        return hash(self.parts)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Release({self.text!r})"


@cache
def _parse(text: str) -> tuple[tuple[int, ...], str]:
    # cached: the resolver compares field releases ("0.19.6") against the target thousands of times per config
    core = text.split("+")[0]
    try:
        parts = tuple(int(p) for p in core.split(".")[:3])
    except ValueError as exc:
        raise ValueError(f"not a DeepSpeed release number: {text!r}") from exc
    return parts, ".".join(str(p) for p in parts)


_INSTALLED: list[str | None] = []


def installed_deepspeed_version() -> str | None:
    """The installed deepspeed's version, read from package metadata (deepspeed is never imported).

    Read once per process: parsing the METADATA file costs more than resolving a whole config.
    """
    if not _INSTALLED:
        found = _dist_info_version()
        if found is None:
            from importlib import metadata  # here, not at the top: importing it costs a dsconf process ~20 ms

            try:
                found = metadata.version("deepspeed")
            except metadata.PackageNotFoundError:
                found = None
        _INSTALLED.append(found)
    return _INSTALLED[0]


def _dist_info_version() -> str | None:
    """The version in the name of the first ``deepspeed-<version>.dist-info`` directory on ``sys.path``: what
    ``importlib.metadata`` finds first for a pip-installed package, without importing it. None when there is no such
    directory (an egg, a develop install: then importlib.metadata decides)."""
    import os
    import sys

    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.startswith("deepspeed-") and name.endswith(".dist-info"):
                version = name[len("deepspeed-"):-len(".dist-info")]
                try:
                    _parse(version)
                except ValueError:
                    return None
                return version
    return None


def choose_target(explicit: str | Release | None = None) -> tuple[Release, str]:
    """Pick the target release: explicit > installed deepspeed (package metadata) > newest supported.

    Returns the release and a short text naming where it came from.
    """
    if explicit is not None:
        rel = explicit if isinstance(explicit, Release) else Release(str(explicit))
        if rel.text not in SUPPORTED_TARGETS:
            from .errors import DeepSpeedConfigError, Problem

            raise DeepSpeedConfigError(
                [
                    Problem(
                        "target",
                        f"DeepSpeed {rel} is not a supported target",
                        value=str(explicit),
                        expected="one of " + ", ".join(SUPPORTED_TARGETS),
                        code="bad_target",
                    )
                ]
            )
        return rel, "explicit"
    installed = installed_deepspeed_version()
    if installed is not None:
        try:
            found: Release | None = Release(installed)
        except ValueError:
            found = None
        if found is not None:
            if found.text in SUPPORTED_TARGETS:
                return found, "installed deepspeed"
            older = [Release(t) for t in SUPPORTED_TARGETS if Release(t) <= found]
            nearest = older[-1] if older else Release(SUPPORTED_TARGETS[0])
            warnings.warn(
                f"dsconf: installed deepspeed {installed} is not a supported target "
                f"({', '.join(SUPPORTED_TARGETS)}); resolving as {nearest}. Pass target=... to choose.",
                stacklevel=3,
            )
            return nearest, f"installed deepspeed {installed} (nearest supported)"
    return Release(NEWEST), "newest supported (deepspeed not installed)"
