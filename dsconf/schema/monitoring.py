"""Monitors (tensorboard, wandb, csv_monitor, comet), the communication logger and the flops profiler.

In 0.7.7 a monitor or ``comms_logger`` block counts as enabled by its mere *presence* (``tensorboard_enabled =
'tensorboard' in ds_config``), so these top-level fields default to ``None`` (absent) rather than to a section.
The monitor and comms_logger blocks are pydantic models in every supported release (unknown keys refused).
"""

# ruff: noqa: UP006, UP007, UP045  (the schema spells types the way CONTRIBUTING-sections.md lists for OmegaConf 2.3)
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional  # noqa: UP035

from ._field import key, section_meta

_PYDANTIC = "0.7.7"  # monitors and comms_logger were pydantic models already in 0.7.7 (v1) and still are (v2)


@dataclass
class TensorBoardConfig:
    __dsconf__ = section_meta(help="TensorBoard monitor (needs the tensorboard package).", ds_checked=_PYDANTIC)

    enabled: bool = key(False, help="Write training metrics for TensorBoard.", ds_checked=_PYDANTIC)
    output_path: str = key(
        "", help="Directory of the event files (empty: under the launch directory).", ds_checked=_PYDANTIC
    )
    job_name: str = key("DeepSpeedJobName", help="Sub-directory of output_path for this job.", ds_checked=_PYDANTIC)


@dataclass
class WandbConfig:
    __dsconf__ = section_meta(help="Weights & Biases monitor (needs the wandb package).", ds_checked=_PYDANTIC)

    enabled: bool = key(False, help="Log training metrics to WandB.", ds_checked=_PYDANTIC)
    group: Optional[str] = key(None, help="WandB group used to gather related runs.", ds_checked=_PYDANTIC)
    team: Optional[str] = key(None, help="WandB team (entity).", ds_checked=_PYDANTIC)
    project: str = key("deepspeed", help="WandB project.", ds_checked=_PYDANTIC)


@dataclass
class CSVMonitorConfig:
    __dsconf__ = section_meta(help="Local CSV files of training metrics.", ds_checked=_PYDANTIC)

    enabled: bool = key(False, help="Write training metrics to CSV files.", ds_checked=_PYDANTIC)
    output_path: str = key(
        "", help="Directory of the CSV files (empty: under the launch directory).", ds_checked=_PYDANTIC
    )
    job_name: str = key("DeepSpeedJobName", help="Sub-directory of output_path for this job.", ds_checked=_PYDANTIC)


@dataclass
class CometConfig:
    __dsconf__ = section_meta(help="Comet monitor (needs the comet_ml package).", ds_checked="0.19.6")

    enabled: bool = key(False, help="Log training metrics to Comet.", ds_checked="0.19.6")
    samples_log_interval: int = key(100, help="Send metrics to Comet every this many samples.", ds_checked="0.19.6")
    project: Optional[str] = key(None, help="Comet project (else COMET_PROJECT_NAME).", ds_checked="0.19.6")
    workspace: Optional[str] = key(None, help="Comet workspace (else COMET_WORKSPACE).", ds_checked="0.19.6")
    api_key: Optional[str] = key(None, help="Comet API key (else COMET_API_KEY).", ds_checked="0.19.6")
    experiment_name: Optional[str] = key(None, help="Name of the Comet experiment.", ds_checked="0.19.6")
    experiment_key: Optional[str] = key(
        None, help="Key of the Comet experiment (32-50 alphanumeric characters).", ds_checked="0.19.6"
    )
    online: Optional[bool] = key(
        None, help="Log to the Comet server (true) or to an offline experiment (false).", ds_checked="0.19.6"
    )
    mode: Optional[str] = key(
        None, help="How the experiment starts: get, create or get_or_create.", ds_checked="0.19.6"
    )


@dataclass
class CommsLoggerConfig:
    __dsconf__ = section_meta(help="Log communication operations (deepspeed.comm).", ds_checked=_PYDANTIC)

    enabled: bool = key(False, help="Record communication operations.", ds_checked=_PYDANTIC)
    prof_all: bool = key(True, help="Profile every communication operation.", ds_checked=_PYDANTIC)
    prof_ops: List[str] = key(
        [], help="Names of the operations to profile when prof_all is false.", ds_checked=_PYDANTIC
    )
    verbose: bool = key(False, help="Print every operation as it happens.", ds_checked=_PYDANTIC)
    debug: bool = key(False, help="Add the calling function's name to each record.", ds_checked=_PYDANTIC)


@dataclass
class FlopsProfilerConfig:
    __dsconf__ = section_meta(help="Flops profiler: model speed, flops and parameters per module.")

    enabled: bool = key(False, help="Profile one training step (also turns on wall_clock_breakdown).")
    recompute_fwd_factor: float = key(
        0.0, help="Share of the forward pass recomputed by activation checkpointing (0.0 to 1.0).", added="0.19.6"
    )
    profile_step: int = key(1, help="Training step at which to profile.")
    module_depth: int = key(-1, help="Depth of the module tree to report (-1: all).")
    top_modules: int = key(1, help="Number of top modules in the aggregated profile.")
    detailed: bool = key(True, help="Print the detailed per-module profile.")
    output_file: Optional[str] = key(None, help="File to write the profile to (null: stdout).")


@dataclass
class MonitoringFields:
    """Top-level keys of the monitoring family."""

    tensorboard: Optional[TensorBoardConfig] = key(None, help="TensorBoard monitor (0.7.7: present means enabled).")
    wandb: Optional[WandbConfig] = key(None, help="Weights & Biases monitor (0.7.7: present means enabled).")
    csv_monitor: Optional[CSVMonitorConfig] = key(None, help="CSV monitor (0.7.7: present means enabled).")
    comet: Optional[CometConfig] = key(None, help="Comet monitor.", added="0.19.6")
    comms_logger: Optional[CommsLoggerConfig] = key(
        None, help="Communication logger (present means comms_config.comms_logger_enabled)."
    )
    flops_profiler: FlopsProfilerConfig = key(help="Flops profiler.", factory=FlopsProfilerConfig)
