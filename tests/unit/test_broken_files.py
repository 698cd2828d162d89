"""Broken files through the loader and `dsconf validate`: each ends in one DeepSpeedConfigError naming the file,
within a few seconds and without reading more than the 64 MB limit; the command prints it without a traceback and
exits 2 (unreadable input) or 1 (read, but not a valid config) -- the convention of dsconf/cli.py.

``CASES`` is the table (the README's figure counts its rows).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import dsconf
import dsconf._read as read_mod
from dsconf import DeepSpeedConfigError
from dsconf.cli import INVALID, USAGE, main

ROOT = Path(__file__).resolve().parents[2]
DEPTH = 10_000  # Python's json and PyYAML recurse per level: this is far past the recursion limit


def _billion_laughs() -> str:
    """Nine levels of nine aliases each: 9**9 (387 million) strings once expanded; a few hundred bytes on disk."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines.append("train_batch_size: *j")
    return "\n".join(lines) + "\n"


def _write(name: str, content: str | bytes) -> Callable[[Path], str]:
    def make(tmp: Path) -> str:
        path = tmp / name
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)  # type: ignore[operator]
        return str(path)

    return make


def _sparse_100mb(tmp: Path) -> str:
    path = tmp / "huge.json"
    with open(path, "wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # 100 MB on paper, no disk used: the loader must refuse it unread
    return str(path)


def _fifo(tmp: Path) -> str:
    path = tmp / "pipe.json"
    os.mkfifo(path)  # no writer: a blocking open() would wait forever
    return str(path)


def _directory(tmp: Path) -> str:
    (tmp / "dir.json").mkdir()
    return str(tmp / "dir.json")


def _symlink_loop(tmp: Path) -> str:
    (tmp / "loop.json").symlink_to(tmp / "loop.json")
    return str(tmp / "loop.json")


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], str]
    needle: str  # in the message
    exit_code: int = USAGE  # of `dsconf validate`


CASES: list[Case] = [
    Case("empty", _write("empty.json", ""), "the file is empty"),
    Case("whitespace", _write("blank.json", " \n\t\n"), "the file is empty"),
    Case("empty_yaml", _write("empty.yaml", "\n"), "the file is empty"),
    Case("not_utf8", _write("latin1.json", '{"x": "caf\xe9"}'.encode("latin-1")), "not UTF-8"),
    Case("binary", _write("model.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"), "not UTF-8"),
    Case("truncated_json", _write("cut.json", '{"train_batch_size": 8, "zero_optimization": {"stage": 2'),
         "not valid JSON"),
    Case("truncated_yaml", _write("cut.yaml", 'train_batch_size: 8\nzero_optimization: {stage: 2\n'),
         "not valid YAML"),
    Case("top_level_list", _write("list.json", "[1, 2, 3]"), "top level is a list"),
    Case("top_level_string", _write("str.json", '"train_batch_size"'), "top level is a str"),
    Case("top_level_number_yaml", _write("num.yaml", "42\n"), "top level is a int"),
    Case("deep_json", _write("deep.json", "[" * DEPTH + "]" * DEPTH), "nested too deeply"),
    Case("deep_json_objects", _write("deep_obj.json", '{"a": ' * DEPTH + "1" + "}" * DEPTH), "nested too deeply"),
    Case("deep_yaml", _write("deep.yaml", "a: " + "[" * DEPTH + "]" * DEPTH + "\n"), "nested too deeply"),
    Case("deep_but_parsable", _write("deep500.json", '{"train_batch_size": 8, "x": ' + "[" * 500 + "]" * 500 + "}"),
         "nested more than 100 levels"),
    Case("huge_100mb", _sparse_100mb, "file is too large"),
    Case("large_lenient_json", _write("big.json", '{"train_batch_size": 8, "x": [' + "1," * 1_000_000 + "],}"),
         "comments and trailing commas are read only in files under 1 MB"),
    Case("huge_integer", _write("digits.json", '{"train_batch_size": ' + "9" * 5000 + "}"), "4300 digits"),
    Case("duplicate_keys_json", _write("dup.json", '{"train_batch_size": 8, "train_batch_size": 16}'),
         "duplicate keys 'train_batch_size'"),
    Case("duplicate_keys_yaml", _write("dup.yaml", "zero_optimization:\n  stage: 1\n  stage: 2\n"),
         "duplicate keys 'stage'"),
    Case("directory", _directory, "is a directory"),
    Case("missing", lambda tmp: str(tmp / "nope.json"), "no such file"),
    Case("nul_in_path", lambda tmp: str(tmp / "a\x00b.json"), "NUL byte"),
    Case("fifo", _fifo, "not a regular file"),
    Case("char_device", lambda tmp: "/dev/zero", "not a regular file"),  # an endless stream
    Case("symlink_loop", _symlink_loop, "cannot open"),
    Case("yaml_python_object", _write("obj.yaml", "train_batch_size: !!python/object:os.system {}\n"), "tag refused"),
    Case("yaml_python_apply", _write("apply.yaml", "train_batch_size: !!python/object/apply:os.system ['true']\n"),
         "tag refused"),
    Case("yaml_python_name", _write("name.yaml", "x: !!python/name:os.system\n"), "tag refused"),
    Case("yaml_custom_tag", _write("tag.yaml", "train_batch_size: !include other.yaml\n"), "tag refused"),
    Case("yaml_complex_key", _write("key.yaml", "? [a, b]\n: 1\n"), "keys must be strings"),
    Case("yaml_two_documents", _write("two.yaml", "train_batch_size: 8\n---\ntrain_batch_size: 9\n"),
         "single document"),
    Case("yaml_billion_laughs", _write("lol.yaml", _billion_laughs()), "holds more than 100,000 values"),
    Case("yaml_set", _write("set.yaml", "train_batch_size: !!set {8: null}\n"), "has the wrong type", INVALID),
    Case("yaml_timestamp", _write("date.yaml", "train_batch_size: 2024-01-01\n"), "has the wrong type", INVALID),
]


