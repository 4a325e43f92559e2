"""How fast are the closed forms? (a benchmark: it prints figures, it tests nothing)

    .venv/bin/python benchmarks/bench_formulas.py

1. A 1,000,000-step curve from a few of ``lrlessons.formulas``' torch closed forms
   (target: under 50 ms each).
2. Side by side in one run: stepping the real torch scheduler 100,000 times (the
   cheapest loop there is: ``scheduler.step()`` and reading the lr, no training) vs
   the closed form for the same 100,000 steps, and the ratio (target: at least 100x).
   The two curves are also compared, so the figures are for the same numbers.

Each time is the best of several repeats, on one torch thread.
"""
from __future__ import annotations

import os
import time
import warnings

import numpy as np
import torch
from torch.optim import lr_scheduler as S

from lrlessons import formulas as F

CURVES = {
    "step_lr": lambda t: F.step_lr(t, 0.1, step_size=30_000, gamma=0.5),
    "linear_lr": lambda t: F.linear_lr(t, 0.1, total_iters=50_000),
    "cosine_annealing_lr": lambda t: F.cosine_annealing_lr(t, 0.1, T_max=1_000_000),
    "cosine_annealing_warm_restarts": lambda t: F.cosine_annealing_warm_restarts(t, 0.1, T_0=1000, T_mult=2),
    "cyclic_lr (triangular2)": lambda t: F.cyclic_lr(t, 0.001, 0.1, step_size_up=2000, mode="triangular2"),
    "one_cycle_lr": lambda t: F.one_cycle_lr(t, 0.1, total_steps=1_000_000),
}

SIDE_BY_SIDE = {
    "StepLR": (lambda o: S.StepLR(o, step_size=3000, gamma=0.5),
               lambda t: F.step_lr(t, 0.1, step_size=3000, gamma=0.5)),
    "CosineAnnealingLR": (lambda o: S.CosineAnnealingLR(o, T_max=100_000),
                          lambda t: F.cosine_annealing_lr(t, 0.1, T_max=100_000)),
    "OneCycleLR": (lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=100_000),
                   lambda t: F.one_cycle_lr(t, 0.1, total_steps=100_000)),
}


def best_of(fn, repeats: int) -> tuple[float, object, float]:
    """(best wall-clock seconds, the result, best CPU seconds of this process)."""
    best, best_cpu, out = float("inf"), float("inf"), None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    return best, out, best_cpu


def step_torch(make, n: int) -> np.ndarray:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    opt.step()  # once, so torch does not warn about the order of the two steps
    sched = make(opt)
    lrs = np.empty(n)
    group = opt.param_groups[0]
    for i in range(n):
        lrs[i] = group["lr"]
        sched.step()
    return lrs


def main() -> None:
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, numpy {np.__version__}, {os.cpu_count()} cores, "
          f"load average {load:.1f} (other work on the machine slows the wall-clock figures)\n")

    t = np.arange(1_000_000)
    print("1. A 1,000,000-step curve (best of 7; target < 50 ms)")
    print(f"   {'formula':32s} {'wall':>9s} {'CPU':>9s}")
    for name, fn in CURVES.items():
        secs, lr, cpu = best_of(lambda: fn(t), 7)
        flag = "ok" if secs < 0.050 else "SLOW"
        print(f"   {name:32s} {secs * 1e3:6.1f} ms {cpu * 1e3:6.1f} ms  {flag}")

    n = 100_000
    t = np.arange(n)
    print(f"\n2. {n:,} steps: stepping the real torch scheduler vs the closed form (target >= 100x)")
    print(f"   {'class':20s} {'torch':>10s} {'formula':>10s} {'ratio':>9s}  max |difference|")
    for name, (make, formula) in SIDE_BY_SIDE.items():
        torch_secs, real, _ = best_of(lambda: step_torch(make, n), 3)
        formula_secs, ours, _ = best_of(lambda: formula(t), 7)
        ratio = torch_secs / formula_secs
        diff = float(np.abs(real - ours).max())
        flag = "ok" if ratio >= 100 else "BELOW TARGET"
        print(f"   {name:20s} {torch_secs * 1e3:8.1f} ms {formula_secs * 1e3:8.2f} ms {ratio:8.0f}x  "
              f"{diff:.1e}  {flag}")


if __name__ == "__main__":
    main()
