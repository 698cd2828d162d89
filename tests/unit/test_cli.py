"""The ``dsconf`` command, run as ``python -m dsconf`` in subprocesses (what the console script runs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "tests" / "configs"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("WORLD_SIZE", None)
    return subprocess.run([sys.executable, "-m", "dsconf", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


def no_traceback(r: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in r.stdout + r.stderr


def test_help_on_every_subcommand() -> None:
    for cmd in ("validate", "show", "plan", "migrate", "schema", "explain", "docs"):
        r = run(cmd, "--help")
        assert r.returncode == 0, (cmd, r.stderr)
        assert "usage: dsconf " + cmd in r.stdout


def test_validate_files_of_every_kind(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    binary = tmp_path / "model.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    evil = tmp_path / "evil.yaml"
    marker = tmp_path / "pwned"
    evil.write_text(f"train_batch_size: !!python/object/apply:os.system ['touch {marker}']\n")
    cases = [
        (CONFIGS / "valid" / "hf_zero3.json", 0, "ok"),
        (CONFIGS / "edge" / "format_hjson_comments_trailing_commas.json", 0, "ok"),
        (CONFIGS / "legacy" / "zero3_cpu_offload_param.json", 0, "warning: 'zero_optimization.cpu_offload'"),
        (CONFIGS / "invalid" / "typo_in_zero_section.json", 1,
         "zero_optimization.overlap_com: unknown key 'overlap_com' (did you mean 'overlap_comm'?)"),
        (tmp_path / "missing.json", 2, "no such file"),
        (tmp_path, 2, "is a directory"),
        (empty, 2, "the file is empty"),
        (binary, 2, "not UTF-8 text"),
        (evil, 2, "YAML tag refused"),
    ]
    for path, code, message in cases:
        r = run("validate", str(path))
        no_traceback(r)
        assert r.returncode == code, (path, r.stdout, r.stderr)
        assert f"{path}: " in r.stdout and message in r.stdout, (path, r.stdout)
    assert not marker.exists()


def test_validate_many_files_json_and_strict_target() -> None:
    files = [str(CONFIGS / "valid" / "hf_zero2.json"), str(CONFIGS / "invalid" / "zero_stage_4.json")]
    r = run("validate", *files, "--format", "json", "--world-size", "8", "--target", "0.19.6")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert [f["valid"] for f in out["files"]] == [False, False] or out["files"][1]["valid"] is False
    assert out["files"][1]["problems"][0]["path"] == "zero_optimization.stage"
    r = run("validate", files[0], "--target", "9.9.9")
    assert r.returncode == 2 and "not a supported target" in r.stderr


def test_validate_yaml(tmp_path: Path) -> None:
    f = tmp_path / "ds.yaml"
    f.write_text("train_micro_batch_size_per_gpu: auto\ntrain_batch_size: 16\nbf16: {enabled: true}\n")
    r = run("validate", str(f), "--world-size", "4")
    assert r.returncode == 0, r.stdout
    assert "train_batch_size 16 = micro 4 x gas 1 x 4" in r.stdout


def test_show_composes_without_an_app() -> None:
    r = run("show", "zero=stage3_offload", "optimizer=adamw", "precision=bf16",
            "deepspeed.train_micro_batch_size_per_gpu=4", "--world-size", "64")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["train_batch_size"] == 256 and out["zero_optimization"]["stage"] == 3
    assert out["optimizer"]["type"] == "AdamW" and out["bf16"] == {"enabled": True}


def test_show_file_with_overrides_and_yaml() -> None:
    f = str(CONFIGS / "valid" / "hf_zero2.json")
    r = run("show", f, "deepspeed.gradient_clipping=0.5", "zero=stage3", "--format", "yaml", "--world-size", "8")
    assert r.returncode == 0, r.stderr
    assert "gradient_clipping: 0.5" in r.stdout and "stage: 3" in r.stdout
    r = run("show", "zero=stage9")
    assert r.returncode == 2 and "no option 'stage9' in group 'zero'" in r.stderr
    no_traceback(r)
    r = run("show", "deepspeed.train_micro_batch_size_per_gpu=1,2")
    assert r.returncode == 2 and "dsconf plan" in r.stderr


def test_plan_table_and_sweep() -> None:
    r = run("plan", "deepspeed.train_batch_size=96", "deepspeed.train_micro_batch_size_per_gpu=4",
            "--world-sizes", "1,2,8,64")
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0].split()[:4] == ["world_size", "train_batch_size", "micro_batch_per_gpu", "grad_accum_steps"]
    assert lines[3].split() == ["8", "96", "4", "3", "ok"]
    assert "INVALID" in lines[4] and "nearest valid world size: 24" in lines[4]
    r = run("plan", "zero=stage1,stage3", "deepspeed.train_micro_batch_size_per_gpu=1,2,4,8",
            "deepspeed.train_batch_size=64", "--world-sizes", "8,16", "--format", "json")
    out = json.loads(r.stdout)
    assert out["points"] == 8 and out["checks"] == 16
    bad = {(tuple(p["overrides"]), p["world_size"]) for p in out["invalid_points"]}
    assert (("zero=stage1", "deepspeed.train_micro_batch_size_per_gpu=8", "deepspeed.train_batch_size=64"), 16) in bad
    assert len(bad) == 2 * 1  # only micro 8 at world size 16 (64 / 16 = 4 < 8), for both stages
    assert r.returncode == 1


def test_plan_big_sweep() -> None:
    """A 20,000-check sweep (its speed is measured in bench/, not asserted here)."""
    r = run("plan", "zero=stage1,stage2", "deepspeed.train_micro_batch_size_per_gpu=range(1,51)",
            "deepspeed.gradient_accumulation_steps=range(1,51)", "deepspeed.gradient_clipping=0.5,1.0",
            "--world-sizes", "1,8", "--format", "json")
    out = json.loads(r.stdout)
    assert out["checks"] == 20000 and out["invalid"] == 0 and r.returncode == 0


def test_migrate(tmp_path: Path) -> None:
    src = CONFIGS / "legacy" / "zero3_cpu_offload_param.json"
    f = tmp_path / "ds.json"
    f.write_text(src.read_text())
    before = f.read_text()
    r = run("migrate", str(f))
    assert r.returncode == 0, r.stderr
    assert '+    "offload_param": {' in r.stdout and '-    "cpu_offload": true,' in r.stdout
    assert f.read_text() == before and not (tmp_path / "ds.json.bak").exists()
    out = tmp_path / "new.json"
    r = run("migrate", str(f), "-o", str(out))
    assert r.returncode == 0 and "cpu_offload" not in json.loads(out.read_text())["zero_optimization"]
    r = run("migrate", str(f), "--in-place")
    assert r.returncode == 0
    assert (tmp_path / "ds.json.bak").read_text() == before
    assert json.loads(f.read_text()) == json.loads(out.read_text())
    r = run("validate", str(f))
    assert r.returncode == 0 and "'zero_optimization.cpu_offload'" not in r.stdout
    r = run("migrate", str(f))
    assert r.returncode == 0 and "nothing to migrate" in r.stderr and r.stdout == ""
    r = run("migrate", str(tmp_path / "nope.json"))
    assert r.returncode == 2 and "no such file" in r.stderr


def test_schema_explain_docs(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    r = run("schema", "-o", str(out))
    assert r.returncode == 0
    schema = json.loads(out.read_text())
    assert schema["$schema"].endswith("2020-12/schema")
    r = run("explain", "gradient_clipping")
    assert r.returncode == 0
    assert "0.0 (DeepSpeed 0.7.7)" in r.stdout and "1.0 (DeepSpeed 0.19.8)" in r.stdout
    r = run("explain", "zero_optimization.stage3_gather_16bit_weights_on_model_save", "--format", "json")
    assert "zero_optimization.stage3_gather_fp16_weights_on_model_save" in json.loads(r.stdout)["legacy_spellings"]
    r = run("explain", "overlap_com")
    assert r.returncode == 2 and "did you mean" in r.stderr and "zero_optimization.overlap_comm" in r.stderr
    r = run("docs")
    assert r.returncode == 0 and r.stdout.startswith("# DeepSpeed configuration reference")


def test_reference_docs_up_to_date() -> None:
    from dsconf._docs import reference_markdown

    committed = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), "docs/reference.md is out of date: run `dsconf docs -o docs/reference.md`"


def test_usage_errors() -> None:
    r = run()
    assert r.returncode == 2
    r = run("validate")
    assert r.returncode == 2 and "usage:" in r.stderr
    r = run("plan", "--world-sizes", "1,x")
    assert r.returncode == 2 and "--world-sizes" in r.stderr
    no_traceback(r)


@pytest.mark.parametrize("cmd", [("schema",), ("explain", "zero_optimization.stage"), ("validate", "x.json")])
def test_never_imports_torch_or_deepspeed(cmd: tuple[str, ...]) -> None:
    code = ("import sys, runpy; sys.argv=['dsconf', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('dsconf', run_name='__main__')\nexcept SystemExit: pass\n"
            "assert 'torch' not in sys.modules and 'deepspeed' not in sys.modules, 'imported'\nprint('clean')")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True, env=env, timeout=120)
    assert "clean" in r.stdout, r.stderr
