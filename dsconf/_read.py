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
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import DeepSpeedConfigError, Problem

_MAX_BYTES = 64 * 1024 * 1024
#: DeepSpeed's deepest section (compression_training) is 6 levels; the limit keeps every recursive step after
#: reading (copying, comparing, printing) far from Python's recursion limit
MAX_DEPTH = 100
#: the largest text the lenient (hjson) reading is tried on, when strict JSON fails
_HJSON_MAX_CHARS = 1024 * 1024
#: values in one config, counting each use of a YAML alias: a real config has a few hundred
MAX_VALUES = 100_000


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
        raise _fail("the JSON is nested too deeply", source, code="syntax") from None
    except ValueError as exc:  # an integer longer than Python's int/str limit (4300 digits)
        raise _fail(f"not valid JSON: {exc}", source, code="syntax") from None
    if len(text) > _HJSON_MAX_CHARS:
        # hjson is pure Python (~5 s a MB): a large file that is not strict JSON is refused at once instead
        at = f"{strict_error.msg} at line {strict_error.lineno} column {strict_error.colno}"
        raise _fail(f"not valid JSON: {at} (comments and trailing commas are read only in files under "
                    f"{_HJSON_MAX_CHARS // 2**20} MB)", source, code="syntax")
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
        raise _fail("the JSON is nested too deeply", source, code="syntax") from None
    except Exception as exc:  # hjson raises HjsonDecodeError (a ValueError) with line/column
        where = f"{strict_error.msg} at line {strict_error.lineno} column {strict_error.colno}" if strict_error else exc
        raise _fail(f"not valid JSON: {where}", source, code="syntax") from None


