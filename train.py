"""Train a small MLP with DeepSpeed, configured by dsconf's Hydra groups.

    python train.py zero=stage2 optimizer=adamw precision=bf16 steps=50
    python train.py zero=stage2 optimizer=lamb --cfg job       # the composed config; never imports torch
    python train.py zero=stage3 dry_run=true                    # the resolved ds_config.json; no torch either
    torchrun --nproc_per_node=2 train.py zero=stage3
    deepspeed --num_gpus 2 train.py zero=stage3                 # the deepspeed launcher (CPU: one process per "gpu")
    python train.py -m zero=stage1,stage2,stage3 optimizer=adam,adamw [hydra/launcher=joblib | hydra/launcher=slurm]

Each run writes into its Hydra run directory (rank 0 only): ``ds_config.json`` (exactly what DeepSpeed got),
``config.yaml`` (the composed config) and ``metrics.json`` (loss per step, samples/s, world size, batch triple).
torch and deepspeed are imported inside :func:`train` only, so composing, ``--cfg job`` and ``dry_run`` stay light.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

import dsconf
import dsconf.groups
from dsconf import DeepSpeedConfigError
from dsconf.config import atomic_write
from dsconf.schema.root import DsconfAppConfig

if TYPE_CHECKING:
    import torch

log = logging.getLogger("train")

#: optimizers whose DeepSpeed implementation is a CUDA kernel (FusedLamb, the 1-bit family, FusedLion)
CUDA_ONLY_OPTIMIZERS = {
    "lamb": "DeepSpeed's Lamb is the FusedLamb CUDA kernel",
    "lion": "DeepSpeed's Lion is the FusedLion CUDA kernel (CPU Lion exists only for ZeRO-Offload on a GPU machine)",
    "onebitadam": "1-bit Adam compresses gradients with CUDA kernels (cupy / NCCL)",
    "onebitlamb": "1-bit LAMB compresses gradients with CUDA kernels (cupy / NCCL)",
    "zerooneadam": "0/1 Adam compresses gradients with CUDA kernels (cupy / NCCL)",
}
MUP_OPTIMIZERS = {"muadam", "muadamw", "musgd"}
CPU_OPTIONS = ("zero=stage0|stage1|stage2|stage3|stage2_offload|stage3_offload; precision=fp32|bf16; "
               "optimizer=adam|adamw|adagrad|sgd (adam/adamw also with deepspeed.optimizer.params.torch_adam=true)")


# ---------------------------------------------------------------------------------------------- run directory
def launch_stamp() -> str:
    """A timestamp every rank of one launch agrees on: the launcher's start time under torchrun, else now.

    Hydra's default ``${now:}`` is evaluated by each rank separately and can differ by a second between ranks.
    """
    when = _dt.datetime.now()
    if "TORCHELASTIC_RUN_ID" in os.environ or "LOCAL_RANK" in os.environ:
        started = _process_start(os.getppid())
        if started is not None:
            when = started
    return when.strftime("%Y-%m-%d/%H-%M-%S")


def _process_start(pid: int) -> _dt.datetime | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(stat[19])  # field 22: starttime, in clock ticks after boot
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        age = uptime - ticks / os.sysconf("SC_CLK_TCK")
        return _dt.datetime.now() - _dt.timedelta(seconds=age)
    except (OSError, ValueError, IndexError):
        return None


# ---------------------------------------------------------------------------------------------- the app's schema
@dataclass
class ModelConfig:
    name: str = "mlp"
    input_dim: int = 16
    hidden_dim: int = 64
    num_layers: int = 3
    output_dim: int = 1


@dataclass
class DataConfig:
    name: str = "synthetic"
    num_samples: int = 4096
    noise: float = 0.01
    seed: int = 0


@dataclass
class TrainAppConfig(DsconfAppConfig):
    """dsconf's primary node (``deepspeed`` + ``dsconf``) plus the app's own, typed keys."""

    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    steps: int = 20
    seed: int = 1234
    dry_run: bool = False
    log_every: int = 1


def register() -> None:
    if not OmegaConf.has_resolver("launch_stamp"):
        OmegaConf.register_new_resolver("launch_stamp", launch_stamp, use_cache=True)
    dsconf.groups.register_configs()
    ConfigStore.instance().store(name="train_app", node=TrainAppConfig)
    ConfigStore.instance().store(group="model", name="base_mlp", node=ModelConfig)
    ConfigStore.instance().store(group="data", name="base_synthetic", node=DataConfig)


register()


# ---------------------------------------------------------------------------------------------- checks
def _cuda_available() -> bool:
    if os.environ.get("DS_ACCELERATOR", "").lower() == "cpu":
        return False
    import torch

    return bool(torch.cuda.is_available())


def _cpu_fp16_supported() -> bool:
    """DeepSpeed's CPU accelerator's own test (``is_fp16_supported``), without importing deepspeed."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_fp16_supported())
    except Exception:  # older torch builds lack the op: DeepSpeed then answers False as well
        return False


