"""Checkers for the lessons' exercises: each says in plain words what is right or wrong.

A checker prints one verdict line ("Correct: ..." or "Not yet: ...") and returns a
``Verdict``, which is true or false like a bool but shows nothing more in a notebook.
It never raises on a wrong answer, so a learner can try again. Each lesson's
checkers live in their own module (``lesson01``, ``lesson02``, ...).

The shared helpers below make every checker lenient about *types* and strict about
*values*: a Python float, a NumPy scalar (``np.float32(0.1)``) and a 0-d tensor
(``torch.tensor(0.1)``) are the same answer (``as_number``, ``as_numbers``), and a
message that shows a wrong number prints enough digits to tell it from the right
one (``show_pair``: never "got 0.01, expected 0.01").
"""
from __future__ import annotations

import math
import numbers
import textwrap
from typing import Any

import numpy as np

__all__ = ["EMPTY", "EMPTY_SHORT", "FLOAT32_RTOL", "LINE", "Verdict", "fitted_verdict",
           "as_number", "as_numbers", "as_whole", "compare_curves", "is_empty", "show",
           "show_pair", "verdict"]

EMPTY = "is still empty: replace the ... with your answer and run the cell again."
#: The same, short enough for a long answer name on a 100-character line.
EMPTY_SHORT = "is still empty: replace the ... with your answer, then run the cell."


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


#: The longest output line a lesson stores (a 1024-pixel projector shows about 100 characters).
LINE = 100


def verdict(ok: bool, good: str, bad: str, *, width: int | None = None) -> Verdict:
    """Print the verdict line and return it as a ``Verdict``.

    With ``width``, a long verdict is wrapped onto lines of at most ``width`` characters
    (continuation lines indented by two spaces).
    """
    text = ("Correct: " + good) if ok else ("Not yet: " + bad)
    if width is not None and len(text) > width:
        text = textwrap.fill(text, width, subsequent_indent="  ", break_long_words=False,
                             break_on_hyphens=False)
    print(text)
    return Verdict(ok)


def fitted_verdict(ok: bool, good: str, bad: str) -> Verdict:
    """``verdict`` wrapped to ``LINE`` characters: what lessons 01-04 print."""
    return verdict(ok, good, bad, width=LINE)


def as_number(value: Any) -> float | None:
    """``value`` as a Python float, or None if it is not one number.

    Accepts ints, floats, NumPy scalars, 0-d (or one-element) NumPy arrays and torch
    tensors; refuses bools, strings, placeholders and anything holding several numbers.
    """
    if value is None or value is Ellipsis or isinstance(value, (bool, np.bool_, str, bytes)):
        return None
    if hasattr(value, "detach"):  # a torch tensor, on any device
        value = value.detach().cpu()
        if value.numel() != 1 or value.dtype.is_complex or value.dtype == _torch_bool():
            return None
        return float(value.reshape(()).item())
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        return float(value.reshape(()))
    return None


def _torch_bool() -> Any:
    import torch  # torch is always installed with the course; imported here to keep this module light

    return torch.bool


def as_whole(value: Any) -> int | None:
    """``value`` as an int when it is a whole number (``176``, ``176.0``, ``np.int64(176)``), else None."""
    x = as_number(value)
    if x is None or not math.isfinite(x) or x != int(x):
        return None
    return int(x)


def as_numbers(answer: Any) -> np.ndarray | None:
    """A flat float64 array from a list, tuple, NumPy array or tensor of numbers, or None.

    The elements may themselves be NumPy scalars or 0-d tensors (``[torch.tensor(0.2), ...]``).
    """
    if is_empty(answer) or isinstance(answer, (str, bytes, dict)):
        return None
    if hasattr(answer, "detach"):
        answer = answer.detach().cpu().double().numpy()
    if isinstance(answer, np.ndarray):
        return answer.astype(float).reshape(-1) if answer.dtype.kind in "iuf" else None
    try:
        items = list(answer)
    except TypeError:
        one = as_number(answer)
        return None if one is None else np.array([one])
    values = [as_number(item) for item in items]
    if any(v is None for v in values):
        return None
    return np.array(values, dtype=float)


def show(x: float, digits: int = 6) -> str:
    """A number with ``digits`` significant digits (``repr``-free: no ``np.float64(...)``)."""
    return f"{float(x):.{digits}g}"


def show_pair(got: float, want: float, at_least: int = 6) -> tuple[str, str]:
    """``got`` and ``want`` printed with the fewest digits (at least ``at_least``) that tell them apart."""
    got, want = float(got), float(want)
    for digits in range(at_least, 18):
        a, b = show(got, digits), show(want, digits)
        if a != b:
            return a, b
    return show(got, 17), show(want, 17)


#: The relative tolerance a checker allows an answer given in float32 (its rounding is 6e-8).
FLOAT32_RTOL = 1e-6


def _float32_level(values: np.ndarray) -> bool:
    """True when every value is exactly a float32 number (so it may carry float32 rounding)."""
    with np.errstate(over="ignore"):
        return bool(np.all(values.astype(np.float32).astype(float) == values))


def compare_curves(answer: Any, expected: Any, what: str = "your curve", *, rtol: float = 1e-9,
                   atol: float = 1e-12, empty: str = EMPTY) -> Verdict:
    """Compare a learner's sequence of lrs with the expected one and explain the first difference.

    The answer may be a list, a NumPy array or a tensor, of floats, NumPy scalars or 0-d tensors.
    An answer whose values are all float32 numbers is compared with ``rtol`` of at least
    ``FLOAT32_RTOL``: float32 rounding is not a wrong answer. ``empty`` is the message
    for a placeholder (``EMPTY_SHORT`` where ``what`` is long).
    """
    if is_empty(answer):
        return verdict(False, "", f"{what} {empty}")
    got = as_numbers(answer)
    if got is None:
        return verdict(False, "", f"{what} should be a sequence of numbers, got {type(answer).__name__}.")
    want = np.asarray(expected, dtype=float).reshape(-1)
    if got.shape != want.shape:
        return verdict(False, "", f"{what} has {got.size} value{'s' * (got.size != 1)}, "
                       f"expected {want.size}.")
    if _float32_level(got):  # a float32 answer (np.float32, a float32 tensor) is right to its precision
        rtol = max(rtol, FLOAT32_RTOL)
    close = np.isclose(got, want, rtol=rtol, atol=atol)
    if close.all():
        return verdict(True, f"all {want.size} values match.", "")
    i = int(np.argmin(close))
    a, b = show_pair(got[i], want[i])
    return verdict(False, "", f"{what} first differs at index {i}: got {a}, expected {b}.")
