"""Argument checks shared by every public helper.

Each check raises an error that names the argument, shows the value that was
given and says what is allowed, so a learner never has to read a traceback
to find out what went wrong.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Iterable


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def bad_value(name: str, value: Any, allowed: str, exc: type[Exception] = ValueError) -> Exception:
    """Build the course's standard error: argument name, value given, what is allowed."""
    return exc(f"{name}={_shown(value)} is not allowed: {name} must be {allowed}.")


def positive_int(name: str, value: Any) -> int:
    """Return ``value`` if it is an int >= 1, else raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise bad_value(name, value, "a whole number of at least 1", TypeError)
    if value < 1:
        raise bad_value(name, value, "a whole number of at least 1")
    return int(value)


def non_negative_number(name: str, value: Any) -> float:
    """Return ``value`` as float if it is a real number >= 0, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise bad_value(name, value, "a number of at least 0", TypeError)
    if not value >= 0:  # also catches NaN
        raise bad_value(name, value, "a number of at least 0")
    return float(value)


def one_of(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise listing them."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise bad_value(name, value, "one of " + ", ".join(repr(a) for a in allowed))
    return value


def whole_count(name: str, value: Any) -> int:
    """Return ``value`` if it is a whole number >= 0 (a step or a length that may be 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise bad_value(name, value, "a whole number of at least 0", TypeError)
    if value < 0:
        raise bad_value(name, value, "a whole number of at least 0")
    return int(value)


def finite_real(name: str, value: Any, *, positive: bool = False, minimum: float | None = None) -> float:
    """Return ``value`` as float if it is a finite real number (> 0, or >= ``minimum``, if asked)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise bad_value(name, value, "a finite real number", TypeError)
    if positive and not value > 0:
        raise bad_value(name, value, "a number greater than 0")
    if minimum is not None and value < minimum:
        raise bad_value(name, value, f"a number of at least {minimum:g}")
    return float(value)
