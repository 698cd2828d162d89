"""Runtime services: activation checkpointing, async I/O, checkpointing, data types, pipeline, hybrid engine,
compile, timers, tensor/expert parallelism, inference weight quantization and DataStates checkpointing.

Most of these are plain dict lookups in DeepSpeed (any JSON value stored unchecked); the pydantic ones from
0.19.6 on (hybrid_engine, compile, timers.throughput, tensor_parallel, weight_quantization) say ``ds_checked``.
"""

# ruff: noqa: UP006, UP007, UP045  (the schema spells types the way CONTRIBUTING-sections.md lists for OmegaConf 2.3)
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Union  # noqa: UP035

from ._field import key, section_meta

_MODEL = "0.19.6"  # first supported release where the section is a pydantic model (type-checked)
# DeepSpeed's DtypeEnum spellings. data_types values are stored raw and converted with DtypeEnum only at
# initialize, so they are not `choices` (a parse-time check): the builder checks them as a deliberate stricter case.
DTYPE_NAMES = (
    "fp16", "float16", "half", "torch.float16",
    "bf16", "bfloat16", "torch.bfloat16",
    "fp32", "float32", "float", "torch.float32",
    "int8", "torch.int8",
)  # fmt: skip


COMPILE_PASSES = ("z1", "z3", "autosp", "autotp")  # CompileConfig.passes: Literal[...] items (pydantic checks them)


@dataclass
class ActivationCheckpointingConfig:
    __dsconf__ = section_meta(help="Activation checkpointing (deepspeed.checkpointing).", constant="ACT_CHKPT")

    partition_activations: bool = key(False, help="Partition checkpointed activations across model-parallel ranks.")
    contiguous_memory_optimization: bool = key(False, help="Copy partitioned activations into one contiguous buffer.")
    cpu_checkpointing: bool = key(False, help="Offload partitioned activations to CPU memory.")
    number_checkpoints: Optional[int] = key(None, help="Number of checkpoints, for the contiguous buffer size.")
    synchronize_checkpoint_boundary: bool = key(False, help="Synchronize the device at each checkpoint boundary.")
    profile: bool = key(False, help="Time the forward and backward of each checkpoint.")


@dataclass
class AioConfig:
    __dsconf__ = section_meta(help="Asynchronous I/O for NVMe offload (ZeRO-Infinity).")

    block_size: Union[int, float] = key(1048576, help="I/O block size in bytes.")
    queue_depth: int = key(8, help="I/O queue depth.")
    # renamed in DeepSpeed PR #7056 (2025); the old key is silently ignored from then on
    thread_count: int = key(1, help="I/O threads per request (renamed intra_op_parallelism).", removed="0.19.6")
    intra_op_parallelism: int = key(1, help="I/O threads per request.", added="0.19.6")
    single_submit: bool = key(False, help="Submit requests one at a time instead of in batches.")
    overlap_events: bool = key(True, help="Overlap submitting requests with waiting for completions.")
    use_gds: bool = key(False, help="Use NVIDIA GPUDirect Storage (CUDA only).", added="0.19.6")


@dataclass
class CheckpointParallelWriteConfig:
    __dsconf__ = section_meta(help="Parallel checkpoint writing.")

    # DeepSpeed checks `value in [True, False]` at parse time (so 1 and 0 pass there)
    pipeline_stage: bool = key(False, help="Write pipeline-stage checkpoints in parallel.", ds_checked="0.7.7")


@dataclass
class CheckpointWriterConfig:
    __dsconf__ = section_meta(help="The fast checkpoint writer.")

    type: str = key("FAST", help="Writer implementation.", choices=("MOCK", "PYTHON", "FAST"), normalize="upper")
    io_buffer_size: Union[int, float] = key(64 * 1024**2, help="Size of the I/O buffer in bytes.")
    io_buffer_double: bool = key(True, help="Double-buffer the I/O.")
    show_statistics: bool = key(False, help="Print I/O statistics.")
    data_parallel: Optional[str] = key(
        None,
        help="Which data-parallel ranks write: one per REPLICA, SOCKET or MACHINE.",
        choices=("REPLICA", "SOCKET", "MACHINE"),
        normalize="upper",
    )
    decoupled: bool = key(False, help="Write in a background process, decoupled from training.")
    io_multiplier: int = key(1, help="I/O parallelism multiplier.")


