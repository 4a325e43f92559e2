"""Closed forms of Keras's ``LearningRateSchedule`` classes, as NumPy functions of the step.

Keras hands these schedules to an optimizer instead of a number: the optimizer
calls ``schedule(iterations)`` before every update, so here ``t`` counts optimizer
steps (0 for the first update). Each function is named after its Keras class in
snake_case and takes that class's constructor arguments, with the same names and
defaults (``name`` left out). Keras evaluates them in float32; these work in
float64, so expect agreement to about 1e-6 relative.

Formulas, with ``lr0 = initial_learning_rate`` and ``s = decay_steps``:

- ``exponential_decay``: ``lr0 * decay_rate ** (t / s)`` (``floor(t / s)`` when ``staircase``).
- ``piecewise_constant_decay``: ``values[0]`` while ``t <= boundaries[0]``,
  ``values[i]`` while ``boundaries[i-1] < t <= boundaries[i]``, ``values[-1]`` after.
- ``polynomial_decay``: ``(lr0 - end) * (1 - min(t, s) / s) ** power + end``; with
  ``cycle`` the horizon grows to the next multiple of ``s`` (``s`` itself at ``t = 0``).
- ``inverse_time_decay``: ``lr0 / (1 + decay_rate * t / s)`` (``floor`` when ``staircase``).
- ``cosine_decay``: ``lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * min(t, s) / s)) + alpha)``;
  with ``warmup_target`` it first rises linearly from ``lr0`` to ``warmup_target`` over
  ``warmup_steps`` steps, then decays from ``warmup_target`` the same way over ``s``.
- ``cosine_decay_restarts``: cosine periods of ``first_decay_steps * t_mul ** i`` steps,
  period ``i`` falling from ``lr0 * (alpha + (1 - alpha) * m_mul ** i)`` to ``alpha * lr0``.

Used by lesson 06 (Keras beside PyTorch) and the explorer of lesson 07.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

import numpy as np

from lrlessons._checks import finite_real as _real, bad_value

__all__ = [
    "cosine_decay",
    "cosine_decay_restarts",
    "exponential_decay",
    "inverse_time_decay",
    "piecewise_constant_decay",
    "polynomial_decay",
]


def _steps(t: Any) -> np.ndarray:
    try:
        arr = np.asarray(t, dtype=float)
    except (TypeError, ValueError):
        raise bad_value("t", t, "a step count or an array of step counts (numbers >= 0)", TypeError) from None
    if arr.size and not (np.all(np.isfinite(arr)) and np.all(arr >= 0)):
        raise bad_value("t", t, "step counts that are finite and at least 0")
    return arr




def exponential_decay(t: Any, initial_learning_rate: float, decay_steps: float, decay_rate: float,
                      staircase: bool = False) -> np.ndarray:
    """``initial_learning_rate * decay_rate ** (t / decay_steps)``; ``floor`` of the power when ``staircase``."""
    t = _steps(t)
    lr0 = _real("initial_learning_rate", initial_learning_rate, minimum=0.0)
    s = _real("decay_steps", decay_steps, positive=True)
    rate = _real("decay_rate", decay_rate, minimum=0.0)
    p = np.floor(t / s) if staircase else t / s
    return lr0 * rate ** p


def piecewise_constant_decay(t: Any, boundaries: Sequence[float], values: Sequence[float]) -> np.ndarray:
    """``values[0]`` up to and including step ``boundaries[0]``, then ``values[i]`` up to ``boundaries[i]``."""
    t = _steps(t)
    if isinstance(boundaries, (str, bytes)) or not hasattr(boundaries, "__len__") or len(boundaries) == 0:
        raise bad_value("boundaries", boundaries, "a non-empty list of increasing step numbers", TypeError)
    b = [_real("boundaries", v) for v in boundaries]
    if any(hi <= lo for lo, hi in zip(b, b[1:])):
        raise bad_value("boundaries", boundaries, "strictly increasing step numbers")
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or len(values) != len(b) + 1:
        raise bad_value("values", values, f"a list of len(boundaries) + 1 = {len(b) + 1} learning rates")
    v = np.array([_real("values", x) for x in values])
    # number of boundaries strictly below t = index of the value in force
    return v[np.searchsorted(np.asarray(b), t, side="left")]


def polynomial_decay(t: Any, initial_learning_rate: float, decay_steps: float,
                     end_learning_rate: float = 0.0001, power: float = 1.0, cycle: bool = False) -> np.ndarray:
    """``(lr0 - end) * (1 - t / s) ** power + end`` with ``t`` held at ``s``, or a growing ``s`` when ``cycle``."""
    t = _steps(t)
    lr0 = _real("initial_learning_rate", initial_learning_rate)
    s = _real("decay_steps", decay_steps, positive=True)
    end = _real("end_learning_rate", end_learning_rate)
    pw = _real("power", power)
    if cycle:
        horizon = s * np.where(t == 0, 1.0, np.ceil(t / s))
        frac = t / horizon
    else:
        frac = np.minimum(t, s) / s
    return (lr0 - end) * (1.0 - frac) ** pw + end


def inverse_time_decay(t: Any, initial_learning_rate: float, decay_steps: float, decay_rate: float,
                       staircase: bool = False) -> np.ndarray:
    """``initial_learning_rate / (1 + decay_rate * t / decay_steps)``; ``floor(t / decay_steps)`` when ``staircase``."""
    t = _steps(t)
    lr0 = _real("initial_learning_rate", initial_learning_rate)
    s = _real("decay_steps", decay_steps, positive=True)
    rate = _real("decay_rate", decay_rate, minimum=0.0)
    p = np.floor(t / s) if staircase else t / s
    return lr0 / (1.0 + rate * p)


def _cosine(frac: np.ndarray, alpha: float) -> np.ndarray:
    return (1.0 - alpha) * 0.5 * (1.0 + np.cos(np.pi * frac)) + alpha


def cosine_decay(t: Any, initial_learning_rate: float, decay_steps: float, alpha: float = 0.0,
                 warmup_target: float | None = None, warmup_steps: float = 0) -> np.ndarray:
    """Half a cosine from ``lr0`` to ``alpha * lr0`` over ``decay_steps``, then flat.

    With ``warmup_target``: a straight line from ``lr0`` (at step 0) towards
    ``warmup_target`` (reached at ``warmup_steps``), then half a cosine from
    ``warmup_target`` down to ``alpha * warmup_target`` over ``decay_steps`` more steps.
    """
    t = _steps(t)
    lr0 = _real("initial_learning_rate", initial_learning_rate)
    s = _real("decay_steps", decay_steps, positive=True)
    a = _real("alpha", alpha)
    if warmup_target is None:
        return lr0 * _cosine(np.minimum(t, s) / s, a)
    target = _real("warmup_target", warmup_target)
    w = _real("warmup_steps", warmup_steps, minimum=0.0)
    tc = np.minimum(t, s + w)
    with np.errstate(divide="ignore", invalid="ignore"):
        rising = lr0 + (target - lr0) * (tc / w) if w > 0 else np.full_like(tc, lr0)
    falling = target * _cosine((tc - w) / s, a)
    return np.where(tc < w, rising, falling)


def cosine_decay_restarts(t: Any, initial_learning_rate: float, first_decay_steps: float, t_mul: float = 2.0,
                          m_mul: float = 1.0, alpha: float = 0.0) -> np.ndarray:
    """Cosine periods that restart: period ``i`` lasts ``first_decay_steps * t_mul ** i`` steps.

    In period ``i`` the lr falls along half a cosine from
    ``lr0 * (alpha + (1 - alpha) * m_mul ** i)`` to the floor ``alpha * lr0``, then jumps
    back up for period ``i + 1`` (the floor does not shrink with ``m_mul``).

    This is the exact value. Keras finds the period with a float32 logarithm, which at
    the very first step of a period can, rarely, still count it in the previous one and
    give the floor there instead of the restart (seen with ``first_decay_steps=2,
    t_mul=1.5`` at step 5; never with ``t_mul`` 1, 2 or 3 in the course's tests).
    """
    t = _steps(t)
    lr0 = _real("initial_learning_rate", initial_learning_rate)
    s = _real("first_decay_steps", first_decay_steps, positive=True)
    tm = _real("t_mul", t_mul, positive=True)
    mm = _real("m_mul", m_mul, minimum=0.0)
    a = _real("alpha", alpha)
    frac = t / s  # progress measured in first periods
    if tm == 1.0:
        i = np.floor(frac)
        inside = frac - i
    else:
        # periods 0..i-1 together last (1 - tm**i) / (1 - tm) first periods
        i = np.floor(np.log1p(frac * (tm - 1.0)) / np.log(tm))
        done = (1.0 - tm ** i) / (1.0 - tm)
        # guard the floor against rounding at the exact start of a period
        up = (1.0 - tm ** (i + 1)) / (1.0 - tm) <= frac
        i, done = np.where(up, i + 1, i), np.where(up, (1.0 - tm ** (i + 1)) / (1.0 - tm), done)
        inside = (frac - done) / tm ** i
    return lr0 * ((1.0 - a) * mm ** i * 0.5 * (1.0 + np.cos(np.pi * inside)) + a)
