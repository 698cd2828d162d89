"""Reading a config source into plain data: paths (.json/.yaml/.yml), dicts, DictConfigs, schema instances, base64.

JSON files are read as DeepSpeed 0.19 reads them (hjson: comments and trailing commas allowed, duplicate keys
refused). YAML is read with a safe loader: no Python tags, no duplicate keys.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import DeepSpeedConfigError, Problem

_MAX_BYTES = 64 * 1024 * 1024


def _fail(message: str, source: str | None, code: str = "unreadable", **kw: Any) -> DeepSpeedConfigError:
    return DeepSpeedConfigError([Problem("", message, code=code, **kw)], source=source)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    dups = []
    for k, v in pairs:
        if k in out:
            dups.append(k)
        out[k] = v
    if dups:
        raise _DuplicateKeys(dups)
    return out


class _DuplicateKeys(ValueError):
    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        super().__init__(f"Duplicate keys in DeepSpeed config: {keys}")


class Leniency:
    """What reading accepted beyond strict JSON (comments, trailing commas): DeepSpeed 0.7.7 refuses those."""

    hjson_used = False


def parse_json_text(text: str, source: str | None, leniency: Leniency | None = None) -> Any:
    strict_error: json.JSONDecodeError | None = None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKeys as exc:
        raise _fail(
            "duplicate keys " + ", ".join(repr(k) for k in exc.keys),
            source,
            code="duplicate_key",
            expected="each key once per object",
        ) from None
    except json.JSONDecodeError as exc:
        strict_error = exc  # kept for the message: hjson's own is less precise
    except RecursionError:
        raise _fail("the JSON is nested too deeply", source) from None
    try:
        import hjson  # DeepSpeed 0.19 reads files with hjson: comments and trailing commas are allowed

        data = hjson.loads(text, object_pairs_hook=_no_duplicates)
        if leniency is not None:
            leniency.hjson_used = True
        return data
    except _DuplicateKeys as exc:
        raise _fail(
            "duplicate keys " + ", ".join(repr(k) for k in exc.keys), source, code="duplicate_key"
        ) from None
    except RecursionError:
        raise _fail("the JSON is nested too deeply", source) from None
    except Exception as exc:  # hjson raises HjsonDecodeError (a ValueError) with line/column
        where = f"{strict_error.msg} at line {strict_error.lineno} column {strict_error.colno}" if strict_error else exc
        raise _fail(f"not valid JSON: {where}", source, code="syntax") from None


def parse_yaml_text(text: str, source: str | None) -> Any:
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        pairs = loader.construct_pairs(node, deep=True)
        return _no_duplicates(pairs)

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKeys as exc:
        raise _fail("duplicate keys " + ", ".join(repr(k) for k in exc.keys), source, code="duplicate_key") from None
    except yaml.constructor.ConstructorError as exc:
        raise _fail(f"YAML tag refused (dsconf never constructs objects from a file): {exc.problem}", source,
                    code="syntax") from None
    except yaml.YAMLError as exc:
        raise _fail(f"not valid YAML: {exc}", source, code="syntax") from None
    except RecursionError:
        raise _fail("the YAML is nested too deeply", source) from None


def read_path(path: str | os.PathLike[str], leniency: Leniency | None = None) -> tuple[Any, str]:
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise _fail("no such file", name, code="missing_file")
    if p.is_dir():
        raise _fail("is a directory, not a config file", name)
    if not p.is_file():
        raise _fail("is not a regular file", name)
    try:
        size = p.stat().st_size
        if size > _MAX_BYTES:
            raise _fail(f"file is too large ({size} bytes; limit {_MAX_BYTES})", name)
        raw = p.read_bytes()
    except PermissionError:
        raise _fail("permission denied", name) from None
    except OSError as exc:
        raise _fail(f"cannot read: {exc.strerror}", name) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _fail("not UTF-8 text (is it a binary file?)", name, code="syntax") from None
    if not text.strip():
        raise _fail("the file is empty", name, code="syntax", expected="a JSON or YAML object")
    if p.suffix.lower() in (".yaml", ".yml"):
        return parse_yaml_text(text, name), name
    return parse_json_text(text, name, leniency), name


def plain(value: Any) -> Any:
    """Schema instances and containers as plain data (enums by value)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def read(source: Any, leniency: Leniency | None = None) -> tuple[dict[str, Any], str | None]:
    """Any supported source as a fresh plain dict, and a name for messages (the path, or None)."""
    name: str | None = None
    if isinstance(source, (str, os.PathLike)) and (
        isinstance(source, os.PathLike) or os.path.exists(source) or source.endswith((".json", ".yaml", ".yml"))
    ):
        data, name = read_path(source, leniency)
    elif isinstance(source, str):
        try:
            text = base64.urlsafe_b64decode(source).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise _fail(
                "not an existing file, and not a urlsafe-base64 JSON config",
                None,
                value=source,
                expected="a path to a .json/.yaml file, a dict, or base64 of a JSON object",
            ) from None
        data = parse_json_text(text, "<base64>", leniency)
        name = "<base64>"
    elif type(source).__name__ in ("DictConfig", "ListConfig"):
        from omegaconf import OmegaConf
        from omegaconf.errors import OmegaConfBaseException

        try:
            data = OmegaConf.to_container(source, resolve=True, enum_to_str=True)
        except OmegaConfBaseException as exc:
            key = getattr(exc, "full_key", "") or ""
            why = exc.msg if hasattr(exc, "msg") else exc
            problem = Problem(str(key), f"cannot be resolved: {why}", code="interpolation")
            raise DeepSpeedConfigError([problem]) from None
    elif dataclasses.is_dataclass(source) and not isinstance(source, type):
        data = plain(source)
    elif isinstance(source, Mapping):
        data = plain(source)
    else:
        raise _fail(
            f"cannot read a config from a {type(source).__name__}",
            None,
            expected="a path, a dict, a DictConfig, a DeepSpeedSchema instance or a base64 string",
        )
    if not isinstance(data, dict):
        raise _fail(
            f"the top level is a {type(data).__name__}, not an object", name, code="type", expected="a JSON object"
        )
    return data, name