@dataclass
class CheckpointConfig:
    __dsconf__ = section_meta(help="Checkpoint saving and loading.")

    tag_validation: str = key(
        "WARN",
        help="Check that all ranks save under the same tag: WARN, IGNORE or FAIL.",
        choices=("WARN", "IGNORE", "FAIL"),
        normalize="upper",
    )
    load_universal: bool = key(
        False, help="Load a universal (reshapeable) checkpoint.", constant="LOAD_UNIVERSAL_CHECKPOINT"
    )
    use_node_local_storage: bool = key(
        False, help="Each node saves to its own local storage.", constant="USE_NODE_LOCAL_STORAGE_CHECKPOINT"
    )
    parallel_write: CheckpointParallelWriteConfig = key(
        help="Parallel checkpoint writing.", factory=CheckpointParallelWriteConfig
    )
    checkpoint_serialization: bool = key(True, help="Serialize with torch.save's zipfile format.", added="0.19.6")
    writer: Optional[CheckpointWriterConfig] = key(
        None, help="Use the fast checkpoint writer.", added="0.19.6", null_ok=True
    )


@dataclass
class DataTypesConfig:
    __dsconf__ = section_meta(help="Data types beside the precision mode.")

    grad_accum_dtype: Optional[str] = key(None, help="Data type of gradient accumulation (null: the model's).")
    param_dtype: Optional[str] = key(
        None, help="Parameter data type; must agree with fp16/bf16 (null: from the precision mode).", added="0.19.6"
    )
    buffer_dtype: Optional[str] = key(
        None, help="Data type of module buffers (null: keep the loaded dtype).", added="0.19.6"
    )
    # "auto" or a list of name patterns; DeepSpeed checks that itself (OmegaConf has no str|list union)
    keep_in_fp32_modules: Any = key(
        "auto", help="Modules whose buffers stay fp32 under fp16/bf16: 'auto' or name patterns.", added="0.19.8"
    )


@dataclass
class PipelineConfig:
    __dsconf__ = section_meta(help="Pipeline engine settings; DeepSpeed keeps every key given.", open=True)

    # an int or DeepSpeed's own "auto" (passed through, not a dsconf placeholder): OmegaConf has no int|str union
    stages: Any = key("auto", help="Number of pipeline stages, or 'auto'.")
    partition: str = key("best", help="How layers are split across stages (parameters, uniform, type:...).")
    seed_layers: bool = key(False, help="Seed each layer's initialisation separately.")
    activation_checkpoint_interval: int = key(0, help="Checkpoint activations every this many layers (0: off).")
    pipe_partitioned: bool = key(True, help="Partition activations sent between stages.", added="0.19.6")
    grad_partitioned: bool = key(True, help="Partition gradients sent between stages.", added="0.19.6")


@dataclass
class HybridEngineConfig:
    __dsconf__ = section_meta(help="Hybrid engine (DeepSpeed-Chat: training and generation).", ds_checked=_MODEL)

    enabled: bool = key(False, help="Turn on the hybrid engine.", ds_checked=_MODEL)
    # gt=0 is checked by DeepSpeed from 0.19.8 only, so the builder checks it per release
    max_out_tokens: int = key(512, help="Maximum tokens generated per sequence.", ds_checked=_MODEL)
    inference_tp_size: int = key(1, help="Tensor-parallel size for generation.", ds_checked=_MODEL)
    release_inference_cache: bool = key(False, help="Free the inference cache after generation.", ds_checked=_MODEL)
    pin_parameters: bool = key(True, help="Pin parameters in memory.", ds_checked=_MODEL)
    tp_gather_partition_size: int = key(8, help="Partition size for tensor-parallel gathers.", ds_checked=_MODEL)
    enable_cuda_graph: bool = key(False, help="Capture generation in CUDA graphs.", ds_checked=_MODEL)


