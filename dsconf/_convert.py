"""``dsconf convert``: a ds_config JSON file as a group-based Hydra primary config (YAML), and back.

JSON -> YAML: the file's data (legacy spellings migrated first) is written as a primary config whose defaults list
picks, per group, the option closest to the file (``zero: stage3_offload``, ``optimizer: adamw``, ...), followed by a
``deepspeed:`` block with only the keys that differ from what those options set. A key an option sets that the file
does not have is written back at the schema's default (which ``prune_defaults`` drops again), so composing the YAML
reproduces the file. Every conversion is checked: the composed YAML must resolve to a config equal to the file's;
when it cannot (a key Hydra's struct mode refuses, a value the schema types do not take), a DeepSpeedConfigError
names the key instead of a YAML that changes meaning.

YAML -> JSON: a primary config (it has ``defaults:`` or a ``deepspeed:`` section) is composed with Hydra from the
file's directory; a plain YAML ds_config is read as is. The result is checked by resolving it.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import warnings
from typing import Any

from .errors import DeepSpeedConfigError, Problem, Problems

__all__ = ["json_to_yaml", "yaml_to_data", "convert_text"]

_MISSING = object()
_ORDER = ("zero", "optimizer", "scheduler", "precision", "sparse_attention")
_SECTIONS = {"zero": ("zero_optimization",), "optimizer": ("optimizer",), "scheduler": ("scheduler",),
             "precision": ("fp16", "bf16", "amp"), "sparse_attention": ("sparse_attention",)}
_WORLD_SIZES = (1, 2, 3, 4, 8, 16, 64, 256)


# -- JSON -> YAML -----------------------------------------------------------------------------------------------
def _migrated(data: dict[str, Any], target: str | None) -> dict[str, Any]:
    from ._migrate import migrate
    from ._releases import choose_target

    rel, _ = choose_target(target)
    out = copy.deepcopy(data)
    problems = Problems()
    migrate(out, rel, problems)
    problems.raise_if_any(None)
    return out


def _field(path: list[str], data: dict[str, Any]) -> Any:
    """The FieldSpec at ``path`` (relative to the deepspeed section), or None."""
    from .load import root_spec

    spec: Any = root_spec().variant(data)
    node: Any = data
    f = None
    for i, p in enumerate(path):
        if spec is None:
            return None
        f = spec.lookup.get(p)
        if f is None:
            return None
        if i < len(path) - 1:
            node = node.get(p) if isinstance(node, dict) else None
            sub = node if isinstance(node, dict) else {}
            if f.variants is not None and f.variants_by is not None:
                return None  # optimizer/scheduler params: kept whole, no "unset" value
            spec = f.section.variant(sub) if f.section is not None else None
    return f


def _unset_value(path: list[str], data: dict[str, Any]) -> Any:
    """The value that, written in the YAML, composes to "not set" (dropped by prune_defaults); _MISSING if none."""
    f = _field(path, data)
    if f is None or f.section is not None or f.variants is not None:
        return _MISSING
    if f.info.was or f.default is None:
        return None if f.optional or f.info.was else _MISSING
    return copy.deepcopy(f.default)


def _diff(want: Any, have: Any, path: list[str], root: dict[str, Any]) -> tuple[Any, int, bool]:
    """What the ``deepspeed:`` block must say so that ``have`` (the options) composes to ``want`` (the file).

    Returns (the block or _MISSING when nothing is needed, the number of keys written, whether it is expressible).
    """
    if isinstance(want, dict) and isinstance(have, dict):
        out: dict[str, Any] = {}
        cost, ok = 0, True
        for k, v in want.items():
            if k in have:
                sub, c, good = _diff(v, have[k], [*path, k], root)
            else:
                sub, c, good = copy.deepcopy(v), _leaves(v), True
            if sub is not _MISSING:
                out[k] = sub
            cost += c
            ok = ok and good
        for k, v in have.items():
            if k in want or v is None:
                continue
            if isinstance(v, dict):  # a section the file has not: unset each key the option sets in it
                sub, c, good = _diff({}, v, [*path, k], root)
                if sub is not _MISSING:
                    out[k] = sub
                cost, ok = cost + c, ok and good
                continue
            unset = _unset_value([*path, k], root)
            if unset is _MISSING:
                ok = False
            else:
                out[k] = unset
            cost += 2 * max(_leaves(v), 1)  # an option that sets keys the file has not: prefer another one
        return (out if out else _MISSING), cost, ok
    if want == have and type(want) is type(have):
        return _MISSING, 0, True
    return copy.deepcopy(want), max(_leaves(want), 1), True


def _leaves(v: Any) -> int:
    if isinstance(v, dict):
        return sum(_leaves(x) for x in v.values())
    return 1


def _merge(a: dict[str, Any], b: dict[str, Any]) -> None:
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(a.get(k), dict):
            _merge(a[k], v)
        else:
            a[k] = copy.deepcopy(v)


def _candidates(group: str, data: dict[str, Any]) -> list[str]:
    from .groups import options

    names = list(options()[group])
    if group in ("optimizer", "scheduler"):
        section = data.get(group)
        kind = section.get("type") if isinstance(section, dict) else None
        if not isinstance(kind, str):
            return ["none"]
        from ._plan import option_data

        same = [n for n in names if n != "none" and str((option_data(group, n).get(group) or {}).get("type", ""))
                .lower() == kind.lower()]
        return same + ["none"]
    if group == "sparse_attention":
        section = data.get("sparse_attention")
        if not isinstance(section, dict):
            return ["none"]
        mode = str(section.get("mode", "fixed")).lower()
        return [mode] if mode in names else ["none"]
    return names


def choose_options(data: dict[str, Any]) -> dict[str, str]:
    """Per group, the option closest to ``data`` (fewest keys to write; options that set extra keys lose ties)."""
    from ._plan import option_data

    chosen: dict[str, str] = {}
    for group in _ORDER:
        best: tuple[int, int, str] | None = None
        for i, name in enumerate(_candidates(group, data)):
            opt = option_data(group, name)
            want = {k: data[k] for k in _SECTIONS[group] if k in data}
            have = {k: v for k, v in opt.items() if v is not None}
            _, cost, ok = _diff(want, have, [], data)
            if not ok:
                continue
            if best is None or (cost, i) < best[:2]:
                best = (cost, i, name)
        chosen[group] = best[2] if best is not None else "none"
    return chosen


def _block(data: dict[str, Any], chosen: dict[str, str]) -> dict[str, Any]:
    """The ``deepspeed:`` block: the file's keys minus what the chosen options already set."""
    from ._plan import option_data

    have: dict[str, Any] = {}
    for group in _ORDER:
        for k, v in option_data(group, chosen[group]).items():
            if v is not None:
                have[k] = copy.deepcopy(v)
    block, _, ok = _diff(data, have, [], data)
    if not ok:
        raise DeepSpeedConfigError([Problem("", "an option sets a key the file lacks and it cannot be unset",
                                            code="convert")])
    out = block if isinstance(block, dict) else {}
    # a section the file writes whole (optimizer/scheduler with no matching option) keeps its order
    return {k: out[k] for k in data if k in out} | {k: v for k, v in out.items() if k not in data}