def hardware_problems(cfg: DictConfig, ds: dsconf.DeepSpeedConfig, *, cuda: bool) -> list[str]:
    """Why this resolved choice cannot train on this machine (empty: it can)."""
    if cuda:
        return []
    out: list[str] = []
    name = (ds.optimizer_name or "").lower()
    if name in CUDA_ONLY_OPTIMIZERS:
        out.append(f"optimizer {ds.optimizer_name!r} needs CUDA: {CUDA_ONLY_OPTIMIZERS[name]}")
    if name in MUP_OPTIMIZERS:
        import importlib.util

        if importlib.util.find_spec("mup") is None:
            out.append(f"optimizer {ds.optimizer_name!r} comes from the 'mup' package, which is not installed")
    data = ds.to_dict()
    if (data.get("fp16") or {}).get("enabled") and not _cpu_fp16_supported():
        out.append("precision fp16 is not supported on this CPU: DeepSpeed's CPU accelerator offers fp16 only where "
                   "oneDNN has fp16 kernels (AVX512-FP16/AMX CPUs; torch.ops.mkldnn._is_mkldnn_fp16_supported() "
                   "is False here); use precision=bf16 or fp32")
    zero = data.get("zero_optimization") or {}
    for part in ("offload_optimizer", "offload_param"):
        if str((zero.get(part) or {}).get("device", "")).lower() == "nvme":
            out.append(f"zero_optimization.{part}.device 'nvme' needs DeepSpeed's async_io op (libaio + CUDA); "
                       "use zero=stage2_offload or stage3_offload")
    return out


def resolve(cfg: DictConfig) -> dsconf.DeepSpeedConfig:
    """The whole app config -> the frozen DeepSpeed config (dsconf.target / world_size / strict apply)."""
    return dsconf.resolve(cfg)


