"""Older spellings of DeepSpeed keys, rewritten to today's with a warning (both old and new given: an error).

Each rule names the old spelling, today's, and the first supported release whose DeepSpeed reads only today's
spelling (``since``); for an older target the old spelling is its own and no warning is given, and ``to_dict``
writes the target's spelling back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._releases import Release
from .errors import Problems


@dataclass(frozen=True)
class Rename:
    old: str  # dotted path
    new: str
    since: str | None = None  # None: DeepSpeed still reads the old spelling in every supported release (deprecated)
    note: str = ""
    both: str | None = None  # when both spellings are given and DeepSpeed accepts that: what it does (else it refuses)


@dataclass(frozen=True)
class ValueRename:
    path: str
    old: Any
    new: Any
    since: str


RENAMES: tuple[Rename, ...] = (
    Rename("bfloat16", "bf16", note="the bf16 section's old name",
           both="DeepSpeed reads 'bf16' and ignores 'bfloat16'"),
    Rename("zero_optimization.stage3_gather_fp16_weights_on_model_save",
           "zero_optimization.stage3_gather_16bit_weights_on_model_save"),
    Rename("zero_optimization.cpu_offload_params", "zero_optimization.cpu_offload_param",
           note="the spelling in DeepSpeed's own ZERO_FORMAT text"),
    Rename("aio.thread_count", "aio.intra_op_parallelism", since="0.19.6",
           both="DeepSpeed 0.19 reads 'intra_op_parallelism' and ignores 'thread_count'"),
)

VALUE_RENAMES: tuple[ValueRename, ...] = (
    ValueRename("communication_data_type", "bfp16", "bf16", since="0.19.6"),
)

# keys of zero_optimization that DeepSpeed turns into offload sections
_OFFLOAD_FLAGS = {
    "cpu_offload": "offload_optimizer",
    "cpu_offload_param": "offload_param",
}


@dataclass
class Migration:
    """What was rewritten, for warnings, ``migrate`` diffs and the zero builder."""

    old: str
    new: str
    warn: bool

    def message(self) -> str:
        return f"'{self.old}' is an older spelling; migrated to '{self.new}'"


def _pop(data: dict[str, Any], path: str) -> tuple[bool, Any, dict[str, Any] | None]:
    *parents, last = path.split(".")
    node: Any = data
    for p in parents:
        node = node.get(p) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            return False, None, None
    if last not in node:
        return False, None, node
    return True, node.pop(last), node


def migrate(data: dict[str, Any], target: Release, problems: Problems) -> list[Migration]:
    """Rewrite legacy spellings in ``data`` (in place) to today's keys."""
    done: list[Migration] = []

    zero = data.get("zero_optimization")
    if isinstance(zero, bool):
        # DeepSpeed's read_zero_config_deprecated: true -> stage 1 with allgather_size as the bucket size
        stage = 1 if zero else 0
        new_zero: dict[str, Any] = {"stage": stage}
        if "allgather_size" in data:
            size = data.pop("allgather_size")
            if stage > 0:
                new_zero["allgather_bucket_size"] = size
        data["zero_optimization"] = new_zero
        done.append(Migration("zero_optimization: " + str(zero).lower(), f"zero_optimization.stage: {stage}", True))
    elif "allgather_size" in data:
        pass  # left for the checker: DeepSpeed ignores it unless zero_optimization is a boolean

    for rule in RENAMES:
        found, value, parent = _pop(data, rule.old)
        if not found or parent is None:
            continue
        new_last = rule.new.split(".")[-1]
        if new_last in parent and parent[new_last] == value:
            continue  # both spellings agree (a composed config carries both): nothing to migrate
        if new_last in parent:
            problems.add(
                rule.old,
                f"both '{rule.old}' (older spelling) and '{rule.new}' are set",
                expected="only '" + rule.new + "'",
                code="legacy_conflict",
                stricter=rule.both,
            )
            continue
        parent[new_last] = value
        warn = rule.since is None or target >= Release(rule.since)
        done.append(Migration(rule.old, rule.new, warn))

    if isinstance(zero := data.get("zero_optimization"), dict):
        for flag, section in _OFFLOAD_FLAGS.items():
            if flag not in zero:
                continue
            if section in zero:
                problems.add(
                    f"zero_optimization.{flag}",
                    f"both '{flag}' (deprecated) and '{section}' are set",
                    expected=f"only '{section}'",
                    code="legacy_conflict",
                )
                continue
            value = zero.pop(flag)
            if value is True:
                zero[section] = {"device": "cpu"}
            elif value not in (False, None):
                zero[flag] = value  # not a boolean: left for the type check to report
                continue
            done.append(Migration(f"zero_optimization.{flag}", f"zero_optimization.{section}.device: cpu", True))
        if zero.get("cpu_offload_use_pin_memory") is not None:
            done.append(Migration("zero_optimization.cpu_offload_use_pin_memory",
                                  "offload_param/offload_optimizer.pin_memory (DeepSpeed keeps the old key but "
                                  "never reads it)", True))

    for vr in VALUE_RENAMES:
        found, value, parent = _pop(data, vr.path)
        if not found or parent is None:
            continue
        last = vr.path.split(".")[-1]
        if isinstance(value, str) and value.lower() == vr.old:
            parent[last] = vr.new
            done.append(Migration(f'{vr.path}: "{vr.old}"', f'{vr.path}: "{vr.new}"', target >= Release(vr.since)))
        else:
            parent[last] = value
    return done


def target_spelling(data: dict[str, Any], target: Release) -> dict[str, Any]:
    """Today's spellings in ``data`` rewritten back to the target's, where the target predates the rename."""
    for rule in RENAMES:
        if rule.since is not None and target < Release(rule.since):
            found, value, parent = _pop(data, rule.new)
            if found and parent is not None:
                parent[rule.old.split(".")[-1]] = value
    for vr in VALUE_RENAMES:
        if target < Release(vr.since):
            found, value, parent = _pop(data, vr.path)
            if found and parent is not None:
                parent[vr.path.split(".")[-1]] = vr.old if value == vr.new else value
    return data
