"""Which releases accept a config and what it means in each; a target pinned in a Hydra config."""

from __future__ import annotations

import dsconf
from dsconf._hydra import compose

ERA_077 = {
    "train_batch_size": 16,
    "sparse_attention": {"mode": "bigbird", "block": 32},
    "zero_optimization": {"stage": 2, "cpu_offload": True},
    "fp16": {"enabled": True},
}


def test_077_era_config_across_releases() -> None:
    report = dsconf.compatibility(ERA_077, world_size=2)
    by_target = {r.target: r for r in report.results}
    assert by_target["0.7.7"].accepted and by_target["0.19.6"].accepted
    assert not by_target["0.19.8"].accepted
    assert report.reference == "0.19.6"
    assert by_target["0.19.8"].error is not None
    assert by_target["0.19.8"].error.paths == ["sparse_attention"]
    diffs = {d.path: (d.value, d.reference) for d in by_target["0.7.7"].differences}
    assert diffs["gradient_clipping"] == (0.0, 1.0)
    assert diffs["zero_config.offload_optimizer.pin_memory"] == (False, True)
    text = report.render()
    assert "DeepSpeed 0.19.8: refuses" in text and "removed in DeepSpeed 0.19.7" in text
    assert "gradient_clipping: 0.0 (0.7.7) vs 1.0 (0.19.6)" in text


def test_newest_release_is_the_reference_when_it_accepts() -> None:
    report = dsconf.compatibility({"train_batch_size": 8}, world_size=1)
    assert report.reference == "0.19.8" and all(r.accepted for r in report.results)
    assert report.as_dict()["targets"]["0.7.7"]["differences"]


def test_target_pinned_in_the_hydra_config() -> None:
    cfg = compose(["zero=stage2", "deepspeed.train_batch_size=8", "dsconf.target=0.7.7", "dsconf.world_size=4"])
    ds = dsconf.resolve(cfg)
    assert ds.target == "0.7.7" and ds.world_size == 4 and ds.gradient_clipping == 0.0
    assert dsconf.resolve(cfg, target="0.19.6").target == "0.19.6"  # an explicit argument wins


def test_compat_command(tmp_path: object) -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    f = Path(str(tmp_path)) / "era077.json"
    f.write_text(json.dumps(ERA_077))
    run = subprocess.run([sys.executable, "-m", "dsconf", "compat", str(f), "--world-size", "2"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "DeepSpeed 0.7.7: accepts" in run.stdout and "DeepSpeed 0.19.6: accepts (reference)" in run.stdout
    assert "DeepSpeed 0.19.8: refuses" in run.stdout and "sparse_attention" in run.stdout
    assert "Traceback" not in run.stderr


def test_migrate_to_lists_what_changes_meaning(tmp_path: object) -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    f = Path(str(tmp_path)) / "old.json"
    f.write_text(json.dumps({"train_batch_size": 16, "zero_optimization": {"stage": 2, "cpu_offload": True}}))
    run = subprocess.run([sys.executable, "-m", "dsconf", "migrate", str(f), "--to", "0.19.8"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert '"offload_optimizer"' in run.stdout
    assert "changes meaning: gradient_clipping: 0.0 (0.7.7) -> 1.0 (0.19.8)" in run.stderr
