"""The one exception users see, and the problems it carries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

_NO_VALUE: Any = object()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config, at one key path.

    ``code`` names the kind of problem (see ``docs/checks.md``). ``stricter`` is set when DeepSpeed itself would
    accept the config at parse time and dsconf refuses it on purpose; it says why.
    """

    path: str
    message: str
    value: Any = _NO_VALUE
    expected: str | None = None
    suggestions: tuple[str, ...] = ()
    code: str = "invalid"
    stricter: str | None = None

    def render(self) -> str:
        parts = []
        if self.value is not _NO_VALUE:
            parts.append(f"got {_show(self.value)}")
        if self.expected:
            parts.append(f"expected {self.expected}")
        if self.suggestions:
            parts.append("did you mean " + " or ".join(f"'{s}'" for s in self.suggestions) + "?")
        tail = f" ({'; '.join(parts)})" if parts else ""
        where = self.path or "<root>"
        return f"{where}: {self.message}{tail}"


def _show(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4000:
        # repr() refuses integers beyond Python's int/str digit limit (ValueError); say how big it is instead
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    text = repr(value) if not isinstance(value, bool) else str(value).lower()
    if isinstance(value, str):
        text = '"' + value.replace('"', '\\"') + '"'
    elif value is None:
        text = "null"
    return text if len(text) <= 80 else text[:77] + "..."


class DeepSpeedConfigError(ValueError):
    """Every user error of dsconf: all problems of one config, each naming its key path."""

    def __init__(self, problems: Sequence[Problem] | str, *, source: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.source = source
        super().__init__(self._text())

    def _text(self) -> str:
        head = f"{self.source}: " if self.source else ""
        if len(self.problems) == 1:
            return head + self.problems[0].render()
        lines = [f"{head}{len(self.problems)} problems in the DeepSpeed config:"]
        lines += [f"  - {p.render()}" for p in self.problems]
        return "\n".join(lines)

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.problems]

    @property
    def only_stricter(self) -> bool:
        """True when DeepSpeed would have accepted this config at parse time (every problem is deliberate)."""
        return all(p.stricter for p in self.problems)


@dataclass
class Problems:
    """Collects problems while a config is checked, so that all of them are reported together."""

    items: list[Problem] = field(default_factory=list)

    def add(self, path: str, message: str, **kw: Any) -> None:
        self.items.append(Problem(path, message, **kw))

    def extend(self, items: Iterable[Problem]) -> None:
        self.items.extend(items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, source: str | None = None) -> None:
        if self.items:
            raise DeepSpeedConfigError(self.items, source=source)
