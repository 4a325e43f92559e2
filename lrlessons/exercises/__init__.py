"""Checkers for the lessons' exercises: each says in plain words what is right or wrong.

A checker prints one verdict line ("Correct: ..." or "Not yet: ...") and returns a
``Verdict``, which is true or false like a bool but shows nothing more in a notebook.
It never raises on a wrong answer, so a learner can try again. Each lesson's
checkers live in their own module (``lesson01``, ``lesson02``, ...).
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Verdict", "compare_curves", "is_empty", "verdict"]

EMPTY = "is still empty: replace the ... in the cell above with your answer and run it again."


class Verdict:
    """The result of a checker: truthy when the answer is right; displays as nothing."""

    def __init__(self, ok: bool) -> None:
        self.ok = bool(ok)

    def __bool__(self) -> bool:
        return self.ok

    def __eq__(self, other: object) -> bool:
        return bool(self) == bool(other)

    def __hash__(self) -> int:
        return hash(self.ok)

    def __repr__(self) -> str:
        return f"Verdict({self.ok})"

    def _ipython_display_(self) -> None:
        """The printed line says it all: no extra ``Out[...]`` in notebooks."""


def is_empty(answer: Any) -> bool:
    """True for the placeholders a learner has not replaced yet (``...`` or None)."""
    return answer is None or answer is Ellipsis


def verdict(ok: bool, good: str, bad: str) -> Verdict:
    """Print the verdict line and return it as a ``Verdict``."""
    print(("Correct: " + good) if ok else ("Not yet: " + bad))
    return Verdict(ok)


def compare_curves(answer: Any, expected: Any, what: str = "your curve", *, rtol: float = 1e-9,
                   atol: float = 1e-12) -> Verdict:
    """Compare a learner's sequence of lrs with the expected one and explain the first difference."""
    if is_empty(answer):
        return verdict(False, "", f"{what} {EMPTY}")
    try:
        got = np.asarray(answer, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return verdict(False, "", f"{what} should be a sequence of numbers, got {type(answer).__name__}.")
    want = np.asarray(expected, dtype=float).reshape(-1)
    if got.shape != want.shape:
        return verdict(False, "", f"{what} has {got.size} value{'s' * (got.size != 1)}, "
                       f"expected {want.size}.")
    close = np.isclose(got, want, rtol=rtol, atol=atol)
    if close.all():
        return verdict(True, f"all {want.size} values match.", "")
    i = int(np.argmin(close))
    return verdict(False, "", f"{what} first differs at index {i}: got {got[i]:.6g}, expected {want[i]:.6g}.")
