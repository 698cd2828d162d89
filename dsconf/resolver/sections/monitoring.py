"""monitor_config, comms_config and flops_profiler_config, per target release.

Canonical forms (what ``model_dump()`` of each view equals):

* 0.7.7 ``monitor_config`` is DeepSpeed's plain ``DeepSpeedMonitorConfig`` object: ``vars()`` holds
  ``tensorboard_enabled`` / ``wandb_enabled`` / ``csv_monitor_enabled`` (the key's *presence*) and, only for a present
  key, ``tensorboard_config`` / ``wandb_config`` / ``csv_monitor_config`` (pydantic v1 ``.dict()``).
* 0.19.x ``monitor_config`` is the pydantic ``DeepSpeedMonitorConfig``; its ``model_dump()`` has the four monitor
  models and *not* ``enabled``, which DeepSpeed writes into ``__dict__`` after validation: here ``enabled`` is an
  attribute outside the dump, as there.
* ``comms_config`` (every release) is the plain ``DeepSpeedCommsConfig``: ``comms_logger_enabled`` (presence) and,
  when present, ``comms_logger``.
* ``flops_profiler_config`` is ``vars(DeepSpeedFlopsProfilerConfig)``.

A ``null`` monitor or comms_logger block counts as absent: a Hydra-composed config holds ``null`` for every unset
optional section, and the loader drops it before builders run.
"""

from __future__ import annotations

from typing import Any

from ..._releases import Release
from ..._section import ExtraSection, Section
from .._context import Ctx, builder

_PYDANTIC_MONITOR = Release("0.19.6")  # first supported release with the pydantic DeepSpeedMonitorConfig
_MONITORS_077 = (("tensorboard", "TensorBoardConfig"), ("wandb", "WandbConfig"), ("csv_monitor", "CSVConfig"))
# 0.19.x DeepSpeedMonitorConfig field order
_MONITORS = (
    ("tensorboard", "TensorBoardConfig"),
    ("comet", "CometConfig"),
    ("wandb", "WandbConfig"),
    ("csv_monitor", "CSVConfig"),
)


def _present(ctx: Ctx, name: str) -> bool:
    return ctx.raw(name) is not None


@builder(order=32, memo=True)  # DeepSpeed parses comms_config then monitor_config right after activation checkpointing
def monitoring(ctx: Ctx) -> dict[str, Any]:
    comms: dict[str, Any] = {"comms_logger_enabled": _present(ctx, "comms_logger")}
    if comms["comms_logger_enabled"]:
        comms["comms_logger"] = Section(ctx.dump("comms_logger"), "CommsLoggerConfig")
    out: dict[str, Any] = {"comms_config": Section(comms, "DeepSpeedCommsConfig")}

    if ctx.target < _PYDANTIC_MONITOR:
        monitor: dict[str, Any] = {f"{name}_enabled": _present(ctx, name) for name, _ in _MONITORS_077}
        for name, kind in _MONITORS_077:
            if monitor[f"{name}_enabled"]:
                monitor[f"{name}_config"] = Section(ctx.dump(name), kind)
        out["monitor_config"] = Section(monitor, "DeepSpeedMonitorConfig")
        return out

    subs = {name: Section(ctx.dump(name), kind) for name, kind in _MONITORS}
    enabled = any(sub["enabled"] for sub in subs.values())
    out["monitor_config"] = ExtraSection(subs, "DeepSpeedMonitorConfig", {"enabled": enabled})
    return out


@builder(order=55, memo=True)  # after optimizer and scheduler, as in DeepSpeed's _initialize_params
def flops_profiler(ctx: Ctx) -> dict[str, Any]:
    flops = ctx.dump("flops_profiler")
    return {
        "flops_profiler_config": Section(flops, "DeepSpeedFlopsProfilerConfig"),
        # DeepSpeed computes wall_clock_breakdown right here: the flops profiler needs the timers
        "wall_clock_breakdown": ctx.value("wall_clock_breakdown") | flops["enabled"],
    }
