"""Comparisons whose printed result is the same on every machine.

Two computations of the same schedule can differ in the last bit from one CPU to
another: NumPy's vectorised ``exp``, ``power`` or ``tanh`` (AVX-512, AVX2, ARM) and
Python's ``math`` round differently for a few inputs, and a GPU's float32 differs
from a CPU's. A lesson therefore never prints a measured round-off-level
difference. It prints a verdict against a stated tolerance::

    >>> print("closed form vs timm", agree(closed, real, tol=1e-12))
    closed form vs timm within 1e-12: yes

and, where two results really differ, the gap rounded to two significant digits,
refusing to print one that sits at round-off level::

    >>> print("torch vs timm:", gap(torch_lrs, timm_lrs))
    torch vs timm: largest gap 0.031

The rule (CONTRIBUTING.md, "Stored outputs are the same on every machine"):

- a real gap is printed only when it is far above round-off: at least
  ``FLOOR["float64"] = 1e-6`` relative in float64 and ``FLOOR["float32"] = 1e-4``
  relative in float32, rounded to two significant digits;
- below that, the comparison is a verdict: ``agree(a, b, tol)``;
- "bit for bit" only where both sides run the same arithmetic (``agree(..., tol=0)``).

Every lesson uses these (first in lesson 02; the rule itself in lesson 00's map).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrlessons._checks import bad_value, one_of

__all__ = ["Agreement", "FLOOR", "Gap", "agree", "gap", "sig2"]

#: The smallest relative gap the course prints as a measured number, per precision.
FLOOR = {"float64": 1e-6, "float32": 1e-4}


def _as_array(name: str, value: Any) -> np.ndarray:
    """Numbers, sequences, NumPy arrays and tensors, as a flat float64 array."""
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().double().numpy()
    try:
        arr = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise bad_value(name, value, "a number or a sequence of numbers", TypeError) from None
    if arr.size == 0:
        raise bad_value(name, value, "a number or a non-empty sequence of numbers")
    return arr


def _pair(got: Any, want: Any) -> tuple[np.ndarray, np.ndarray]:
    a, b = _as_array("got", got), _as_array("want", want)
    if a.shape != b.shape and a.size != 1 and b.size != 1:
        raise bad_value("got", f"{a.size} values", f"as many values as want ({b.size})")
    return np.broadcast_arrays(a, b)


def _tolerance(tol: Any) -> float:
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol >= 0:
        raise bad_value("tol", tol, "a number of at least 0 (0 means bit for bit)")
    return float(tol)


def sig2(x: float) -> str:
    """``x`` with two significant digits, the precision the course prints gaps with."""
    return f"{float(x):.2g}"


@dataclass(frozen=True)
class Agreement:
    """The verdict of :func:`agree`: true when every pair is within the tolerance.

    Printing it gives ``within 1e-12: yes`` (or ``bit for bit: yes`` for ``tol=0``);
    only a failed check shows the measured difference, which is then far above the
    tolerance and so prints the same everywhere it fails. ``worst`` holds the largest
    difference for a learner who wants to look, but no lesson prints it.
    """

    ok: bool
    tol: float
    relative: bool
    worst: float
    where: int

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.tol == 0:
            head = "bit for bit"
        else:
            head = f"within {self.tol:g}" + (" relative" if self.relative else "")
        if self.ok:
            return f"{head}: yes"
        return f"{head}: NO (largest difference {sig2(self.worst)} at index {self.where})"

    __repr__ = __str__

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


def agree(got: Any, want: Any, tol: float = 1e-12, *, relative: bool = False) -> Agreement:
    """Do ``got`` and ``want`` agree within ``tol``?  ``|got - want| <= tol`` everywhere.

    With ``relative=True`` the test is ``|got - want| <= tol * |want|``. ``tol=0`` asks
    for identical values (use it only where both sides run the same arithmetic).
    NaNs agree with NaNs in the same place; infinities must match exactly.
    """
    tol = _tolerance(tol)
    a, b = _pair(got, want)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    with np.errstate(invalid="ignore"):
        diff = np.where(same, 0.0, np.abs(a - b))
    diff = np.where(np.isnan(diff), np.inf, diff)
    scale = np.abs(b) if relative else np.ones_like(b)
    ok_each = same | (diff <= tol * scale)
    worst_at = int(np.argmax(diff / np.where(scale > 0, scale, 1.0)))
    return Agreement(bool(ok_each.all()), tol, relative, float(diff[worst_at]), worst_at)


@dataclass(frozen=True)
class Gap:
    """The result of :func:`gap`: the largest difference, printed only if it is real."""

    size: float
    relative_size: float
    floor: float
    precision: str
    relative: bool

    @property
    def real(self) -> bool:
        """True when the gap is far enough above round-off to print as a number."""
        return self.relative_size >= self.floor

    def __float__(self) -> float:
        return self.size

    def __str__(self) -> str:
        if self.real:
            value = self.relative_size if self.relative else self.size
            return f"largest {'relative ' if self.relative else ''}gap {sig2(value)}"
        return f"no gap above {self.floor:g} relative (round-off level in {self.precision})"

    __repr__ = __str__

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


def gap(got: Any, want: Any, *, precision: str = "float64", relative: bool = False) -> Gap:
    """The largest difference between two results, for printing (lessons 05, 06).

    It prints as ``largest gap 0.031`` (two significant digits) when the relative
    difference ``max |got - want| / max |want|`` is at least ``FLOOR[precision]``,
    and as ``no gap above 1e-06 relative (...)`` otherwise, so the printed text
    does not depend on the machine's round-off. ``relative=True`` prints the
    relative size instead of the absolute one.
    """
    one_of("precision", precision, FLOOR)
    a, b = _pair(got, want)
    diff = np.abs(a - b)
    size = float(np.nanmax(diff)) if np.isfinite(diff).any() else float("inf")
    scale = float(np.nanmax(np.abs(b))) or 1.0
    return Gap(size, size / scale, FLOOR[precision], precision, relative)