@pytest.fixture(autouse=True)
def _deadline() -> Iterator[None]:
    """Every case within 20 s (SIGALRM interrupts even a blocking open() of a FIFO)."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError("took longer than 20 s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_loader(case: Case, tmp_path: Path) -> None:
    path = case.make(tmp_path)
    before = _maxrss_mb()
    with pytest.raises(DeepSpeedConfigError) as err:
        dsconf.DeepSpeedConfig(path)
    assert case.needle in str(err.value), str(err.value)
    shown = path.replace("\x00", "\\0")
    assert err.value.source == shown or shown in str(err.value)
    assert _maxrss_mb() - before < 200, "reading a broken file must not take hundreds of MB"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli_validate(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case.make(tmp_path)
    code = main(["validate", path])
    out, err = capsys.readouterr()
    assert code == case.exit_code, out + err
    assert case.needle in out + err
    assert "Traceback" not in out + err


def test_cli_in_a_subprocess_prints_no_traceback(tmp_path: Path) -> None:
    """All the cases in one `python -m dsconf validate` run: exit 2, each file named, no traceback, bounded time."""
    paths = [c.make(tmp_path) for c in CASES if c.name not in ("nul_in_path",)]  # argv cannot hold a NUL
    r = subprocess.run([sys.executable, "-m", "dsconf", "validate", *paths], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)), check=False)
    assert r.returncode == USAGE, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    for p in paths:
        assert p in r.stdout, p
    assert f"0 of {len(paths)} files valid" in r.stdout


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """chmod 000 stops everyone but root; as root (this machine's CI) the open() is made to fail as it would."""
    path = tmp_path / "secret.json"
    path.write_text('{"train_batch_size": 8}')
    if os.geteuid() == 0:
        real_open = os.open

        def denied(p: str | os.PathLike[str], *a: object, **kw: object) -> int:
            if os.fspath(p) == str(path):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(p, *a, **kw)  # type: ignore[arg-type]

        monkeypatch.setattr(read_mod.os, "open", denied)
    else:  # pragma: no cover - CI runs as root
        path.chmod(0)
    with pytest.raises(DeepSpeedConfigError, match="permission denied"):
        dsconf.DeepSpeedConfig(str(path))
    assert main(["validate", str(path)]) == USAGE
    assert "permission denied" in capsys.readouterr().out


def test_a_file_larger_than_it_says_is_read_only_to_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """/proc files report size 0 and can be any length: the read itself stops one byte past the limit."""
    if not os.path.exists("/proc/self/status"):  # pragma: no cover
        pytest.skip("no /proc")
    assert os.stat("/proc/self/status").st_size == 0
    monkeypatch.setattr(read_mod, "_MAX_BYTES", 64)
    with pytest.raises(DeepSpeedConfigError, match="more than 64 bytes"):
        read_mod.read_bytes("/proc/self/status")


def test_anchors_within_the_budget_and_merge_keys_work(tmp_path: Path) -> None:
    path = tmp_path / "anchors.yaml"
    path.write_text("train_batch_size: &n 8\ntrain_micro_batch_size_per_gpu: *n\n"
                    "zero_optimization:\n  <<: {stage: 2, overlap_comm: true}\n  stage: 3\n")
    ds = dsconf.DeepSpeedConfig(str(path), world_size=1)
    assert (ds.train_batch_size, ds.zero_optimization_stage, ds.zero_config.overlap_comm) == (8, 3, True)


def test_a_dict_that_contains_itself() -> None:
    cyclic: dict[str, object] = {"stage": 2}
    cyclic["offload_param"] = cyclic
    with pytest.raises(DeepSpeedConfigError, match="contains itself") as err:
        dsconf.DeepSpeedConfig({"train_batch_size": 8, "zero_optimization": cyclic})
    assert err.value.problems[0].path.startswith("zero_optimization.offload_param.offload_param")