def json_to_yaml(data: dict[str, Any], *, target: str | None = None, check: bool = True) -> str:
    """A primary config (YAML text) for ``data``; checked to compose back to an equal config unless ``check=False``."""
    import yaml

    from .groups import PRIMARY

    migrated = _migrated(data, target)
    chosen = choose_options(migrated)
    block = _block(migrated, chosen)
    doc: dict[str, Any] = {"defaults": [PRIMARY, *({g: chosen[g]} for g in _ORDER), "_self_"]}
    if block:
        doc["deepspeed"] = block
    text = "# generated by dsconf convert\n" + str(yaml.safe_dump(doc, sort_keys=False, default_flow_style=False))
    if check:
        _check_round_trip(migrated, text, target)
    return text


def compose_text(text: str) -> Any:
    """Compose a primary config given as YAML text (in a scratch directory)."""
    from ._hydra import compose

    with tempfile.TemporaryDirectory(prefix="dsconf-convert-") as tmp:
        with open(os.path.join(tmp, "config.yaml"), "w", encoding="utf-8") as fh:
            fh.write(text)
        return compose([], config_dir=tmp, config_name="config")


def _composed_data(cfg: Any) -> dict[str, Any]:
    from ._read import read
    from .load import prune_defaults

    data, _ = read(cfg.deepspeed)
    return prune_defaults(data)


