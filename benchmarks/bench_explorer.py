"""Time from a slider change to a finished redraw in the lesson 07 explorer (issue 7).

Drives the explorer's widget callbacks headless, exactly as a slider move in the browser
does (the widget's value changes, its observer recomputes the closed form, updates the
persistent figure and renders the PNG the Image widget shows), for 10,000-step curves,
and prints the median and the 95th percentile. Target: median under 50 ms.

    .venv/bin/python benchmarks/bench_explorer.py
"""
from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("LRLESSONS_PROGRESS", "0")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from lrlessons.explorer import Explorer  # noqa: E402

STEPS = 10_000
MOVES = 60
# (library, scheduler, argument moved, values it takes, horizon): every horizon is 10,000 steps
CASES = [
    ("torch", "CosineAnnealingWarmRestarts", "T_0", [100 + 5 * i for i in range(MOVES)],
     dict(train_epochs=10, batches_per_epoch=1000, interval="step")),
    ("torch", "OneCycleLR", "pct_start", [0.2 + 0.005 * i for i in range(MOVES)],
     dict(train_epochs=10, batches_per_epoch=1000, total_steps=STEPS)),
    ("timm", "CosineLRScheduler", "cycle_mul", [1.0 + 0.05 * i for i in range(MOVES)],
     dict(train_epochs=10, batches_per_epoch=1000, t_in_epochs=False, t_initial=1000, cycle_limit=5)),
    ("keras", "CosineDecayRestarts", "t_mul", [1.0 + 0.05 * i for i in range(MOVES)],
     dict(train_epochs=10, batches_per_epoch=1000, first_decay_steps=500)),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> int:
    rows, everything = [], []
    for library, name, arg, values, horizon in CASES:
        ex = Explorer(library, name, **horizon)
        if ex.message.startswith("Refused"):
            raise SystemExit(f"{name}: {ex.message}")
        if ex.curve.size != STEPS:
            raise SystemExit(f"{name}: the curve has {ex.curve.size} steps, expected {STEPS}")
        ex.set(arg, values[-1])  # warm-up
        times = []
        for v in values:
            before = ex.png
            t0 = time.perf_counter()
            ex.set(arg, v)  # the slider's value changes; the observer redraws
            times.append(time.perf_counter() - t0)
            if ex.message.startswith("Cannot"):
                raise SystemExit(f"{name}: {ex.message}")
            assert ex.png != before or v == values[-1], "the redraw did not change the image"
        everything += times
        rows.append((f"{library} {name} ({arg})", statistics.median(times), percentile(times, 0.95)))
    width = max(len(r[0]) for r in rows)
    print(f"explorer: slider change -> finished redraw (closed form + PNG), {STEPS:,}-step curves, "
          f"{MOVES} moves each")
    for label, med, p95 in rows:
        print(f"  {label:<{width}}  median {med * 1e3:6.1f} ms   p95 {p95 * 1e3:6.1f} ms")
    med, p95 = statistics.median(everything), percentile(everything, 0.95)
    print(f"  {'all':<{width}}  median {med * 1e3:6.1f} ms   p95 {p95 * 1e3:6.1f} ms   (target: median < 50 ms)")
    return 0 if med < 0.050 else 1


if __name__ == "__main__":
    sys.exit(main())
