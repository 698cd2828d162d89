"""Nothing lost: every file dsconf writes goes through a temporary file in the same directory and a rename
(dsconf.config.atomic_write). An interruption before the rename leaves the old file as it was and no temporary
file (SIGKILL aside: nothing can clean up after it, but the old file is still whole); parallel writers never leave
a mix of two versions."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import dsconf.config as config_mod
from dsconf.cli import USAGE, main
from dsconf.config import atomic_write

ROOT = Path(__file__).resolve().parents[2]
LEGACY = '{\r\n  "train_batch_size": 8,\r\n  "zero_optimization": {"stage": 2, "cpu_offload": true}\r\n}\r\n'
OLD = b"OLD CONTENT\n"


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".dsconf-"))


# every command that writes a file, with the file it writes (created beforehand with OLD in it)
def _commands(tmp: Path) -> dict[str, tuple[list[str], Path]]:
    src = tmp / "legacy.json"
    src.write_text(LEGACY)
    return {
        "migrate -o": (["migrate", str(src), "-o", str(tmp / "out.json")], tmp / "out.json"),
        "migrate --in-place": (["migrate", str(src), "--in-place"], src),
        "convert -o": (["convert", str(src), "-o", str(tmp / "out.yaml")], tmp / "out.yaml"),
        "schema -o": (["schema", "-o", str(tmp / "schema.json")], tmp / "schema.json"),
        "docs -o": (["docs", "-o", str(tmp / "ref.md")], tmp / "ref.md"),
    }


@pytest.mark.parametrize("command", ["migrate -o", "migrate --in-place", "convert -o", "schema -o", "docs -o"])
def test_failed_rename_leaves_the_old_file(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    argv, target = _commands(tmp_path)[command]
    before = target.read_bytes() if target.exists() else None
    if before is None:
        target.write_bytes(OLD)
        before = OLD

    def no_space(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(config_mod.os, "replace", no_space)
    assert main(argv) == USAGE
    assert "cannot write" in capsys.readouterr().err
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("command", ["migrate -o", "migrate --in-place", "convert -o", "schema -o", "docs -o"])
def test_every_writer_is_atomic(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each command writes through atomic_write and nothing else (no open(..., 'w') on the target)."""
    argv, target = _commands(tmp_path)[command]
    written: list[str] = []
    real = config_mod.atomic_write

    def spy(path: Any, data: Any) -> None:
        written.append(os.path.realpath(path))
        real(path, data)

    monkeypatch.setattr(config_mod, "atomic_write", spy)
    assert main(argv) == 0
    assert os.path.realpath(target) in written
    assert target.stat().st_size > 0
    assert _leftovers(tmp_path) == []


def test_failed_write_midway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The serializer's output fails half-way (a full disk): old file intact, temporary file removed."""
    target = tmp_path / "ds.json"
    target.write_bytes(OLD)
    real_fsync = os.fsync

    def full_disk(fd: int) -> None:
        real_fsync(fd)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(config_mod.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        atomic_write(target, "x" * 1_000_000)
    assert target.read_bytes() == OLD
    assert _leftovers(tmp_path) == []


def test_in_place_keeps_a_byte_exact_backup_mode_and_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_bytes(LEGACY.encode())
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert main(["migrate", str(link), "--in-place"]) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)  # the link stays a link
    assert "offload_optimizer" in real.read_text()
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # mkstemp's 0600 is not what the user had
    assert (tmp_path / "link.json.bak").read_bytes() == LEGACY.encode()  # CRLF and all
    assert _leftovers(tmp_path) == []


def test_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic_write(tmp_path / "new.json", "{}\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640


_SLOW_WRITER = """
import os, sys, time
import dsconf.config as c
real = os.fsync
def slow(fd):
    real(fd)
    print("writing", flush=True)
    time.sleep(30)          # the temporary file is complete, the rename has not happened
c.os.fsync = slow
c.atomic_write(sys.argv[1], "NEW " * 100000)
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_killed_writer_leaves_the_old_file(sig: int, tmp_path: Path) -> None:
    target = tmp_path / "ds.json"
    target.write_bytes(OLD)
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(target)], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert target.read_bytes() == OLD
    if sig == signal.SIGINT:  # KeyboardInterrupt: the temporary file is removed on the way out
        assert _leftovers(tmp_path) == []
    else:  # SIGKILL: nothing runs; the hidden temporary file is all that is left, the target is whole
        assert len(_leftovers(tmp_path)) <= 1


def _writer(path: str, tag: int, rounds: int) -> None:
    body = json.dumps({"writer": tag, "payload": [tag] * 20_000})
    for _ in range(rounds):
        atomic_write(path, body)


def test_parallel_writers_never_mix(tmp_path: Path) -> None:
    """Four processes rewrite the same file (and one each of their own) while this one reads it: every read is
    one writer's complete JSON, and at the end no temporary file is left."""
    shared = tmp_path / "shared.json"
    atomic_write(shared, json.dumps({"writer": -1, "payload": []}))
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(shared), i, 40)) for i in range(4)]
    procs += [ctx.Process(target=_writer, args=(str(tmp_path / f"own{i}.json"), i, 20)) for i in range(4)]
    for p in procs:
        p.start()
    reads = 0
    deadline = time.monotonic() + 60
    while any(p.is_alive() for p in procs) and time.monotonic() < deadline:
        data = json.loads(shared.read_text())
        assert data["payload"] == [data["writer"]] * len(data["payload"])
        reads += 1
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    final = json.loads(shared.read_text())
    assert final["writer"] in range(4) and len(final["payload"]) == 20_000
    for i in range(4):
        assert json.loads((tmp_path / f"own{i}.json").read_text())["writer"] == i
    assert reads > 0
    assert _leftovers(tmp_path) == []
