"""``dsconf.constants`` / ``dsconf.compat`` against the installed DeepSpeed.

* every public UPPER_CASE name of ``deepspeed.runtime.constants`` exists in ``for_release(release)`` with an equal
  value (``*_FORMAT`` texts: existence only, dsconf generates them); so do the name constants defined in
  ``runtime/config.py`` (optimizer names, ``DEEPSPEED_OPTIMIZERS``, ...) and ``runtime/lr_schedules.py``;
* every ``get_*`` helper of ``deepspeed.runtime.config`` that dsconf provides returns what DeepSpeed's returns for
  every corpus file (as a dict) and a set of hand-written dicts; where DeepSpeed's raises, dsconf raises
  DeepSpeedConfigError. The helpers dsconf does not provide are listed with reasons (and the list is checked).
"""

from __future__ import annotations

import ast
import copy
import inspect
import json
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _deepspeed as harness
import pytest

pytestmark = pytest.mark.deepspeed

TARGET: str = harness.target_or_skip()

import deepspeed.runtime.config as ds_config  # type: ignore[import-untyped]  # noqa: E402
import deepspeed.runtime.constants as ds_constants  # type: ignore[import-untyped]  # noqa: E402
import deepspeed.runtime.lr_schedules as ds_lr  # type: ignore[import-untyped]  # noqa: E402

import dsconf.compat as compat  # noqa: E402
from dsconf import DeepSpeedConfigError  # noqa: E402
from dsconf._releases import Release  # noqa: E402
from dsconf.constants import for_release  # noqa: E402

REL = Release(TARGET)
NS = vars(for_release(TARGET))

# names whose value is not compared, with the reason (existence is still checked)
VALUE_SKIPS: dict[str, str] = {
    "*_FORMAT": "human doc text; dsconf generates it from the schema's help and defaults",
}
# get_* helpers of runtime/config.py that dsconf.compat does not provide, with the reason
NOT_PROVIDED: dict[str, str] = {
    "get_expert_parallel_config": "returns DeepSpeed's pydantic AutoEPConfig object (DeepSpeedConfig.expert_parallel)",
    "get_hybrid_engine_config": "returns DeepSpeed's pydantic HybridEngineConfig (.hybrid_engine_config)",
    "get_eigenvalue_config": "depends on compression's get_quantize_enabled, which writes into the param dict",
}


def _same(a: Any, b: Any) -> bool:
    """Equal, with bool kept apart from int (False == 0 is not a match)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _own_names(module: types.ModuleType) -> list[str]:
    """UPPER_CASE names assigned at the top level of the module's own source (not star-imported ones)."""
    tree = ast.parse(inspect.getsource(module))
    names: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        for t in targets:
            if isinstance(t, ast.Name) and t.id.isupper() and not t.id.startswith("_") and t.id not in names:
                names.append(t.id)
    return names


def _check_names(module: types.ModuleType) -> tuple[int, int]:
    missing, wrong, compared, skipped = [], [], 0, 0
    for name in _own_names(module):
        if name not in NS:
            missing.append(name)
            continue
        if name.endswith("_FORMAT"):
            skipped += 1
            continue
        theirs = getattr(module, name)
        if not _same(NS[name], theirs):
            wrong.append(f"{name}: dsconf {NS[name]!r} != deepspeed {theirs!r}")
        compared += 1
    assert not missing, f"names of {module.__name__} missing from for_release({TARGET!r}): {missing}"
    assert not wrong, "\n".join(wrong)
    return compared, skipped


def test_runtime_constants() -> None:
    compared, skipped = _check_names(ds_constants)
    print(f"runtime.constants {TARGET}: {compared} values equal, {skipped} *_FORMAT names present (text skipped)")
    assert compared > 100


def test_runtime_config_names() -> None:
    compared, _ = _check_names(ds_config)
    assert "DEEPSPEED_OPTIMIZERS" in _own_names(ds_config)
    assert compared >= 10


def test_lr_schedule_names() -> None:
    compared, _ = _check_names(ds_lr)
    assert "VALID_LR_SCHEDULES" in _own_names(ds_lr)
    assert compared >= 25


