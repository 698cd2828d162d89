"""``elasticity``: elastic training, where DeepSpeed picks the batch size so that the job can scale across GPU counts.

Read by 0.7.7 and 0.19.6 (``deepspeed/elasticity/config.py``, a plain dict parser; nothing is checked unless
``enabled``); 0.19.7 removed elastic training and 0.19.8 refuses the block. When enabled, DeepSpeed computes
``train_batch_size``, ``train_micro_batch_size_per_gpu`` and ``gradient_accumulation_steps`` itself; the builder
(``dsconf/resolver/sections/elasticity.py``) does the same, with the algorithm in ``dsconf/resolver/elastic.py``.
"""

# ruff: noqa: UP006, UP007, UP045  (the schema spells types the way CONTRIBUTING-sections.md lists for OmegaConf 2.3)
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional  # noqa: UP035  (OmegaConf 2.3 reads typing aliases)

from ._field import key, section_meta

_GONE = "0.19.7"  # elastic training was removed


@dataclass
class ElasticityConfig:
    # Bounds are checked by the builder, not the loader: DeepSpeed checks them only when enabled.
    __dsconf__ = section_meta(help="Elastic training: a batch size that stays valid across many GPU counts.")

    enabled: bool = key(False, help="Let DeepSpeed choose the batch triple for elastic scaling.")
    # float-typed (integral=True): OmegaConf 2.3 cannot merge Union fields inside an Optional section
    max_train_batch_size: float = key(
        2000, help="Largest acceptable global batch size (required when enabled).", required=True, integral=True
    )
    micro_batch_sizes: List[int] = key(
        [2, 4, 6], help="Acceptable micro batch sizes per GPU (required when enabled).", required=True
    )
    min_gpus: int = key(1, help="Smallest GPU count to plan for.")
    max_gpus: int = key(10000, help="Largest GPU count to plan for.")
    min_time: int = key(0, help="Minutes a job runs before the scheduler may rescale it (0: unknown).")
    version: float = key(0.2, help="Elasticity algorithm: 0.1 (GPU level) or 0.2 (node level, model parallel).")
    prefer_larger_batch: bool = key(True, help="Among equally elastic batch sizes, take the larger one.")
    ignore_non_elastic_batch_info: bool = key(
        False, help="Silently drop top-level batch keys instead of refusing them while elasticity is enabled."
    )
    model_parallel_size: int = key(1, help="Model-parallel degree (version 0.2 only).")
    num_gpus_per_node: int = key(1, help="GPUs per node (version 0.2 plans whole nodes).")


@dataclass
class ElasticityFields:
    elasticity: Optional[ElasticityConfig] = key(
        None, help="Elastic training (DeepSpeed sets the batch triple).", removed=_GONE
    )
