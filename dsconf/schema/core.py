"""The batch triple and DeepSpeed's top-level scalar keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from ._field import key

_COMM_TYPES = ("fp32", "fp16", "bf16")


@dataclass
class CoreFields:
    """Top-level keys that are not sections."""

    train_batch_size: Optional[Union[int, float, str]] = key(
        None,
        help="Global batch per optimizer step: micro batch x gradient accumulation x data-parallel size.",
        auto=True,
        gt=0,
    )
    train_micro_batch_size_per_gpu: Optional[Union[int, float, str]] = key(
        None, help="Samples per data-parallel rank per forward/backward pass.", auto=True, gt=0
    )
    gradient_accumulation_steps: Optional[Union[int, float, str]] = key(
        None, help="Micro batches accumulated before each optimizer step.", auto=True, gt=0
    )
    managed_gradient_accumulation: bool = key(
        True, help="Let the engine decide when a micro step is an accumulation boundary.", added="0.19.6"
    )
    steps_per_print: Optional[int] = key(
        None, help="Print a training progress report every N steps (null: never).", was=(("0.19.6", 10),), ge=0
    )
    dump_state: bool = key(False, help="Print the engine's state after initialization.")
    disable_allgather: bool = key(False, help="Disable allgather in the legacy ZeRO path.")
    disable_python_gc: bool = key(
        False, help="Turn off Python's automatic cyclic garbage collector during training.", added="0.19.8"
    )
    communication_data_type: Optional[str] = key(
        None,
        help="Data type for gradient all-reduce (null: derived from the precision mode).",
        choices=_COMM_TYPES,
        normalize="lower",
    )
    seq_parallel_communication_data_type: Optional[str] = key(
        "fp32",
        help="Data type for sequence-parallel communication.",
        choices=_COMM_TYPES,
        normalize="lower",
        added="0.19.6",
    )
    prescale_gradients: bool = key(False, help="Scale gradients before all-reduce instead of after.")
    gradient_predivide_factor: float = key(1.0, help="Divide gradients by this factor before all-reduce.")
    gradient_allreduce_op: str = key(
        "mean",
        help="How gradients are combined across data-parallel ranks.",
        choices=("mean", "sum"),
        normalize="lower",
        added="0.19.6",
    )
    sparse_gradients: bool = key(
        False, help="Compress dense embedding gradients as sparse (CSR) tensors.", removed="0.19.7"
    )
    gradient_clipping: Optional[float] = key(
        1.0, help="Clip gradients to this global norm (0.0 disables clipping).", was=(("0.19.6", 0.0),), ge=0
    )
    graph_harvesting: bool = key(
        False, help="Capture and replay CUDA graphs of the optimizer step.", added="0.19.6", removed="0.19.7"
    )
    wall_clock_breakdown: bool = key(False, help="Time forward, backward and step and report them.")
    memory_breakdown: bool = key(False, help="Report memory use at each step.")
    dataloader_drop_last: bool = key(False, help="Drop the last incomplete batch of the engine's data loader.")
    vocabulary_size: Optional[int] = key(
        None, help="Vocabulary size; DeepSpeed warns when it is not a multiple of 8 (tensor-core alignment).", gt=0
    )
    use_data_before_expert_parallelism: bool = key(
        False,
        help="Lay out data-parallel groups before expert-parallel groups.",
        attr="use_data_before_expert_parallel_",
        added="0.19.6",
        constant="USE_DATA_BEFORE_EXPERT_PARALLEL",
    )
    log_level: Optional[str] = key(None, help="DeepSpeed's logging level for this engine.", added="0.19.6")
    sequence_parallel_size: Optional[int] = key(
        None,
        help="Ulysses sequence-parallel size; DeepSpeed divides the world size by it to get the data-parallel size.",
        added="0.19.6",
        gt=0,
    )