def test_module_level_names_hold_0198_values_where_they_exist() -> None:
    import dsconf.constants as constants

    newest = vars(for_release("0.19.8"))
    for name in _own_names(ds_constants):
        assert hasattr(constants, name), name
        if TARGET == "0.19.8" and not name.endswith("_FORMAT"):
            assert _same(getattr(constants, name), newest[name]), name


# ------------------------------------------------------------------------------------------------ helpers


def _ds_helpers() -> dict[str, Callable[..., Any]]:
    return {
        name: fn for name, fn in vars(ds_config).items()
        if name.startswith("get_") and inspect.isfunction(fn) and fn.__module__ == ds_config.__name__
    }  # fmt: skip


def test_helper_surface() -> None:
    theirs = set(_ds_helpers())
    ours = {n for n in compat.HELPERS if TARGET in compat.helper_releases(n)}
    assert ours <= theirs, f"dsconf says DeepSpeed {TARGET} has these, it does not: {sorted(ours - theirs)}"
    unprovided = theirs - ours
    assert unprovided == {n for n in NOT_PROVIDED if n in theirs}, sorted(unprovided)
    print(f"helpers {TARGET}: {len(ours)} provided; not provided: " +
          "; ".join(f"{n} ({NOT_PROVIDED[n]})" for n in sorted(unprovided)))


CONFIG_ROOT = Path(__file__).resolve().parent.parent / "configs"


def _strict_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


CORPUS = {str(p.relative_to(CONFIG_ROOT)): d for p in sorted(CONFIG_ROOT.rglob("*.json"))
          if (d := _strict_json(p)) is not None}
HANDWRITTEN: dict[str, dict[str, Any]] = {
    "empty": {},
    "fp16_on_no_knobs": {"fp16": {"enabled": True}},
    "fp16_on_knobs": {"fp16": {"enabled": True, "hysteresis": 4, "auto_cast": True, "loss_scale": 128,
                               "fp16_master_weights_and_grads": True}},
    "fp16_off_knobs": {"fp16": {"enabled": False, "initial_scale_power": 8, "auto_cast": True}},
    "fp16_auto": {"fp16": {"enabled": "auto", "loss_scale_window": 50}},
    "bf16_on": {"bf16": {"enabled": True}},
    "bfloat16_old": {"bfloat16": {"enabled": True}},
    "fp16_and_bf16": {"fp16": {"enabled": True, "initial_scale_power": 12}, "bf16": {"enabled": True}},
    "amp_on": {"amp": {"enabled": True, "opt_level": "O2"}},
    "amp_without_enabled": {"amp": {"opt_level": "O1"}},
    "pld": {"progressive_layer_drop": {"enabled": True, "theta": 0.5, "gamma": 0.01}},
    "pld_without_enabled": {"progressive_layer_drop": {"theta": 0.5}},
    "curriculum": {"curriculum_learning": {"enabled": True, "curriculum_type": "seqlen", "min_difficulty": 8}},
    "sparse_default": {"sparse_attention": {}},
    "sparse_dense": {"sparse_attention": {"mode": "dense", "block": 32}},
    "sparse_variable": {"sparse_attention": {"mode": "variable", "local_window_blocks": [2, 4]}},
    "sparse_bigbird": {"sparse_attention": {"mode": "bigbird", "num_random_blocks": 2}},
    "sparse_bslongformer": {"sparse_attention": {"mode": "bslongformer", "global_block_end_indices": [1]}},
    "sparse_bad_mode": {"sparse_attention": {"mode": "Fixed"}},
    "eigenvalue": {"eigenvalue": {"enabled": True, "max_iter": 7}},
    "comm_bfp16": {"communication_data_type": "bfp16"},
    "comm_bf16": {"communication_data_type": "BF16"},
    "comm_bad": {"communication_data_type": "int8"},
    "allreduce_sum": {"gradient_allreduce_op": "SUM"},
    "allreduce_bad": {"gradient_allreduce_op": "max"},
    "checkpoint_fail": {"checkpoint": {"tag_validation": "fail", "parallel_write": {"pipeline_stage": True}}},
    "checkpoint_bad": {"checkpoint": {"tag_validation": "loud", "parallel_write": {"pipeline_stage": "yes"}}},
    "checkpoint_int": {"checkpoint": {"tag_validation": 3}},
    "optimizer_none": {"optimizer": None},
    "optimizer_no_type": {"optimizer": {"params": {"lr": 1e-3}}},
    "optimizer_full": {"optimizer": {"type": "AdamW", "params": {"lr": 1e-3, "max_grad_norm": 1.0},
                                     "legacy_fusion": True}},
    "scheduler": {"scheduler": {"type": "WarmupLR", "params": {"warmup_num_steps": 10}}},
    "pipeline": {"pipeline": {"stages": 2, "custom": 1}},
    "autocast": {"torch_autocast": {"enabled": True, "dtype": "bfloat16",
                                    "lower_precision_safe_modules": ["torch.nn.Linear"]}},
    "autocast_bad": {"torch_autocast": {"dtype": "float8", "lower_precision_safe_modules": [1]}},
    "scalars": {"steps_per_print": 5, "gradient_clipping": 0.5, "log_level": "info", "disable_python_gc": True,
                "managed_gradient_accumulation": False, "graph_harvesting": True, "zero_force_ds_cpu_optimizer": False,
                "use_data_before_expert_parallelism": True, "sparse_gradients": True, "dataloader_drop_last": True},
}
CASES = {**{f"corpus/{k}": v for k, v in CORPUS.items()}, **{f"hand/{k}": v for k, v in HANDWRITTEN.items()}}

