"""Elastic training (0.7.7, 0.19.6): DeepSpeed's pre-pass that sets the batch triple before anything else is parsed.

Like ``DeepSpeedConfig.__init__``, an enabled ``elasticity`` block is validated, ``compute_elastic_config`` picks the
global batch and the micro batch for the world size, the resource scheduler's copy of the block
(``DEEPSPEED_ELASTICITY_CONFIG``) is compared, and the three batch keys are written into the config, where the batch
builder (order 10) does the usual batch math with them.
"""

from __future__ import annotations

import math
import os
from typing import Any

from .. import elastic
from .._context import Ctx, builder

_ABSENT: Any = object()
_SECTION = "elasticity"
_BATCH_KEYS = ("train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps")


def _report(ctx: Ctx, problem: elastic.ElasticityProblem) -> None:
    path = f"{_SECTION}.{problem.key}" if problem.key else _SECTION
    kw: dict[str, Any] = {"code": problem.code}
    if problem.has_value:
        kw["value"] = problem.value
    ctx.error(path, problem.message, **kw)


def _world(ctx: Ctx) -> int | None:
    w = ctx.world_size
    if isinstance(w, float):
        if not math.isfinite(w) or not w.is_integer():
            return None
        w = int(w)
    return w if w > 0 else None


@builder(order=5)
def elasticity(ctx: Ctx) -> dict[str, Any]:
    field = ctx.field(_SECTION)
    if not field.known_in(ctx.target):
        return {}
    section = ctx.raw(_SECTION, _ABSENT)
    if section is _ABSENT:
        return {"elasticity_enabled": False}
    if not isinstance(section, dict):
        ctx.error(
            _SECTION,
            f"DeepSpeed {ctx.target} crashes on a null elasticity block (AttributeError); remove it",
            value=section,
            code="ds_crash",
        )
        return {"elasticity_enabled": False}
    enabled = section.get("enabled", ctx.default(f"{_SECTION}.enabled"))
    attrs: dict[str, Any] = {"elasticity_enabled": enabled}
    if not enabled:
        return attrs
    assert field.section is not None
    defaults = {name: f.default_for(ctx.target) for name, f in field.section.fields.items()}
    params, problems = elastic.parse(section, defaults)
    for problem in problems:
        _report(ctx, problem)
    if params is None:
        return attrs
    world = _world(ctx)
    if world is None:
        ctx.error(
            _SECTION,
            "elastic training needs a whole, positive world size to pick the batch size",
            value=ctx.world_size,
            code="world_size",
        )
        return attrs
    try:
        # 0.19.6 no longer offers a candidate batch above max_train_batch_size (0.7.7 could, via the LCM).
        result = elastic.compute_elastic_config(params, world, skip_over_max=ctx.target >= "0.19.6")
    except elastic.ElasticityProblem as exc:
        _report(ctx, exc)
        return attrs

    scheduler = os.environ.get(elastic.ENV_SCHEDULER_CONFIG)
    if scheduler is None:
        ctx.warn(
            f"Unable to find {elastic.ENV_SCHEDULER_CONFIG} environment variable, cannot guarantee resource "
            "scheduler will scale this job using compatible GPU counts."
        )
    else:
        for mismatch in elastic.scheduler_mismatches(params, scheduler, defaults):
            _report(ctx, mismatch)

    attrs["elastic_model_parallel_size"] = params.model_parallel_size
    attrs["num_gpus_per_node"] = params.num_gpus_per_node
    present = [k for k in _BATCH_KEYS if ctx.given(k)]
    if present and not params.ignore_non_elastic_batch_info:
        for k in present:
            ctx.error(
                k,
                "is set while elasticity is enabled; elastic training chooses the batch size itself, so this value "
                "would not be used. Remove it, or set elasticity.ignore_non_elastic_batch_info: true to have it "
                "ignored",
                value=ctx.raw(k),
                code="conflict",
            )
        return attrs

    micro = result.micro_batch_size
    gas = result.final_batch_size // (micro * world)
    new = {
        "train_batch_size": result.final_batch_size,
        "train_micro_batch_size_per_gpu": micro,
        "gradient_accumulation_steps": gas,
    }
    names = {"train_batch_size": "training_batch_size"}  # DeepSpeed's own wording
    for k in present:
        ctx.warn(f"[Elasticity] overriding {names.get(k, k)}: {ctx.raw(k)} -> {new[k]}")
    ctx.data.update(new)
    return attrs
