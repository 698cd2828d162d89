"""The ``get_*`` helpers of ``deepspeed.runtime.config``, as thin functions over the schema.

Each helper reads a DeepSpeed param dict the way the target release's function does, with key names and defaults
from :func:`dsconf.compat.constants.for_release` (that is, from the schema), and returns what DeepSpeed's returns --
quirks included (0.7.7's ``get_fp16_auto_cast`` returns None when fp16 is off, ``get_loss_scale`` is 1.0 under
bf16, the ``*_params`` helpers return False when the block is absent). Like DeepSpeed's they read the dict as given:
no validation beyond what DeepSpeed's function does. Where DeepSpeed's function raises (any exception), the helper
raises :class:`~dsconf.DeepSpeedConfigError` naming the key.

``target=``: the release to answer as (default: the installed deepspeed's, else the newest supported). A helper
that release does not have answers as the nearest supported release that has it (see :func:`helper_releases`).
Torch dtypes are built only when a helper returns one (torch is imported then, never at import).
"""

from __future__ import annotations

import copy
import functools
import types
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .._releases import SUPPORTED_TARGETS, Release, choose_target
from ..errors import DeepSpeedConfigError, Problem
from .constants import for_release

__all__ = [
    "get_amp_enabled",
    "get_amp_params",
    "get_bfloat16_enabled",
    "get_checkpoint_params",
    "get_checkpoint_parallel_write_pipeline",
    "get_checkpoint_tag_validation_mode",
    "get_communication_data_type",
    "get_curriculum_enabled",
    "get_curriculum_params",
    "get_data_types_params",
    "get_dataloader_drop_last",
    "get_disable_allgather",
    "get_disable_python_gc",
    "get_dump_state",
    "get_dynamic_loss_scale_args",
    "get_eigenvalue_enabled",
    "get_eigenvalue_gas_boundary_resolution",
    "get_eigenvalue_layer_name",
    "get_eigenvalue_layer_num",
    "get_eigenvalue_max_iter",
    "get_eigenvalue_stability",
    "get_eigenvalue_tol",
    "get_eigenvalue_verbose",
    "get_expert_data_topo_config",
    "get_fp16_auto_cast",
    "get_fp16_enabled",
    "get_fp16_master_weights_and_grads_enabled",
    "get_gradient_accumulation_steps",
    "get_gradient_allreduce_op",
    "get_gradient_clipping",
    "get_gradient_predivide_factor",
    "get_graph_harvesting",
    "get_initial_dynamic_scale",
    "get_log_level",
    "get_loss_scale",
    "get_lower_precision_safe_modules",
    "get_managed_gradient_accumulation",
    "get_memory_breakdown",
    "get_optimizer_gradient_clipping",
    "get_optimizer_legacy_fusion",
    "get_optimizer_name",
    "get_optimizer_params",
    "get_pipeline_config",
    "get_pld_enabled",
    "get_pld_params",
    "get_prescale_gradients",
    "get_scheduler_name",
    "get_scheduler_params",
    "get_sparse_attention",
    "get_sparse_attention_mode",
    "get_sparse_attention_type",
    "get_sparse_bigbird_config",
    "get_sparse_bslongformer_config",
    "get_sparse_dense_config",
    "get_sparse_fixed_config",
    "get_sparse_gradients_enabled",
    "get_sparse_variable_config",
    "get_steps_per_print",
    "get_torch_autocast_dtype",
    "get_torch_autocast_enabled",
    "get_train_batch_size",
    "get_train_micro_batch_size_per_gpu",
    "get_wall_clock_breakdown",
    "get_zero_allow_untested_optimizer",
    "get_zero_force_ds_cpu_optimizer",
    "helper_releases",
    "HELPERS",
]

F = TypeVar("F", bound=Callable[..., Any])
Target = str | Release | None

#: helper name -> (first, last) supported release whose deepspeed.runtime.config defines it
HELPERS: dict[str, tuple[str, str]] = {}
_FIRST, _NEWEST = SUPPORTED_TARGETS[0], SUPPORTED_TARGETS[-1]
_UNTIL_0196 = "0.19.6"  # the last release with the classic blocks (amp, pld, sparse attention, eigenvalue)


