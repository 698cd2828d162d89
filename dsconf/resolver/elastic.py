"""DeepSpeed's elastic batch-size algorithm (``deepspeed/elasticity/elasticity.py``), in plain Python.

``compute_elastic_config`` picks a global batch size that many GPU counts can train with unchanged convergence
(``batch = micro × accumulation × GPUs``) and the micro batch for the current world size. Version 0.1 plans GPUs,
version 0.2 whole nodes (and allows model parallelism). numpy is not needed: ``np.lcm.reduce`` is ``math.lcm`` and
``np.argmax`` over a boolean array is "first True, else 0", which is reproduced, quirk included.

Problems are reported as :class:`ElasticityProblem` (key relative to the ``elasticity`` section); the builder in
``sections/elasticity.py`` turns them into key-path errors.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The 38 smallest highly composite numbers, DeepSpeed's scaling factors (enough for 720K batches).
HCN_LIST: tuple[int, ...] = (
    1, 2, 4, 6, 12, 24, 36, 48, 60, 120, 180, 240, 360, 720, 840, 1260, 1680, 2520, 5040, 7560, 10080, 15120, 20160,
    25200, 27720, 45360, 50400, 55440, 83160, 110880, 166320, 221760, 277200, 332640, 498960, 554400, 665280, 720720,
)  # fmt: skip

LATEST_VERSION = 0.2  # newest elasticity algorithm the runtime implements (not a config default)
ENV_SCHEDULER_CONFIG = "DEEPSPEED_ELASTICITY_CONFIG"  # the resource scheduler's view of the elasticity block


@dataclass(frozen=True)
class ElasticityProblem(Exception):
    """One thing DeepSpeed's elasticity code refuses (or crashes on); ``key`` is relative to ``elasticity``."""

    key: str
    message: str
    code: str = "invalid"
    value: Any = None
    has_value: bool = False

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


def _problem(key: str, message: str, code: str = "invalid", *value: Any) -> ElasticityProblem:
    return ElasticityProblem(key, message, code, value[0] if value else None, bool(value))


@dataclass(frozen=True)
class ElasticParams:
    """DeepSpeed's ``ElasticityConfig`` object (``version`` kept as written; DeepSpeed compares it raw)."""

    enabled: Any
    max_train_batch_size: Any
    micro_batch_sizes: Any
    min_gpus: Any
    max_gpus: Any
    min_time: Any
    version: Any
    prefer_larger_batch: Any
    ignore_non_elastic_batch_info: Any
    model_parallel_size: Any
    num_gpus_per_node: Any


@dataclass(frozen=True)
class ElasticResult:
    final_batch_size: int
    valid_gpus: list[int]
    micro_batch_size: int


def parse(
    section: Mapping[str, Any], defaults: Mapping[str, Any]
) -> tuple[ElasticParams | None, list[ElasticityProblem]]:
    """``ElasticityConfig(section)``: every check DeepSpeed makes, all problems at once (DeepSpeed stops at the first).

    ``defaults`` are the schema defaults by key (the builder reads them from the dataclass).
    """
    problems: list[ElasticityProblem] = []

    def get(k: str) -> Any:
        return section.get(k, defaults[k])

    enabled = get("enabled")
    if enabled:
        for k in ("max_train_batch_size", "micro_batch_sizes"):
            if k not in section:
                problems.append(_problem(k, "is required when elasticity is enabled; add it", "missing"))
    micro = get("micro_batch_sizes")
    if not isinstance(micro, list):
        problems.append(_problem("micro_batch_sizes", "must be a list of micro batch sizes", "type", micro))
    elif not all(isinstance(m, int) for m in micro):
        problems.append(_problem("micro_batch_sizes", "must hold integers only", "type", micro))
    elif not all(m > 0 for m in micro):
        problems.append(_problem("micro_batch_sizes", "must hold positive integers only", "range", micro))
    elif not micro:
        # DeepSpeed takes min() of the list and fails with a raw ValueError.
        problems.append(_problem("micro_batch_sizes", "is empty; DeepSpeed crashes on min([])", "ds_crash", micro))
    min_gpus, max_gpus = get("min_gpus"), get("max_gpus")
    if min_gpus < 1 or max_gpus < 1:
        bad = "min_gpus" if min_gpus < 1 else "max_gpus"
        problems.append(_problem(bad, f"must be > 0 (min_gpus={min_gpus}, max_gpus={max_gpus})", "range", get(bad)))
    elif max_gpus < min_gpus:
        problems.append(_problem("min_gpus", f"cannot be greater than max_gpus ({max_gpus})", "conflict", min_gpus))
    for k in ("model_parallel_size", "num_gpus_per_node"):
        if get(k) < 1:
            problems.append(_problem(k, "cannot be less than 1", "range", get(k)))
    if get("min_time") < 0:
        problems.append(_problem("min_time", "must be >= 0", "range", get("min_time")))
    if problems:
        return None, problems
    params = ElasticParams(
        enabled=enabled,
        max_train_batch_size=get("max_train_batch_size"),
        micro_batch_sizes=micro,
        min_gpus=min_gpus,
        max_gpus=max_gpus,
        min_time=get("min_time"),
        version=get("version"),
        prefer_larger_batch=get("prefer_larger_batch"),
        ignore_non_elastic_batch_info=get("ignore_non_elastic_batch_info"),
        model_parallel_size=get("model_parallel_size"),
        num_gpus_per_node=get("num_gpus_per_node"),
    )
    return params, []


