"""Composing from dsconf's groups without an app (CLI, tests), with Hydra's errors turned into dsconf's."""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from collections.abc import Sequence
from typing import Any

from .errors import DeepSpeedConfigError, Problem

_PRIMARY_YAML = """defaults:
  - dsconf_base
  - zero: stage0
  - optimizer: none
  - scheduler: none
  - precision: fp32
  - sparse_attention: none
  - _self_
"""


def compose(overrides: Sequence[str] = (), config_dir: str | None = None, config_name: str = "config") -> Any:
    """Compose dsconf's groups (or an app's ``config_dir``) with Hydra overrides; errors as DeepSpeedConfigError."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from .groups import register_configs

    register_configs()
    tmp = None
    if config_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="dsconf-compose-")
        config_dir = tmp.name
        with open(os.path.join(config_dir, f"{config_name}.yaml"), "w", encoding="utf-8") as fh:
            fh.write(_PRIMARY_YAML)
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=os.path.abspath(config_dir), version_base="1.3"):
            return hydra_compose(config_name, overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as exc:
        raise translate(exc) from None
    except (AssertionError, AttributeError):
        # OmegaConf 2.3 fails on its own asserts when an override sets a key inside a section that is null
        # (omry/omegaconf#1035, #1360); name the override and the spelling that works instead
        problems = null_section_overrides(overrides)
        if not problems:
            raise
        raise DeepSpeedConfigError(problems) from None
    finally:
        GlobalHydra.instance().clear()
        if tmp is not None:
            tmp.cleanup()


def null_section_overrides(overrides: Sequence[str]) -> list[Problem]:
    """Overrides that set a key inside an optional (null by default) section, with the spelling OmegaConf 2.3 takes.

    ``deepspeed.tensorboard.enabled=true`` cannot create the null ``tensorboard`` section; merging a mapping into
    its parent can: ``deepspeed={tensorboard:{enabled:true}}``.
    """
    from .load import root_spec

    out: list[Problem] = []
    for override in overrides:
        key, sep, value = override.lstrip("+").partition("=")
        parts = key.split(".")
        if not sep or override.startswith("~") or parts[0] != "deepspeed":
            continue
        spec = root_spec()
        # a mapping assigned to the null section itself fails the same way as a key inside it
        inner = parts[1:] if value.lstrip().startswith("{") else parts[1:-1]
        for i, part in enumerate(inner, start=1):
            f = spec.lookup.get(part)
            if f is None or f.section is None:
                break
            if f.optional:
                nested = value
                for name in reversed(parts[i:]):
                    nested = f"{{{name}:{nested}}}"
                what = "assigns" if i == len(parts) - 1 else "sets a key inside"
                parent = ".".join(parts[:i])
                section = ".".join(parts[: i + 1])
                out.append(Problem(section, f"'{override}' {what} '{section}', a section that is null "
                                   "unless a config sets it; OmegaConf 2.3 cannot create it from a dotted override",
                                   expected=f"the section merged into its parent: '{parent}={nested}' (or set it "
                                   "in a YAML config)", code="compose"))
                break
            spec = f.section
    return out


def translate(exc: BaseException) -> DeepSpeedConfigError:
    """A Hydra/OmegaConf composition error as one DeepSpeedConfigError naming the key path."""
    from omegaconf.errors import ConfigKeyError, OmegaConfBaseException, ValidationError

    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, OmegaConfBaseException):
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if isinstance(cause, (ConfigKeyError, ValidationError)) or "Could not override" in text:
        key = getattr(cause, "full_key", None) or ""
        m = re.search(r"Could not override '([^']+)'", text)
        if m:
            key = m.group(1)
        if "not in struct" in str(cause) or m:
            return DeepSpeedConfigError([_unknown(key)])
        msg = getattr(cause, "msg", None) or str(cause).splitlines()[0]
        return DeepSpeedConfigError([Problem(str(key), msg.split("\n")[0], code="type")])
    m = re.search(r"Could not find '([^']+)'", text)
    if m:
        group = m.group(1).split("/")[0]
        from .groups import options

        opts = list(options().get(group, {}))
        name = m.group(1).split("/", 1)[-1]
        return DeepSpeedConfigError([Problem(group, f"no option '{name}' in group '{group}'",
                                             expected="one of " + ", ".join(opts),
                                             suggestions=tuple(difflib.get_close_matches(name, opts, n=3)),
                                             code="unknown_option")])
    return DeepSpeedConfigError([Problem("", text.splitlines()[0] if text else type(exc).__name__,
                                         code="compose")])


def _unknown(full_key: str) -> Problem:
    from .load import root_spec

    parts = full_key.split(".")
    if parts and parts[0] == "deepspeed":
        parts = parts[1:]
    spec = root_spec()
    for p in parts[:-1]:
        f = spec.lookup.get(p)
        if f is None or f.section is None:
            break
        spec = f.section
    names = [n for f in spec.fields.values() for n in f.names]
    return Problem(full_key, f"unknown key '{parts[-1] if parts else full_key}'",
                   suggestions=tuple(difflib.get_close_matches(parts[-1] if parts else "", names, n=3, cutoff=0.6)),
                   code="unknown_key")
