"""Checkers for lesson 01 (scheduler basics)."""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable

import numpy as np
from torch.optim import lr_scheduler

from lrlessons.exercises import EMPTY, Verdict, compare_curves, is_empty, verdict
from lrlessons.trace import trace


def _is_whole(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def check_t_max(t_max: Any, epochs: int = 8, batches_per_epoch: int = 22) -> Verdict:
    """Exercise 1: T_max for a CosineAnnealingLR stepped after every batch."""
    want = epochs * batches_per_epoch
    if is_empty(t_max):
        return verdict(False, "", f"T_max {EMPTY}")
    if not _is_whole(t_max) or t_max < 1:
        return verdict(False, "", f"T_max counts step() calls, so it is a whole number of at least 1; "
                       f"got {t_max!r}.")
    if t_max == epochs:
        return verdict(False, "", f"T_max={t_max} counts epochs, but this scheduler is stepped after "
                       "every batch: T_max counts step() calls.")
    if t_max == batches_per_epoch:
        return verdict(False, "", f"T_max={t_max} is one epoch of batches: the cosine would be over "
                       f"after the first epoch and climb back up in the second.")
    return verdict(t_max == want, f"T_max={want} ({epochs} epochs x {batches_per_epoch} batches): one "
                   "half cosine spanning the whole run, reaching its minimum as training ends.",
                   f"with T_max={t_max} the half cosine ends after {t_max} batches, but training has "
                   f"{want} batches ({epochs} x {batches_per_epoch}).")


def check_step_lrs(lrs: Any, base_lr: float = 0.2, step_size: int = 3, gamma: float = 0.5,
                   epochs: int = 8) -> Verdict:
    """Exercise 2: the lrs StepLR gives in the first epochs, checked against torch."""
    real = trace(lambda o: lr_scheduler.StepLR(o, step_size, gamma), epochs, lrs=(base_lr,)).lr
    if not is_empty(lrs):
        try:
            got = np.asarray(lrs, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            got = None
        if got is not None and got.shape == real.shape and not np.allclose(got, real):
            early = trace(lambda o: lr_scheduler.StepLR(o, step_size, gamma), epochs + 1,
                          lrs=(base_lr,)).lr[1:]
            if np.allclose(got, early):
                return verdict(False, "", f"your lrs drop one epoch too early: StepLR multiplies by gamma "
                               f"after {step_size} step() calls, so epochs 0 to {step_size - 1} all use "
                               f"{base_lr}.")
            if np.allclose(got, base_lr * gamma ** np.arange(epochs)):
                return verdict(False, "", "that is an exponential decay (gamma every epoch); StepLR "
                               f"multiplies by gamma only once every {step_size} epochs.")
    return compare_curves(lrs, real, "your list of lrs")


def check_gamma(gamma: Any, start: float = 1e-2, end: float = 1e-4, epochs: int = 10) -> Verdict:
    """Exercise 3: an ExponentialLR gamma that brings the lr from ``start`` to ``end`` in the last epoch."""
    if is_empty(gamma):
        return verdict(False, "", f"gamma {EMPTY}")
    if not isinstance(gamma, numbers.Real) or isinstance(gamma, bool) or not 0 < gamma < 1:
        return verdict(False, "", f"gamma should be a number between 0 and 1, got {gamma!r}.")
    last = trace(lambda o: lr_scheduler.ExponentialLR(o, gamma), epochs, lrs=(start,)).lr[-1]
    ok = math.isclose(last, end, rel_tol=1e-3)
    hint = ""
    if math.isclose(gamma, (end / start) ** (1 / epochs), rel_tol=1e-3):
        hint = f" The last epoch has seen only {epochs - 1} step() calls, not {epochs}."
    return verdict(ok, f"the lr in the last epoch is {last:.4g}.",
                   f"with gamma={gamma:.6g} the lr in the last (10th) epoch is {last:.4g}, "
                   f"not {end:g}.{hint}")


def check_resume(resume: Callable | Any, build: Callable, run_epochs: Callable) -> Verdict:
    """Exercise 4: a resume function that continues a run exactly.

    ``resume(checkpoint)`` must return (model, optimizer, scheduler) ready to continue;
    ``build`` and ``run_epochs`` are the lesson's own functions.
    """
    if is_empty(resume) or not callable(resume):
        return verdict(False, "", f"resume {EMPTY}" if is_empty(resume) else
                       f"resume should be a function checkpoint -> (model, optimizer, scheduler), "
                       f"got {type(resume).__name__}.")
    whole = run_epochs(*build(), range(6))
    model, opt, sched = build()
    first = run_epochs(model, opt, sched, range(3))
    checkpoint = {"model": model.state_dict(), "optimizer": opt.state_dict(),
                  "scheduler": sched.state_dict()}
    restored = resume(checkpoint)
    if not (isinstance(restored, tuple) and len(restored) == 3):
        return verdict(False, "", "resume should return the three objects (model, optimizer, scheduler).")
    second = run_epochs(*restored, range(3, 6))
    lrs_ok = [lr for lr, _ in first + second] == [lr for lr, _ in whole]
    losses_ok = first + second == whole
    if losses_ok:
        return verdict(True, "the resumed run repeats the uninterrupted one exactly.", "")
    if not lrs_ok:
        return verdict(False, "", "the lrs after resuming differ from the uninterrupted run: was the "
                       "scheduler's state loaded (and the optimizer's, which holds the current lr)?")
    return verdict(False, "", "the lrs match but the losses differ: load the model's and the "
                   "optimizer's state too (momentum lives in the optimizer's state).")
