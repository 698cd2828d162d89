"""The hypothesis profiles promise what the robustness issue asks: at least 10,000 generated configs per CI run and
1,000,000 in the long profile, and shards that together run the whole profile."""

from __future__ import annotations

import pytest
import strategies


def test_ci_and_long_profiles_are_large_enough() -> None:
    ci, long = strategies._EXAMPLES["ci"], strategies._EXAMPLES["long"]
    assert ci["robust"] >= 10_000 and 3 * ci["config"] >= 10_000  # no-crash; the three differential properties
    assert long["robust"] >= 1_000_000 and long["config"] >= 1_000_000


@pytest.mark.parametrize("shards", [1, 2, 3, 7])
def test_shards_cover_the_profile(shards: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(strategies.PROFILE_ENV, "long")
    monkeypatch.setenv(strategies.SHARDS_ENV, str(shards))
    for kind, total in strategies._EXAMPLES["long"].items():
        share = strategies.examples(kind)
        assert share * shards >= total > (share - 1) * shards
