"""Closed forms of Hugging Face transformers' schedules, as NumPy functions of the step.

Each ``transformers.get_X(optimizer, **kwargs)`` returns a ``LambdaLR`` whose factor
is a plain function of the scheduler's step count ``t`` (``last_epoch``: 0 before the
first ``scheduler.step()``). Here ``X(t, base_lr, **kwargs)`` returns
``base_lr * factor(t)`` for every ``t`` at once: the lr after ``t`` scheduler steps,
the lr update ``t`` uses when the scheduler is stepped once per update. The keyword
arguments have the names and defaults of transformers (``optimizer`` and
``last_epoch`` left out; ``base_lr`` stands for the optimizer's lr).

Formulas, with ``W = num_warmup_steps``, ``T = num_training_steps`` and
``p = (t - W) / max(1, T - W)`` the progress after the warmup:

- warmup (every schedule but ``constant_schedule`` and the ``_lr_rate`` variant):
  ``t / max(1, W)`` for ``t < W``, so **update 0 uses lr 0**;
- ``constant_schedule``: ``1``;  ``constant_schedule_with_warmup``: ``1`` after the warmup;
- ``linear_schedule_with_warmup``: ``max(0, (T - t) / max(1, T - W))``;
- ``cosine_schedule_with_warmup``: ``max(0, (1 + cos(2 pi num_cycles p)) / 2)``; past
  ``T`` the cosine goes on (it rises again with the default ``num_cycles=0.5``);
- ``cosine_with_hard_restarts_schedule_with_warmup``:
  ``(1 + cos(pi ((num_cycles p) mod 1))) / 2``, and ``0`` once ``p >= 1``;
- ``polynomial_decay_schedule_with_warmup``:
  ``((base_lr - lr_end) (1 - p) ** power + lr_end) / base_lr``, ``lr_end / base_lr`` past ``T``;
- ``inverse_sqrt_schedule``: ``1 / sqrt((t + timescale - W) / timescale)`` after the
  warmup, ``timescale`` defaulting to ``W`` (or 10,000 when ``W = 0``);
- ``cosine_with_min_lr_schedule_with_warmup``: the cosine factor ``c`` becomes
  ``max(0, c (1 - r) + r)`` with the floor ratio ``r = min_lr_rate`` or
  ``min_lr / base_lr`` (give exactly one of them);
- ``cosine_with_min_lr_schedule_with_warmup_lr_rate``: the same floor, but the warmup is
  ``(t + 1) / max(1, W)`` (or ``warmup_lr_rate + (1 - warmup_lr_rate) t / max(1, W - 1)``)
  and the progress ``(t - W + 1) / max(1, T - W)``: one step ahead of the other;
- ``wsd_schedule`` (warmup-stable-decay): warmup of shape ``warmup_type`` from
  ``min_lr_ratio`` to 1 over ``W`` steps, ``1`` for ``num_stable_steps`` steps (default
  ``T - W - num_decay_steps``), decay of shape ``decay_type`` back to ``min_lr_ratio``
  over ``num_decay_steps`` steps, then ``min_lr_ratio``.

Errors: the ones transformers raises (same type and message) where it checks, plus
these clearer ones where transformers would fail later or oddly: ``t`` must be whole
step counts >= 0; ``num_warmup_steps``, ``num_training_steps``, ``num_decay_steps`` and
``num_stable_steps`` whole numbers >= 0; ``base_lr`` a finite number >= 0 (> 0 where it
divides); ``timescale`` >= 1; ``power`` >= 0; for the polynomial decay
``num_training_steps`` must differ from ``num_warmup_steps`` (transformers divides
by their difference, a ZeroDivisionError at that step).

Used by lesson 09 (schedules inside the frameworks); ``wsd_schedule`` also by lesson 11.
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from lrlessons._checks import whole_count as _count, finite_real as _real, bad_value

__all__ = [
    "constant_schedule",
    "constant_schedule_with_warmup",
    "cosine_schedule_with_warmup",
    "cosine_with_hard_restarts_schedule_with_warmup",
    "cosine_with_min_lr_schedule_with_warmup",
    "cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "inverse_sqrt_schedule",
    "linear_schedule_with_warmup",
    "polynomial_decay_schedule_with_warmup",
    "wsd_schedule",
]

_SHAPES = ("linear", "cosine", "1-sqrt")


def _steps(t: Any) -> np.ndarray:
    """``t`` as a float array of whole step counts >= 0."""
    try:
        arr = np.asarray(t, dtype=float)
    except (TypeError, ValueError):
        raise bad_value("t", t, "a step count or an array of step counts (whole numbers >= 0)",
                        TypeError) from None
    if arr.size and not (np.all(np.isfinite(arr)) and np.all(arr >= 0) and np.all(arr == np.floor(arr))):
        raise bad_value("t", t, "step counts that are whole numbers of at least 0")
    return arr






def _warmup(t: np.ndarray, w: int) -> np.ndarray:
    """transformers' linear warmup factor ``t / max(1, W)`` (used where ``t < W``)."""
    return t / float(max(1, w))


