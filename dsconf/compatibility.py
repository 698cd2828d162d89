"""Which supported DeepSpeed releases accept a config, and what it means in each of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._read import read
from ._releases import SUPPORTED_TARGETS
from .config import DeepSpeedConfig
from .errors import DeepSpeedConfigError


@dataclass(frozen=True)
class Difference:
    """One resolved value that differs from the reference release."""

    path: str
    value: Any
    reference: Any


@dataclass
class TargetResult:
    target: str
    config: DeepSpeedConfig | None = None
    error: DeepSpeedConfigError | None = None
    differences: list[Difference] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.config is not None


@dataclass
class CompatReport:
    """The config resolved for every supported target; differences are against ``reference`` (the newest release
    that accepts it)."""

    results: list[TargetResult]
    reference: str | None

    def render(self) -> str:
        lines = []
        for r in self.results:
            if r.accepted:
                head = f"DeepSpeed {r.target}: accepts"
                if r.target == self.reference:
                    lines.append(head + " (reference)")
                    continue
                lines.append(head + (f"; {len(r.differences)} value(s) differ from {self.reference}:"
                                     if r.differences else f"; same values as {self.reference}"))
                lines += [f"  {d.path}: {_show(d.value)} ({r.target}) vs {_show(d.reference)} ({self.reference})"
                          for d in r.differences]
            else:
                assert r.error is not None
                lines.append(f"DeepSpeed {r.target}: refuses")
                lines += [f"  {p.render()}" for p in r.error.problems]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "targets": {
                r.target: {
                    "accepted": r.accepted,
                    "differences": [{"path": d.path, "value": d.value, "reference": d.reference}
                                    for d in r.differences],
                    "problems": [p.render() for p in r.error.problems] if r.error else [],
                }
                for r in self.results
            },
        }


def _show(v: Any) -> str:
    import json

    try:
        return json.dumps(v)
    except TypeError:
        return str(v)


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    else:
        out[prefix] = value


def compatibility(config: Any, *, world_size: int | None = 1) -> CompatReport:
    """Resolve ``config`` for every supported DeepSpeed release and compare what each makes of it.

    Only values both releases have are compared (an attribute a release does not have is not a difference).
    """
    data, _ = read(config)
    results: list[TargetResult] = []
    import warnings

    for target in SUPPORTED_TARGETS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # migration warnings belong to validate/migrate, not to this table
            try:
                results.append(TargetResult(target, config=DeepSpeedConfig(data, world_size=world_size,
                                                                           target=target)))
            except DeepSpeedConfigError as exc:
                results.append(TargetResult(target, error=exc))
    accepted = [r for r in results if r.config is not None]
    reference = accepted[-1] if accepted else None
    if reference is not None and reference.config is not None:
        ref: dict[str, Any] = {}
        _flatten(reference.config.model_dump(), "", ref)
        for r in accepted:
            if r is reference or r.config is None:
                continue
            mine: dict[str, Any] = {}
            _flatten(r.config.model_dump(), "", mine)
            r.differences = [Difference(k, mine[k], ref[k]) for k in mine if k in ref and mine[k] != ref[k]]
    return CompatReport(results, reference.target if reference else None)