def helper_releases(name: str) -> tuple[str, ...]:
    """The supported releases whose DeepSpeed defines helper ``name``."""
    first, last = HELPERS[name]
    return tuple(t for t in SUPPORTED_TARGETS if Release(first) <= Release(t) <= Release(last))


def _semantics(name: str, target: Target) -> Release:
    """The release a helper answers as: the target, else the nearest supported release that has the helper."""
    rel, _ = choose_target(target)
    first, last = HELPERS[name]
    if rel < Release(first):
        return Release(first)
    if rel > Release(last):
        return Release(last)
    return rel


def _plain(value: Any) -> Any:
    if type(value).__module__.startswith("omegaconf"):
        from omegaconf import OmegaConf

        return OmegaConf.to_container(value, resolve=True)
    return value


def _helper(first: str = _FIRST, last: str = _NEWEST) -> Callable[[F], F]:
    """Register a helper with the releases that define it; DeepSpeed's crashes become DeepSpeedConfigError."""

    def wrap(fn: F) -> F:
        name = fn.__name__
        HELPERS[name] = (first, last)

        @functools.wraps(fn)
        def run(arg: Any, *args: Any, target: Target = None, **kw: Any) -> Any:
            rel = _semantics(name, target)
            try:
                return fn(_plain(arg), *args, target=rel, **kw)
            except DeepSpeedConfigError:
                raise
            except (KeyError, AttributeError, TypeError, ValueError, AssertionError, NotImplementedError) as exc:
                raise DeepSpeedConfigError(
                    [Problem("", f"DeepSpeed {rel}'s {name} fails on this config: {type(exc).__name__}: {exc}",
                             code="ds_crash")]
                ) from exc

        return run  # type: ignore[return-value]

    return wrap


def _c(target: Target) -> types.SimpleNamespace:
    assert isinstance(target, Release)
    return _constants(target.text)


@functools.cache
def _constants(release: str) -> types.SimpleNamespace:
    return for_release(release)


def _error(path: str, message: str, value: Any = None, expected: str | None = None) -> DeepSpeedConfigError:
    kw: dict[str, Any] = {"code": "ds_crash"}
    if value is not None:
        kw["value"] = value
    return DeepSpeedConfigError([Problem(path, message, expected=expected, **kw)])


def _block_params(param_dict: Mapping[str, Any], block: str, enabled: str, helper: str) -> Any:
    """``copy.copy(param_dict[block])`` without ``enabled`` (DeepSpeed pops it without a default), else False."""
    if block not in param_dict.keys():
        return False
    params = copy.copy(param_dict[block])
    if not isinstance(params, dict) or enabled not in params:
        raise _error(f"{block}.{enabled}", f"DeepSpeed's {helper} pops this key and fails without it",
                     expected=f"'{block}' to be a dict with '{enabled}'")
    params.pop(enabled)
    return params


def _is_torch(value: Any) -> bool:
    return type(value).__module__ == "torch"


def _torch_dtype(short: str) -> Any:
    from .._section import Dtype

    return Dtype(short).torch()


# -- legacy precision (0.7.7: precision moved into pydantic models in 0.19) -------------------------------------------


