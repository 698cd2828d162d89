"""DeepSpeed's batch math: every fill branch, floor division, and the assertions (DeepSpeed's probed table)."""

from __future__ import annotations

import pytest

import dsconf
from dsconf.resolver.batch import fill

T, M, G = "train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps"

# (world size, given, expected (T, M, G) or the key path the error names) -- DeepSpeed's own results
CASES = [
    (1, {T: 32}, (32, 32, 1)),
    (1, {M: 4}, (4, 4, 1)),
    (1, {G: 2}, T),
    (1, {}, T),
    (1, {T: 32, M: 4}, (32, 4, 8)),
    (1, {T: 32, G: 2}, (32, 16, 2)),
    (1, {M: 4, G: 2}, (8, 4, 2)),
    (1, {T: 32, M: 4, G: 2}, T),
    (1, {T: 33, M: 17}, T),
    (1, {T: 33, G: 2}, T),
    (2, {T: 32}, (32, 16, 1)),
    (2, {M: 4}, (8, 4, 1)),
    (2, {T: 32, M: 4}, (32, 4, 4)),
    (2, {T: 32, G: 2}, (32, 8, 2)),
    (2, {M: 4, G: 2}, (16, 4, 2)),
    (2, {T: 33, M: 17}, G),
    (2, {T: 33, G: 2}, T),
    (2, {T: 3}, T),
    (2, {T: 1}, M),
    (4, {T: 32, M: 4, G: 2}, (32, 4, 2)),
    (4, {T: 3}, M),
    (64, {T: 2048, M: 4}, (2048, 4, 8)),
]


@pytest.mark.parametrize(("world", "given", "expected"), CASES)
def test_batch_triple(world: int, given: dict[str, int], expected: object) -> None:
    if isinstance(expected, tuple):
        ds = dsconf.DeepSpeedConfig(given, world_size=world)
        assert (ds.train_batch_size, ds.train_micro_batch_size_per_gpu, ds.gradient_accumulation_steps) == expected
        assert ds.world_size == world
    else:
        with pytest.raises(dsconf.DeepSpeedConfigError) as err:
            dsconf.DeepSpeedConfig(given, world_size=world)
        assert expected in err.value.paths


def test_error_states_the_equation_and_the_nearest_choices() -> None:
    with pytest.raises(dsconf.DeepSpeedConfigError) as err:
        dsconf.DeepSpeedConfig({T: 33, M: 4}, world_size=2)
    text = str(err.value)
    assert "33 != 4 * 4 * 2" in text and "world size 2 from explicit world_size" in text
    assert "try 32 or 34" in text


def test_auto_in_the_triple_is_derived() -> None:
    ds = dsconf.DeepSpeedConfig({T: "auto", M: 4, G: "auto"}, world_size=8)
    assert (ds.train_batch_size, ds.gradient_accumulation_steps) == (32, 1)
    assert ds.to_dict()[T] == 32


def test_fill_matches_floor_division() -> None:
    assert fill(33, None, 2, 2) == (33, 8, 2)
    assert fill(None, 3, 5, 7) == (105, 3, 5)
    with pytest.raises(ZeroDivisionError):
        fill(8, None, 0, 1)


def test_world_size_from_launcher_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "4")
    ds = dsconf.DeepSpeedConfig({M: 2})
    assert ds.train_batch_size == 8 and ds.world_size_source == "environment WORLD_SIZE"


def test_world_size_from_mpu() -> None:
    class Mpu:
        def get_data_parallel_world_size(self) -> int:
            return 2

    ds = dsconf.DeepSpeedConfig({T: 16}, Mpu())
    assert ds.train_micro_batch_size_per_gpu == 8


def test_sequence_parallel_divides_the_world_size() -> None:
    ds = dsconf.DeepSpeedConfig({M: 2, "sequence_parallel_size": 2}, world_size=8)
    assert ds.world_size == 4 and ds.train_batch_size == 8


def test_a_float_batch_that_overflows_is_refused_with_a_reason() -> None:
    """1e308 x 2 is inf: DeepSpeed multiplies the floats and accepts an infinite batch; dsconf refuses it."""
    import pytest

    import dsconf

    with pytest.raises(dsconf.DeepSpeedConfigError) as info:
        dsconf.DeepSpeedConfig({"gradient_accumulation_steps": 2, "train_micro_batch_size_per_gpu": 1e308},
                               world_size=1)
    (problem,) = info.value.problems
    assert problem.path == "train_batch_size" and "overflows" in problem.message and problem.stricter
