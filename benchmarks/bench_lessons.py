#!/usr/bin/env python3
"""Print how long each lesson takes to execute headless, against the floor.

The floor is a notebook whose only cell is `import torch`: kernel start-up plus
torch's import, which no lesson can go below. Also prints the time of each
training run of lesson 01's case study. A benchmark, not a test: it prints
figures for the issue notes (target: every lesson under 20 s, each case-study
run under 5 s on the course's 2-core machine).

    .venv/bin/python benchmarks/bench_lessons.py [notebooks/NN_x.ipynb ...]
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("LRLESSONS_PROGRESS", "0")
os.environ.setdefault("KERAS_BACKEND", "torch")


def execute(nb: nbformat.NotebookNode, cwd: Path) -> float:
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="python3", timeout=900,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return time.perf_counter() - start


def floor() -> float:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import torch")])
    with tempfile.TemporaryDirectory() as tmp:
        return min(execute(nb, Path(tmp)) for _ in range(2))


def case_study() -> list[tuple[str, float]]:
    import torch
    from torch.optim import lr_scheduler

    import lrlessons
    from lrlessons import training

    lrlessons.setup(quiet=True)
    data = lrlessons.data.load()
    batches = training.steps_per_epoch(data, 64)
    adam = lambda p: torch.optim.Adam(p, lr=0.01)
    runs = {
        "constant": (None, "epoch"),
        "StepLR(4, 0.5)": (lambda o: lr_scheduler.StepLR(o, 4, 0.5), "epoch"),
        "ExponentialLR(0.1)": (lambda o: lr_scheduler.ExponentialLR(o, 0.1), "epoch"),
        "OneCycleLR per batch": (lambda o: lr_scheduler.OneCycleLR(o, 0.01, total_steps=10 * batches), "step"),
    }
    out = []
    for name, (sched, interval) in runs.items():
        start = time.perf_counter()
        training.train(adam, sched, epochs=10, data=data, interval=interval)
        out.append((name, time.perf_counter() - start))
    return out


def main(paths: list[str]) -> None:
    lessons = [Path(p) for p in paths] or sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
    print(f"machine: {os.cpu_count()} cores")
    base = floor()
    print(f"floor (a notebook that only imports torch): {base:6.1f} s")
    print(f"{'lesson':40} {'seconds':>8} {'over floor':>11}  target < 20 s")
    for path in lessons:
        nb = nbformat.read(path, as_version=4)
        seconds = execute(nb, path.parent)
        flag = "ok" if seconds < 20 else "SLOW"
        print(f"{path.name:40} {seconds:8.1f} {seconds - base:+10.1f}s  {flag}")
    print("lesson 01 case study, one training run each (10 epochs, digits, CPU), target < 5 s:")
    for name, seconds in case_study():
        print(f"  {name:24} {seconds:6.2f} s  {'ok' if seconds < 5 else 'SLOW'}")


if __name__ == "__main__":
    main(sys.argv[1:])
