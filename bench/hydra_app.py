"""Hydra: compose + resolve the training app's default config in-process against Hydra's compose alone; and
``python train.py --cfg job`` as a process against a bare ``python -c "import hydra"``."""

from __future__ import annotations

import gc
import json
import sys
import tracemalloc
import warnings
from typing import Any

from ._common import ROOT, Options, Section, Target, alternate, env, median, mib, ms, python, run_process, timed
from .cold import alternate_processes

TRAIN_CFG_JOB = [python(), str(ROOT / "train.py"), "--cfg", "job"]
IMPORT_HYDRA = [python(), "-c", "import hydra"]
# where a fresh `train.py --cfg job` process spends its time, step by step (printed as JSON)
BREAKDOWN = [python(), "-c", """
import json, sys, time
t = [time.perf_counter()]
import hydra, hydra.main
t.append(time.perf_counter())
import dsconf, dsconf.groups
t.append(time.perf_counter())
dsconf.groups.register_configs()
t.append(time.perf_counter())
sys.path.insert(0, ".")
import train
t.append(time.perf_counter())
from hydra import compose, initialize
with initialize(version_base="1.3", config_path="conf"):
    compose("config")
t.append(time.perf_counter())
print(json.dumps([b - a for a, b in zip(t, t[1:])]))
"""]
STEPS = ("import hydra", "import dsconf", "register dsconf's groups (ConfigStore)", "import train.py (its nodes)",
         "Hydra compose of conf/config.yaml (first)")


def in_process(opts: Options) -> Section:
    from hydra import compose, initialize
    from hydra.core.global_hydra import GlobalHydra

    import dsconf

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import train  # noqa: F401 - registers the app's schema node and resolvers, as running train.py does

    warnings.simplefilter("ignore")
    GlobalHydra.instance().clear()
    sec = Section("Hydra in-process: the default `train.py` config (conf/config.yaml)",
                  ["step", "median", "peak memory (tracemalloc)"])
    with initialize(version_base="1.3", config_path="../conf"):
        def compose_only() -> Any:
            return compose("config")

        def compose_resolve() -> Any:
            return dsconf.resolve(compose("config"))

        compose_resolve()  # the first compose loads the repository's YAML and Hydra's own config: not timed
        gc.collect()
        reps = max(5, opts.reps // 2) if opts.quick else opts.reps * 2
        a, b = alternate(compose_only, compose_resolve, reps)
        cfg = compose("config")
        r = [timed(lambda: dsconf.resolve(cfg)) for _ in range(reps)]
        mem = {}
        for name, fn in (("compose", compose_only), ("compose+resolve", compose_resolve)):
            tracemalloc.start()
            fn()
            mem[name] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    GlobalHydra.instance().clear()
    ca, cb = median(a), median(b)
    sec.rows.append(["Hydra compose", ms(ca), mib(mem["compose"])])
    sec.rows.append(["compose + `dsconf.resolve(cfg)`", ms(cb), mib(mem["compose+resolve"])])
    sec.rows.append(["`dsconf.resolve(cfg)` alone (composed DictConfig)", ms(median(r)), ""])
    sec.targets.append(Target("compose+resolve over compose alone", (cb / ca - 1) * 100, 20.0, "%",
                              note=f"{ms(cb)} vs {ms(ca)}"))
    return sec


def processes(opts: Options) -> Section:
    reps = max(3, opts.proc_reps // 2) if opts.quick else opts.proc_reps
    app, bare = alternate_processes(TRAIN_CFG_JOB, IMPORT_HYDRA, reps)
    wa, wb = median([x.wall for x in app]), median([x.wall for x in bare])
    sec = Section("Hydra processes", ["process", "wall (median)", "peak RSS"])
    sec.rows.append(["`python train.py --cfg job`", ms(wa), mib(max(x.maxrss for x in app))])
    sec.rows.append(["`python -c \"import hydra\"`", ms(wb), mib(max(x.maxrss for x in bare))])
    sec.targets.append(Target("train.py --cfg job / bare import hydra", wa / wb, 2.0, "x",
                              note=f"{ms(wa)} vs {ms(wb)}"))
    runs = [json.loads(run_process(BREAKDOWN, env()).stdout.strip().splitlines()[-1]) for _ in range(3)]
    parts = [median([r[i] for r in runs]) for i in range(len(STEPS))]
    sec.notes.append("a fresh process doing what `train.py --cfg job` does, step by step (median of 3): "
                     + ", ".join(f"{step} {ms(t)}" for step, t in zip(STEPS, parts, strict=True)))
    return sec


def run(opts: Options) -> list[Section]:
    return [in_process(opts), processes(opts)]
