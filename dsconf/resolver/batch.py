"""DeepSpeed's batch math: the seven fill branches (floor division), then its assertions, with better messages."""

from __future__ import annotations

import math
from typing import Any

from ._context import Ctx

T, M, G = "train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps"


def fill(t: Any, m: Any, g: Any, w: int | float) -> tuple[Any, Any, Any]:
    """DeepSpeed's ``_set_batch_related_parameters``: fill the missing values with floor division.

    Raises ``ValueError`` when neither train_batch_size nor the micro batch is given, and ``ZeroDivisionError``
    exactly where DeepSpeed would divide by zero.
    """
    if t is not None and m is not None and g is not None:
        return t, m, g
    if t is not None and m is not None:
        return t, m, t // m // w
    if t is not None and g is not None:
        return t, t // w // g, g
    if m is not None and g is not None:
        return m * g * w, m, g
    if t is not None:
        return t, t // w, 1
    if m is not None:
        return m * w, m, 1
    raise ValueError("Either train_batch_size or train_micro_batch_size_per_gpu needs to be provided")


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0] if 0 < n <= 1_000_000 else []


def fill_batch(ctx: Ctx) -> dict[str, Any]:
    w = ctx.world_size
    given = {k: ctx.raw(k) for k in (T, M, G)}
    given = {k: (None if v == "auto" else v) for k, v in given.items()}
    t, m, g = given[T], given[M], given[G]
    out = {"world_size": w, T: t, M: m, G: g}
    src = getattr(ctx, "world_source", "world size")
    try:
        t, m, g = fill(t, m, g, w)
    except ValueError:
        ctx.error(T, "neither train_batch_size nor train_micro_batch_size_per_gpu is set",
                  expected="at least one of them (gradient_accumulation_steps alone is not enough)",
                  code="batch_missing")
        return out
    except ZeroDivisionError:
        zero = next(k for k in (M, G) if given[k] == 0)
        ctx.error(zero, "must be greater than 0", value=0, expected="a positive integer", code="batch")
        return out
    out.update({T: t, M: m, G: g})
    for key, val in ((T, t), (M, m), (G, g)):
        if isinstance(val, float) and not math.isfinite(val):
            ctx.stricter(key, f"works out to {val} (the product overflows a float)",
                         value=given[key] if given[key] is not None else val,
                         expected="finite batch sizes (integers)", code="batch",
                         reason="DeepSpeed multiplies the float as given and accepts an infinite batch size")
            return out
    derived = [k for k in (T, M, G) if given[k] is None]
    how = f"(world size {_n(w)} from {src}" + (f"; derived {', '.join(derived)}" if derived else "") + ")"
    for key, val, label in ((T, t, "train_batch_size"), (M, m, "train_micro_batch_size_per_gpu"),
                            (G, g, "gradient_accumulation_steps")):
        if val <= 0:
            hint = ""
            if key != T and given[T] is not None and given[key] is None:
                hint = f": {given[T]} samples cannot be split over {_n(w)} ranks" + (
                    f" x {given[M] or given[G]}" if (given[M] or given[G]) else "")
            ctx.error(key, f"{label} works out to {_n(val)}{hint} {how}", value=val,
                      expected="a value > 0" + _nearest(given, w), code="batch")
            return out
    if t != m * g * w:
        ctx.error(
            T,
            f"train_batch_size is not equal to micro_batch_per_gpu * gradient_acc_step * world_size: "
            f"{_n(t)} != {_n(m)} * {_n(g)} * {_n(w)} {how}",
            value=given[T] if given[T] is not None else t,
            expected=f"{_n(m * g * w)} (= {_n(m)} x {_n(g)} x {_n(w)})" + _nearest(given, w),
            code="batch",
        )
    return out


def _n(x: Any) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def _nearest(given: dict[str, Any], w: int | float) -> str:
    """The closest valid choices, for the message: micro batch sizes that divide the global batch."""
    t = given[T]
    if not isinstance(t, int) or not isinstance(w, int) or w <= 0:
        return ""
    if t % w != 0:
        lo, hi = (t // w) * w, (t // w + 1) * w
        return f"; train_batch_size must be a multiple of world size {w}: try {lo or hi} or {hi}"
    per_rank = t // w
    g = given[G]
    if isinstance(g, int) and g > 0:
        if per_rank % g:
            ok = [d for d in divisors(per_rank)]
            return f"; gradient_accumulation_steps must divide {per_rank} (= {t} / {w}): one of {ok[:12]}"
        return ""
    ok = divisors(per_rank)
    return f"; micro batch sizes that divide {per_rank} (= {t} / {w}): {ok[:12]}" if ok else ""
