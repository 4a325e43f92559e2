"""Checkers for lesson 01 (scheduler basics)."""
from __future__ import annotations

import math
import numbers

from torch.optim import lr_scheduler

from lrlessons.exercises import compare_curves, verdict
from lrlessons.trace import trace


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def check_t_max(t_max, epochs: int = 8, batches_per_epoch: int = 22) -> bool:
    """Exercise 1: T_max for a CosineAnnealingLR stepped after every batch."""
    want = epochs * batches_per_epoch
    if not _is_number(t_max):
        return verdict(False, "", f"T_max should be a whole number, got {t_max!r}.")
    if t_max == epochs:
        return verdict(False, "", f"T_max={t_max} counts epochs, but this scheduler is stepped after "
                       "every batch: step() calls are what T_max counts.")
    return verdict(t_max == want, f"T_max={want}: {epochs} epochs x {batches_per_epoch} batches, so the "
                   "cosine reaches its minimum at the last batch.",
                   f"T_max={t_max} reaches the minimum after {t_max} batches, not at the end of "
                   f"training ({want} batches).")


def check_step_lrs(lrs, base_lr: float = 0.2, step_size: int = 3, gamma: float = 0.5,
                   epochs: int = 8) -> bool:
    """Exercise 2: the lrs StepLR gives in the first epochs, checked against torch."""
    real = trace(lambda o: lr_scheduler.StepLR(o, step_size, gamma), epochs, lrs=(base_lr,)).lr
    return compare_curves(lrs, real, "your list of lrs")


def check_gamma(gamma, start: float = 1e-2, end: float = 1e-4, epochs: int = 10) -> bool:
    """Exercise 3: an ExponentialLR gamma that goes from ``start`` to ``end`` in the last epoch."""
    if not _is_number(gamma) or not 0 < gamma < 1:
        return verdict(False, "", f"gamma should be a number between 0 and 1, got {gamma!r}.")
    last = trace(lambda o: lr_scheduler.ExponentialLR(o, gamma), epochs, lrs=(start,)).lr[-1]
    ok = math.isclose(last, end, rel_tol=1e-6)
    return verdict(ok, f"the lr in epoch {epochs - 1} is {last:.3g}.",
                   f"with gamma={gamma:.4g} the lr in the last epoch (epoch {epochs - 1}, after "
                   f"{epochs - 1} steps) is {last:.3g}, not {end:g}.")
