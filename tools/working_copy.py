"""The learner's working copies of the lessons (`make lab`, `python tools/course.py lab`).

The shipped lessons in notebooks/ are never opened by the learner's JupyterLab:
`make lab` copies them into my-notebooks/ (git ignores it) the first time, adds any
lesson that is new after a `git pull`, and never overwrites a copy the learner has.
So learning never edits a tracked file, and `git pull` always works.

Each copy is made ready for the learner's own JupyterLab:
- its ``language_info.version`` is the learner's Python, the value JupyterLab
  would write when the kernel connects, so opening it marks nothing unsaved;
- it is signed as trusted in the learner's Jupyter (the copies come from the
  course, not from a stranger), so JupyterLab shows its outputs without a
  "not trusted" line.

Standard library only (runs before the environment exists). ``reset`` puts one
lesson, or all, back to the shipped version.
"""
from __future__ import annotations

import json
import platform
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "notebooks"
WORK = ROOT / "my-notebooks"


def _copy(src: Path, dst: Path, python_version: str) -> None:
    """Copy one notebook, setting the Python version JupyterLab will see."""
    nb = json.loads(src.read_text(encoding="utf-8"))
    info = nb.get("metadata", {}).get("language_info")
    if isinstance(info, dict) and "version" in info:
        info["version"] = python_version
        # the same writer settings as nbformat (and so JupyterLab): indent 1, sorted keys
        text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    else:
        text = src.read_text(encoding="utf-8")
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(text, encoding="utf-8")


def shipped(src: Path = SHIPPED) -> list[Path]:
    """Every shipped notebook, relative to ``src`` (lessons and appendices)."""
    return sorted(p.relative_to(src) for p in src.rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def make(src: Path = SHIPPED, dst: Path = WORK, python_version: str | None = None,
         jupyter: str | None = None) -> list[Path]:
    """Copy every shipped notebook that ``dst`` lacks; return the ones copied.

    Existing copies are left alone: they hold the learner's work. Other files the
    lessons need next to them (none today) would be copied the same way.
    ``jupyter`` is the ``jupyter`` executable used to sign the new copies as trusted.
    """
    version = python_version or platform.python_version()
    made = []
    for rel in shipped(src):
        target = dst / rel
        if not target.exists():
            _copy(src / rel, target, version)
            made.append(target)
    if made and jupyter:
        trust(made, jupyter)
    return made


def reset(names: list[str], src: Path = SHIPPED, dst: Path = WORK,
          python_version: str | None = None, jupyter: str | None = None) -> list[Path]:
    """Put lessons back to the shipped version: ``names`` are file names, lesson
    numbers ("03") or ["all"]. Returns the copies rewritten."""
    every = shipped(src)
    if names == ["all"]:
        chosen = every
    else:
        chosen = []
        for name in names:
            hits = [rel for rel in every if rel.name == name or rel.name.startswith(f"{name}_")
                    or rel.stem == name]
            if not hits:
                known = ", ".join(rel.name[:3].rstrip("_") for rel in every if rel.parent == Path("."))
                raise SystemExit(f"reset: no lesson {name!r}; give a lesson number ({known}), "
                                 "a file name, or 'all'")
            chosen += hits
    version = python_version or platform.python_version()
    for rel in chosen:
        _copy(src / rel, dst / rel, version)
    targets = [dst / rel for rel in chosen]
    if targets and jupyter:
        trust(targets, jupyter)
    return targets


def trust(paths: list[Path], jupyter: str) -> None:
    """Sign notebooks as trusted in the learner's Jupyter (quietly)."""
    subprocess.run([jupyter, "trust", *map(str, paths)], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