def _progress(t: np.ndarray, w: int, total: int) -> np.ndarray:
    return (t - w) / float(max(1, total - w))


def constant_schedule(t: Any, base_lr: float) -> np.ndarray:
    """``base_lr`` at every step (``get_constant_schedule``)."""
    t = _steps(t)
    lr = _real("base_lr", base_lr, minimum=0.0)
    return np.full(t.shape, lr * 1)


def constant_schedule_with_warmup(t: Any, base_lr: float, num_warmup_steps: int) -> np.ndarray:
    """``base_lr * t / max(1, W)`` while ``t < W``, then ``base_lr``."""
    t = _steps(t)
    lr = _real("base_lr", base_lr, minimum=0.0)
    w = _count("num_warmup_steps", num_warmup_steps)
    return lr * np.where(t < w, t / max(1.0, float(w)), 1.0)


def linear_schedule_with_warmup(t: Any, base_lr: float, num_warmup_steps: int,
                                num_training_steps: int) -> np.ndarray:
    """Linear warmup from 0, then linear decay to 0 at ``T``; 0 past ``T``."""
    t = _steps(t)
    lr = _real("base_lr", base_lr, minimum=0.0)
    w = _count("num_warmup_steps", num_warmup_steps)
    total = _count("num_training_steps", num_training_steps)
    decay = np.maximum(0.0, (total - t) / float(max(1, total - w)))
    return lr * np.where(t < w, _warmup(t, w), decay)


def cosine_schedule_with_warmup(t: Any, base_lr: float, num_warmup_steps: int, num_training_steps: int,
                                num_cycles: float = 0.5) -> np.ndarray:
    """Linear warmup from 0, then ``(1 + cos(2 pi num_cycles p)) / 2``; the cosine goes on past ``T``."""
    t = _steps(t)
    lr = _real("base_lr", base_lr, minimum=0.0)
    w = _count("num_warmup_steps", num_warmup_steps)
    total = _count("num_training_steps", num_training_steps)
    cycles = _real("num_cycles", num_cycles)
    p = _progress(t, w, total)
    decay = np.maximum(0.0, 0.5 * (1.0 + np.cos(np.pi * cycles * 2.0 * p)))
    return lr * np.where(t < w, _warmup(t, w), decay)


def cosine_with_hard_restarts_schedule_with_warmup(t: Any, base_lr: float, num_warmup_steps: int,
                                                   num_training_steps: int, num_cycles: int = 1) -> np.ndarray:
    """Linear warmup, then ``num_cycles`` half-cosines from ``base_lr`` to 0, each restarting at the top; 0 from ``T``."""
    t = _steps(t)
    lr = _real("base_lr", base_lr, minimum=0.0)
    w = _count("num_warmup_steps", num_warmup_steps)
    total = _count("num_training_steps", num_training_steps)
    cycles = _real("num_cycles", num_cycles)
    p = _progress(t, w, total)
    decay = np.maximum(0.0, 0.5 * (1.0 + np.cos(np.pi * np.mod(cycles * p, 1.0))))
    decay = np.where(p >= 1.0, 0.0, decay)
    return lr * np.where(t < w, _warmup(t, w), decay)


