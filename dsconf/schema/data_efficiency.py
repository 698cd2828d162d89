"""``data_efficiency`` (0.19.x), ``autotuning`` (all releases) and ``nebula`` (0.7.7, 0.19.6).

All three are plain dict parsers in DeepSpeed (``runtime/data_pipeline/config.py``, ``autotuning/config.py``,
``nebula/config.py``): nothing is type-checked there. Several data-efficiency blocks are *copied* into
``data_efficiency_config`` with every key the user wrote (``open=True`` here); only the keys DeepSpeed itself reads
or defaults are declared, so that a composed config does not hand DeepSpeed keys the user never set.
"""

# ruff: noqa: UP006, UP007, UP045  (the schema spells types the way CONTRIBUTING-sections.md lists for OmegaConf 2.3)
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Union  # noqa: UP035  (OmegaConf 2.3 reads typing aliases)

from ._field import key, section_meta

_DE = "0.19.6"  # first supported release with the data efficiency library (0.7.7 only had legacy curriculum)
_GONE = "0.19.7"  # nebula was removed
_TYPO_FIXED = "0.19.6"  # autotuning.model_info.hideen_size became hidden_size (first supported release with it)


# -- data_efficiency -------------------------------------------------------------------------------------------------
@dataclass
class CurriculumLearningConfig:
    # Every other key (data_cluster_path, schedule_config, ...) is copied as given when enabled.
    __dsconf__ = section_meta(help="Curriculum learning over data difficulty metrics.", open=True)

    enabled: bool = key(False, help="Order samples by difficulty.")
    curriculum_metrics: Optional[Dict[str, Any]] = key(
        None, help="Difficulty metrics, {name: {index_to_sample_path, difficulty_type, ...}} (required when enabled)."
    )


@dataclass
class DynamicBatchingConfig:
    # max_tokens (required when enabled), max_batch_size and metrics_path are copied as given.
    __dsconf__ = section_meta(
        help="Variable batch size by token count (also max_tokens, max_batch_size, metrics_path).", open=True
    )

    enabled: bool = key(False, help="Pack sequences into batches of up to max_tokens tokens.")
    lr_scaling_method: str = key("linear", help="How the learning rate follows the batch size: linear, sqrt, none.")
    min_batch_size: int = key(1, help="Smallest batch size.")
    sequence_picking_order: str = key(
        "dataloader", help="Order in which sequences are packed: random, seqlen, dataloader."
    )
    verbose: bool = key(False, help="Log the batches built.")


@dataclass
class DataSamplingConfig:
    # DeepSpeed copies the whole data_sampling block into data_efficiency_config.
    __dsconf__ = section_meta(help="Data sampling: curriculum learning and dynamic batching.", open=True)

    enabled: bool = key(False, help="Use DeepSpeed's data sampler.")
    num_epochs: int = key(1000, help="Epochs the sampler plans for.")
    num_workers: int = key(0, help="Data loader worker processes.")
    pin_memory: bool = key(False, help="Pin data loader memory.")
    curriculum_learning: CurriculumLearningConfig = key(help="Curriculum learning.", factory=CurriculumLearningConfig)
    dynamic_batching: DynamicBatchingConfig = key(help="Dynamic batching.", factory=DynamicBatchingConfig)


@dataclass
class LayerTokenLRScheduleConfig:
    __dsconf__ = section_meta(
        help="Learning rate by consumed layer tokens (also total_layer_tokens, warmup_type, warmup_layer_tokens).",
        open=True,
    )

    enabled: bool = key(False, help="Schedule the learning rate by layer tokens.")


@dataclass
class RandomLTDConfig:
    # Every other key (total_layer_num, random_ltd_layer_id, random_ltd_schedule, ...) is copied when enabled.
    __dsconf__ = section_meta(help="Random layerwise token dropping.", open=True)

    enabled: bool = key(False, help="Drop tokens in the middle layers.")
    layer_token_lr_schedule: LayerTokenLRScheduleConfig = key(
        help="Learning rate schedule by layer tokens.", factory=LayerTokenLRScheduleConfig
    )


@dataclass
class DataRoutingConfig:
    __dsconf__ = section_meta(help="Data routing (random-LTD).")

    enabled: bool = key(False, help="Use data routing.")
    random_ltd: RandomLTDConfig = key(help="Random layerwise token dropping.", factory=RandomLTDConfig)