def _check_round_trip(original: dict[str, Any], text: str, target: str | None) -> None:
    """Raise DeepSpeedConfigError unless the YAML composes to a config equal to ``original``."""
    try:
        composed = _composed_data(compose_text(text))
    except DeepSpeedConfigError as exc:
        raise DeepSpeedConfigError([_cannot(p) for p in exc.problems]) from None
    except Exception as exc:  # noqa: BLE001 - OmegaConf can fail on its own asserts (merging into open nodes)
        raise DeepSpeedConfigError([_cannot(Problem(key, f"Hydra cannot compose it ({type(exc).__name__})"))
                                    for key in _culprits(text)]) from None
    if not _same(original, composed, target):
        diffs = _differences(_pruned(original), composed)
        raise DeepSpeedConfigError([Problem(k, "cannot be expressed as a group-based YAML config: composing it "
                                            "gives a different config", code="convert") for k in diffs[:5]]
                                   or [Problem("", "composing the YAML gives a different config", code="convert")])


def _culprits(text: str) -> list[str]:
    """The top-level keys of the ``deepspeed:`` block that Hydra cannot compose on their own."""
    import yaml

    doc = yaml.safe_load(text)
    block = doc.get("deepspeed") or {}
    bad: list[str] = []
    for k, v in block.items():
        one = dict(doc, deepspeed={k: v})
        try:
            compose_text(yaml.safe_dump(one, sort_keys=False))
        except Exception:  # noqa: BLE001
            bad.append(str(k))
    return bad or [""]


def _cannot(p: Problem) -> Problem:
    path = p.path[len("deepspeed."):] if p.path.startswith("deepspeed.") else p.path
    return Problem(path, f"cannot be expressed as a group-based YAML config: {p.message} (Hydra's struct mode "
                   "takes only the schema's keys and types)", code="convert")


def _pruned(data: dict[str, Any]) -> dict[str, Any]:
    from .load import prune_defaults

    return prune_defaults(copy.deepcopy(data))


def _same(a: dict[str, Any], b: dict[str, Any], target: str | None) -> bool:
    """Equal resolved configs at the first world size where ``a`` resolves; else equal checked data."""
    from ._releases import SUPPORTED_TARGETS
    from .config import DeepSpeedConfig

    # a config written for an older release (keys removed since) is compared where it is valid
    targets = [target] if target is not None else [None, *reversed(SUPPORTED_TARGETS[:-1])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in targets:
            for w in _WORLD_SIZES:
                try:
                    ra = DeepSpeedConfig(copy.deepcopy(a), world_size=w, target=t)
                except DeepSpeedConfigError:
                    continue
                try:
                    return bool(ra == DeepSpeedConfig(copy.deepcopy(b), world_size=w, target=t))
                except DeepSpeedConfigError:
                    return False
    return _pruned(a) == _pruned(b)


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for k in list(a) + [k for k in b if k not in a]:
            out += _differences(a.get(k, _MISSING), b.get(k, _MISSING), f"{path}.{k}" if path else str(k))
        return out
    return [] if a == b else [path]


# -- YAML -> JSON -----------------------------------------------------------------------------------------------
def is_primary(data: dict[str, Any]) -> bool:
    return "defaults" in data or "deepspeed" in data


def yaml_to_data(path: str) -> dict[str, Any]:
    """A YAML file's ds_config data: a primary config composed with Hydra, a plain ds_config read as is."""
    from ._read import read_path

    data, _ = read_path(path)
    if not isinstance(data, dict):
        raise DeepSpeedConfigError([Problem("", f"the top level is a {type(data).__name__}, not an object",
                                            code="type", expected="a mapping")], source=path)
    if not is_primary(data):
        return data
    from ._hydra import compose

    directory = os.path.dirname(os.path.abspath(path))
    stem = os.path.splitext(os.path.basename(path))[0]
    return _composed_data(compose([], config_dir=directory, config_name=stem))


# -- either way -------------------------------------------------------------------------------------------------
def convert_text(path: str, *, target: str | None = None, world_size: int | None = None,
                 resolved: bool = False) -> str:
    """The converted text of ``path``: YAML for a .json file, JSON for a .yaml/.yml file."""
    from ._read import read_path
    from .config import DeepSpeedConfig

    if path.lower().endswith((".yaml", ".yml")):
        data = yaml_to_data(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = DeepSpeedConfig(copy.deepcopy(data), world_size=world_size, target=target)
        out = ds.to_dict() if resolved else data
        return json.dumps(out, indent=2) + "\n"
    data, _ = read_path(path)
    if not isinstance(data, dict):
        raise DeepSpeedConfigError([Problem("", f"the top level is a {type(data).__name__}, not an object",
                                            code="type", expected="a JSON object")], source=path)
    return json_to_yaml(data, target=target)