def polynomial_decay_schedule_with_warmup(t: Any, base_lr: float, num_warmup_steps: int,
                                          num_training_steps: int, lr_end: float = 1e-7,
                                          power: float = 1.0) -> np.ndarray:
    """Linear warmup, then ``(base_lr - lr_end) (1 - p) ** power + lr_end``; ``lr_end`` past ``T``.

    ``lr_end`` is absolute: transformers divides it by the optimizer's lr (``base_lr``
    here) and LambdaLR multiplies back. It must be smaller than ``base_lr``.
    """
    t = _steps(t)
    lr = _real("base_lr", base_lr, minimum=0.0)
    w = _count("num_warmup_steps", num_warmup_steps)
    total = _count("num_training_steps", num_training_steps)
    end = _real("lr_end", lr_end)
    pw = _real("power", power, minimum=0.0)
    if not (lr > end):  # transformers' own check and message
        raise ValueError(f"lr_end ({lr_end}) must be smaller than initial lr ({base_lr})")
    if total == w:
        raise bad_value("num_training_steps", num_training_steps,
                        f"different from num_warmup_steps ({w}): the decay lasts their difference")
    decay_steps = total - w
    remaining = np.clip(1.0 - (t - w) / decay_steps, 0.0, None)
    mid = ((lr - end) * remaining ** pw + end) / lr
    factor = np.where(t < w, _warmup(t, w), np.where(t > total, end / lr, mid))
    return lr * factor


def inverse_sqrt_schedule(t: Any, base_lr: float, num_warmup_steps: int,
                          timescale: int | None = None) -> np.ndarray:
    """Linear warmup, then ``base_lr / sqrt((t + timescale - W) / timescale)``: ``base_lr`` at ``t = W``."""
    t = _steps(t)
    lr = _real("base_lr", base_lr, minimum=0.0)
    w = _count("num_warmup_steps", num_warmup_steps)
    if timescale is None:
        timescale = w or 10_000
    scale = _real("timescale", timescale, minimum=1.0)
    shift = scale - w
    decay = 1.0 / np.sqrt(np.maximum(t + shift, scale) / scale)  # t >= W wherever it is used
    return lr * np.where(t < w, _warmup(t, w), decay)


def _floor_ratio(base_lr: float, min_lr: float | None, min_lr_rate: float | None) -> float:
    if min_lr is not None and min_lr_rate is not None:
        raise ValueError("Only one of min_lr or min_lr_rate should be set")
    if min_lr is not None:
        lr = _real("base_lr", base_lr, positive=True)
        return _real("min_lr", min_lr) / lr
    if min_lr_rate is None:
        raise ValueError("One of min_lr or min_lr_rate should be set through the `lr_scheduler_kwargs`")
    return _real("min_lr_rate", min_lr_rate)


def cosine_with_min_lr_schedule_with_warmup(t: Any, base_lr: float, num_warmup_steps: int,
                                            num_training_steps: int, num_cycles: float = 0.5,
                                            min_lr: float | None = None,
                                            min_lr_rate: float | None = None) -> np.ndarray:
    """The cosine with a floor: ``max(0, c (1 - r) + r)``, ``r = min_lr_rate`` or ``min_lr / base_lr``."""
    t = _steps(t)
    lr = _real("base_lr", base_lr, minimum=0.0)
    r = _floor_ratio(lr, min_lr, min_lr_rate)
    w = _count("num_warmup_steps", num_warmup_steps)
    total = _count("num_training_steps", num_training_steps)
    cycles = _real("num_cycles", num_cycles)
    c = 0.5 * (1.0 + np.cos(np.pi * cycles * 2.0 * _progress(t, w, total)))
    decay = np.maximum(0.0, c * (1 - r) + r)
    return lr * np.where(t < w, _warmup(t, w), decay)


