"""``dsconf plan`` over a sweep: 10,000 points as a process and in-process, and how the time grows with the
sweep's size.

The sweep is the README's kind: ZeRO stage x optimizer x micro batch x gradient accumulation, composed from
dsconf's groups (Hydra composes each group combination once), every point checked at world size 8.
"""

from __future__ import annotations

import contextlib
import io
import json
import time

from ._common import Options, Section, Target, env, linear_fit, median, mib, ms, python, run_process

GROUPS = ["zero=stage1,stage2", "optimizer=adam,adamw"]
WORLD = "8"


def sweep_args(points: int) -> list[str]:
    """Overrides for a sweep of ``points`` points (a multiple of 200: 4 group combinations x 50 gas values)."""
    micro = points // 200
    assert micro * 200 == points, points
    return ["plan", *GROUPS, f"deepspeed.train_micro_batch_size_per_gpu=range(1,{micro + 1})",
            "deepspeed.gradient_accumulation_steps=range(1,51)", "--world-sizes", WORLD, "--format", "json"]


def in_process(points: int) -> float:
    """Wall time of ``dsconf.cli.main`` on the sweep (output captured; the point count checked)."""
    from dsconf.cli import main

    out = io.StringIO()
    t = time.perf_counter()
    with contextlib.redirect_stdout(out):
        main(sweep_args(points))
    wall = time.perf_counter() - t
    checked = json.loads(out.getvalue())["checks"]
    if checked != points:
        raise RuntimeError(f"the sweep checked {checked} points, expected {points}")
    return wall


def run(opts: Options) -> list[Section]:
    n = 10_000
    reps = 2 if opts.quick else 3
    procs = [run_process([python(), "-m", "dsconf", *sweep_args(n)], env()) for _ in range(reps)]
    for p in procs:
        if p.returncode not in (0, 1):  # 1: some points are invalid, which is a result, not a failure
            raise RuntimeError(f"dsconf plan failed ({p.returncode}):\n{p.stdout[-2000:]}")
    invalid = json.loads(procs[0].stdout)["invalid"]
    wall = median([p.wall for p in procs])
    inproc = median([in_process(n) for _ in range(reps)])
    sec = Section(f"`dsconf plan` over a {n:,}-point sweep ({' '.join(GROUPS)} micro=1..50 gas=1..50 "
                  f"at world size {WORLD}; {invalid:,} invalid)", ["run", "total", "per point", "peak RSS"])
    sec.rows.append(["`dsconf plan` process", ms(wall), ms(wall / n), mib(max(p.maxrss for p in procs))])
    sec.rows.append(["`dsconf.cli.main` in-process (warm)", ms(inproc), ms(inproc / n), ""])
    sec.targets.append(Target(f"dsconf plan {n:,} points (process wall)", wall, 2.0, "s"))

    growth = Section("`dsconf plan` time against sweep size (in-process, warm)", ["points", "total", "per point"])
    xs: list[float] = []
    ys: list[float] = []
    for size in (1_000, 2_000, 5_000, 10_000, 20_000):
        t = median([in_process(size) for _ in range(1 if opts.quick else 2)])
        xs.append(size)
        ys.append(t)
        growth.rows.append([f"{size:,}", ms(t), ms(t / size)])
    a, b, r2 = linear_fit(xs, ys)
    growth.notes.append(f"{ms(a)} + {b * 1e6:.1f} µs per point (R² {r2:.3f})")
    growth.targets.append(Target("plan time linear in sweep size (1 - R² of a straight line)", 1 - r2, 0.05,
                                 note=f"R² {r2:.3f}"))
    return [sec, growth]
