"""Resolving a dict in-process: ``dsconf.DeepSpeedConfig(d, world_size=W)`` against DeepSpeed's own parser.

Inputs: the project's config set (``tests/configs/valid``) at world sizes 1 and 8, every group option of
``dsconf/groups.py`` (with a micro batch), and a large config that writes out every key both accept; then how
resolve time grows with the number of keys given. Only cases both sides accept are timed: a rejection is a
different code path on each side (DeepSpeed often raises at its first problem, dsconf collects all of them).
"""

from __future__ import annotations

import copy
import gc
import random
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import _oracle
from ._common import ROOT, Options, Section, Target, alternate, linear_fit, median, mib, ms

WORLDS = (1, 8)
MICRO = {"train_micro_batch_size_per_gpu": 2}


@dataclass
class Case:
    group: str  # config set | group options | large
    name: str
    data: dict[str, Any]
    world: int


@dataclass
class Timing:
    case: Case
    ours: float
    theirs: float

    @property
    def ratio(self) -> float:
        return self.ours / self.theirs


class Sides:
    """The two resolvers, each taking a fresh copy (DeepSpeed mutates nested dicts of its input)."""

    def __init__(self) -> None:
        import dsconf

        self.ours_cls = dsconf.DeepSpeedConfig
        self.theirs_cls = _oracle.parser()

    def ours(self, data: dict[str, Any], world: int) -> Any:
        return self.ours_cls(data, world_size=world)

    def theirs(self, data: dict[str, Any], world: int) -> Any:
        with _oracle.world(world):
            return self.theirs_cls(data)

    def both_accept(self, data: dict[str, Any], world: int) -> bool:
        for fn in (self.ours, self.theirs):
            try:
                fn(copy.deepcopy(data), world)
            except Exception:  # noqa: BLE001 - any refusal (or DeepSpeed's raw crashes) leaves the case out
                return False
        return True


# ------------------------------------------------------------------------------------------------ inputs
def config_set() -> list[tuple[str, dict[str, Any]]]:
    from dsconf._read import read

    out = []
    for path in sorted((ROOT / "tests" / "configs" / "valid").rglob("*")):
        if path.suffix in (".json", ".yaml", ".yml"):
            data, _ = read(str(path))
            out.append((str(path.relative_to(ROOT / "tests" / "configs" / "valid")), data))
    return out


def group_options() -> list[tuple[str, dict[str, Any]]]:
    from dsconf._plan import option_data
    from dsconf.groups import options

    out = []
    for group, opts in options().items():
        for name in opts:
            data = {**MICRO, **copy.deepcopy(option_data(group, name))}
            out.append((f"{group}={name}", {k: v for k, v in data.items() if v is not None}))
    return out


def _explicit(spec: Any, target: Any) -> dict[str, Any]:
    """Every key of a section the target reads, written out with the target's default (nulls left out)."""
    out: dict[str, Any] = {}
    for f in spec.fields.values():
        if not f.known_in(target) or f.variants is not None:
            continue
        if f.section is not None:
            if f.default is not None:
                out[f.name] = _explicit(f.section, target)
            continue
        value = f.default_for(target)
        if value is not None and value != "auto":
            out[f.name] = value
    return out


def large_config(sides: Sides) -> dict[str, Any]:
    """As many keys as both sides accept: each top-level key of the explicit config kept if both accept it alone;
    should the whole still be refused (keys that conflict with each other), keys are dropped in order until not."""
    from dsconf._releases import Release
    from dsconf.load import root_spec

    full = _explicit(root_spec(), Release(_oracle.version()))
    kept = {k: v for k, v in full.items() if sides.both_accept({**MICRO, k: v}, 1)}
    kept.update(MICRO)
    for k in list(kept):
        if sides.both_accept(kept, 1):
            break
        if k not in MICRO:
            del kept[k]
    return kept


def leaves(value: Any) -> int:
    """Keys given: the leaf values of the nested dicts (a list counts as one value)."""
    if isinstance(value, dict):
        return sum(leaves(v) for v in value.values())
    return 1


# ------------------------------------------------------------------------------------------------ timing
def time_case(sides: Sides, case: Case, reps: int) -> Timing:
    box: list[dict[str, Any]] = [{}]

    def fresh() -> None:
        box[0] = copy.deepcopy(case.data)

    a, b = alternate(lambda: sides.ours(box[0], case.world), lambda: sides.theirs(box[0], case.world), reps, fresh)
    gc.collect()
    return Timing(case, median(a), median(b))


