"""Cold start: ``dsconf validate FILE`` as a process against a process that imports DeepSpeed's parser and parses
the same FILE; and a check that the dsconf process never imports torch (or deepspeed)."""

from __future__ import annotations

from ._common import ROOT, Options, ProcRun, Section, Target, env, median, mib, ms, python, run_process

FILE = ROOT / "tests" / "configs" / "valid" / "hf_zero3_offload.json"

DSCONF = [python(), "-m", "dsconf", "validate", str(FILE)]
DEEPSPEED = [python(), "-c", "import sys; from deepspeed.runtime.config import DeepSpeedConfig; "
             "DeepSpeedConfig(sys.argv[1])", str(FILE)]
# the same command run in-process by a wrapper that then lists what got imported
IMPORTS = [python(), "-c", "import sys\nfrom dsconf.cli import main\ntry:\n    main(['validate', sys.argv[1]])\n"
           "except SystemExit:\n    pass\n"
           "print('IMPORTED', sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'deepspeed')))", str(FILE)]


def alternate_processes(a: list[str], b: list[str], reps: int) -> tuple[list[ProcRun], list[ProcRun]]:
    """Run the two commands ``reps`` times each, interleaved; one unmeasured run of each first (disk cache)."""
    e = env()
    for argv in (a, b):
        first = run_process(argv, e)
        if first.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({first.returncode}):\n{first.stdout}")
    ra: list[ProcRun] = []
    rb: list[ProcRun] = []
    for i in range(reps):
        for argv, out in ((a, ra), (b, rb)) if i % 2 == 0 else ((b, rb), (a, ra)):
            out.append(run_process(argv, e))
    return ra, rb


def run(opts: Options) -> list[Section]:
    reps = max(3, opts.proc_reps // 2) if opts.quick else opts.proc_reps
    ours, theirs = alternate_processes(DSCONF, DEEPSPEED, reps)
    wo, wt = median([r.wall for r in ours]), median([r.wall for r in theirs])
    sec = Section(f"Cold start: validate one file as a process ({FILE.name})",
                  ["process", "wall (median)", "peak RSS"])
    sec.rows.append(["`dsconf validate FILE`", ms(wo), mib(max(r.maxrss for r in ours))])
    sec.rows.append(["`python -c` importing DeepSpeed's parser, parsing FILE", ms(wt),
                     mib(max(r.maxrss for r in theirs))])
    sec.targets.append(Target("cold validate / DeepSpeed process", wo / wt, 1 / 8, "x",
                              note=f"{ms(wo)} vs {ms(wt)}"))
    imported = run_process(IMPORTS, env()).stdout
    line = next((x for x in imported.splitlines() if x.startswith("IMPORTED")), "IMPORTED ?")
    clean = line.strip() == "IMPORTED []"
    sec.targets.append(Target("modules of torch/deepspeed in the dsconf validate process", 0.0 if clean else 1.0, 0.0,
                              note="none" if clean else line))
    return [sec]