def parse_yaml_text(text: str, source: str | None) -> Any:
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        # duplicates are looked for among the keys written in this mapping; keys merged in with '<<: *anchor'
        # may be overridden, as YAML's merge key means
        own = [k for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"]
        _no_duplicates([(loader.construct_object(k, deep=True), None) for k in own])
        loader.flatten_mapping(node)
        return dict(loader.construct_pairs(node, deep=True))

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKeys as exc:
        raise _fail("duplicate keys " + ", ".join(repr(k) for k in exc.keys), source, code="duplicate_key") from None
    except yaml.constructor.ConstructorError as exc:
        if "constructor for the tag" not in str(exc.problem):  # e.g. a merge key ('<<') on something not a mapping
            raise _fail(f"not valid YAML: {exc.problem} ({exc.problem_mark})", source, code="syntax") from None
        raise _fail(f"YAML tag refused (dsconf never constructs objects from a file): {exc.problem}", source,
                    code="syntax") from None
    except yaml.YAMLError as exc:
        raise _fail(f"not valid YAML: {exc}", source, code="syntax") from None
    except RecursionError:
        raise _fail("the YAML is nested too deeply", source, code="syntax") from None
    except TypeError:  # '? [a, b]': a list or mapping as a key
        raise _fail("a mapping key is a list or mapping; keys must be strings", source, code="syntax") from None
    except ValueError as exc:  # an integer longer than Python's int/str limit (4300 digits)
        raise _fail(f"not valid YAML: {exc}", source, code="syntax") from None


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """A config file's bytes, refusing what is not a regular file or is larger than ``_MAX_BYTES``.

    The file is opened non-blocking (a FIFO with no writer would otherwise hang ``open``) and checked on the open
    descriptor, so a path swapped between the check and the read cannot slip through; the read itself stops one
    byte past the limit, so a file that grows while being read (or lies about its size, like /proc) stays bounded.
    """
    name = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(name, flags)
    except FileNotFoundError:
        raise _fail("no such file", name, code="missing_file") from None
    except IsADirectoryError:
        raise _fail("is a directory, not a config file", name) from None
    except PermissionError:
        raise _fail("permission denied", name) from None
    except OSError as exc:  # ENXIO (a socket), ELOOP, ENAMETOOLONG, ...
        raise _fail(f"cannot open: {exc.strerror or exc}", name) from None
    except ValueError:  # a NUL byte in the path
        raise _fail("is not a valid path (it contains a NUL byte)", name.replace("\x00", "\\0"),
                    code="missing_file") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise _fail("is a directory, not a config file", name)
        if not stat.S_ISREG(st.st_mode):
            raise _fail("is not a regular file (a FIFO, socket or device); dsconf reads config files only", name,
                        expected="a .json, .yaml or .yml file")
        if st.st_size > _MAX_BYTES:
            raise _fail(f"file is too large ({st.st_size} bytes; limit {_MAX_BYTES})", name)
        chunks: list[bytes] = []
        total = 0
        while total <= _MAX_BYTES:
            chunk = os.read(fd, min(1 << 20, _MAX_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > _MAX_BYTES:
            raise _fail(f"file is too large (more than {_MAX_BYTES} bytes)", name)
        return b"".join(chunks)
    except OSError as exc:  # EIO, EISDIR on read, ...
        raise _fail(f"cannot read: {exc.strerror or exc}", name) from None
    finally:
        os.close(fd)


def read_text(path: str | os.PathLike[str]) -> str:
    """A config file as text (UTF-8, bounded, regular files only); line endings kept as they are."""
    name = os.fspath(path)
    raw = read_bytes(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(f"not UTF-8 text (is it a binary file?): byte {exc.start} is {raw[exc.start:exc.start + 1]!r}",
                    name, code="syntax") from None


def read_path(path: str | os.PathLike[str], leniency: Leniency | None = None) -> tuple[Any, str]:
    name = str(path)
    text = read_text(path)
    if not text.strip():
        raise _fail("the file is empty", name, code="syntax", expected="a JSON or YAML object")
    if Path(path).suffix.lower() in (".yaml", ".yml"):
        data = parse_yaml_text(text, name)
    else:
        data = parse_json_text(text, name, leniency)
    check_shape(data, name)
    return data, name


def check_shape(data: Any, source: str | None) -> None:
    """Refuse data nested deeper than ``MAX_DEPTH``, holding more than ``MAX_VALUES`` values, or an integer too
    long for Python to print.

    Walked iteratively, counting every visit: YAML aliases are counted once per use (a "billion laughs" file
    is refused after ``MAX_VALUES`` steps instead of being expanded), and a dict that contains itself is
    refused instead of recursing until RecursionError somewhere downstream (copying, printing, comparing).
    """
    digits = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    max_bits = 3 * digits if digits else 0  # 3 bits < 1 decimal digit: anything shorter prints
    if _shape_ok(data, max_bits):
        return
    # something is wrong: walk again, this time keeping key paths for the message (the fast walk keeps none)
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    seen = 0
    while stack:
        value, depth, path = stack.pop()
        seen += 1
        if isinstance(value, Mapping):
            children: list[tuple[Any, int, str]] = [(v, depth + 1, f"{path}.{k}" if path else str(k))
                                                    for k, v in value.items()]
        elif isinstance(value, (list, tuple)):
            children = [(v, depth + 1, f"{path}[{i}]") for i, v in enumerate(value)]
        else:
            if max_bits and isinstance(value, int) and value.bit_length() > max_bits:
                raise DeepSpeedConfigError([Problem(
                    path, f"is an integer of about {int(value.bit_length() * 0.30103)} digits", code="range",
                    expected=f"fewer than {digits} digits (Python can neither print nor write it to JSON)",
                    stricter="no DeepSpeed setting needs such a number; it could not be written to a file")],
                    source=source)
            continue
        if depth >= MAX_DEPTH:
            raise DeepSpeedConfigError([Problem(
                path, f"is nested more than {MAX_DEPTH} levels deep (or contains itself)", code="syntax",
                expected="a DeepSpeed config (a handful of levels)")], source=source)
        if seen + len(stack) + len(children) > MAX_VALUES:  # refused before a huge list is stacked
            raise _fail(f"holds more than {MAX_VALUES:,} values (counting each use of a YAML alias); "
                        "a DeepSpeed config has a few hundred", source, code="syntax")
        stack.extend(children)


_LEAVES = (str, float, bool, type(None))


def _shape_ok(data: Any, max_bits: int) -> bool:
    """The fast pass of :func:`check_shape` (it runs on every dict config): no paths, no messages. Recursive, but
    never deeper than ``MAX_DEPTH`` (a cycle ends there too)."""
    budget = [MAX_VALUES]

    def ok(value: Any, depth: int) -> bool:
        kind = type(value)
        if kind is int:
            return not (max_bits and value.bit_length() > max_bits)
        if kind in _LEAVES:  # checked first: isinstance(x, Mapping) is slow for the common case
            return True
        if kind is dict or isinstance(value, Mapping):
            children: Any = value.values()
        elif isinstance(value, (list, tuple)):
            children = value
        else:
            return True
        budget[0] -= len(children)
        if depth >= MAX_DEPTH or budget[0] < 0:
            return False
        for v in children:
            if not ok(v, depth + 1):
                return False
        return True

    return ok(data, 0)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """Schema instances and containers as plain data (enums by value)."""
    kind = type(value)
    # exact builtin types first: they are nearly every value of a JSON config, and the generic checks below
    # (is_dataclass, ABC isinstance) cost several times more per value
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    if kind is list:
        return [plain(v) for v in value]
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


def _plain_checked(source: Any) -> Any:
    try:
        return plain(source)
    except RecursionError:  # a dataclass nested in itself; check_shape covers dicts and lists
        raise _fail(f"is nested more than {MAX_DEPTH} levels deep (or contains itself)", None, code="syntax") from None


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
        check_shape(data, name)
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
        data = _plain_checked(source)
    elif isinstance(source, Mapping):
        check_shape(source, None)  # before plain(), which recurses: a dict containing itself is refused here
        data = _plain_checked(source)
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
