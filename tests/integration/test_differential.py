"""Differential tests: dsconf against the real DeepSpeed release installed in this environment.

For every file of the corpus (tests/configs/**, see its README) and world sizes 1, 2, 3, 8 and 64, dsconf and
``deepspeed.runtime.config.DeepSpeedConfig`` must agree, by the four-way rule of ``_deepspeed.differential``:

* both accept  -> every attribute of DeepSpeed's object equal in dsconf's; and dsconf's ``to_dict()`` reads back
  equal in dsconf and resolves to the same values in real DeepSpeed;
* both reject  -> fine;
* dsconf rejects, DeepSpeed accepts -> only where dsconf is stricter on purpose (every problem names why);
* dsconf accepts, DeepSpeed rejects -> only when dsconf migrated a legacy spelling (with a warning) and real
  DeepSpeed accepts the migrated ``to_dict()`` with the same values.

The target release is the installed one; run once per supported release (one nox session each). DeepSpeed is
evaluated for a world size without processes: ``deepspeed.comm.get_rank/get_world_size`` are patched for the call.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import _deepspeed as harness
import pytest

pytestmark = pytest.mark.deepspeed

TARGET: str = harness.target_or_skip()

import dsconf  # noqa: E402

CONFIG_ROOT = Path(__file__).resolve().parent.parent / "configs"
CORPUS: list[Path] = sorted(CONFIG_ROOT.rglob("*.json"))
WORLD_SIZES = (1, 2, 3, 8, 64)


def _id(path: Path) -> str:
    return str(path.relative_to(CONFIG_ROOT))


def _strict_json(path: Path) -> dict[str, Any] | None:
    """The file as a dict when it is plain JSON without duplicate keys (else None)."""

    def no_dupes(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate keys")
        return dict(pairs)

    try:
        data = json.loads(path.read_text(), object_pairs_hook=no_dupes)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _check(source: Any, world_size: int) -> harness.Verdict:
    verdict = harness.differential(source, world_size, TARGET)
    harness.record(verdict)
    if verdict.reasons:
        # the issue wants the reasons visible: shown with -rP / -s, and summed up at the end of the run
        print(f"{verdict.kind}: " + "; ".join(verdict.reasons))
    return verdict


# ------------------------------------------------------------------------------------------------ the corpus


def test_corpus_is_there() -> None:
    groups = {p.relative_to(CONFIG_ROOT).parts[0] for p in CORPUS}
    assert {"valid", "edge", "legacy", "invalid"} <= groups, groups
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("world_size", WORLD_SIZES, ids=lambda w: f"W{w}")
@pytest.mark.parametrize("path", CORPUS, ids=_id)
def test_corpus_file(path: Path, world_size: int) -> None:
    """The file as users hand it over: a path (DeepSpeed reads it itself: strict JSON in 0.7.7, hjson in 0.19)."""
    verdict = _check(path, world_size)
    harness.require(verdict)


@pytest.mark.parametrize("path", [p for p in CORPUS if _strict_json(p) is not None], ids=_id)
def test_corpus_dict(path: Path) -> None:
    """The same configs as dicts (how HF/accelerate and most code hand them over), at one world size."""
    data = _strict_json(path)
    assert data is not None
    verdict = _check(data, 2)
    harness.require(verdict)


# ------------------------------------------------------------------------------------------------ mpu


class FakeMpu:
    """What DeepSpeed asks of a model-parallel unit when it sizes the data-parallel group."""

    def __init__(self, dp: int) -> None:
        self.dp = dp

    def get_data_parallel_world_size(self) -> int:
        return self.dp


@pytest.mark.parametrize(
    "config",
    [
        {"train_batch_size": 32},
        {"train_micro_batch_size_per_gpu": 4, "gradient_accumulation_steps": 2},
        {"train_batch_size": 48, "train_micro_batch_size_per_gpu": 2, "zero_optimization": {"stage": 2}},
    ],
    ids=["T", "M+G", "T+M+zero2"],
)
@pytest.mark.parametrize("dp", [1, 2, 3, 8])
def test_mpu_sets_the_data_parallel_size(config: dict[str, Any], dp: int) -> None:
    """With an mpu, DeepSpeed takes the data-parallel size from it, not from the process count (patched to 64)."""
    real = harness.evaluate(config, world_size=64, mpu=FakeMpu(dp))
    try:
        ours = dsconf.DeepSpeedConfig(copy.deepcopy(config), mpu=FakeMpu(dp), target=TARGET)
    except dsconf.DeepSpeedConfigError as exc:
        assert real.rejected, f"dsconf rejects ({exc}), {real.describe()}"
        return
    assert real.accepted, f"dsconf accepts, {real.describe()}"
    mismatches = harness.compare(ours, real.config)
    assert not mismatches, harness.format_mismatches(mismatches)


# ------------------------------------------------------------------------------------------------ the harness


def test_harness_patches_and_restores_the_world_size() -> None:
    comm = harness.import_deepspeed().comm
    before = (comm.get_rank, comm.get_world_size)
    outcome = harness.evaluate({"train_batch_size": 64}, world_size=8)
    assert outcome.accepted, outcome.describe()
    assert outcome.config.world_size == 8
    assert outcome.config.train_micro_batch_size_per_gpu == 8
    assert (comm.get_rank, comm.get_world_size) == before


def test_harness_counts_crashes_as_rejections_and_leaves_input_alone() -> None:
    config = {"train_batch_size": 8, "gradient_accumulation_steps": 0}
    snapshot = copy.deepcopy(config)
    outcome = harness.evaluate(config, world_size=1)
    assert outcome.rejected and outcome.error_type == "ZeroDivisionError"
    fp32 = {"train_batch_size": 8, "optimizer": {"type": "Adam", "params": {"max_grad_norm": 1.0}}}
    harness.evaluate(fp32, world_size=1)  # 0.7.7 zeroes max_grad_norm in the dict it is given
    assert config == snapshot and fp32["optimizer"]["params"]["max_grad_norm"] == 1.0


def test_harness_compare_sees_every_difference() -> None:
    a = harness.evaluate({"train_batch_size": 8, "zero_optimization": {"stage": 3}}, world_size=2)
    b = harness.evaluate({"train_batch_size": 8, "zero_optimization": {"stage": 2}}, world_size=2)
    assert a.accepted and b.accepted
    assert harness.compare(a.config, a.config) == []
    paths = {m.path for m in harness.compare(a.config, b.config)}
    assert {"zero_optimization_stage", "zero_config.stage", "zero_config.overlap_comm"} <= paths


def test_harness_canonical_values() -> None:
    import enum
    from pathlib import PurePosixPath

    import torch

    class Color(enum.Enum):
        red = "r"

    assert harness.canonical(torch.bfloat16) == "torch.bfloat16"
    assert harness.canonical(PurePosixPath("/x")) == "/x"
    assert harness.canonical(Color.red) == "r"
    assert harness.canonical((1, {"a": torch.float16})) == [1, {"a": "torch.float16"}]
    real = harness.evaluate({"train_batch_size": 2, "zero_optimization": {"stage": 3}}, world_size=1)
    assert real.accepted
    zero = harness.canonical(real.config.zero_config)
    assert isinstance(zero, dict) and zero["stage"] == 3
    json.dumps(real.attributes())  # everything canonical is plain data
