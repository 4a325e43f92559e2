"""Closed forms of timm's schedulers: the lr at every count ``t`` at once, in NumPy.

Each function is named after the class it mirrors (``CosineLRScheduler`` ->
``cosine_lr_scheduler``) and takes ``t``, the starting lr and that class's
constructor arguments with the same names and defaults::

    cosine_lr_scheduler(t, base_lr, t_initial, lr_min=0.0, cycle_mul=1.0, ...)

``t`` is the count a training loop passes to timm: the epoch given to ``step(epoch)``
(``t_in_epochs=True``) or the update count given to ``step_update(num_updates)``
(``t_in_epochs=False``); the result has the shape of ``t`` and holds the lr the
scheduler sets for that count, which is exactly what ``lrlessons.trace`` records at
epoch / update ``t``. ``t = 0`` is the lr right after construction, before any count
is passed: ``warmup_lr_init`` with a warmup, else ``base_lr`` (the formula at 0 can differ:
tanh starts at ``(1 - tanh(lb)) / 2`` of the way, ``cycle_limit=0`` at ``lr_min``, a
multi-step milestone of 0 or 1 already applies). Noise is left out (the twins in
``lrlessons.reference`` have it), and so are the arguments that do not change the
curve (``t_in_epochs``, ``initialize``). PlateauLRScheduler has no closed form: it
depends on the metric you feed it.

The values agree with the real timm schedulers to rounding error
(tests/test_reference_timm.py). Lesson 05 writes them out; lesson 07's explorer
draws with them.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Sequence

import numpy as np

from lrlessons._checks import bad_value
from lrlessons.reference.timmlike.scheduler import check_count, check_number

__all__ = [
    "cosine_lr_scheduler",
    "step_lr_scheduler",
    "multi_step_lr_scheduler",
    "tanh_lr_scheduler",
    "poly_lr_scheduler",
]


def _counts(t: Any) -> np.ndarray:
    """``t`` as a float array of counts >= 0, or raise naming ``t``."""
    allowed = "a count (number >= 0) or an array of counts"
    if isinstance(t, (str, bytes, bool)):
        raise bad_value("t", t, allowed, TypeError)
    try:
        arr = np.asarray(t, dtype=float)
    except (TypeError, ValueError):
        raise bad_value("t", t, allowed, TypeError) from None
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise bad_value("t", t, allowed)
    return arr


def _cycles(s: np.ndarray, t_initial: float,
            cycle_mul: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cycle index ``i``, its length and the count inside it, for every ``s``.

    Cycle ``i`` lasts ``t_initial * cycle_mul**i``; with ``cycle_mul != 1`` it starts at
    ``t_initial * (cycle_mul**i - 1) / (cycle_mul - 1)``, so ``i`` is a floored logarithm
    (taken with ``math.log`` element by element, so that a count on a cycle boundary lands
    in the same cycle as in timm, one count late where timm is: lesson 05, section 5).
    """
    if cycle_mul == 1:
        i = np.floor_divide(s, t_initial)
        return i, np.full_like(s, t_initial), s - t_initial * i
    inside = 1 - s / t_initial * (1 - cycle_mul)
    if np.any(inside <= 0):
        raise bad_value("cycle_mul", cycle_mul,
                        f">= 1 for counts past {t_initial / (1 - cycle_mul):g}: "
                        "shrinking cycles all end before that")
    flat = [math.floor(math.log(x, cycle_mul)) for x in inside.ravel()]
    # cycle_mul ** i with Python's pow, as timm computes it: NumPy's vectorised power may
    # round the last bit differently, and at a late restart (t_cur a hair below the
    # cycle's length) that bit decides whether t_cur / length passes 1
    powers = {j: cycle_mul ** j for j in set(flat)}
    i = np.array(flat, dtype=float).reshape(s.shape)
    grow = np.array([powers[j] for j in flat], dtype=float).reshape(s.shape)
    return i, grow * t_initial, s - (1 - grow) / (1 - cycle_mul) * t_initial