@dataclass
class DataEfficiencyConfig:
    __dsconf__ = section_meta(help="DeepSpeed data efficiency library (curriculum, dynamic batching, random-LTD).")

    enabled: bool = key(False, help="Use the data efficiency library.")
    seed: int = key(1234, help="Seed of the data sampler.")
    data_sampling: DataSamplingConfig = key(help="Data sampling.", factory=DataSamplingConfig)
    data_routing: DataRoutingConfig = key(help="Data routing.", factory=DataRoutingConfig)


# -- nebula ----------------------------------------------------------------------------------------------------------
@dataclass
class NebulaConfig:
    __dsconf__ = section_meta(help="Azure Nebula fast checkpointing (removed in 0.19.7).")

    enabled: bool = key(False, help="Checkpoint through Nebula.")
    persistent_storage_path: Optional[str] = key(None, help="Where Nebula persists checkpoints.")
    persistent_time_interval: int = key(100, help="Seconds between persisting checkpoints.")
    num_of_version_in_retention: int = key(2, help="Checkpoint versions kept.")
    enable_nebula_load: bool = key(True, help="Load checkpoints through Nebula.")
    nebula_load_path: Optional[str] = key(None, help="Path to load checkpoints from.", attr="load_path")


# -- autotuning ------------------------------------------------------------------------------------------------------
@dataclass
class AutotuningModelInfo:
    __dsconf__ = section_meta(help="What the autotuner knows about the model.")

    profile: bool = key(False, help="Profile the model to fill in this information.")
    num_params: Optional[Union[int, float]] = key(None, help="Number of model parameters.")
    hidden_size: Optional[int] = key(None, help="Hidden size of the model.", added=_TYPO_FIXED)
    hideen_size: Optional[int] = key(
        None, help="Hidden size of the model (0.7.7 reads this misspelt key only).", removed=_TYPO_FIXED
    )
    num_layers: Optional[int] = key(None, help="Number of layers.")


@dataclass
class AutotuningConfig:
    __dsconf__ = section_meta(help="DeepSpeed autotuner (used by the `deepspeed --autotuning` launcher).")

    enabled: bool = key(False, help="Run the autotuner.")
    fast: bool = key(True, help="Tune only the most promising settings.")
    results_dir: str = key("autotuning_results", help="Directory of the tuning results (not empty).")
    exps_dir: str = key("autotuning_exps", help="Directory of the experiment configs (not empty).")
    overwrite: bool = key(True, help="Overwrite earlier results.")
    start_profile_step: int = key(3, help="First step profiled in each experiment.")
    end_profile_step: int = key(5, help="Last step profiled in each experiment.")
    metric: str = key("throughput", help="What to optimise: latency, throughput, flops, forward, step.")
    metric_path: Optional[str] = key(None, help="File the experiments write their metric to.")
    tuner_type: str = key("gridsearch", help="Search strategy: gridsearch, random, model_based.")
    tuner_early_stopping: int = key(5, help="Stop after this many experiments without improvement.")
    tuner_num_trials: int = key(50, help="Most experiments per tuning space.")
    arg_mappings: Optional[Dict[str, Any]] = key(
        None, help="DeepSpeed config keys -> training script arguments the autotuner sets."
    )
    model_info: Optional[AutotuningModelInfo] = key(None, help="Model information for the autotuner.", null_ok=True)
    model_info_path: Optional[str] = key(None, help="File the model information is written to.")
    mp_size: int = key(1, help="Model-parallel degree.")
    max_train_batch_size: Optional[int] = key(None, help="Largest global batch size to try.")
    min_train_batch_size: int = key(1, help="Smallest global batch size to try.")
    max_train_micro_batch_size_per_gpu: int = key(1024, help="Largest micro batch per GPU to try.")
    min_train_micro_batch_size_per_gpu: int = key(1, help="Smallest micro batch per GPU to try.")
    num_tuning_micro_batch_sizes: int = key(3, help="Micro batch sizes tried per configuration.")


@dataclass
class DataEfficiencyFields:
    data_efficiency: DataEfficiencyConfig = key(
        help="Data efficiency library: curriculum learning, dynamic batching, random-LTD.",
        factory=DataEfficiencyConfig,
        added=_DE,
    )
    nebula: Optional[NebulaConfig] = key(None, help="Azure Nebula checkpointing.", removed=_GONE)
    autotuning: AutotuningConfig = key(help="DeepSpeed autotuner settings.", factory=AutotuningConfig)
