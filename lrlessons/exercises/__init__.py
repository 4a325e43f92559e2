"""Checkers for the lessons' exercises: each says in plain words what is right or wrong.

A checker prints one verdict line ("Correct: ..." or "Not yet: ...") and returns
True or False; it never raises on a wrong answer, so a learner can try again.
Each lesson's checkers live in their own module (``lesson01``, ``lesson02``, ...).
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["verdict", "compare_curves"]


def verdict(ok: bool, good: str, bad: str) -> bool:
    """Print the verdict line and return ``ok``."""
    print(("Correct: " + good) if ok else ("Not yet: " + bad))
    return bool(ok)


def compare_curves(answer: Any, expected: Any, what: str = "your curve", *, rtol: float = 1e-9,
                   atol: float = 1e-12) -> bool:
    """Compare a learner's sequence of lrs with the expected one and explain the first difference."""
    if answer is None or answer is Ellipsis:
        return verdict(False, "", f"{what} is still empty: fill in the cell above and run it again.")
    try:
        got = np.asarray(answer, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return verdict(False, "", f"{what} should be a sequence of numbers, got {type(answer).__name__}.")
    want = np.asarray(expected, dtype=float).reshape(-1)
    if got.shape != want.shape:
        return verdict(False, "", f"{what} has {got.size} values, expected {want.size}.")
    close = np.isclose(got, want, rtol=rtol, atol=atol)
    if close.all():
        return verdict(True, f"all {want.size} values match.", "")
    i = int(np.argmin(close))
    return verdict(False, "", f"{what} first differs at index {i}: got {got[i]:.6g}, expected {want[i]:.6g}.")
