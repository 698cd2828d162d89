"""The ``dsconf`` command: validate, show, plan, compat, migrate, convert, schema, explain, docs.

A thin argparse layer over the library; never imports torch or deepspeed. Exit codes: 0 ok, 1 an invalid config,
2 usage or unreadable input. User errors are printed as ``FILE: key.path: what is wrong (...)``, never a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from .errors import DeepSpeedConfigError, Problem

OK, INVALID, USAGE = 0, 1, 2

_EPILOG_OVERRIDES = """overrides use Hydra's grammar:
  zero=stage3_offload optimizer=adamw precision=bf16     pick group options
  deepspeed.train_micro_batch_size_per_gpu=4             set a key (the 'deepspeed.' prefix is optional)
  ~deepspeed.gradient_clipping                           delete a key
  deepspeed.train_micro_batch_size_per_gpu=1,2,4         a sweep (also range(1,9), choice(a,b))
with FILE, key overrides apply to the file's dict and a group option replaces the file's section
(zero=stage3 replaces zero_optimization); without FILE the config is composed from dsconf's groups."""


# -- output helpers ----------------------------------------------------------------------------------------------
def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _prefix(name: str | None) -> str:
    return f"{name}: " if name else ""


def _report(exc: DeepSpeedConfigError, name: str | None, *, to_stdout: bool = False) -> None:
    write = _out if to_stdout else _err
    for p in exc.problems:
        text = p.render()
        write(_prefix(name or exc.source) + (text[len("<root>: "):] if text.startswith("<root>: ") else text))


def _problem_json(p: Problem) -> dict[str, Any]:
    from .errors import _NO_VALUE

    out: dict[str, Any] = {"path": p.path, "message": p.message, "code": p.code, "text": p.render()}
    if p.value is not _NO_VALUE:
        out["value"] = p.value if isinstance(p.value, (str, int, float, bool, type(None), list, dict)) else repr(
            p.value)
    if p.expected:
        out["expected"] = p.expected
    if p.suggestions:
        out["suggestions"] = list(p.suggestions)
    if p.stricter:
        out["stricter"] = p.stricter
    return out


def _dump(data: Any, fmt: str) -> str:
    if fmt == "yaml":
        import yaml

        return str(yaml.safe_dump(data, sort_keys=False, default_flow_style=False)).rstrip("\n")
    return json.dumps(data, indent=2)


def _read_file(path: str) -> dict[str, Any]:
    """A config file as plain data; DeepSpeedConfigError (unreadable) when it cannot be read."""
    from ._read import read_path

    data, _ = read_path(path)
    if not isinstance(data, dict):
        from ._read import _fail

        raise _fail(f"the top level is a {type(data).__name__}, not an object", path, code="type",
                    expected="a JSON object")
    return data


def _resolve(config: Any, world_size: int | None, target: str | None, strict: bool = False) -> Any:
    from .config import DeepSpeedConfig

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return DeepSpeedConfig(config, world_size=world_size, target=target, strict=strict)


def _split_file(args: Sequence[str]) -> tuple[str | None, list[str]]:
    """The optional FILE (the first argument that is not an override) and the overrides."""
    items = list(args)
    if items and "=" not in items[0] and not items[0].startswith(("~", "+")):
        return items[0], items[1:]
    return None, items


def _target_check(target: str | None) -> None:
    if target is not None:
        from ._releases import choose_target

        choose_target(target)


