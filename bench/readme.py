"""Render a run as Markdown and rewrite the README's Performance block (between the bench markers)."""

from __future__ import annotations

import re
from pathlib import Path

from ._common import ROOT, Section

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"
README = ROOT / "README.md"

#: why a target can be missed on this design: printed in the README only for a target the run missed
WHY = {
    "resolve ratio": (
        "DeepSpeed 0.19 validates with pydantic 2, whose core is compiled (Rust); dsconf's loader and section "
        "builders are plain Python, and they do more than DeepSpeed's parser: every problem of a config in one "
        "error, the stricter checks, per-release defaults and spellings, `to_dict()` data kept for DeepSpeed. "
        "Builders over absent sections run once per process (their outputs are kept), so what is left is the "
        "per-key cost of checking and building the sections a config gives: the growth table shows it."
    ),
    "cold validate": "the process cost is Python's start plus importing dsconf's schema (a few hundred dataclasses).",
    "compose+resolve": "resolving converts the composed DictConfig to plain data once (OmegaConf's to_container).",
    "train.py --cfg job": (
        "before Hydra prints anything the app imports dsconf's schema, registers every group option in Hydra's "
        "ConfigStore (each dataclass becomes an OmegaConf node) and Hydra composes the app's config, which alone "
        "costs about as much as `import hydra`; the step-by-step note under *Hydra processes* gives the split. "
        "`import hydra` by itself loads little of Hydra's machinery."
    ),
    "dsconf plan": (
        "the process pays its start (importing dsconf and Hydra) and one Hydra compose before the first point; the "
        "points themselves are in the in-process row."
    ),
}


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return out


def render(sections: list[Section], machine: dict[str, str], command: str) -> str:
    lines = [
        f"Measured by `{command}` on {machine.get('cpu', '?')} ({machine.get('cores', '?')} cores, load "
        f"{machine.get('load', '?')}), {machine.get('os', '')}, Python {machine.get('python', '?')}; dsconf "
        f"{machine.get('dsconf', '?')}, DeepSpeed {machine.get('deepspeed', '?')}, torch {machine.get('torch', '?')}, "
        f"hydra-core {machine.get('hydra-core', '?')}, omegaconf {machine.get('omegaconf', '?')}, pydantic "
        f"{machine.get('pydantic', '?')}. Medians of alternating runs (dsconf, then the other, then the other way "
        "round).",
        "",
        "**Targets**",
        "",
    ]
    rows = []
    misses = []
    for sec in sections:
        for t in sec.targets:
            rows.append([t.name, t.measured, t.goal, "PASS" if t.ok else "**MISS**"])
            if not t.ok:
                misses.append(t)
    lines += _table(["target", "measured", "goal", ""], rows)
    for t in misses:
        why = next((text for key, text in WHY.items() if key in t.name), "")
        by = t.value / t.limit if t.limit else float("inf")
        lines += ["", f"- missed: {t.name}: {by:.2f}x the goal" + (f"; {why}" if why else "")]
    for sec in sections:
        lines += ["", f"**{sec.title}**", ""]
        if sec.rows:
            lines += _table(sec.header, sec.rows)
        for note in sec.notes:
            lines += ["", note]
    return "\n".join(lines)


def write(block: str, path: Path = README) -> None:
    """Replace the text between the markers; without markers, add a Performance section before Architecture
    (or at the end)."""
    text = path.read_text(encoding="utf-8")
    body = f"{START}\n{block.strip()}\n{END}"
    if START in text and END in text:
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _m: body, text, count=1, flags=re.S)
    elif "\n## Performance\n" in text:  # the section without its markers: the block goes right under the heading
        text = text.replace("\n## Performance\n", f"\n## Performance\n\n{body}\n", 1)
    else:
        section = f"## Performance\n\n`python -m bench` (`nox -s bench`): dsconf beside real DeepSpeed.\n\n{body}\n\n"
        text = text.replace("## Architecture", section + "## Architecture", 1) if "## Architecture" in text else (
            text.rstrip("\n") + "\n\n" + section)
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