# helpers DeepSpeed calls with one block of the config rather than the whole dict
_BLOCK_ARG: dict[str, str] = {
    "get_sparse_dense_config": "sparse_attention",
    "get_sparse_fixed_config": "sparse_attention",
    "get_sparse_variable_config": "sparse_attention",
    "get_sparse_bigbird_config": "sparse_attention",
    "get_sparse_bslongformer_config": "sparse_attention",
    "get_sparse_attention_mode": "sparse_attention",
    "get_sparse_attention_type": "sparse_attention",
    "get_checkpoint_tag_validation_mode": "checkpoint",
    "get_checkpoint_parallel_write_pipeline": "checkpoint",
}

_TOTALS = {"equal": 0, "both_raise": 0}


@pytest.mark.parametrize("case", sorted(CASES))
def test_helpers_agree(case: str) -> None:
    data = CASES[case]
    ds_helpers = _ds_helpers()
    problems: list[str] = []
    for name in sorted(compat.HELPERS):
        if name not in ds_helpers:
            continue
        arg = data.get(_BLOCK_ARG[name], {}) if name in _BLOCK_ARG else data
        ours_fn = getattr(compat, name)
        try:
            theirs = ds_helpers[name](copy.deepcopy(arg))
        except Exception as exc:  # noqa: BLE001 - any failure of DeepSpeed's helper
            try:
                ours = ours_fn(copy.deepcopy(arg), target=TARGET)
            except DeepSpeedConfigError:
                _TOTALS["both_raise"] += 1
                continue
            problems.append(f"{name}: deepspeed raised {type(exc).__name__}: {exc}; dsconf returned {ours!r}")
            continue
        try:
            ours = ours_fn(copy.deepcopy(arg), target=TARGET)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{name}: deepspeed returned {theirs!r}; dsconf raised {type(exc).__name__}: {exc}")
            continue
        if not _same(ours, theirs):
            problems.append(f"{name}: dsconf {ours!r} != deepspeed {theirs!r}")
        else:
            _TOTALS["equal"] += 1
    assert not problems, "\n".join(problems)


def test_helpers_totals() -> None:
    """Runs last (file order): the helper comparisons made above, for the record."""
    print(f"helpers {TARGET}: {_TOTALS['equal']} equal results, {_TOTALS['both_raise']} both raise, "
          f"{len(CASES)} param dicts ({len(CORPUS)} corpus files)")


def test_module_level_keeps_every_name_of_the_releases_constants() -> None:
    """``dsconf.constants`` has 0.19.8's values and every older name (0.7.7's module is the seed's)."""
    import dsconf.constants as module

    names = [n for n in vars(ds_constants) if n.isupper() and not n.startswith("_")]
    missing = [n for n in names if not hasattr(module, n)]
    assert not missing, missing
    if TARGET == "0.19.8":
        wrong = [n for n in names if not n.endswith("_FORMAT") and isinstance(getattr(ds_constants, n),
                 (bool, int, float, str, type(None))) and getattr(module, n) != getattr(ds_constants, n)]
        assert not wrong, wrong
