"""``python -m bench``: run every measurement, print the tables and the PASS/MISS verdicts."""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable

from . import cold, hydra_app, plan, readme, resolve
from ._common import Options, Section, compile_sources, machine

MEASUREMENTS: dict[str, Callable[[Options], list[Section]]] = {
    "resolve": resolve.run,
    "cold": cold.run,
    "hydra": hydra_app.run,
    "plan": plan.run,
}


def print_section(sec: Section) -> None:
    print(f"\n== {sec.title}")
    table = [sec.header, *sec.rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(sec.header))]
    for r in table:
        print("  " + "  ".join(c.ljust(widths[i]) for i, c in enumerate(r)))
    for note in sec.notes:
        print(f"  {note}")
    for t in sec.targets:
        print(f"  {t.line()}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--only", action="append", choices=list(MEASUREMENTS), help="run only these (repeatable)")
    p.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run; numbers are rougher)")
    p.add_argument("--reps", type=int, default=Options.reps, help="in-process repetitions per case")
    p.add_argument("--proc-reps", type=int, default=Options.proc_reps, help="repetitions per process")
    p.add_argument("--write-readme", action="store_true",
                   help="rewrite README.md's Performance block from this run (needs every measurement to succeed)")
    a = p.parse_args(argv)
    if a.write_readme and (a.only or a.quick):
        p.error("--write-readme takes a full run: drop --only / --quick")
    opts = Options(reps=a.reps, proc_reps=a.proc_reps, quick=a.quick)
    compile_sources()
    info = machine()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    sections: list[Section] = []
    failed: list[str] = []
    start = time.perf_counter()
    for name, fn in MEASUREMENTS.items():
        if a.only and name not in a.only:
            continue
        t = time.perf_counter()
        try:
            got = fn(opts)
        except Exception:  # noqa: BLE001 - report it and run the other measurements
            traceback.print_exc()
            failed.append(name)
            continue
        for sec in got:
            print_section(sec)
        print(f"  ({name}: {time.perf_counter() - t:.0f} s)")
        sections += got
    targets = [t for sec in sections for t in sec.targets]
    print(f"\n{sum(t.ok for t in targets)} of {len(targets)} targets met"
          + (f"; failed to run: {', '.join(failed)}" if failed else "") + f" ({time.perf_counter() - start:.0f} s)")
    for t in targets:
        print(t.line())
    if a.write_readme:
        if failed:
            print("README not written: a measurement failed", file=sys.stderr)
            return 2
        info["load"] = info.get("load", "?") + " at start"
        readme.write(readme.render(sections, info, "python -m bench --write-readme"))
        print(f"wrote {readme.README}")
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