@_helper(last=_FIRST)
def get_curriculum_enabled(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    if c.CURRICULUM_LEARNING in param_dict.keys():
        return param_dict[c.CURRICULUM_LEARNING].get(c.CURRICULUM_ENABLED, c.CURRICULUM_ENABLED_DEFAULT)
    return False


@_helper(last=_FIRST)
def get_curriculum_params(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    return _block_params(param_dict, c.CURRICULUM_LEARNING, c.CURRICULUM_ENABLED, "get_curriculum_params")


@_helper(last=_UNTIL_0196)
def get_pld_enabled(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    if c.PROGRESSIVE_LAYER_DROP in param_dict.keys():
        return param_dict[c.PROGRESSIVE_LAYER_DROP].get(c.PLD_ENABLED, c.PLD_ENABLED_DEFAULT)
    return False


@_helper(last=_UNTIL_0196)
def get_pld_params(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    return _block_params(param_dict, c.PROGRESSIVE_LAYER_DROP, c.PLD_ENABLED, "get_pld_params")


@_helper(last=_UNTIL_0196)
def get_amp_enabled(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    if c.AMP in param_dict.keys():
        return param_dict[c.AMP].get(c.AMP_ENABLED, c.AMP_ENABLED_DEFAULT)
    return False


@_helper(last=_UNTIL_0196)
def get_amp_params(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    return _block_params(param_dict, c.AMP, c.AMP_ENABLED, "get_amp_params")


@_helper(last=_FIRST)
def get_fp16_enabled(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    if c.FP16 in param_dict.keys():
        return param_dict[c.FP16].get(c.FP16_ENABLED, c.FP16_ENABLED_DEFAULT)
    return False


@_helper(last=_FIRST)
def get_bfloat16_enabled(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    for key in (c.BFLOAT16, c.BFLOAT16_OLD):
        if key in param_dict.keys():
            return param_dict[key].get(c.BFLOAT16_ENABLED, c.BFLOAT16_ENABLED_DEFAULT)
    return False


@_helper(last=_FIRST)
def get_fp16_master_weights_and_grads_enabled(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    if get_fp16_enabled(param_dict, target=target):
        return param_dict[c.FP16].get(c.FP16_MASTER_WEIGHTS_AND_GRADS, c.FP16_MASTER_WEIGHTS_AND_GRADS_DEFAULT)
    return False


@_helper(last=_FIRST)
def get_fp16_auto_cast(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    """0.7.7 returns None (not False) when fp16 is off."""
    c = _c(target)
    if get_fp16_enabled(param_dict, target=target):
        return param_dict[c.FP16].get(c.FP16_AUTO_CAST, c.FP16_AUTO_CAST_DEFAULT)
    return None


@_helper(last=_FIRST)
def get_loss_scale(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    """fp16's loss_scale; 1.0 under bf16 (0.7.7's special case); else the default."""
    c = _c(target)
    if get_fp16_enabled(param_dict, target=target):
        return param_dict[c.FP16].get(c.FP16_LOSS_SCALE, c.FP16_LOSS_SCALE_DEFAULT)
    if get_bfloat16_enabled(param_dict, target=target):
        return 1.0
    return c.FP16_LOSS_SCALE_DEFAULT


@_helper(last=_FIRST)
def get_initial_dynamic_scale(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    """``2**initial_scale_power`` (1 under bf16: 0.7.7's special case)."""
    c = _c(target)
    if get_fp16_enabled(param_dict, target=target):
        power = param_dict[c.FP16].get(c.FP16_INITIAL_SCALE_POWER, c.FP16_INITIAL_SCALE_POWER_DEFAULT)
    elif get_bfloat16_enabled(param_dict, target=target):
        power = 0
    else:
        power = c.FP16_INITIAL_SCALE_POWER_DEFAULT
    return 2**power


@_helper(last=_FIRST)
def get_dynamic_loss_scale_args(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    """DynamicLossScaler's arguments when fp16 is on and one of its keys is given, else None."""
    c = _c(target)
    if not get_fp16_enabled(param_dict, target=target):
        return None
    fp16 = param_dict[c.FP16]
    keys = (c.FP16_INITIAL_SCALE_POWER, c.FP16_LOSS_SCALE_WINDOW, c.FP16_MIN_LOSS_SCALE, c.FP16_HYSTERESIS)
    if not any(k in list(fp16.keys()) for k in keys):
        return None
    return {
        c.INITIAL_LOSS_SCALE: 2 ** fp16.get(c.FP16_INITIAL_SCALE_POWER, c.FP16_INITIAL_SCALE_POWER_DEFAULT),
        c.SCALE_WINDOW: fp16.get(c.FP16_LOSS_SCALE_WINDOW, c.FP16_LOSS_SCALE_WINDOW_DEFAULT),
        c.DELAYED_SHIFT: fp16.get(c.FP16_HYSTERESIS, c.FP16_HYSTERESIS_DEFAULT),
        c.MIN_LOSS_SCALE: fp16.get(c.FP16_MIN_LOSS_SCALE, c.FP16_MIN_LOSS_SCALE_DEFAULT),
    }


# -- torch_autocast (0.19.6+) ------------------------------------------------------------------------------------------


@_helper(first="0.19.6")
def get_torch_autocast_enabled(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    if c.TORCH_AUTOCAST in param_dict.keys():
        return param_dict[c.TORCH_AUTOCAST].get(c.TORCH_AUTOCAST_ENABLED, c.TORCH_AUTOCAST_ENABLED_DEFAULT)
    return False


@_helper(first="0.19.6")
def get_torch_autocast_dtype(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    """The torch dtype (DeepSpeed's DtypeEnum spellings), or None."""
    c = _c(target)
    if c.TORCH_AUTOCAST in param_dict and c.TORCH_AUTOCAST_DTYPE in param_dict[c.TORCH_AUTOCAST]:
        value = param_dict[c.TORCH_AUTOCAST][c.TORCH_AUTOCAST_DTYPE]
        from ..resolver.sections.core import _autocast_dtype

        try:  # a spelling, or a torch dtype object (str() gives "torch.float16")
            short: str | None = _autocast_dtype(str(value)) if isinstance(value, str) or _is_torch(value) else None
        except AssertionError:
            short = None
        if short is None:
            raise _error(f"{c.TORCH_AUTOCAST}.{c.TORCH_AUTOCAST_DTYPE}", "invalid dtype for torch autocast",
                         value=value, expected="a DtypeEnum spelling such as 'bf16' or 'torch.float16'")
        return _torch_dtype(short)
    return None


@_helper(first="0.19.6")
def get_lower_precision_safe_modules(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    if c.TORCH_AUTOCAST in param_dict and c.TORCH_AUTOCAST_LOWER_PRECISION_SAFE_MODULES in param_dict[c.TORCH_AUTOCAST]:
        names = param_dict[c.TORCH_AUTOCAST][c.TORCH_AUTOCAST_LOWER_PRECISION_SAFE_MODULES]
        if not all(isinstance(n, str) for n in names):
            raise _error(f"{c.TORCH_AUTOCAST}.{c.TORCH_AUTOCAST_LOWER_PRECISION_SAFE_MODULES}",
                         "invalid module names for torch autocast", value=names, expected="a list of strings")
        return names
    return None


# -- top-level scalars -------------------------------------------------------------------------------------------------


def _scalar(param_dict: Mapping[str, Any], target: Target, name: str) -> Any:
    c = _c(target)
    return param_dict.get(getattr(c, name), getattr(c, name + "_DEFAULT"))


@_helper()
def get_gradient_accumulation_steps(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "GRADIENT_ACCUMULATION_STEPS")


@_helper(first="0.19.6")
def get_managed_gradient_accumulation(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "MANAGED_GRADIENT_ACCUMULATION")


@_helper(last=_UNTIL_0196)
def get_sparse_gradients_enabled(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "SPARSE_GRADIENTS")


@_helper()
def get_communication_data_type(
    param_dict: Mapping[str, Any],
    comm_type: str | None = None,
    comm_data_type_default: Any = None,
    *,
    target: Target = None,
) -> Any:
    """None, or the torch dtype of ``communication_data_type`` (0.19.x: also ``comm_type=`` another key)."""
    c = _c(target)
    assert isinstance(target, Release)
    key = comm_type if comm_type is not None else c.COMMUNICATION_DATA_TYPE
    if comm_type is not None and target < Release("0.19.6"):
        raise TypeError("get_communication_data_type() of DeepSpeed 0.7.7 takes no comm_type")
    val = param_dict.get(key, comm_data_type_default)
    val = val.lower() if val is not None else val
    if val is None:
        return None
    from .._migrate import VALUE_RENAMES
    from ..load import root_spec

    spellings = {v: v for v in root_spec().fields["communication_data_type"].info.choices or ()}
    for r in VALUE_RENAMES:
        if r.path == "communication_data_type" and target < Release(r.since):
            spellings[r.old] = spellings.pop(r.new)
    if val in spellings:
        return _torch_dtype(spellings[val])
    raise _error(key, "invalid communication_data_type", value=val, expected=f"one of {sorted(spellings)}")


@_helper()
def get_prescale_gradients(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "PRESCALE_GRADIENTS")


@_helper()
def get_gradient_predivide_factor(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "GRADIENT_PREDIVIDE_FACTOR")


@_helper(first="0.19.6")
def get_gradient_allreduce_op(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    value = param_dict.get(c.GRADIENT_ALLREDUCE_OP, c.GRADIENT_ALLREDUCE_OP_DEFAULT)
    if isinstance(value, str):
        value = value.lower()
    if value not in c.GRADIENT_ALLREDUCE_OP_SUPPORTED:
        raise _error(c.GRADIENT_ALLREDUCE_OP, "invalid gradient_allreduce_op", value=value,
                     expected=f"one of {list(c.GRADIENT_ALLREDUCE_OP_SUPPORTED)}")
    return value


@_helper()
def get_steps_per_print(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "STEPS_PER_PRINT")


@_helper()
def get_disable_allgather(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "DISABLE_ALLGATHER")


@_helper()
def get_dump_state(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "DUMP_STATE")


@_helper(first="0.19.8")
def get_disable_python_gc(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "DISABLE_PYTHON_GC")


@_helper()
def get_gradient_clipping(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "GRADIENT_CLIPPING")


@_helper(first="0.19.6", last="0.19.6")
def get_graph_harvesting(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "GRAPH_HARVESTING")


@_helper()
def get_zero_allow_untested_optimizer(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "ZERO_ALLOW_UNTESTED_OPTIMIZER")


@_helper(first="0.19.6")
def get_zero_force_ds_cpu_optimizer(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "ZERO_FORCE_DS_CPU_OPTIMIZER")


@_helper()
def get_train_batch_size(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "TRAIN_BATCH_SIZE")


@_helper()
def get_train_micro_batch_size_per_gpu(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "TRAIN_MICRO_BATCH_SIZE_PER_GPU")


@_helper()
def get_wall_clock_breakdown(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "WALL_CLOCK_BREAKDOWN")


@_helper()
def get_memory_breakdown(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "MEMORY_BREAKDOWN")


@_helper(first="0.19.6")
def get_expert_data_topo_config(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "USE_DATA_BEFORE_EXPERT_PARALLEL")


@_helper()
def get_dataloader_drop_last(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "DATALOADER_DROP_LAST")


@_helper(first="0.19.6")
def get_log_level(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _scalar(param_dict, target, "LOG_LEVEL")


# -- sparse attention (0.7.7, 0.19.6) ----------------------------------------------------------------------------------


def _sparse(sparsity: Mapping[str, Any], c: types.SimpleNamespace, mode: str, keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {c.SPARSE_MODE: mode}
    for name in keys:
        out[getattr(c, name)] = sparsity.get(getattr(c, name), getattr(c, name + "_DEFAULT"))
    return out


@_helper(last=_UNTIL_0196)
def get_sparse_dense_config(sparsity: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    return _sparse(sparsity, c, c.SPARSE_DENSE_MODE, ("SPARSE_BLOCK",))


@_helper(last=_UNTIL_0196)
def get_sparse_fixed_config(sparsity: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    return _sparse(sparsity, c, c.SPARSE_FIXED_MODE, (
        "SPARSE_BLOCK", "SPARSE_DIFFERENT_LAYOUT_PER_HEAD", "SPARSE_NUM_LOCAL_BLOCKS", "SPARSE_NUM_GLOBAL_BLOCKS",
        "SPARSE_ATTENTION_TYPE", "SPARSE_HORIZONTAL_GLOBAL_ATTENTION", "SPARSE_NUM_DIFFERENT_GLOBAL_PATTERNS",
    ))  # fmt: skip


@_helper(last=_UNTIL_0196)
def get_sparse_variable_config(sparsity: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    return _sparse(sparsity, c, c.SPARSE_VARIABLE_MODE, (
        "SPARSE_BLOCK", "SPARSE_DIFFERENT_LAYOUT_PER_HEAD", "SPARSE_NUM_RANDOM_BLOCKS", "SPARSE_LOCAL_WINDOW_BLOCKS",
        "SPARSE_GLOBAL_BLOCK_INDICES", "SPARSE_GLOBAL_BLOCK_END_INDICES", "SPARSE_ATTENTION_TYPE",
        "SPARSE_HORIZONTAL_GLOBAL_ATTENTION",
    ))  # fmt: skip


@_helper(last=_UNTIL_0196)
def get_sparse_bigbird_config(sparsity: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    return _sparse(sparsity, c, c.SPARSE_BIGBIRD_MODE, (
        "SPARSE_BLOCK", "SPARSE_DIFFERENT_LAYOUT_PER_HEAD", "SPARSE_NUM_RANDOM_BLOCKS",
        "SPARSE_NUM_SLIDING_WINDOW_BLOCKS", "SPARSE_NUM_GLOBAL_BLOCKS",
    ))  # fmt: skip


@_helper(last=_UNTIL_0196)
def get_sparse_bslongformer_config(sparsity: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    return _sparse(sparsity, c, c.SPARSE_BSLONGFORMER_MODE, (
        "SPARSE_BLOCK", "SPARSE_DIFFERENT_LAYOUT_PER_HEAD", "SPARSE_NUM_SLIDING_WINDOW_BLOCKS",
        "SPARSE_GLOBAL_BLOCK_INDICES", "SPARSE_GLOBAL_BLOCK_END_INDICES",
    ))  # fmt: skip


@_helper(last=_UNTIL_0196)
def get_sparse_attention_mode(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    """The ``mode`` of a sparse_attention block (DeepSpeed passes the block here, not the whole config)."""
    c = _c(target)
    return param_dict[c.SPARSE_MODE] if c.SPARSE_MODE in param_dict.keys() else c.SPARSE_MODE_DEFAULT


@_helper(last=_UNTIL_0196)
def get_sparse_attention_type(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    if c.SPARSE_ATTENTION_TYPE in param_dict.keys():
        return param_dict[c.SPARSE_ATTENTION_TYPE]
    return c.SPARSE_ATTENTION_TYPE_DEFAULT


_SPARSE_PARSERS: dict[str, Callable[..., Any]] = {
    "SPARSE_DENSE_MODE": get_sparse_dense_config,
    "SPARSE_FIXED_MODE": get_sparse_fixed_config,
    "SPARSE_VARIABLE_MODE": get_sparse_variable_config,
    "SPARSE_BIGBIRD_MODE": get_sparse_bigbird_config,
    "SPARSE_BSLONGFORMER_MODE": get_sparse_bslongformer_config,
}


@_helper(last=_UNTIL_0196)
def get_sparse_attention(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    """The sparse_attention block parsed for its mode (case-sensitive), or None when there is none."""
    c = _c(target)
    if c.SPARSE_ATTENTION not in param_dict.keys():
        return None
    sparsity = param_dict[c.SPARSE_ATTENTION]
    mode = get_sparse_attention_mode(sparsity, target=target)
    for name, parser in _SPARSE_PARSERS.items():
        if mode == getattr(c, name):
            return parser(sparsity, target=target)
    raise _error(f"{c.SPARSE_ATTENTION}.{c.SPARSE_MODE}", "sparsity mode not implemented by DeepSpeed", value=mode,
                 expected="one of " + ", ".join(getattr(c, n) for n in _SPARSE_PARSERS))


# -- pipeline, optimizer, scheduler ------------------------------------------------------------------------------------


@_helper()
def get_pipeline_config(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    """The pipeline block over DeepSpeed's defaults (the target's pipeline keys)."""
    from ..load import root_spec

    assert isinstance(target, Release)
    pipeline = root_spec().fields["pipeline"].section
    assert pipeline is not None
    config = {f.name: f.default_for(target) for f in pipeline.fields.values() if f.known_in(target)}
    for key, val in param_dict.get(pipeline.path, {}).items():
        config[key] = val
    return config


@_helper()
def get_optimizer_name(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    if c.OPTIMIZER in param_dict.keys() and c.TYPE in param_dict[c.OPTIMIZER].keys():
        return param_dict[c.OPTIMIZER][c.TYPE]
    return c.OPTIMIZER_TYPE_DEFAULT


@_helper()
def get_optimizer_params(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    if get_optimizer_name(param_dict, target=target) is not None and c.OPTIMIZER_PARAMS in param_dict[c.OPTIMIZER]:
        return param_dict[c.OPTIMIZER][c.OPTIMIZER_PARAMS]
    return None


@_helper()
def get_optimizer_gradient_clipping(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    params = get_optimizer_params(param_dict, target=target)
    if params is not None and c.MAX_GRAD_NORM in params.keys():
        return params[c.MAX_GRAD_NORM]
    return None


@_helper()
def get_optimizer_legacy_fusion(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    if c.OPTIMIZER in param_dict.keys() and c.LEGACY_FUSION in param_dict[c.OPTIMIZER].keys():
        return param_dict[c.OPTIMIZER][c.LEGACY_FUSION]
    return c.LEGACY_FUSION_DEFAULT


@_helper()
def get_scheduler_name(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    if c.SCHEDULER in param_dict.keys() and c.TYPE in param_dict[c.SCHEDULER].keys():
        return param_dict[c.SCHEDULER][c.TYPE]
    return c.SCHEDULER_TYPE_DEFAULT


@_helper()
def get_scheduler_params(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    if get_scheduler_name(param_dict, target=target) is not None and c.SCHEDULER_PARAMS in param_dict[c.SCHEDULER]:
        return param_dict[c.SCHEDULER][c.SCHEDULER_PARAMS]
    return None


# -- eigenvalue (0.7.7, 0.19.6): each reads an "eigenvalue" block of the dict given ------------------------------------


def _eigen(param_dict: Mapping[str, Any], target: Target, name: str) -> Any:
    c = _c(target)
    if c.EIGENVALUE in param_dict.keys():
        return param_dict[c.EIGENVALUE].get(getattr(c, name), getattr(c, name + "_DEFAULT"))
    return getattr(c, name + "_DEFAULT")


@_helper(last=_UNTIL_0196)
def get_eigenvalue_enabled(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _eigen(param_dict, target, "EIGENVALUE_ENABLED")


@_helper(last=_UNTIL_0196)
def get_eigenvalue_verbose(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _eigen(param_dict, target, "EIGENVALUE_VERBOSE")


@_helper(last=_UNTIL_0196)
def get_eigenvalue_max_iter(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _eigen(param_dict, target, "EIGENVALUE_MAX_ITER")


@_helper(last=_UNTIL_0196)
def get_eigenvalue_tol(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _eigen(param_dict, target, "EIGENVALUE_TOL")


@_helper(last=_UNTIL_0196)
def get_eigenvalue_stability(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _eigen(param_dict, target, "EIGENVALUE_STABILITY")


@_helper(last=_UNTIL_0196)
def get_eigenvalue_gas_boundary_resolution(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _eigen(param_dict, target, "EIGENVALUE_GAS_BOUNDARY_RESOLUTION")


@_helper(last=_UNTIL_0196)
def get_eigenvalue_layer_name(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _eigen(param_dict, target, "EIGENVALUE_LAYER_NAME")


@_helper(last=_UNTIL_0196)
def get_eigenvalue_layer_num(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return _eigen(param_dict, target, "EIGENVALUE_LAYER_NUM")


# -- checkpoint, data types --------------------------------------------------------------------------------------------


@_helper()
def get_checkpoint_params(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return param_dict.get(_c(target).CHECKPOINT, {})


@_helper()
def get_data_types_params(param_dict: Mapping[str, Any], *, target: Target = None) -> Any:
    return param_dict.get(_c(target).DATA_TYPES, {})


@_helper()
def get_checkpoint_tag_validation_mode(checkpoint_params: Mapping[str, Any], *, target: Target = None) -> Any:
    """The upper-cased tag_validation of a checkpoint block (DeepSpeed passes the block, not the config)."""
    c = _c(target)
    mode = checkpoint_params.get(c.CHECKPOINT_TAG_VALIDATION, c.CHECKPOINT_TAG_VALIDATION_DEFAULT)
    if not isinstance(mode, str) or mode.upper() not in c.CHECKPOINT_TAG_VALIDATION_MODES:
        raise _error(f"{c.CHECKPOINT}.{c.CHECKPOINT_TAG_VALIDATION}", "invalid tag_validation", value=mode,
                     expected=f"one of {c.CHECKPOINT_TAG_VALIDATION_MODES}")
    return mode.upper()


@_helper()
def get_checkpoint_parallel_write_pipeline(checkpoint_params: Mapping[str, Any], *, target: Target = None) -> Any:
    c = _c(target)
    value = checkpoint_params.get(c.CHECKPOINT_PARALLEL_WRITE, {}).get(
        c.CHECKPOINT_PARALLEL_WRITE_PIPELINE_STAGE, c.CHECKPOINT_PARALLEL_WRITE_PIPELINE_STAGE_DEFAULT
    )
    if value in [True, False]:
        return value
    raise _error(f"{c.CHECKPOINT}.{c.CHECKPOINT_PARALLEL_WRITE}.{c.CHECKPOINT_PARALLEL_WRITE_PIPELINE_STAGE}",
                 "invalid value", value=value, expected="true or false")