def _warmup_then(t: np.ndarray, warmup_t: int, warmup_lr_init: float, target: float,
                 warmup_prefix: bool, after: Callable[[np.ndarray], np.ndarray],
                 base_lr: float) -> np.ndarray:
    """Linear warmup for ``t < warmup_t``, then ``after(s)`` (``s = t - warmup_t`` if prefix).

    ``t = 0`` is the lr the constructor leaves: ``warmup_lr_init`` with a warmup, else ``base_lr``.
    """
    flat = t.ravel()
    out = np.empty_like(flat)
    warm = flat < warmup_t
    if warmup_t:
        slope = (target - warmup_lr_init) / warmup_t
        out[warm] = warmup_lr_init + flat[warm] * slope
    rest = flat[~warm]
    out[~warm] = after(rest - warmup_t if warmup_prefix else rest)
    if not warmup_t:
        out[flat == 0] = base_lr
    return out.reshape(t.shape)


def _check_warmup(warmup_t: Any, warmup_lr_init: Any) -> None:
    check_count("warmup_t", warmup_t)
    check_number("warmup_lr_init", warmup_lr_init, low=0)


def _check_cycles(t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit) -> None:
    check_number("t_initial", t_initial, low=0, low_open=True)
    check_number("lr_min", lr_min, low=0)
    check_number("cycle_mul", cycle_mul, low=0, low_open=True)
    check_number("cycle_decay", cycle_decay, low=0)
    check_count("cycle_limit", cycle_limit)


def cosine_lr_scheduler(t: Any, base_lr: float, t_initial: int, lr_min: float = 0.,
                        cycle_mul: float = 1., cycle_decay: float = 1., cycle_limit: int = 1,
                        warmup_t: int = 0, warmup_lr_init: float = 0.,
                        warmup_prefix: bool = False, k_decay: float = 1.0) -> np.ndarray:
    """timm's CosineLRScheduler: in cycle ``i`` of length ``T_i``, ``t_i`` counts into it,

    ``lr = lr_min + (base_lr * cycle_decay**i - lr_min) / 2 * (1 + cos(pi * t_i**k / T_i**k))``
    while ``i < cycle_limit``, ``lr_min`` afterwards; linear warmup before ``warmup_t``.
    """
    t = _counts(t)
    check_number("base_lr", base_lr, low=0)
    _check_cycles(t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit)
    _check_warmup(warmup_t, warmup_lr_init)
    k = check_number("k_decay", k_decay, low=0, low_open=True)

    def cosine(s):
        i, length, t_cur = _cycles(s, t_initial, cycle_mul)
        lr_max = base_lr * np.power(cycle_decay, i)
        shape = 1 + np.cos(np.pi * t_cur ** k / length ** k)
        return np.where(i < cycle_limit, lr_min + 0.5 * (lr_max - lr_min) * shape, lr_min)

    return _warmup_then(t, warmup_t, warmup_lr_init, base_lr, warmup_prefix, cosine, base_lr)


def tanh_lr_scheduler(t: Any, base_lr: float, t_initial: int, lb: float = -7., ub: float = 3.,
                      lr_min: float = 0., cycle_mul: float = 1., cycle_decay: float = 1.,
                      cycle_limit: int = 1, warmup_t: int = 0, warmup_lr_init: float = 0.,
                      warmup_prefix: bool = False) -> np.ndarray:
    """timm's TanhLRScheduler: with ``r = t_i / T_i`` the fraction of cycle ``i`` done,

    ``lr = lr_min + (base_lr * cycle_decay**i - lr_min) / 2 * (1 - tanh(lb * (1 - r) + ub * r))``
    while ``i < cycle_limit``, ``lr_min`` afterwards. The warmup aims at ``base_lr``
    with ``warmup_prefix=True``, else at the curve's own value at ``t = warmup_t``.
    """
    t = _counts(t)
    check_number("base_lr", base_lr, low=0)
    check_number("lb", lb)
    check_number("ub", ub)
    if not lb < ub:
        raise bad_value("ub", ub, f"greater than lb={lb!r}")
    _check_cycles(t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit)
    _check_warmup(warmup_t, warmup_lr_init)

    def tanh(s):
        i, length, t_cur = _cycles(s, t_initial, cycle_mul)
        r = t_cur / length
        lr_max = base_lr * np.power(cycle_decay, i)
        shape = 1 - np.tanh(lb * (1. - r) + ub * r)
        return np.where(i < cycle_limit, lr_min + 0.5 * (lr_max - lr_min) * shape, lr_min)

    if warmup_prefix or not warmup_t:
        target = base_lr
    else:
        target = float(tanh(np.array([float(warmup_t)]))[0])
    return _warmup_then(t, warmup_t, warmup_lr_init, target, warmup_prefix, tanh, base_lr)