def cosine_with_min_lr_schedule_with_warmup_lr_rate(t: Any, base_lr: float, num_warmup_steps: int,
                                                    num_training_steps: int, num_cycles: float = 0.5,
                                                    min_lr: float | None = None,
                                                    min_lr_rate: float | None = None,
                                                    warmup_lr_rate: float | None = None) -> np.ndarray:
    """The cosine with a floor, counted one step ahead: update 0 already trains.

    Warmup ``(t + 1) / max(1, W)``, or ``warmup_lr_rate + (1 - warmup_lr_rate) t / max(1, W - 1)``
    when ``warmup_lr_rate`` is given; then the floored cosine of
    ``(t - W + 1) / max(1, T - W)``.
    """
    t = _steps(t)
    lr = _real("base_lr", base_lr, minimum=0.0)
    r = _floor_ratio(lr, min_lr, min_lr_rate)
    w = _count("num_warmup_steps", num_warmup_steps)
    total = _count("num_training_steps", num_training_steps)
    cycles = _real("num_cycles", num_cycles)
    if warmup_lr_rate is None:
        warm = (t + 1.0) / max(1.0, float(w))
    else:
        a = _real("warmup_lr_rate", warmup_lr_rate)
        warm = a + (1.0 - a) * t / max(1, w - 1)
    p = (t - w + 1.0) / max(1.0, float(total - w))
    c = 0.5 * (1.0 + np.cos(np.pi * cycles * 2.0 * p))
    decay = np.maximum(0.0, c * (1 - r) + r)
    return lr * np.where(t < w, warm, decay)


def _shape(name: str, value: Any) -> str:
    if value not in _SHAPES:
        kind = name.split("_")[0]
        raise ValueError(f"Unknown {kind} type: {value}, expected 'linear', 'cosine' or '1-sqrt'")
    return value


def wsd_schedule(t: Any, base_lr: float, num_warmup_steps: int, num_decay_steps: int,
                 num_training_steps: int | None = None, num_stable_steps: int | None = None,
                 warmup_type: str = "linear", decay_type: str = "cosine", min_lr_ratio: float = 0,
                 num_cycles: float = 0.5) -> np.ndarray:
    """Warmup-stable-decay: up from ``min_lr_ratio``, flat at ``base_lr``, down to ``min_lr_ratio``.

    With ``W``, ``S``, ``D`` the warmup, stable and decay lengths (``S`` defaults to
    ``num_training_steps - W - D``) and ``m = min_lr_ratio``, the factor is
    ``m + (1 - m) * shape(progress)`` in the warmup (``t < W``) and the decay
    (``W + S <= t < W + S + D``), 1 in between and ``m`` after. Shapes: ``linear``,
    ``cosine`` (``num_cycles`` as in the cosine schedule) and ``1-sqrt``. Every factor is
    clipped at 0 from below, as transformers does.
    """
    t = _steps(t)
    lr = _real("base_lr", base_lr, minimum=0.0)
    w = _count("num_warmup_steps", num_warmup_steps)
    d = _count("num_decay_steps", num_decay_steps)
    if num_training_steps is None and num_stable_steps is None:
        raise ValueError("Either num_training_steps or num_stable_steps must be specified.")
    if num_training_steps is not None and num_stable_steps is not None:
        warnings.warn("Both num_training_steps and num_stable_steps are specified. num_stable_steps will be used.",
                      UserWarning, stacklevel=2)
    _shape("warmup_type", warmup_type)
    _shape("decay_type", decay_type)
    m = _real("min_lr_ratio", min_lr_ratio)
    cycles = _real("num_cycles", num_cycles)
    if num_stable_steps is None:
        s = _count("num_training_steps", num_training_steps) - w - d
    else:
        s = _count("num_stable_steps", num_stable_steps)

    up = t / float(max(1, w))
    if warmup_type == "linear":
        rise = up
    elif warmup_type == "cosine":
        rise = 0.5 * (1.0 - np.cos(np.pi * up))
    else:
        rise = 1.0 - np.sqrt(np.clip(1.0 - up, 0.0, None))
    down = (t - w - s) / float(max(1, d))
    if decay_type == "linear":
        fall = 1.0 - down
    elif decay_type == "cosine":
        fall = 0.5 * (1.0 + np.cos(np.pi * cycles * 2.0 * down))
    else:
        fall = 1.0 - np.sqrt(np.clip(down, 0.0, None))
    factor = np.select(
        [t < w, t < w + s, t < w + s + d],
        [np.maximum(0.0, rise * (1.0 - m) + m), 1.0, np.maximum(0.0, fall * (1.0 - m) + m)],
        default=m,
    )
    return lr * factor