# -- the algorithm ---------------------------------------------------------------------------------------------------
def candidate_batch_sizes(bases: Sequence[int], max_batch: int | float, *, skip_over_max: bool) -> list[int]:
    """Each base scaled by the largest HCN that keeps it within ``max_batch``.

    ``skip_over_max``: 0.19.6 drops bases above the cap (the LCM can exceed it); 0.7.7 kept them as candidates.
    """
    out: list[int] = []
    for base in bases:
        if skip_over_max and base > max_batch:
            continue
        if base >= max_batch:
            out.append(base)
            continue
        value = max_batch // base
        # np.argmax(HCN > value): first index where true, 0 when none is (then HCN[-1] is used).
        index = next((i for i, h in enumerate(HCN_LIST) if h > value), 0)
        out.append(HCN_LIST[index - 1] * base)
    return list(set(out))


def valid_gpus(batch_size: int, micro_batches: Sequence[int], min_valid: int, max_valid: int) -> list[int]:
    """GPU counts in [min_valid, max_valid] that train ``batch_size`` with one of the micro batches."""
    found: set[int] = set()
    for micro in micro_batches:
        if batch_size % micro == 0:
            max_gpus = batch_size // micro
            if min_valid <= max_gpus <= max_valid:
                found.add(max_gpus)
            for i in range(1, max_gpus // 2 + 1):
                if i > max_valid:
                    break
                if i < min_valid:
                    continue
                if max_gpus % i == 0:
                    found.add(i)
    return sorted(found)


def best_candidate(
    candidates: Sequence[int], micro_batches: Sequence[int], min_gpus: int, max_gpus: int, prefer_larger: bool
) -> tuple[int, list[int] | None]:
    """The candidate with the most valid GPU counts (ties: the larger, or smaller, batch)."""
    best_count = 0
    best_gpus: list[int] | None = None
    final = int(min(micro_batches))
    for batch in candidates:
        gpus = valid_gpus(batch, micro_batches, min_gpus, max_gpus)
        n = len(gpus)
        if n > best_count or (
            n == best_count and ((prefer_larger and batch > final) or (not prefer_larger and batch < final))
        ):
            best_count, best_gpus, final = n, gpus, batch
    return final, best_gpus


def compatible_gpus_v01(
    micro_batches: Sequence[int],
    max_batch: int | float,
    min_gpus: int | None,
    max_gpus: int | None,
    prefer_larger: bool,
    *,
    skip_over_max: bool,
) -> tuple[int, list[int] | None]:
    min_gpus = min_gpus or 1
    max_gpus = max_gpus or int(max_batch // min(micro_batches))
    if not all(mb <= max_batch for mb in micro_batches):
        raise _problem(
            "micro_batch_sizes",
            f"every micro batch size must be <= max_train_batch_size ({max_batch})",
            "conflict",
            list(micro_batches),
        )
    bases = [*micro_batches, math.lcm(*micro_batches)]
    candidates = candidate_batch_sizes(bases, max_batch, skip_over_max=skip_over_max)
    return best_candidate(candidates, micro_batches, min_gpus, max_gpus, prefer_larger)


def compatible_gpus_v02(
    micro_batches: Sequence[int],
    max_batch: int | float,
    current_num_gpus: int,
    min_gpus: int,
    max_gpus: int,
    prefer_larger: bool,
    num_gpus_per_node: int,
    model_parallel_size: int,
    *,
    skip_over_max: bool,
) -> tuple[int | float, list[int] | None]:
    """Version 0.2: plan whole nodes, in data-parallel units (GPUs per node / model-parallel size)."""
    if num_gpus_per_node % model_parallel_size != 0:
        raise _problem(
            "num_gpus_per_node",
            f"must be divisible by model_parallel_size ({model_parallel_size}) in elasticity version 0.2",
            "conflict",
            num_gpus_per_node,
        )
    dp_per_node = num_gpus_per_node // model_parallel_size
    # DeepSpeed divides with / and truncates with int(); kept so that rounding matches.
    final, valid_nodes = compatible_gpus_v01(
        micro_batches,
        int(max_batch / dp_per_node),
        int(min_gpus / num_gpus_per_node),
        int(max_gpus / num_gpus_per_node),
        prefer_larger,
        skip_over_max=skip_over_max,
    )
    if valid_nodes is None:
        raise _no_valid_gpus()
    final = int(final) * dp_per_node
    valid_dp = [i * dp_per_node for i in valid_nodes]
    if current_num_gpus // model_parallel_size in valid_dp:
        return final, valid_dp
    current_dp = (current_num_gpus / num_gpus_per_node) * dp_per_node
    if current_dp == 0:
        raise _problem(
            "num_gpus_per_node",
            f"is larger than the world size ({current_num_gpus}); DeepSpeed divides by zero (ZeroDivisionError)",
            "ds_crash",
            num_gpus_per_node,
        )
    sizes = [math.floor(max_batch / float(mb * current_dp)) * (mb * current_dp) for mb in micro_batches]
    return (max(sizes) if prefer_larger else min(sizes)), [int(current_dp)]


def compute_elastic_config(params: ElasticParams, world_size: int, *, skip_over_max: bool) -> ElasticResult:
    """DeepSpeed's ``compute_elastic_config(ds_config, __version__, world_size)`` as ``DeepSpeedConfig`` calls it.

    Raises :class:`ElasticityProblem` where DeepSpeed raises (or crashes).
    """
    try:
        version = float(params.version)
    except (TypeError, ValueError):
        raise _problem(
            "version", "is not a number; DeepSpeed crashes on float(version)", "ds_crash", params.version
        ) from None
    mp = params.model_parallel_size
    if mp > 1 and version != 0.2:
        raise _problem(
            "model_parallel_size",
            f"elasticity version {params.version} does not support model parallelism; use version 0.2 or set "
            "model_parallel_size to 1",
            "conflict",
            mp,
        )
    if version > LATEST_VERSION:
        raise _problem(
            "version", f"DeepSpeed only implements elasticity up to version {LATEST_VERSION}", "range", params.version
        )
    if world_size <= 0:
        raise _problem("", "elastic training needs the world size; pass world_size=...", "missing")
    micro = list(params.micro_batch_sizes)
    final: int | float
    valid: list[int] | None
    if version == 0.1:
        final, valid = compatible_gpus_v01(
            micro,
            params.max_train_batch_size,
            params.min_gpus,
            params.max_gpus,
            params.prefer_larger_batch,
            skip_over_max=skip_over_max,
        )
    elif version == 0.2:
        final, valid = compatible_gpus_v02(
            micro,
            params.max_train_batch_size,
            world_size,
            params.min_gpus,
            params.max_gpus,
            params.prefer_larger_batch,
            params.num_gpus_per_node,
            mp,
            skip_over_max=skip_over_max,
        )
    else:
        raise _problem(
            "version", "DeepSpeed implements elasticity versions 0.1 and 0.2 only", "choices", params.version
        )
    final = int(final)
    if valid is None:
        raise _no_valid_gpus()
    if world_size not in valid:
        raise _problem(
            "",
            f"world size {world_size} is not one of the GPU counts this elastic config supports: {_show(valid)}. "
            "Run on one of those, or change max_train_batch_size / micro_batch_sizes / min_gpus / max_gpus",
            "incompatible_world_size",
        )
    for mbsz in sorted(set(micro), reverse=True):
        if final // world_size % mbsz == 0:
            return ElasticResult(final, valid, mbsz)
    raise _problem(
        "micro_batch_sizes",
        f"none divides the per-GPU batch (final batch {final} // world size {world_size})",
        "conflict",
        micro,
    )


def _show(counts: list[int], limit: int = 40) -> str:
    if len(counts) <= limit:
        return str(counts)
    return f"[{', '.join(map(str, counts[:limit]))}, ...] ({len(counts)} counts)"


def _no_valid_gpus() -> ElasticityProblem:
    # No candidate had a valid GPU count: DeepSpeed then iterates or tests membership in None (TypeError).
    return _problem(
        "",
        "no batch size up to max_train_batch_size fits any GPU count in [min_gpus, max_gpus]; DeepSpeed crashes "
        "(TypeError). Widen the GPU range or change micro_batch_sizes",
        "ds_crash",
    )


def scheduler_mismatches(
    runtime: ElasticParams, scheduler_json: str, defaults: Mapping[str, Any]
) -> list[ElasticityProblem]:
    """``ensure_immutable_elastic_config``: the scheduler's elasticity block (env) must agree with ours."""
    try:
        data = json.loads(scheduler_json)
    except ValueError:
        return [_problem("", f"{ENV_SCHEDULER_CONFIG} is not valid JSON; DeepSpeed crashes reading it", "ds_crash")]
    if not isinstance(data, dict):
        return [_problem("", f"{ENV_SCHEDULER_CONFIG} is not a JSON object; DeepSpeed crashes reading it", "ds_crash")]
    scheduler, problems = parse(data, defaults)
    if scheduler is None:
        return [
            _problem(p.key, f"in {ENV_SCHEDULER_CONFIG} (the scheduler's copy): {p.message}", p.code) for p in problems
        ]
    out = []
    for k in ("max_train_batch_size", "micro_batch_sizes", "version"):
        ours, theirs = getattr(runtime, k), getattr(scheduler, k)
        if ours != theirs:
            out.append(
                _problem(
                    k,
                    f"differs from the resource scheduler's elastic config ({ENV_SCHEDULER_CONFIG}: {theirs!r}); "
                    "the job could be scaled to GPU counts this config does not support. Use the same elasticity "
                    "block for the scheduler and the job",
                    "conflict",
                    ours,
                )
            )
    return out
