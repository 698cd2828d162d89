"""No crash, whatever the config: generated configs over the whole schema (valid values, wrong types, edge numbers,
"auto", legacy spellings, typos, keys in the wrong section, missing keys) either resolve to a DeepSpeedConfig or
raise one DeepSpeedConfigError whose problems each name a key path -- never another exception.

Runs in the fast suite (no DeepSpeed): ``examples("robust")`` examples (10,000 in the ``ci`` profile, 1,000,000 in
``long``). Agreement with real DeepSpeed on such configs is ``test_differential_property.py``'s job.
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import strategies
from hypothesis import given, settings

from dsconf import DeepSpeedConfig, DeepSpeedConfigError
from dsconf.load import root_spec

_SECTIONS = sorted(name for name, f in root_spec().fields.items() if f.section is not None)


def _check_error(exc: DeepSpeedConfigError) -> None:
    assert exc.problems, "an error without problems"
    text = str(exc)
    for p in exc.problems:
        assert isinstance(p.path, str) and isinstance(p.message, str) and p.message
        assert isinstance(p.code, str) and p.code
        assert all(isinstance(s, str) for s in p.suggestions)
        rendered = p.render()
        assert rendered.startswith(p.path or "<root>"), rendered
        assert rendered in text  # every problem is in the message the user sees


def _resolve(config: dict[str, Any], world_size: int, target: str) -> DeepSpeedConfig | DeepSpeedConfigError:
    with warnings.catch_warnings():  # warnings are not collected per example (pytest would keep them all)
        warnings.simplefilter("ignore")
        try:
            return DeepSpeedConfig(config, world_size=world_size, target=target)
        except DeepSpeedConfigError as exc:
            return exc


@settings(max_examples=strategies.examples("robust"))
@given(config=strategies.schema_configs(), target=strategies.targets(), world_size=strategies.world_sizes())
def test_any_config_resolves_or_raises_one_error(config: dict[str, Any], target: str, world_size: int) -> None:
    result = _resolve(config, world_size, target)  # anything but these two propagates and fails the test
    if isinstance(result, DeepSpeedConfigError):
        _check_error(result)
        return
    out = result.to_dict()
    text = json.dumps(out)  # JSON-safe (NaN only where DeepSpeed itself keeps it: json writes it as NaN)
    assert isinstance(json.loads(text), dict)
    for key in ("train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps"):
        value = getattr(result, key)
        assert isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
        # an int may be past float's range (a 10**400 batch resolves in DeepSpeed too); a float must be finite
        assert isinstance(value, int) or math.isfinite(value)


@settings(max_examples=strategies.examples("robust") // 10)
@given(section=strategies.edge_values(), key=strategies.st.sampled_from(_SECTIONS), target=strategies.targets())
def test_a_section_of_any_value(section: Any, key: str, target: str) -> None:
    """A section given as a scalar, a list, null, NaN, ...: one error naming the section, or accepted."""
    result = _resolve({"train_batch_size": 8, key: section}, 1, target)
    if isinstance(result, DeepSpeedConfigError):
        _check_error(result)
        assert any(p.path.startswith(key) for p in result.problems), result