@dataclass
class CompileConfig:
    __dsconf__ = section_meta(help="torch.compile integration and DeepCompile.", ds_checked=_MODEL)

    deepcompile: bool = key(False, help="Turn on DeepCompile.", ds_checked=_MODEL)
    autoep_non_moe: bool = key(
        False, help="Compile the parents of AutoEP layers, keeping AutoEP eager.", added="0.19.8", ds_checked=_MODEL
    )
    free_activation: bool = key(False, help="Free activations eagerly.", ds_checked=_MODEL)
    free_activation_threshold: Union[int, float] = key(
        10 * 1024 * 1024, help="Activations of at least this many bytes are freed eagerly.", ds_checked=_MODEL
    )
    offload_activation: bool = key(False, help="Offload saved activations to pinned host memory.", ds_checked=_MODEL)
    offload_activation_pin_memory: bool = key(
        True, help="Pin the host buffers of activation offload.", ds_checked=_MODEL
    )
    offload_opt_states: bool = key(False, help="Offload optimizer states during forward/backward.", ds_checked=_MODEL)
    double_buffer: bool = key(True, help="Double buffering.", ds_checked=_MODEL)
    symmetric_memory: bool = key(False, help="Symmetric memory.", ds_checked=_MODEL)
    debug_log: bool = key(False, help="Dump graphs for debugging.", ds_checked=_MODEL)
    offload_parameters: bool = key(False, help="Offload parameters.", ds_checked=_MODEL)
    sync_before_reduce: bool = key(False, help="Synchronize before reduce.", ds_checked=_MODEL)
    sync_after_reduce: bool = key(False, help="Synchronize after reduce.", ds_checked=_MODEL)
    sync_before_allgather: bool = key(False, help="Synchronize before allgather.", ds_checked=_MODEL)
    sync_after_allgather: bool = key(False, help="Synchronize after allgather.", ds_checked=_MODEL)
    keep_int_input_tensors: bool = key(True, help="Keep real values of integer input tensors.", ds_checked=_MODEL)
    keep_all_input_tensors: bool = key(False, help="Keep real values of all input tensors.", ds_checked=_MODEL)
    passes: Optional[List[str]] = key(
        None, help="Optimization passes to compose: " + ", ".join(COMPILE_PASSES) + ".", ds_checked=_MODEL
    )


@dataclass
class ThroughputTimerConfig:
    __dsconf__ = section_meta(help="Throughput timer.", ds_checked=_MODEL)

    enabled: bool = key(True, help="Measure throughput.", ds_checked=_MODEL)
    synchronized: bool = key(True, help="Synchronize the device for exact timings.", ds_checked=_MODEL)


@dataclass
class TimersConfig:
    __dsconf__ = section_meta(help="Engine timers.")

    throughput: ThroughputTimerConfig = key(help="Throughput timer.", factory=ThroughputTimerConfig)


@dataclass
class TPConfig:
    __dsconf__ = section_meta(help="Tensor parallelism of AutoTP training.", ds_checked=_MODEL)

    tp_size: int = key(1, help="Number of devices a model is split across.", ds_checked=_MODEL)
    tp_grain_size: int = key(1, help="Granularity of uneven tensor-parallel splits.", ds_checked=_MODEL)
    # Python objects; a JSON config cannot carry them, so only null is meaningful here
    mpu: Any = key(None, help="Model-parallel unit object (Python only; null in JSON).")
    tp_group: Any = key(None, help="Tensor-parallel process group (Python only; null in JSON).")


