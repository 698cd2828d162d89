"""Timing, memory and machine helpers shared by the measurements."""

from __future__ import annotations

import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Options:
    reps: int = 15  #: repetitions of each in-process pair (the median of these is reported)
    proc_reps: int = 7  #: repetitions of each subprocess pair
    quick: bool = False


@dataclass
class Target:
    """One checked goal: ``value`` compared against ``limit`` (smaller is better)."""

    name: str
    value: float
    limit: float
    unit: str = ""
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.value <= self.limit

    @property
    def measured(self) -> str:
        return fmt(self.value, self.unit) + (f" ({self.note})" if self.note else "")

    @property
    def goal(self) -> str:
        return f"<= {fmt(self.limit, self.unit)}"

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'MISS'}  {self.name}: {self.measured}, target {self.goal}"


@dataclass
class Section:
    """What one measurement module reports: a title, table rows, targets and free-form notes."""

    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def fmt(value: float, unit: str = "") -> str:
    if unit == "s":
        return ms(value)
    if unit == "x":
        return f"{value:.3g}x"
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:.3g}{unit}"


def ms(seconds: float) -> str:
    """A duration for a table: µs below 1 ms, ms below 10 s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 10:
        return f"{seconds * 1e3:.2f} ms" if seconds < 0.1 else f"{seconds * 1e3:.0f} ms"
    return f"{seconds:.1f} s"


def mib(n_bytes: float) -> str:
    """A memory size: KiB below 1 MiB (a single resolve allocates little)."""
    return f"{n_bytes / 2**10:.0f} KiB" if n_bytes < 2**20 else f"{n_bytes / 2**20:.1f} MiB"


def median(xs: Sequence[float]) -> float:
    return float(statistics.median(xs))


def timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def alternate(a: Callable[[], Any], b: Callable[[], Any], reps: int,
              setup: Callable[[], None] | None = None) -> tuple[list[float], list[float]]:
    """Time ``a`` and ``b`` ``reps`` times each, interleaved (a, b, b, a, ...) so drift in machine load hits both.

    The garbage collector is off inside each timed call (collections triggered by the other side's garbage would
    land at random); it runs between repetitions instead.
    """
    ta: list[float] = []
    tb: list[float] = []
    for i in range(reps):
        order = ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta))
        for fn, out in order:
            if setup is not None:
                setup()
            gc.collect()
            gc.disable()
            try:
                out.append(timed(fn))
            finally:
                gc.enable()
    return ta, tb


@dataclass
class ProcRun:
    wall: float
    maxrss: int  #: bytes
    returncode: int
    stdout: str


def run_process(argv: Sequence[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> ProcRun:
    """Run a command to completion through :mod:`bench._child`: its wall time (measured around the command only,
    not the launcher's start), its own peak RSS, exit code and output (through a file: no pipe can fill up)."""
    with tempfile.TemporaryDirectory(prefix="dsconf-bench-") as tmp:
        report = Path(tmp) / "report.json"
        log = Path(tmp) / "out.txt"
        with open(log, "w+", encoding="utf-8") as out:
            subprocess.run([sys.executable, "-m", "bench._child", str(report), *argv], cwd=cwd, env=env,
                           stdout=out, stderr=subprocess.STDOUT, check=True)
        got = json.loads(report.read_text(encoding="utf-8"))
        text = log.read_text(encoding="utf-8")
    return ProcRun(got["wall"], got["maxrss"], got["returncode"], text)


def env() -> dict[str, str]:
    """The environment of the child processes: this repository first on the path, DeepSpeed on CPU.

    Both sides start from bytecode caches, as installed packages do (pip byte-compiles DeepSpeed at install; dsconf
    is compiled by :func:`compile_sources` before the first run): with PYTHONDONTWRITEBYTECODE set, as on some CI
    machines, every dsconf process would otherwise compile its sources again (about 0.1 s) and DeepSpeed's not."""
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [e.get("PYTHONPATH")])])
    e.setdefault("DS_ACCELERATOR", "cpu")
    e.pop("PYTHONDONTWRITEBYTECODE", None)
    return e


def compile_sources() -> None:
    """Byte-compile dsconf and the training app in place (what installing a package does)."""
    import compileall

    compileall.compile_dir(str(ROOT / "dsconf"), quiet=1)
    compileall.compile_file(str(ROOT / "train.py"), quiet=1)


def peak_rss_self() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def machine() -> dict[str, str]:
    """CPU model, cores, Python and the versions of what is compared (for the README)."""
    from importlib import metadata

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }
    for dist in ("dsconf", "deepspeed", "torch", "hydra-core", "omegaconf", "pydantic"):
        try:
            info[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            info[dist] = "not installed"
    try:
        info["load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass
    return info


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, float]:
    """Least squares ``y = a + b x``: (a, b, R²)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    b = sxy / sxx if sxx else 0.0
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (a + b * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    return a, b, (1 - ss_res / ss_tot) if ss_tot else 1.0


def python() -> str:
    return sys.executable