def _fail(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
    sys.exit(1)


# ---------------------------------------------------------------------------------------------- the app
@hydra.main(config_path="conf", config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> float | None:
    try:
        ds = resolve(cfg)
    except DeepSpeedConfigError as err:
        _fail(f"invalid DeepSpeed config: {err}")
        return None
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    rank = int(os.environ.get("RANK", "0"))
    if cfg.dry_run:
        if rank == 0:
            ds.to_json(out_dir / "ds_config.json")
            print(json.dumps(ds.to_dict(), indent=2, sort_keys=True))
        return None
    problems = hardware_problems(cfg, ds, cuda=_cuda_available())
    if problems:
        _fail("cannot train this configuration on this machine (no CUDA):\n  - " + "\n  - ".join(problems)
              + f"\nOn CPU, DeepSpeed 0.19.8 trains: {CPU_OPTIONS}.\n"
              "See the resolved config without training: add dry_run=true (or --cfg job).")
        return None
    _distributed_env()
    return train(cfg, ds, out_dir, rank)


def _distributed_env() -> None:
    """The torch.distributed environment: torchrun's; SLURM's (submitit) mapped; else a single process."""
    env = os.environ
    if "RANK" not in env and "SLURM_PROCID" in env and "SLURM_JOB_ID" in env:
        try:
            import submitit

            submitit.helpers.TorchDistributedEnvironment().export(set_cuda_visible_devices=False)
        except (ImportError, RuntimeError):
            pass
    if "RANK" not in env:
        env.update({"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0"})
        env.setdefault("MASTER_ADDR", "127.0.0.1")
        env.setdefault("MASTER_PORT", str(_free_port()))
    env.setdefault("LOCAL_RANK", "0")
    if "DS_ACCELERATOR" not in env and not _cuda_available():
        env["DS_ACCELERATOR"] = "cpu"  # before deepspeed is imported


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_model(model: DictConfig) -> torch.nn.Module:
    import torch

    layers: list[torch.nn.Module] = []
    width = int(model.input_dim)
    for _ in range(int(model.num_layers)):
        layers += [torch.nn.Linear(width, int(model.hidden_dim)), torch.nn.GELU()]
        width = int(model.hidden_dim)
    layers.append(torch.nn.Linear(width, int(model.output_dim)))
    return torch.nn.Sequential(*layers)


def make_data(model: DictConfig, data: DictConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """Regression targets from a fixed random teacher MLP (generated here; identical on every rank)."""
    import torch

    g = torch.Generator().manual_seed(int(data.seed))
    x = torch.randn(int(data.num_samples), int(model.input_dim), generator=g)
    w1 = torch.randn(int(model.input_dim), 32, generator=g) / float(model.input_dim) ** 0.5
    w2 = torch.randn(32, int(model.output_dim), generator=g) / 32**0.5
    y = torch.tanh(x @ w1) @ w2 + float(data.noise) * torch.randn(int(data.num_samples), int(model.output_dim),
                                                                    generator=g)
    return x, y


def train(cfg: DictConfig, ds: dsconf.DeepSpeedConfig, out_dir: Path, rank: int) -> float:
    import deepspeed
    import torch
    import torch.distributed as dist

    torch.manual_seed(int(cfg.seed))
    config = ds.to_dict()
    if rank == 0:
        ds.to_json(out_dir / "ds_config.json")
        atomic_write(out_dir / "config.yaml", OmegaConf.to_yaml(cfg))
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    deepspeed.init_distributed(dist_backend=backend)
    world = dist.get_world_size()
    model = build_model(cfg.model)
    engine, _, _, scheduler = deepspeed.initialize(model=model, model_parameters=model.parameters(), config=config)
    if engine.train_batch_size() != ds.train_batch_size or dist.get_world_size() != ds.world_size:
        raise RuntimeError(f"DeepSpeed disagrees with dsconf: train_batch_size {engine.train_batch_size()} "
                           f"vs {ds.train_batch_size}, world size {world} vs {ds.world_size}")
    digests: list[Any] = [None] * world
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
    dist.all_gather_object(digests, {"rank": rank, "ds_config_sha256": digest,
                                     "batch": [ds.train_batch_size, ds.train_micro_batch_size_per_gpu,
                                               ds.gradient_accumulation_steps]})

    x, y = make_data(cfg.model, cfg.data)
    x, y = x[rank::world], y[rank::world]  # this rank's shard
    dtype = next(engine.module.parameters()).dtype
    device = engine.device
    micro, gas = engine.train_micro_batch_size_per_gpu(), engine.gradient_accumulation_steps()
    if rank == 0:
        log.info("DeepSpeed %s | world %d (%s) | zero %d | optimizer %s | %s | batch %d = micro %d x gas %d x %d",
                 deepspeed.__version__, world, ds.world_size_source, ds.zero_optimization_stage, ds.optimizer_name,
                 str(dtype).replace("torch.", ""), ds.train_batch_size, micro, gas, world)
    initial_eval = evaluate(engine, x, y, dtype)
    losses: list[float] = []
    lrs: list[float] = []
    cursor = 0
    engine.train()
    start = time.perf_counter()
    for step in range(1, int(cfg.steps) + 1):
        step_loss = torch.zeros((), dtype=torch.float32)
        for _ in range(gas):
            idx = torch.arange(cursor, cursor + micro) % x.shape[0]
            cursor += micro
            xb, yb = x[idx].to(device=device, dtype=dtype), y[idx].to(device)
            loss = torch.nn.functional.mse_loss(engine(xb).float(), yb)
            engine.backward(loss)
            engine.step()  # the engine accumulates, clips and steps the optimizer + scheduler at the boundary
            step_loss += loss.detach().float().cpu() / gas
        dist.all_reduce(step_loss)
        losses.append(float(step_loss) / world)
        lr = engine.get_lr()[0] if engine.get_lr() else float("nan")
        lrs.append(float(lr))
        if rank == 0 and (step % int(cfg.log_every) == 0 or step == int(cfg.steps)):
            log.info("step %4d/%d  loss %.6f  lr %.3g  grad_norm %s", step, int(cfg.steps), losses[-1], lr,
                     _fmt(engine.get_global_grad_norm()))
    elapsed = time.perf_counter() - start
    final_eval = evaluate(engine, x, y, dtype)
    samples = int(cfg.steps) * ds.train_batch_size
    if rank == 0:
        metrics = {
            "loss": losses,
            # the mean loss over the whole data set (every rank's shard) before the first and after the last step:
            # per-step losses come from one small batch each and are too noisy to show progress over a few steps
            "eval_loss": {"start": initial_eval, "end": final_eval},
            "lr": lrs,
            "steps": int(cfg.steps),
            "samples_per_sec": samples / elapsed if elapsed > 0 else None,
            "seconds": elapsed,
            "world_size": world,
            "world_size_source": ds.world_size_source,
            "train_batch_size": ds.train_batch_size,
            "train_micro_batch_size_per_gpu": ds.train_micro_batch_size_per_gpu,
            "gradient_accumulation_steps": ds.gradient_accumulation_steps,
            "zero_stage": ds.zero_optimization_stage,
            "optimizer": ds.optimizer_name,
            "optimizer_class": type(engine.optimizer).__name__,
            "basic_optimizer_class": type(getattr(engine, "basic_optimizer", None)).__name__,
            "scheduler": type(scheduler).__name__ if scheduler is not None else None,
            "dtype": str(dtype).replace("torch.", ""),
            "deepspeed_version": deepspeed.__version__,
            "ranks": digests,
            "ranks_agree": len({d["ds_config_sha256"] for d in digests}) == 1,
        }
        atomic_write(out_dir / "metrics.json", json.dumps(metrics, indent=2, sort_keys=True))
        log.info("done: %d steps, eval loss %.6f -> %.6f, %.1f samples/s; wrote %s", int(cfg.steps), initial_eval,
                 final_eval, metrics["samples_per_sec"] or 0.0, out_dir)
    dist.barrier()
    return losses[-1]


def evaluate(engine: Any, x: torch.Tensor, y: torch.Tensor, dtype: torch.dtype) -> float:
    """Mean squared error over the whole data set: each rank its shard, summed across ranks."""
    import torch
    import torch.distributed as dist

    engine.eval()
    with torch.no_grad():
        err = torch.zeros(2, dtype=torch.float64)
        for chunk in range(0, x.shape[0], 256):
            xb, yb = x[chunk:chunk + 256].to(engine.device, dtype), y[chunk:chunk + 256].to(engine.device)
            err[0] += torch.nn.functional.mse_loss(engine(xb).float(), yb, reduction="sum").double().cpu()
            err[1] += yb.numel()
    engine.train()
    dist.all_reduce(err)
    return float(err[0] / err[1])


def _fmt(v: Any) -> str:
    try:
        return f"{float(v):.4g}"
    except (TypeError, ValueError):
        return "n/a"


# ---------------------------------------------------------------------------------------------- sweep check
class CheckSweep(Callback):
    """Before a multirun starts: compose and resolve every point; name the invalid ones and stop."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        points = sweep_points(list(config.hydra.overrides.task))
        launcher = str(OmegaConf.select(config, "hydra.launcher._target_", default="") or "")
        # on a cluster the submitting node may have no GPU: there, only check the configs themselves
        cuda: bool | None = None if "submitit" in launcher else _cuda_available()
        bad: list[str] = []
        for num, point in enumerate(points):
            reasons = check_point(config.hydra.job.config_name, point, cuda)
            if reasons:
                bad.append(f"  #{num} {' '.join(point) or '(no overrides)'}:\n" +
                           "\n".join("      " + line for r in reasons for line in r.splitlines()))
        if bad:
            print(f"{len(bad)} of {len(points)} sweep point(s) invalid; nothing was run:\n" + "\n".join(bad),
                  file=sys.stderr, flush=True)
            sys.exit(1)


def sweep_points(overrides: Sequence[str]) -> list[list[str]]:
    """Hydra's basic-sweeper expansion of the command-line overrides: one override list per point."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(list(overrides))
    batches = BasicSweeper.split_arguments(parsed, None)
    return [[str(o) for o in p] for batch in batches for p in batch]


def check_point(config_name: str, overrides: Sequence[str], cuda: bool | None) -> list[str]:
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from hydra.types import RunMode
    from omegaconf.errors import OmegaConfBaseException

    from dsconf._hydra import translate

    loader = GlobalHydra.instance().config_loader()
    try:
        cfg = loader.load_configuration(config_name=config_name, overrides=list(overrides), run_mode=RunMode.MULTIRUN)
        with_hydra_removed = OmegaConf.masked_copy(cfg, [str(k) for k in cfg if k != "hydra"])
        ds = resolve(with_hydra_removed)
    except DeepSpeedConfigError as err:
        return [str(err)]
    except (HydraException, OmegaConfBaseException) as exc:
        return [str(translate(exc))]
    if cuda is None or bool(with_hydra_removed.dry_run):
        return []
    return hardware_problems(with_hydra_removed, ds, cuda=cuda)


def take_local_rank(argv: list[str]) -> list[str]:
    """The deepspeed launcher passes ``--local_rank=N`` (Hydra would refuse it): move it to ``LOCAL_RANK``."""
    out: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg.startswith("--local_rank=") or arg.startswith("--local-rank="):
            os.environ["LOCAL_RANK"] = arg.split("=", 1)[1]
        elif arg in ("--local_rank", "--local-rank"):
            os.environ["LOCAL_RANK"] = next(args, "0")
        else:
            out.append(arg)
    return out


def refuse_null_section_overrides(args: Sequence[str]) -> None:
    """Name an override OmegaConf 2.3 crashes on (a key inside a null optional section) before Hydra runs.

    Hydra would print OmegaConf's internal AssertionError with a traceback; only when such an override is present
    is the app composed once here to see whether a config set the section first.
    """
    from dsconf._hydra import compose, null_section_overrides

    overrides = [a for a in args if not a.startswith("-") and "=" in a]
    if not null_section_overrides(overrides):
        return
    if any("," in a.split("=", 1)[1] and not a.split("=", 1)[1].lstrip().startswith(("{", "[")) for a in overrides):
        overrides = [a for a in overrides if "," not in a.split("=", 1)[1]]  # a sweep: check its fixed part
    try:
        compose(overrides, config_dir=str(Path(__file__).resolve().parent / "conf"), config_name="config")
    except DeepSpeedConfigError as err:
        if any(p.message.startswith("'") and "null" in p.message for p in err.problems):
            _fail(f"invalid override: {err}")
    except Exception:  # noqa: BLE001 - anything else is Hydra's to report, with its own message
        return


if __name__ == "__main__":
    sys.argv = take_local_rank(sys.argv)
    refuse_null_section_overrides(sys.argv[1:])
    main()
