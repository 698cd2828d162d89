"""The training app (train.py) end to end, in real subprocesses, with real DeepSpeed 0.19.8 on CPU.

Runs: one single-process run per ZeRO stage and CPU offload (the whole data set's loss falls; DeepSpeed's JIT-built CPU
Adam, torch_adam, SGD + bf16, Adagrad), 2-process jobs under torchrun (stage 3) and the deepspeed launcher, a 4-point
multirun and a joblib-parallel one, the CPU refusal of Lamb, ``--cfg job`` / ``dry_run`` without torch, the sweep
check, and the SLURM launcher config's composition. The first run JIT-builds DeepSpeed's CPU ops (cpu_adam,
deepspeed_shm_comm: a minute or two each on 2 cores) into ~/.cache/torch_extensions.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import _deepspeed as harness
import pytest

pytestmark = [
    pytest.mark.deepspeed,
    pytest.mark.skipif(harness.DS_VERSION != "0.19.8",
                       reason=f"the training app targets DeepSpeed 0.19.8 (installed: {harness.DS_VERSION})"),
]

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "train.py"
TINY = ["model=mlp_tiny", "data.num_samples=512", "log_every=1"]


def _installed(module: str) -> bool:
    try:  # find_spec of a dotted name raises when the parent package is missing
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_NTASKS")}
    env.update(DS_ACCELERATOR="cpu", OMP_NUM_THREADS="1", HYDRA_FULL_ERROR="0",
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p))
    return env


def run(args: list[str], cwd: Path, *, launcher: list[str] | None = None, timeout: float = 240,
        python_flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    cmd = (launcher or [sys.executable, *python_flags]) + [str(TRAIN), *args]
    return subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    tail = f"stdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0, f"exit {proc.returncode}\n{tail}"
    return proc


def load(path: Path) -> Any:
    return json.loads(path.read_text())


def check_run_dir(run_dir: Path, world: int) -> dict[str, Any]:
    ds_config = load(run_dir / "ds_config.json")
    metrics = load(run_dir / "metrics.json")
    assert (run_dir / "config.yaml").is_file()
    triple = (metrics["train_batch_size"], metrics["train_micro_batch_size_per_gpu"],
              metrics["gradient_accumulation_steps"])
    assert triple == (ds_config["train_batch_size"], ds_config["train_micro_batch_size_per_gpu"],
                      ds_config["gradient_accumulation_steps"])
    assert triple[0] == triple[1] * triple[2] * world
    assert metrics["world_size"] == world
    assert len(metrics["loss"]) == metrics["steps"]
    assert metrics["samples_per_sec"] > 0
    real = harness.evaluate(ds_config, world_size=world)
    assert real.error is None, real.error
    return metrics


RUNS = {
    # stage 0 keeps DeepSpeed's own CPU Adam (JIT-built once, then cached in ~/.cache/torch_extensions)
    "stage0-adam": (0, ["zero=stage0", "optimizer=adam"]),
    "stage1-torch_adamw": (1, ["zero=stage1", "optimizer=adamw", "deepspeed.optimizer.params.torch_adam=true"]),
    "stage2-sgd-bf16": (2, ["zero=stage2", "optimizer=sgd", "precision=bf16"]),
    "stage3-adagrad": (3, ["zero=stage3", "optimizer=adagrad"]),
    # optimizer states and step on the CPU (DeepSpeedCPUAdam), ZeRO-Offload's path
    "stage2_offload-adamw": (2, ["zero=stage2_offload", "optimizer=adamw"]),
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_single_process_run_loss_goes_down(name: str, tmp_path: Path) -> None:
    stage, overrides = RUNS[name]
    run_dir = tmp_path / "run"
    proc = ok(run(["steps=20", *TINY, *overrides, f"hydra.run.dir={run_dir}"], tmp_path, timeout=420))
    metrics = check_run_dir(run_dir, world=1)
    assert metrics["zero_stage"] == stage
    # the whole data set's loss before and after training: single-batch step losses are too noisy for 20 steps
    start, end = metrics["eval_loss"]["start"], metrics["eval_loss"]["end"]
    assert end < 0.7 * start, (metrics["eval_loss"], metrics["loss"])
    # DeepSpeed's default stage is 0: dsconf's to_dict() leaves default-valued sections out
    assert load(run_dir / "ds_config.json").get("zero_optimization", {}).get("stage", 0) == stage
    assert "step   20/20" in proc.stderr + proc.stdout


def test_torchrun_two_ranks_stage3(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    # a real free port: with --master_port=0 the workers are told port 0 and their TCPStore client never connects
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={_free_port()}"]
    proc = ok(run(["zero=stage3", "optimizer=sgd", "steps=4", *TINY, f"hydra.run.dir={run_dir}"], tmp_path,
                  launcher=launcher, timeout=600))
    metrics = check_run_dir(run_dir, world=2)
    assert metrics["world_size_source"].lower().startswith("launcher") or "WORLD_SIZE" in metrics["world_size_source"]
    assert metrics["ranks_agree"] is True
    assert [r["rank"] for r in metrics["ranks"]] == [0, 1]
    assert {tuple(r["batch"]) for r in metrics["ranks"]} == {(32, 8, 2)}
    out = proc.stdout + proc.stderr
    assert out.count("done: 4 steps") == 1  # the per-step log comes from rank 0 only


def test_deepspeed_launcher_two_ranks(tmp_path: Path) -> None:
    """``deepspeed --num_gpus 2 train.py``: the launcher's ``--local_rank=N`` argument reaches LOCAL_RANK, not Hydra."""
    run_dir = tmp_path / "run"
    launcher = [sys.executable, "-m", "deepspeed.launcher.runner", "--num_gpus", "2", "--master_port",
                str(_free_port())]
    ok(run(["zero=stage2", "optimizer=sgd", "steps=2", *TINY, f"hydra.run.dir={run_dir}"], tmp_path,
           launcher=launcher, timeout=600))
    metrics = check_run_dir(run_dir, world=2)
    assert metrics["ranks_agree"] is True and [r["rank"] for r in metrics["ranks"]] == [0, 1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_multirun_one_ds_config_per_point(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    ok(run(["-m", "zero=stage1,stage2", "optimizer=sgd,adagrad", "steps=2", *TINY, f"hydra.sweep.dir={sweep}"],
           tmp_path, timeout=300))
    points = sorted(p for p in sweep.iterdir() if p.is_dir() and (p / "ds_config.json").exists())
    assert len(points) == 4, sorted(sweep.iterdir())
    seen = set()
    for point in points:
        ds_config = load(point / "ds_config.json")
        check_run_dir(point, world=1)
        seen.add((ds_config["zero_optimization"]["stage"], ds_config["optimizer"]["type"].lower()))
    assert seen == {(1, "sgd"), (1, "adagrad"), (2, "sgd"), (2, "adagrad")}


@pytest.mark.skipif(not _installed("hydra_plugins.hydra_joblib_launcher"),
                    reason="hydra-joblib-launcher not installed (pip install -e .[launchers])")
def test_multirun_joblib_launcher_runs_points_in_parallel(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    ok(run(["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "zero=stage1,stage3", "optimizer=sgd", "steps=2",
            *TINY, f"hydra.sweep.dir={sweep}"], tmp_path, timeout=400))
    stages = sorted(load(p)["zero_optimization"]["stage"] for p in sweep.rglob("ds_config.json"))
    assert stages == [1, 3]
    for point in sweep.rglob("metrics.json"):
        check_run_dir(point.parent, world=1)


def test_sweep_with_invalid_points_stops_before_running(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    proc = run(["-m", "zero=stage1,stage9", "optimizer=sgd,lamb", f"hydra.sweep.dir={sweep}"], tmp_path)
    assert proc.returncode != 0
    assert "3 of 4 sweep point(s) invalid; nothing was run" in proc.stderr
    assert "zero=stage9" in proc.stderr and "optimizer 'lamb' needs CUDA" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not list(sweep.rglob("ds_config.json"))


def test_cuda_only_optimizer_refused_on_cpu(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    proc = run(["optimizer=lamb", f"hydra.run.dir={run_dir}"], tmp_path)
    assert proc.returncode != 0
    assert "optimizer 'lamb' needs CUDA" in proc.stderr
    assert "On CPU, DeepSpeed 0.19.8 trains:" in proc.stderr and "optimizer=adam|adamw|adagrad|sgd" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (run_dir / "metrics.json").exists()


def test_override_into_a_null_section_is_named_without_traceback(tmp_path: Path) -> None:
    proc = run(["deepspeed.tensorboard.enabled=true", "dry_run=true", f"hydra.run.dir={tmp_path / 'run'}"], tmp_path)
    assert proc.returncode != 0
    assert "deepspeed={tensorboard:{enabled:true}}" in proc.stderr and "Traceback" not in proc.stderr
    works = ok(run(["deepspeed={tensorboard:{enabled:true}}", "dry_run=true", f"hydra.run.dir={tmp_path / 'ok'}"],
                   tmp_path))
    assert '"tensorboard": {' in works.stdout


def test_fp16_refused_on_a_cpu_without_fp16_kernels(tmp_path: Path) -> None:
    import torch

    if torch.ops.mkldnn._is_mkldnn_fp16_supported():
        pytest.skip("this CPU has oneDNN fp16 kernels: DeepSpeed's CPU accelerator accepts fp16 here")
    proc = run(["precision=fp16", "optimizer=sgd", f"hydra.run.dir={tmp_path / 'run'}"], tmp_path)
    assert proc.returncode != 0
    assert "precision fp16 is not supported on this CPU" in proc.stderr and "precision=bf16" in proc.stderr
    assert "Traceback" not in proc.stderr


def _imported(stderr: str) -> set[str]:
    """Top-level modules from ``python -X importtime`` output."""
    out = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            out.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return out


def test_cfg_job_prints_without_torch(tmp_path: Path) -> None:
    proc = ok(run(["zero=stage2", "optimizer=lamb", "--cfg", "job"], tmp_path, python_flags=("-X", "importtime")))
    assert "type: Lamb" in proc.stdout and "stage: 2" in proc.stdout
    imported = _imported(proc.stderr)
    assert "dsconf" in imported and "torch" not in imported and "deepspeed" not in imported


def test_dry_run_prints_resolved_config_without_torch(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    proc = ok(run(["zero=stage2", "optimizer=lamb", "dry_run=true", f"hydra.run.dir={run_dir}"], tmp_path,
                  python_flags=("-X", "importtime")))
    printed = json.loads(proc.stdout[proc.stdout.index("{"):])
    assert printed["optimizer"]["type"] == "Lamb" and printed["zero_optimization"]["stage"] == 2
    assert printed["train_batch_size"] == 16
    assert load(run_dir / "ds_config.json") == printed
    assert "torch" not in _imported(proc.stderr)


@pytest.mark.skipif(not _installed("hydra_plugins.hydra_submitit_launcher"),
                    reason="hydra-submitit-launcher not installed (pip install -e .[launchers])")
def test_slurm_launcher_config_composes(tmp_path: Path) -> None:
    proc = ok(run(["hydra/launcher=slurm", "--cfg", "hydra", "--package", "hydra.launcher"], tmp_path))
    assert "SlurmLauncher" in proc.stdout and "tasks_per_node" in proc.stdout