# -- validate ----------------------------------------------------------------------------------------------------
def cmd_validate(a: argparse.Namespace) -> int:
    _target_check(a.target)
    worst = OK
    results: list[dict[str, Any]] = []
    for path in a.files:
        result: dict[str, Any] = {"file": path, "valid": False, "problems": [], "warnings": []}
        results.append(result)
        try:
            _read_file(path)
        except DeepSpeedConfigError as exc:
            result["unreadable"] = True
            result["problems"] = [_problem_json(p) for p in exc.problems]
            if a.format == "text":
                _report(exc, path, to_stdout=True)
            worst = USAGE
            continue
        try:
            ds = _resolve(path, a.world_size, a.target, a.strict)
        except DeepSpeedConfigError as exc:
            result["problems"] = [_problem_json(p) for p in exc.problems]
            if a.format == "text":
                _report(exc, path, to_stdout=True)
            worst = max(worst, INVALID)
            continue
        result.update(valid=True, warnings=list(ds.warnings), target=ds.target, world_size=ds.world_size,
                      train_batch_size=ds.train_batch_size,
                      train_micro_batch_size_per_gpu=ds.train_micro_batch_size_per_gpu,
                      gradient_accumulation_steps=ds.gradient_accumulation_steps)
        if a.format == "text":
            for w in ds.warnings:
                _out(f"{path}: warning: {w}")
            _out(f"{path}: ok (DeepSpeed {ds.target}, world size {_num(ds.world_size)}: train_batch_size "
                 f"{_num(ds.train_batch_size)} = micro {_num(ds.train_micro_batch_size_per_gpu)} x gas "
                 f"{_num(ds.gradient_accumulation_steps)} x {_num(ds.world_size)})")
    if a.format == "json":
        _out(json.dumps({"valid": worst == OK, "files": results}, indent=2, default=str))
    elif len(a.files) > 1:
        bad = sum(1 for r in results if not r["valid"])
        _out(f"{len(a.files) - bad} of {len(a.files)} files valid")
    return worst


def _num(x: Any) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


# -- show --------------------------------------------------------------------------------------------------------
def _point(file: str | None, overrides: Sequence[str]) -> dict[str, Any]:
    """One config point (no sweep) as plain data."""
    from . import _plan

    ov = _plan.parse_overrides(overrides)
    if ov.is_sweep:
        raise _plan.usage_error("a sweep (comma list, range, choice) needs 'dsconf plan'",
                                value=" ".join(overrides))
    settings = [d[0] for d in ov.dims]
    if file is not None:
        return _plan.point_data(_read_file(file), settings)
    from ._hydra import compose
    from ._read import read
    from .load import prune_defaults

    cfg = compose(list(overrides))
    data, _ = read(cfg.deepspeed)
    return prune_defaults(data)


def cmd_show(a: argparse.Namespace) -> int:
    file, overrides = _split_file(a.args)
    data = _point(file, overrides)
    ds = _resolve(data, a.world_size, a.target, a.strict)
    for w in ds.warnings:
        _err(f"{_prefix(file)}warning: {w}")
    _out(_dump(ds.to_dict(), a.format))
    return OK


def _meaning(file: str, old: dict[str, Any], new: dict[str, Any], old_release: str, new_release: str) -> None:
    """What the migrated file means on ``new_release`` that the original did not on ``old_release``."""
    import warnings

    from .compatibility import _flatten
    from .config import DeepSpeedConfig

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            before = DeepSpeedConfig(old, world_size=1, target=old_release).model_dump()
            after = DeepSpeedConfig(new, world_size=1, target=new_release).model_dump()
        except DeepSpeedConfigError as exc:
            _err(f"{file}: cannot compare meanings ({old_release} -> {new_release}): {exc}")
            return
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    _flatten(before, "", a)
    _flatten(after, "", b)
    changes = [k for k in a if k in b and a[k] != b[k]]
    if not changes:
        _err(f"{file}: same meaning on DeepSpeed {new_release} as on {old_release}")
    for k in changes:
        _err(f"{file}: changes meaning: {k}: {json.dumps(a[k], default=str)} ({old_release}) -> "
             f"{json.dumps(b[k], default=str)} ({new_release})")