@dataclass
class TensorParallelConfig:
    """TPTrainingConfig. Its ``dtype`` field is no key: pydantic wants a torch.dtype object there, which JSON cannot
    hold, so DeepSpeed's default (torch.float16) is all a config can give; the builder sets it."""

    __dsconf__ = section_meta(help="AutoTP tensor-parallel training (TPTrainingConfig).", ds_checked=_MODEL)

    autotp_size: int = key(0, help="AutoTP tensor-parallel size (0: off).", ds_checked=_MODEL)
    tp_overlap_comm: bool = key(False, help="Overlap all-reduce with computation.", ds_checked=_MODEL)
    vocab_parallel_lm_head: Optional[bool] = key(
        None, help="Shard the vocabulary of the LM head (null: follow the model's plan).", added="0.19.8",
        ds_checked=_MODEL,
    )  # fmt: skip
    vocab_parallel_ce_backend: str = key(
        "torch", help="Cross-entropy backend of the sharded LM head.", choices=("torch", "liger"), added="0.19.8",
        ds_checked=_MODEL,
    )  # fmt: skip
    tp: TPConfig = key(help="Tensor-parallel settings.", attr="tensor_parallel", factory=TPConfig, ds_checked=_MODEL)
    injection_policy_tuple: Optional[List[Any]] = key(None, help="AutoTP injection policy.", ds_checked=_MODEL)
    partition_config: Optional[Dict[str, Any]] = key(
        None, help="Custom AutoTP layer partitioning rules.", ds_checked=_MODEL
    )
    preset_model: Optional[str] = key(
        None, help="Built-in AutoTP preset (llama, bloom, chatglm, mixtral, ...).", ds_checked=_MODEL
    )
    keep_module_on_host: bool = key(False, help="Keep loaded checkpoints on the host.", ds_checked=_MODEL)
    replace_with_kernel_inject: bool = key(
        False, help="Inject inference kernels.", aliases=("kernel_inject",), ds_checked=_MODEL
    )


@dataclass
class ExpertParallelConfig:
    __dsconf__ = section_meta(help="AutoEP: automatic expert parallelism of MoE models (AutoEPConfig).")

    enabled: bool = key(False, help="Turn on AutoEP.")
    autoep_size: int = key(1, help="Expert-parallel size.")
    expert_tensor_parallel_size: int = key(1, help="Tensor-parallel size inside the experts.")
    validate_folding_routing: bool = key(False, help="Check the folded routing.")
    async_split_plan: bool = key(False, help="Compute the split plan asynchronously.", added="0.19.8")
    preset_model: Optional[str] = key(None, help="MoE model preset.")
    moe_layer_pattern: Optional[str] = key(None, help="Pattern of the MoE layers.")
    expert_pattern: Optional[str] = key(None, help="Attribute name of the experts.")
    router_pattern: Optional[str] = key(None, help="Attribute name of the router.")
    use_grouped_mm: bool = key(True, help="Use torch._grouped_mm for the experts.")
    disable_triton_grouped_mm: bool = key(False, help="Do not use the Triton grouped GEMM.")
    route_norm: Optional[bool] = key(None, help="Normalize routing weights (null: from the preset).")
    route_scale: float = key(1.0, help="Scale of the routing weights.")
    # the choices below are checked only at initialize, and only when enabled: help text, not `choices`
    score_apply: str = key("auto", help="Apply scores before or after the experts: auto, pre or post.")
    combine_impl: str = key(
        "auto", help="How expert outputs are combined: auto, weighted_sum, fused_weighted_sum (0.19.8), legacy_bmm."
    )
    row_weighting_impl: str = key("auto", help="Row weighting: auto, eager or fused.", added="0.19.8")
    gate_up_impl: str = key("separate", help="Gate/up projections: separate or fused.", added="0.19.8")
    comm_backend: str = key("comm", help="All-to-all backend: comm or deepep.", added="0.19.8")
    comm_num_sm: int = key(12, help="Streaming multiprocessors for DeepEP.", added="0.19.8")
    comm_qp_margin: int = key(4, help="DeepEP queue-pair margin.", added="0.19.8")
    comm_max_tokens_per_rank: int = key(0, help="Largest token count one rank routes (DeepEP).", added="0.19.8")
    num_expert_groups: Optional[int] = key(None, help="Expert groups of group-limited routing.")
    num_limited_groups: Optional[int] = key(None, help="Groups each token may route to.")
    score_func: str = key("auto", help="Router score function: auto, softmax or sigmoid.")
    top_k: Any = key("auto", help="Experts per token, or 'auto' (from the model).")
    load_balance_coeff: Optional[float] = key(None, help="Unsupported; only null is accepted.")
    routed_scaling_factor: Any = key("auto", help="Routed scaling factor, or 'auto' (from the model).")
    expert_w1: Optional[str] = key(None, help="Name of the first expert weight.")
    expert_w2: Optional[str] = key(None, help="Name of the second expert weight.")
    # DeepSpeed tells absent ("the preset's choice") from null ("fused gate/up"); a composed config holds null for
    # every unset key, so here null means absent and only a name is passed on
    expert_w3: Optional[str] = key(None, help="Name of the third expert weight (null: the preset's choice).")
    num_experts_attr: Optional[str] = key(None, help="Model config attribute holding the number of experts.")
    top_k_attr: Optional[str] = key(None, help="Model config attribute holding top-k.")
    has_shared_experts: Optional[bool] = key(None, help="The MoE layers have shared experts.")
    shared_experts_pattern: Optional[str] = key(None, help="Attribute name of the shared experts.")
    shared_experts_gate_pattern: Optional[str] = key(None, help="Attribute name of the shared experts' gate.")
    expert_activation: Optional[str] = key(None, help="Expert activation (null: from the preset).", added="0.19.8")