def peak(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run(opts: Options) -> list[Section]:
    warnings.simplefilter("ignore")  # dsconf warns about legacy keys; the warning machinery is not what is timed
    sides = Sides()
    cases: list[Case] = []
    skipped: dict[str, int] = {}
    sources: list[tuple[str, list[tuple[str, dict[str, Any]]], tuple[int, ...]]] = [
        ("config set", config_set(), WORLDS),
        ("group options", group_options(), (1,)),
    ]
    for group, items, worlds in sources:
        for name, data in items:
            for w in worlds:
                if sides.both_accept(data, w):
                    cases.append(Case(group, name, data, w))
                else:
                    skipped[group] = skipped.get(group, 0) + 1
    large = large_config(sides)
    cases += [Case("large", f"every key both accept ({leaves(large)} keys)", large, w) for w in WORLDS]
    gc.freeze()  # everything imported so far is permanent: collections between runs stay cheap
    reps = max(3, opts.reps // 3) if opts.quick else opts.reps
    timings = [time_case(sides, c, reps) for c in cases]

    by_group: dict[str, list[Timing]] = {}
    for t in timings:
        by_group.setdefault(t.case.group, []).append(t)
    sec = Section("Resolve a dict in-process (median per case; ratio = dsconf / DeepSpeed)",
                  ["inputs", "cases", "dsconf", "DeepSpeed", "ratio (median)", "ratio (worst)"])
    for group, ts in by_group.items():
        refused = f" (+{skipped[group]} refused by dsconf, DeepSpeed or both)" if group in skipped else ""
        sec.rows.append([group, f"{len(ts)}{refused}",
                         ms(median([t.ours for t in ts])), ms(median([t.theirs for t in ts])),
                         f"{median([t.ratio for t in ts]):.2f}", f"{max(t.ratio for t in ts):.2f}"])
    project = by_group.get("config set", [])
    if project:
        sec.targets.append(Target("resolve ratio on the project's config set (median over cases)",
                                  median([t.ratio for t in project]), 1.0, "x"))
    worst = sorted(timings, key=lambda t: -t.ratio)[:3]
    sec.notes.append("slowest relative to DeepSpeed: " + ", ".join(
        f"{t.case.name} W={t.case.world} {t.ratio:.2f}x" for t in worst))
    mem_ours = peak(lambda: sides.ours(copy.deepcopy(large), 1))
    mem_theirs = peak(lambda: sides.theirs(copy.deepcopy(large), 1))
    sec.notes.append(f"peak memory (tracemalloc) resolving the large config: dsconf {mib(mem_ours)}, "
                     f"DeepSpeed {mib(mem_theirs)}")
    return [sec, growth(sides, large, reps)]


def growth(sides: Sides, large: dict[str, Any], reps: int, orders: int = 6) -> Section:
    """Resolve time against the number of keys given: growing prefixes of the large config, each timed like the
    cases above. Sections differ in cost per key (on both sides), so one order of sections makes steps of uneven
    size; each step is averaged over several random orders, which leaves the cost per key given."""
    keys = [k for k in large if k not in MICRO]
    steps = 8
    sec = Section("Resolve time against keys given", ["keys given", "dsconf", "DeepSpeed", "ratio"])
    sums = [[0.0, 0.0, 0.0, 0] for _ in range(steps)]  # keys given, dsconf, DeepSpeed, orders counted
    for seed in range(orders):
        order = list(keys)
        random.Random(seed).shuffle(order)
        for i in range(1, steps + 1):
            part = {**MICRO, **{k: large[k] for k in order[: round(len(order) * i / steps)]}}
            if not sides.both_accept(part, 1):
                continue
            t = time_case(sides, Case("growth", f"{seed}.{i}", part, 1), reps)
            acc = sums[i - 1]
            acc[0] += leaves(part)
            acc[1] += t.ours
            acc[2] += t.theirs
            acc[3] += 1
    xs: list[float] = []
    ys: list[float] = []
    zs: list[float] = []
    for n, ours, theirs, count in sums:
        if not count:
            continue
        xs.append(n / count)
        ys.append(ours / count)
        zs.append(theirs / count)
        sec.rows.append([f"{n / count:.0f}", ms(ours / count), ms(theirs / count), f"{ours / theirs:.2f}"])
    sec.notes.append(f"each row: the mean over {orders} random orders of the large config's sections")
    if len(xs) >= 3:
        a, b, r2 = linear_fit(xs, ys)
        _, b2, r2b = linear_fit(xs, zs)
        sec.notes.append(f"dsconf: {ms(a)} + {b * 1e6:.2f} µs per key (R² {r2:.3f}); "
                         f"DeepSpeed: {b2 * 1e6:.2f} µs per key (R² {r2b:.3f})")
        sec.targets.append(Target("resolve time linear in keys given (1 - R² of a straight line)", 1 - r2, 0.05,
                                  note=f"R² {r2:.3f}"))
    return sec