def poly_lr_scheduler(t: Any, base_lr: float, t_initial: int, power: float = 0.5,
                      lr_min: float = 0., cycle_mul: float = 1., cycle_decay: float = 1.,
                      cycle_limit: int = 1, warmup_t: int = 0, warmup_lr_init: float = 0.,
                      warmup_prefix: bool = False, k_decay: float = 1.0) -> np.ndarray:
    """timm's PolyLRScheduler, for cycle ``i`` of length ``T_i`` with ``t_i`` counted into it:

    ``lr = lr_min + (base_lr * cycle_decay**i - lr_min) * (1 - t_i**k / T_i**k)**power``
    while ``i < cycle_limit``, ``lr_min`` afterwards; linear warmup before ``warmup_t``.
    """
    t = _counts(t)
    check_number("base_lr", base_lr, low=0)
    check_number("power", power, low=0)
    _check_cycles(t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit)
    _check_warmup(warmup_t, warmup_lr_init)
    k = check_number("k_decay", k_decay, low=0, low_open=True)

    def poly(s):
        i, length, t_cur = _cycles(s, t_initial, cycle_mul)
        lr_max = base_lr * np.power(cycle_decay, i)
        # never below 0: a fractional power of a negative round-off residue would be NaN
        shape = np.maximum(1 - t_cur ** k / length ** k, 0.0) ** power
        return np.where(i < cycle_limit, lr_min + (lr_max - lr_min) * shape, lr_min)

    return _warmup_then(t, warmup_t, warmup_lr_init, base_lr, warmup_prefix, poly, base_lr)


def step_lr_scheduler(t: Any, base_lr: float, decay_t: float, decay_rate: float = 1.,
                      warmup_t: int = 0, warmup_lr_init: float = 0.,
                      warmup_prefix: bool = True) -> np.ndarray:
    """timm's StepLRScheduler: ``lr = base_lr * decay_rate ** (t // decay_t)`` after the warmup."""
    t = _counts(t)
    check_number("base_lr", base_lr, low=0)
    check_number("decay_t", decay_t, low=0, low_open=True)
    check_number("decay_rate", decay_rate, low=0)
    _check_warmup(warmup_t, warmup_lr_init)

    def steps(s):
        return base_lr * np.power(decay_rate, np.floor_divide(s, decay_t))

    return _warmup_then(t, warmup_t, warmup_lr_init, base_lr, warmup_prefix, steps, base_lr)


def multi_step_lr_scheduler(t: Any, base_lr: float, decay_t: Sequence[float],
                            decay_rate: float = 1., warmup_t: int = 0, warmup_lr_init: float = 0.,
                            warmup_prefix: bool = True) -> np.ndarray:
    """timm's MultiStepLRScheduler: ``lr = base_lr * decay_rate ** #{m in decay_t : m <= t + 1}``.

    The ``+ 1`` is timm's: milestone ``m`` applies from ``t = m - 1`` on.
    """
    t = _counts(t)
    check_number("base_lr", base_lr, low=0)
    allowed = "a sorted sequence of milestones (numbers), e.g. [30, 60, 90]"
    if isinstance(decay_t, (str, bytes)) or not hasattr(decay_t, "__len__") or not all(
            isinstance(m, numbers.Real) and not isinstance(m, bool) for m in decay_t):
        raise bad_value("decay_t", decay_t, allowed, TypeError)
    if list(decay_t) != sorted(decay_t):
        raise bad_value("decay_t", decay_t, allowed)
    check_number("decay_rate", decay_rate, low=0)
    _check_warmup(warmup_t, warmup_lr_init)
    milestones = np.asarray(list(decay_t), dtype=float)

    def steps(s):
        passed = np.searchsorted(milestones, s + 1, side="right")
        return base_lr * np.power(decay_rate, passed)

    return _warmup_then(t, warmup_t, warmup_lr_init, base_lr, warmup_prefix, steps, base_lr)