@dataclass
class WeightQuantizationConfig:
    __dsconf__ = section_meta(help="Weight quantization (inference WeightQuantConfig).", ds_checked=_MODEL)

    enabled: bool = key(True, help="Quantize weights.", ds_checked=_MODEL)
    num_bits: int = key(8, help="Bits per quantized weight.", ds_checked=_MODEL)
    q_type: str = key("symmetric", help="Quantization type.", choices=("symmetric", "asymmetric"), ds_checked=_MODEL)
    q_groups: int = key(1, help="Quantization groups.", ds_checked=_MODEL)
    quantized_initialization: Dict[str, Any] = key({}, help="Quantize at initialization.", ds_checked=_MODEL)
    post_init_quant: Dict[str, Any] = key({}, help="Quantize after initialization.", ds_checked=_MODEL)


@dataclass
class DataStatesConfig:
    """Handed as-is to the datastates library (host_cache_size, parser_threads, ...): DeepSpeed keeps every key."""

    __dsconf__ = section_meta(help="DataStates-LLM asynchronous checkpointing settings.", open=True)


@dataclass
class RuntimeFields:
    """Top-level keys of the runtime family."""

    activation_checkpointing: ActivationCheckpointingConfig = key(
        help="Activation checkpointing.", factory=ActivationCheckpointingConfig
    )
    aio: AioConfig = key(help="Asynchronous I/O for NVMe offload.", factory=AioConfig)
    checkpoint: CheckpointConfig = key(help="Checkpoint saving and loading.", factory=CheckpointConfig)
    data_types: DataTypesConfig = key(help="Data types beside the precision mode.", factory=DataTypesConfig)
    pipeline: PipelineConfig = key(help="Pipeline engine settings.", factory=PipelineConfig)
    hybrid_engine: HybridEngineConfig = key(help="Hybrid engine.", added="0.19.6", factory=HybridEngineConfig)
    compile: CompileConfig = key(help="torch.compile / DeepCompile.", added="0.19.6", factory=CompileConfig)
    timers: TimersConfig = key(help="Engine timers.", added="0.19.6", factory=TimersConfig)
    tensor_parallel: TensorParallelConfig = key(
        help="AutoTP tensor-parallel training.", added="0.19.6", factory=TensorParallelConfig
    )
    expert_parallel: ExpertParallelConfig = key(
        help="AutoEP expert parallelism.", added="0.19.6", factory=ExpertParallelConfig
    )
    weight_quantization: Optional[WeightQuantizationConfig] = key(
        None, help="Weight quantization (null/absent: off).", added="0.19.6"
    )
    datastates_ckpt: Optional[DataStatesConfig] = key(
        None, help="DataStates-LLM asynchronous checkpointing; present means enabled.", added="0.19.6"
    )
