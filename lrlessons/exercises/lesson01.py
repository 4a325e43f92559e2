"""Checkers for lesson 01 (scheduler basics).

Each accepts a right value whatever its type (an int or a float such as 176.0, a NumPy
scalar, a 0-d tensor) and, when a value is wrong, prints enough digits to show how.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from torch.optim import lr_scheduler

from lrlessons.exercises import (EMPTY, EMPTY_SHORT, Verdict, as_number, as_numbers, as_whole,
                                 compare_curves, is_empty, show,
                                 show_pair, fitted_verdict)
from lrlessons.trace import trace

verdict = fitted_verdict  # every verdict fits a 100-character line


def check_t_max(t_max: Any, epochs: int = 8, batches_per_epoch: int = 22,
                accumulate: int = 2) -> Verdict:
    """Exercise 1: T_max for a CosineAnnealingLR stepped once every ``accumulate`` batches.

    With gradient accumulation, ``optimizer.step()`` and ``scheduler.step()`` run after
    every ``accumulate``-th batch, so the run makes ``epochs * batches_per_epoch // accumulate``
    scheduler steps. ``88``, ``88.0``, ``np.int64(88)`` and ``torch.tensor(88)`` are all
    right: torch accepts a float ``T_max`` too.
    """
    per_epoch = batches_per_epoch // accumulate
    want = epochs * per_epoch
    how = f"{epochs} epochs x {batches_per_epoch} batches / {accumulate} batches per step"
    if is_empty(t_max):
        return verdict(False, "", f"T_max {EMPTY}")
    whole = as_whole(t_max)
    if whole is None or whole < 1:
        return verdict(False, "", f"T_max counts step() calls, so it is a whole number of at least 1; "
                       f"got {_shown(t_max)}.")
    if whole == want:
        return verdict(True, f"T_max={want} ({how}): one half cosine over the whole run.", "")
    if whole == epochs:
        return verdict(False, "", f"T_max={whole} counts epochs, but this scheduler is stepped "
                       f"{per_epoch} times per epoch: T_max counts step() calls.")
    if whole == per_epoch:
        return verdict(False, "", f"T_max={whole} is one epoch's step() calls: the cosine would be "
                       "over after the first epoch and climb back up in the second.")
    if accumulate > 1 and whole in (batches_per_epoch, epochs * batches_per_epoch):
        return verdict(False, "", f"T_max={whole} counts batches, but scheduler.step() runs once "
                       f"every {accumulate} batches ({per_epoch} times per epoch): T_max counts "
                       "step() calls.")
    return verdict(False, "", f"with T_max={whole} the half cosine ends after {whole} step() calls, "
                   f"but training makes {want} ({how}).")


def _shown(value: Any) -> str:
    """A learner's value in a message: numbers without their type's repr (no ``np.float64(...)``)."""
    x = as_number(value)
    if x is not None:
        return show(x, 10)
    return repr(value) if isinstance(value, (str, bool, type(None))) else f"a {type(value).__name__}"


def check_step_lrs(lrs: Any, base_lr: float = 0.2, step_size: int = 3, gamma: float = 0.5,
                   epochs: int = 8) -> Verdict:
    """Exercise 2: the lrs StepLR gives in the first epochs, checked against torch."""
    real = trace(lambda o: lr_scheduler.StepLR(o, step_size, gamma), epochs, lrs=(base_lr,)).lr
    got = None if is_empty(lrs) else as_numbers(lrs)
    if got is not None and got.shape == real.shape and not np.allclose(got, real, rtol=1e-9, atol=1e-12):
        early = trace(lambda o: lr_scheduler.StepLR(o, step_size, gamma), epochs + 1,
                      lrs=(base_lr,)).lr[1:]
        if np.allclose(got, early):
            return verdict(False, "", f"your lrs drop one epoch too early: StepLR multiplies by gamma "
                           f"after {step_size} step() calls, so epochs 0 to {step_size - 1} all use "
                           f"{base_lr}.")
        if np.allclose(got, base_lr * gamma ** np.arange(epochs)):
            return verdict(False, "", "that is an exponential decay (gamma every epoch); StepLR "
                           f"multiplies by gamma only once every {step_size} epochs.")
    return compare_curves(lrs, real, "your list of lrs", empty=EMPTY_SHORT)


def check_gamma(gamma: Any, start: float = 1e-2, end: float = 1e-4, epochs: int = 10) -> Verdict:
    """Exercise 3: an ExponentialLR gamma that brings the lr from ``start`` to ``end`` in the last epoch."""
    if is_empty(gamma):
        return verdict(False, "", f"gamma {EMPTY}")
    g = as_number(gamma)
    if g is None or not 0 < g < 1:
        return verdict(False, "", f"gamma should be a number between 0 and 1, got {_shown(gamma)}.")
    last = trace(lambda o: lr_scheduler.ExponentialLR(o, g), epochs, lrs=(start,)).lr[-1]
    ok = math.isclose(last, end, rel_tol=1e-3)
    hint = ""
    if math.isclose(g, (end / start) ** (1 / epochs), rel_tol=1e-3):
        hint = f" The last epoch has seen only {epochs - 1} step() calls, not {epochs}."
    elif math.isclose(g, (end / start) ** (1 / (epochs - 1)), rel_tol=1e-2):
        hint = (f" Close, but rounded too coarsely: that lr is gamma to the power {epochs - 1}, "
                f"which multiplies gamma's relative rounding error by {epochs - 1}. "
                "Keep 4 significant digits.")
    got, want = show_pair(last, end, at_least=4)
    return verdict(ok, f"the lr in the last epoch is {show(last, 4)}.",
                   f"with gamma={show(g, 10)} the lr in the last (10th) epoch is {got}, "
                   f"not {want}.{hint}")
