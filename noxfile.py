"""Sessions: tests (fast, no torch), deepspeed (the same plus differential tests, once per DeepSpeed release),
lint, typecheck, train (the example app), bench.

torch is always pinned to 2.13.0 (the CPU wheel on this machine); any other spec may pull a multi-GB CUDA build.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "deepspeed", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = False

TORCH = "torch==2.13.0"
RELEASES = ["0.19.8", "0.19.6", "0.7.7"]
# 0.7.7 predates pydantic 2 and numpy 1.25's removals
EXTRA_PINS = {"0.7.7": ["pydantic<2", "numpy<1.25"]}


def install_deepspeed(session: nox.Session, release: str) -> None:
    session.install(TORCH)
    session.install("wheel", "numpy", "packaging", *EXTRA_PINS.get(release, []))
    session.install("--no-build-isolation", f"deepspeed=={release}", env={"DS_BUILD_OPS": "0"})


@nox.session
def tests(session: nox.Session) -> None:
    """The fast suite: schema, loader, resolver, groups, CLI; no torch, no deepspeed."""
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "not deepspeed and not slow", "-q", *session.posargs)


@nox.session
def slow(session: nox.Session) -> None:
    """Long checks kept out of CI: the full group product through Hydra's compose API (~13,000 compositions)."""
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "slow and not deepspeed", "-q", *session.posargs)


@nox.session
@nox.parametrize("release", RELEASES)
def deepspeed(session: nox.Session, release: str) -> None:
    """Tests against real DeepSpeed `release` (differential tests; the training app with 0.19.8)."""
    install_deepspeed(session, release)
    # the training app's tests (joblib sweeps, the SLURM launcher config) run against 0.19.8 only
    session.install("-e", ".[test,launchers]" if release == "0.19.8" else ".[test]")
    env = {"DS_ACCELERATOR": "cpu"}
    session.run("pytest", "-m", "deepspeed and not slow", "-q", "--ignore=tests/property", *session.posargs, env=env)
    # The properties run without pytest's per-item output/log/warning capture (thousands of examples in one item).
    # The ~20 GB RSS once blamed on that capture was real DeepSpeed building a string batch value times huge ints
    # ("8" * G * W); tests/strategies.py keeps such triples small (bounded_for_deepspeed).
    session.run("pytest", "-m", "deepspeed", "-q", "tests/property", "-s", "-p", "no:logging", "-p", "no:warnings",
                *session.posargs, env=env)


@nox.session
def robustness(session: nox.Session) -> None:
    """The robustness suite at length, not in CI: the no-crash and round-trip properties with
    HYPOTHESIS_PROFILE=long (1,000,000 generated configs for the no-crash property alone), the broken-file table, the
    atomic-write and error-table tests. No DeepSpeed needed. The properties are shared between
    ``HYPOTHESIS_SHARDS`` processes (default: one per core), each running its share from its own seed;
    ``HYPOTHESIS_PROFILE=dev nox -s robustness`` is the short run. The differential properties at length are
    ``HYPOTHESIS_PROFILE=long nox -s deepspeed``.
    """
    import os
    import subprocess

    session.install("-e", ".[test]")
    profile = os.environ.get("HYPOTHESIS_PROFILE", "long")
    shards = int(os.environ.get("HYPOTHESIS_SHARDS", str(os.cpu_count() or 1)))
    # like the deepspeed session's properties: without pytest's per-item capture (it keeps every example's output)
    pytest = ["pytest", "-q", "-s", "-p", "no:logging", "-p", "no:warnings"]
    properties = ["tests/property/test_no_crash.py", "tests/unit/test_roundtrips.py"]
    env = {"HYPOTHESIS_PROFILE": profile}
    session.run(*pytest, "tests/unit/test_broken_files.py", "tests/unit/test_atomic_writes.py",
                "tests/unit/test_errors.py", *session.posargs, env=env)
    if shards <= 1:
        session.run(*pytest, *properties, *session.posargs, env=env)
        return
    bindir = session.bin  # the session's virtualenv; the shards run side by side, one per core
    procs = [
        subprocess.Popen([os.path.join(bindir, "pytest"), *pytest[1:], *properties, f"--hypothesis-seed={seed}",
                          *session.posargs], env={**os.environ, **env, "HYPOTHESIS_SHARDS": str(shards)})
        for seed in range(1, shards + 1)
    ]
    codes = [p.wait() for p in procs]
    if any(codes):
        session.error(f"robustness shards exited with {codes}")


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", "dsconf", "tests", "tools", "train.py", "noxfile.py", "bench")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".", "mypy", "types-PyYAML")
    session.run("mypy", "dsconf", "train.py")


@nox.session
def train(session: nox.Session) -> None:
    """Set up torch + DeepSpeed 0.19.8 + dsconf and run the example app: `nox -s train -- zero=stage2`."""
    install_deepspeed(session, "0.19.8")
    session.install("-e", ".[launchers]")
    session.run("python", "train.py", *session.posargs, env={"DS_ACCELERATOR": "cpu"})


@nox.session
def bench(session: nox.Session) -> None:
    """Side-by-side benchmarks against real DeepSpeed 0.19.8 (torch 2.13.0 CPU): `nox -s bench -- --write-readme`
    rewrites the README's Performance block; `-- --quick` is a smoke run."""
    install_deepspeed(session, "0.19.8")
    session.install("-e", ".")
    session.run("python", "-m", "bench", *session.posargs, env={"DS_ACCELERATOR": "cpu"})
