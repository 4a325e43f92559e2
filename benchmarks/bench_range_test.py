"""How fast is the range test on the course's data? (a benchmark: prints figures, tests nothing)

    .venv/bin/python benchmarks/bench_range_test.py

A 100-iteration range test (``lrlessons.range_test.lr_find``) of the course's model
(64 -> 128 -> 10) on the digits training images, batches of 64, once with SGD
(momentum 0.9) and once with Adam, with ``diverge_th`` set high so that all 100
iterations run (target: under 1 s each on the CPU). torch-lr-finder's own
``range_test`` on the same set-up is timed next to it, for scale.

Each time is the best of several repeats, on one torch thread (as the lessons run).
"""
from __future__ import annotations

import contextlib
import io
import time
import warnings

import torch
from torch import nn

from lrlessons.range_test import digits_loader, lr_find
from lrlessons.training import make_model

REPEATS = 5
OPTIMIZERS = {
    "SGD": lambda p: torch.optim.SGD(p, lr=1e-4, momentum=0.9),
    "Adam": lambda p: torch.optim.Adam(p, lr=1e-5),
}


def ours(make) -> float:
    model = make_model(seed=0)
    opt, loader = make(model.parameters()), digits_loader(64, seed=0)
    start = time.perf_counter()
    result = lr_find(model, opt, nn.CrossEntropyLoss(), loader, end_lr=1.0, num_iter=100,
                     diverge_th=1e9)
    took = time.perf_counter() - start
    assert len(result.lrs) == 100
    return took


def theirs(make) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch_lr_finder import LRFinder
    model = make_model(seed=0)
    opt, loader = make(model.parameters()), digits_loader(64, seed=0)
    finder = LRFinder(model, opt, nn.CrossEntropyLoss())
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        finder.range_test(loader, end_lr=1.0, num_iter=100, diverge_th=1e9)
    took = time.perf_counter() - start
    finder.reset()
    return took


def main() -> None:
    torch.set_num_threads(1)
    ours(OPTIMIZERS["SGD"])  # warm up: first calls pay for lazy imports and allocations
    print("100-iteration range test on digits (batches of 64), best of", REPEATS)
    for name, make in OPTIMIZERS.items():
        best = min(ours(make) for _ in range(REPEATS))
        ref = min(theirs(make) for _ in range(REPEATS))
        verdict = "under 1 s: yes" if best < 1.0 else "under 1 s: NO"
        print(f"  {name:4}  lr_find {best * 1000:6.0f} ms  ({verdict})   "
              f"torch-lr-finder {ref * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
