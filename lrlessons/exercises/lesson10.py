"""Checkers for lesson 10 (finding the learning rate with the range test)."""
from __future__ import annotations

import numpy as np

from lrlessons.exercises import EMPTY, LINE, Verdict, as_numbers, as_whole, is_empty
from lrlessons.exercises import verdict as _verdict

__all__ = ["EXERCISE_CURVE", "check_range_lrs", "check_valley_pick"]

#: Exercise 1's loss curve (already smoothed and trimmed): a plateau, a slow start, a long
#: valley, a blow-up.
EXERCISE_CURVE = [2.30, 2.31, 2.29, 2.30, 2.27, 2.22, 2.28, 2.20, 2.12, 2.02, 1.85, 1.40, 1.00,
                  0.95, 0.91, 0.87, 0.93, 1.40, 2.60, 5.10]


def verdict(ok: bool, good: str, bad: str) -> Verdict:
    """The course's verdict, wrapped to the course's line length."""
    return _verdict(ok, good, bad, width=LINE)


def check_valley_pick(index) -> Verdict:
    """Exercise 1: the index fastai's valley rule picks on ``EXERCISE_CURVE``."""
    from lrlessons.range_test import valley_index

    if is_empty(index):
        return verdict(False, "", f"index {EMPTY}")
    i = as_whole(index)
    if i is None or isinstance(index, bool):
        return verdict(False, "", "give the position in the curve as a whole number, "
                       f"got {index!r}.")
    curve = np.asarray(EXERCISE_CURVE)
    want = valley_index(EXERCISE_CURVE)
    if i == want:
        return verdict(True, f"index {i} (loss {curve[i]:.2f}): the longest run of ever-lower "
                       "losses has 13 points and ends at index 15; the rule starts from "
                       "15 - 13 = 2 and goes 13 // 3 + 13 // 6 = 6 points on.", "")
    if i == int(curve.argmin()):
        return verdict(False, "", f"index {i} is the lowest loss: that is where the minimum rule "
                       "looks (before dividing its lr by 10). The valley rule picks a point inside "
                       "the descent.")
    if i == int(np.gradient(curve).argmin()):
        return verdict(False, "", f"index {i} is the steepest descent (the steepest rule). The "
                       "valley rule measures the longest run of ever-lower losses instead.")
    if not 0 <= i < len(curve):
        return verdict(False, "", f"index {i} is outside the curve "
                       f"(indices 0 to {len(curve) - 1}).")
    return verdict(False, "", f"index {i} is not it. Find the longest sequence of ever-lower "
                   "losses (points may be skipped), its length L and last index e; the pick is "
                   "e - L + L // 3 + L // 6.")


def check_range_lrs(lrs, start_lr: float = 1e-5, end_lr: float = 1.0,
                    num_iter: int = 50) -> Verdict:
    """Exercise 2: the lr of each of the 50 steps of an exponential range test from 1e-5 to 1."""
    if is_empty(lrs):
        return verdict(False, "", f"lrs {EMPTY}")
    got = as_numbers(lrs)
    if got is None:
        return verdict(False, "", f"lrs should be a sequence of {num_iter} numbers, "
                       f"got {type(lrs).__name__}.")
    r = np.arange(num_iter) / (num_iter - 1)
    want = start_lr * (end_lr / start_lr) ** r
    if got.shape != want.shape:
        return verdict(False, "", f"lrs has {got.size} values; the test takes "
                       f"num_iter={num_iter} steps, one lr each.")
    if np.allclose(got, want, rtol=1e-6, atol=0):  # float32 answers (torch.logspace) are fine too
        return verdict(True, f"{num_iter} lrs from {got[0]:.3g} to {got[-1]:.3g}, each "
                       f"{want[1] / want[0]:.4f} times the one before.", "")
    no_endpoint = start_lr * (end_lr / start_lr) ** (np.arange(num_iter) / num_iter)
    if np.allclose(got, no_endpoint, rtol=1e-9, atol=0):
        return verdict(False, "", f"your last lr is {got[-1]:.4g}, short of end_lr={end_lr:g}: "
                       "the exponent runs over i / (num_iter - 1), so the last step uses end_lr "
                       "itself.")
    linear = start_lr + r * (end_lr - start_lr)
    if np.allclose(got, linear, rtol=1e-9, atol=0):
        return verdict(False, "", "these lrs are evenly spaced (step_mode='linear'); the "
                       "exponential mode spaces them evenly on a log scale.")
    i = int(np.argmin(np.isclose(got, want, rtol=1e-6, atol=0)))
    return verdict(False, "", f"step {i} should use {want[i]:.6g}, got {got[i]:.6g}: "
                   "lr_i = start_lr * (end_lr / start_lr) ** (i / (num_iter - 1)).")