# -- compat ------------------------------------------------------------------------------------------------------
def cmd_compat(a: argparse.Namespace) -> int:
    from .compatibility import compatibility

    file, overrides = _split_file(a.args)
    report = compatibility(_point(file, overrides), world_size=a.world_size or 1)
    if a.format == "json":
        _out(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        _out(report.render())
    return OK if any(r.accepted for r in report.results) else INVALID


# -- plan --------------------------------------------------------------------------------------------------------
def cmd_plan(a: argparse.Namespace) -> int:
    from . import _plan

    _target_check(a.target)
    file, overrides = _split_file(a.args)
    sizes = _plan.parse_world_sizes(a.world_sizes) if a.world_sizes else [a.world_size or 1]
    ov = _plan.parse_overrides(overrides)
    base = _read_file(file) if file is not None else None
    if ov.is_sweep:
        return _sweep(a, base, ov, sizes)
    data = _plan.point_data(base, [d[0] for d in ov.dims])
    rows: list[dict[str, Any]] = []
    for w in sizes:
        row: dict[str, Any] = {"world_size": w}
        try:
            ds = _resolve(data, w, a.target, a.strict)
            row.update(valid=True, train_batch_size=ds.train_batch_size,
                       train_micro_batch_size_per_gpu=ds.train_micro_batch_size_per_gpu,
                       gradient_accumulation_steps=ds.gradient_accumulation_steps)
        except DeepSpeedConfigError as exc:
            row.update(valid=False, problems=[_problem_json(p) for p in exc.problems],
                       nearest_valid_world_sizes=_plan.nearest_valid_world_sizes(data, w))
        rows.append(row)
    if a.format == "json":
        _out(json.dumps({"file": file, "overrides": list(overrides), "world_sizes": rows}, indent=2, default=str))
    else:
        head = ("world_size", "train_batch_size", "micro_batch_per_gpu", "grad_accum_steps", "status")
        table = [head]
        for r in rows:
            if r["valid"]:
                table.append((str(r["world_size"]), _num(r["train_batch_size"]),
                              _num(r["train_micro_batch_size_per_gpu"]), _num(r["gradient_accumulation_steps"]), "ok"))
            else:
                near = r["nearest_valid_world_sizes"]
                status = "INVALID: " + r["problems"][0]["text"] + (
                    f" [nearest valid world size: {' or '.join(map(str, near))}]" if near else "")
                table.append((str(r["world_size"]), "-", "-", "-", status))
        widths = [max(len(row[i]) for row in table) for i in range(4)]
        for line in table:
            _out("  ".join(c.rjust(widths[i]) for i, c in enumerate(line[:4])) + "  " + line[4])
        for r in rows:
            for p in r.get("problems", [])[1:]:
                _out(f"  world size {r['world_size']}: {p['text']}")
    return OK if all(r["valid"] for r in rows) else INVALID


def _sweep(a: argparse.Namespace, base: dict[str, Any] | None, ov: Any, sizes: list[int]) -> int:
    from . import _plan

    checker = _plan.Checker(a.target, a.strict)
    invalid: list[dict[str, Any]] = []
    total = 0
    for point in ov.points():
        data = _plan.point_data(base, point)
        for w in sizes:
            total += 1
            problems = checker.problems(data, w)
            if problems:
                invalid.append({"overrides": [s.text for s in point], "world_size": w,
                                "problems": [_problem_json(p) for p in problems]})
    if a.format == "json":
        _out(json.dumps({"points": ov.size, "world_sizes": sizes, "checks": total, "invalid": len(invalid),
                         "invalid_points": invalid}, indent=2, default=str))
    else:
        _out(f"sweep: {ov.size} points x {len(sizes)} world size(s) = {total} checks; {len(invalid)} invalid")
        for item in invalid[:100]:
            where = " ".join(item["overrides"]) + f" @ world size {item['world_size']}"
            for p in item["problems"]:
                _out(f"  INVALID {where}: {p['text']}")
        if len(invalid) > 100:
            _out(f"  ... and {len(invalid) - 100} more (--format json lists all)")
    return INVALID if invalid else OK


# -- migrate -----------------------------------------------------------------------------------------------------
def cmd_migrate(a: argparse.Namespace) -> int:
    import copy

    from ._migrate import migrate, target_spelling
    from ._releases import choose_target
    from .errors import Problems

    if a.output and a.in_place:
        raise DeepSpeedConfigError([Problem("", "-o and --in-place exclude each other", code="usage")])
    rel, _ = choose_target(a.to)
    from ._read import read_text

    data = _read_file(a.file)
    old_text = read_text(a.file)  # bounded, regular files only, line endings as they are
    new = copy.deepcopy(data)
    problems = Problems()
    migrations = migrate(new, rel, problems)
    if problems:
        _report(DeepSpeedConfigError(problems.items), a.file)
        return INVALID
    new = target_spelling(new, rel)
    yaml_out = a.file.lower().endswith((".yaml", ".yml"))
    changed = new != data
    new_text = _dump(new, "yaml") + "\n" if yaml_out else json.dumps(new, indent=_indent(old_text)) + "\n"
    if not changed:
        new_text = old_text
    for m in migrations:
        _err(f"{a.file}: {m.old} -> {m.new}")
    if a.to is not None:
        _meaning(a.file, data, new, getattr(a, "from_release", None) or "0.7.7", str(rel))
    if changed:
        diff = difflib.unified_diff(old_text.splitlines(keepends=True), new_text.splitlines(keepends=True),
                                    fromfile=a.file, tofile=a.output or a.file)
        sys.stdout.writelines(diff)
    else:
        _err(f"{a.file}: nothing to migrate")
    if a.output:
        _write(a.output, new_text)
        _err(f"wrote {a.output}")
    elif a.in_place and changed:
        from ._read import read_bytes

        # the backup is written atomically too (byte for byte), before the file itself is replaced: an
        # interruption at any point leaves FILE as it was, or FILE new and a complete FILE.bak
        _write(a.file + ".bak", read_bytes(a.file))
        try:
            shutil.copystat(a.file, a.file + ".bak")  # times and mode, as a copy would have them
        except OSError:
            pass
        _write(a.file, new_text)
        _err(f"rewrote {a.file} (backup: {a.file}.bak)")
    elif changed:
        _err("(dry run: nothing written; use -o OUT or --in-place)")
    return OK


def _indent(text: str) -> int:
    for line in text.splitlines()[1:]:
        stripped = line.lstrip(" ")
        if stripped and len(stripped) < len(line):
            return len(line) - len(stripped)
    return 2


# -- convert -----------------------------------------------------------------------------------------------------
_EPILOG_CONVERT = """JSON -> YAML: a Hydra primary config whose defaults list picks, per group, the option closest
to the file (zero: stage3_offload, optimizer: adamw, ...), then a 'deepspeed:' block with only the keys that differ from
those options (legacy keys are migrated first). The YAML is checked to compose back to an equal config; a file
Hydra's struct mode cannot hold (e.g. an unknown key in an open section) is refused with the key named.
YAML -> JSON: a primary config (with 'defaults:' or 'deepspeed:') is composed from its directory; a plain YAML
ds_config is read as is. Prints the config's keys (checked by resolving); --resolved prints to_dict() instead.

Using the YAML in a Hydra app: put it in the app's config directory (e.g. conf/ds_converted.yaml), call
dsconf.groups.register_configs() before @hydra.main, run 'python train.py --config-name ds_converted' (or copy its
defaults entries and 'deepspeed:' block into the app's primary config), and resolve with dsconf.resolve(cfg).

  dsconf convert ds_config.json -o conf/ds_config.yaml
  dsconf convert conf/ds_config.yaml -o ds_config.json"""


def cmd_convert(a: argparse.Namespace) -> int:
    from ._convert import convert_text

    _target_check(a.target)
    text = convert_text(a.file, target=a.target, world_size=a.world_size, resolved=a.resolved)
    _write_or_print(text, a.output)
    return OK


# -- schema, explain, docs -----------------------------------------------------------------------------------------
def _write(path: str, data: str | bytes) -> None:
    """Every file the command writes goes through here: atomically (temp file + rename), an OSError as a
    DeepSpeedConfigError naming the file (exit 2, no traceback)."""
    from .config import atomic_write

    try:
        atomic_write(path, data)
    except OSError as exc:
        raise DeepSpeedConfigError([Problem("", f"cannot write {path}: {exc.strerror or exc}", code="unreadable")],
                                   source=path) from None


def _write_or_print(text: str, output: str | None) -> None:
    if output:
        _write(output, text if text.endswith("\n") else text + "\n")
        _err(f"wrote {output}")
    else:
        _out(text.rstrip("\n"))


def cmd_schema(a: argparse.Namespace) -> int:
    from ._jsonschema import json_schema
    from ._releases import choose_target

    rel, _ = choose_target(a.target)
    _write_or_print(json.dumps(json_schema(rel), indent=2) + "\n", a.output)
    return OK


def cmd_explain(a: argparse.Namespace) -> int:
    from ._docs import explain, explain_data

    if a.format == "json":
        _out(json.dumps(explain_data(a.key), indent=2, default=str))
    else:
        _out(explain(a.key))
    return OK


def cmd_docs(a: argparse.Namespace) -> int:
    from ._docs import reference_markdown

    _write_or_print(reference_markdown(), a.output)
    return OK


# -- argument parsing --------------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # usage errors: exit 2 with the usage line, as argparse does
        self.print_usage(sys.stderr)
        _err(f"{self.prog}: error: {message}")
        raise SystemExit(USAGE)


def _world(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer: {text!r}")
    return n


def build_parser() -> argparse.ArgumentParser:
    from ._releases import SUPPORTED_TARGETS

    targets = ", ".join(SUPPORTED_TARGETS)
    p = _Parser(prog="dsconf", description="DeepSpeed config files: validate, show, plan, migrate, "
                "and the schema, reference and explanation of every key. Never imports torch or deepspeed.",
                formatter_class=argparse.RawDescriptionHelpFormatter,
                epilog="exit codes: 0 ok, 1 invalid config, 2 usage error or unreadable input.\n"
                       "'dsconf COMMAND --help' for each command.")
    from . import __version__

    p.add_argument("--version", action="version", version=f"dsconf {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def common(sp: argparse.ArgumentParser, *, world: bool = True, fmt: tuple[str, ...] = ("text", "json"),
               strict: bool = True) -> None:
        if world:
            sp.add_argument("--world-size", type=_world, metavar="N",
                            help="data-parallel size to resolve for (default: WORLD_SIZE / SLURM_NTASKS, else 1)")
        sp.add_argument("--target", metavar="T", help=f"DeepSpeed release to resolve as ({targets}; default: the "
                        "installed deepspeed's version, else the newest)")
        if strict:
            sp.add_argument("--strict", action="store_true", help="refuse settings DeepSpeed silently ignores")
        sp.add_argument("--format", choices=fmt, default=fmt[0], help=f"output format (default {fmt[0]})")

    raw = argparse.RawDescriptionHelpFormatter
    sp = sub.add_parser("validate", help="check config files; every problem of every file",
                        description="Check DeepSpeed config files (.json with comments/trailing commas, .yaml). "
                        "Prints every problem as 'FILE: key.path: what is wrong (got X; expected Y; did you mean "
                        "Z?)'; legacy keys are migrated with a warning. Exit 0 all valid, 1 some invalid, "
                        "2 unreadable input.")
    sp.add_argument("files", nargs="+", metavar="FILE")
    common(sp)
    sp.set_defaults(func=cmd_validate)

    sp = sub.add_parser("show", help="the resolved config DeepSpeed will get", formatter_class=raw,
                        description="Print the resolved config (DeepSpeedConfig.to_dict()) of FILE, or of a "
                        "composition of dsconf's config groups when no FILE is given.", epilog=_EPILOG_OVERRIDES)
    sp.add_argument("args", nargs="*", metavar="[FILE] [OVERRIDE ...]")
    common(sp, fmt=("json", "yaml"))
    sp.set_defaults(func=cmd_show)

    sp = sub.add_parser("plan", help="the batch triple per data-parallel size; sweep checks", formatter_class=raw,
                        description="A table of train_batch_size / micro batch / gradient accumulation per world "
                        "size, invalid sizes with the reason and the nearest valid choice. With a sweep "
                        "(zero=stage1,stage2 deepspeed.train_micro_batch_size_per_gpu=1,2,4) every point is "
                        "checked and the invalid ones are listed. Exit 1 when anything is invalid.",
                        epilog=_EPILOG_OVERRIDES)
    sp.add_argument("args", nargs="*", metavar="[FILE] [OVERRIDE ...]")
    sp.add_argument("--world-sizes", metavar="N,N,...", help="comma list of data-parallel sizes, e.g. 1,2,8,64,512")
    common(sp)
    sp.set_defaults(func=cmd_plan)

    sp = sub.add_parser("compat", help="which DeepSpeed releases accept a config, and what differs between them",
                        formatter_class=raw,
                        description="Resolve FILE (or a composition) for every supported DeepSpeed release: whether "
                        "it accepts the config, and the resolved values that differ from the newest release that "
                        "accepts it (e.g. gradient_clipping: 0.0 (0.7.7) vs 1.0 (0.19.8)); for a release that "
                        "refuses it, why. Exit 1 when no release accepts it.", epilog=_EPILOG_OVERRIDES)
    sp.add_argument("args", nargs="*", metavar="[FILE] [OVERRIDE ...]")
    sp.add_argument("--world-size", type=_world, metavar="N", help="data-parallel size (default 1)")
    sp.add_argument("--format", choices=("text", "json"), default="text")
    sp.set_defaults(func=cmd_compat)

    sp = sub.add_parser("migrate", help="rewrite legacy keys to today's spelling",
                        description="Rewrite older key spellings (cpu_offload, bfloat16, ...) to today's; prints a "
                        "unified diff. Writes nothing unless -o OUT or --in-place (atomic, keeps FILE.bak). "
                        "Comments in a JSON file are not kept in the rewritten file.")
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("-o", "--output", metavar="OUT", help="write the migrated config here")
    sp.add_argument("--in-place", action="store_true", help="rewrite FILE (a backup is kept as FILE.bak)")
    sp.add_argument("--to", metavar="T", help=f"spell keys as this DeepSpeed release reads them ({targets}), and list "
                    "what changes meaning between --from and it")
    sp.add_argument("--from", dest="from_release", metavar="T", help="the release the file was written for "
                    "(default 0.7.7; used with --to)")
    sp.set_defaults(func=cmd_migrate)

    sp = sub.add_parser("convert", help="JSON <-> group-based YAML (a Hydra primary config)", formatter_class=raw,
                        description="Convert a ds_config JSON file into a YAML primary config built on dsconf's "
                        "config groups, or such a YAML (or a plain YAML ds_config) back into JSON. The round trip "
                        "JSON -> YAML -> JSON resolves to an equal DeepSpeedConfig.", epilog=_EPILOG_CONVERT)
    sp.add_argument("file", metavar="FILE", help=".json (to YAML) or .yaml/.yml (to JSON)")
    sp.add_argument("-o", "--output", metavar="OUT", help="write here (atomically) instead of printing")
    sp.add_argument("--target", metavar="T", help=f"DeepSpeed release to migrate, check and resolve as ({targets})")
    sp.add_argument("--world-size", type=_world, metavar="N", help="data-parallel size for the check and --resolved "
                    "(default: WORLD_SIZE / SLURM_NTASKS, else 1)")
    sp.add_argument("--resolved", action="store_true", help="YAML -> JSON: print the resolved to_dict() (batch triple "
                    "explicit for --world-size) instead of the config's keys")
    sp.set_defaults(func=cmd_convert)

    sp = sub.add_parser("schema", help="JSON Schema (draft 2020-12) of ds_config.json",
                        description="A JSON Schema of ds_config.json derived from dsconf's schema dataclasses, for "
                        "editors (completion, checks).")
    sp.add_argument("-o", "--output", metavar="FILE")
    sp.add_argument("--target", metavar="T", help=f"the keys of this DeepSpeed release ({targets})")
    sp.set_defaults(func=cmd_schema)

    sp = sub.add_parser("explain", help="what a key is: type, defaults, allowed values, releases",
                        description="Explain a key (dotted path like zero_optimization.stage, or a unique key "
                        "name): type, default per target release, allowed values, description, the releases that "
                        "know it, and legacy spellings.")
    sp.add_argument("key", metavar="KEY")
    sp.add_argument("--format", choices=("text", "json"), default="text")
    sp.set_defaults(func=cmd_explain)

    sp = sub.add_parser("docs", help="the configuration reference as Markdown",
                        description="The full configuration reference (every section and key) as Markdown.")
    sp.add_argument("-o", "--output", metavar="FILE")
    sp.set_defaults(func=cmd_docs)

    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    a = parser.parse_args(argv)
    if a.command is None:
        parser.print_help(sys.stderr)
        return USAGE
    try:
        code: int = a.func(a)
        return code
    except DeepSpeedConfigError as exc:
        _report(exc, getattr(a, "file", None) or exc.source)
        readable = all(p.code not in ("unreadable", "missing_file", "syntax", "usage", "bad_target",
                                      "unknown_option") for p in exc.problems)
        return INVALID if readable else USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return OK


def _entry() -> None:
    raise SystemExit(main())


if __name__ == "__main__":
    _entry()
