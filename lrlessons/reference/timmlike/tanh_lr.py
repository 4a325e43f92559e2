"""Twin of timm's ``TanhLRScheduler`` (lesson 05).

For ``t >= warmup_t`` (``t - warmup_t`` with ``warmup_prefix=True``), with ``i`` the
cycle, ``T_i`` its length, ``t_i`` the count inside it and ``r = t_i / T_i``::

    lr(t) = lr_min + (base_lr * cycle_decay**i - lr_min) / 2
                   * (1 - tanh(lb * (1 - r) + ub * r))

(``lr_min`` after ``cycle_limit`` cycles). ``lb < ub`` are where the tanh curve is
cut: the default ``(-7, 3)`` starts almost flat at ``base_lr`` and ends near ``lr_min``.
Warmup rises linearly from ``warmup_lr_init``; without ``warmup_prefix`` it aims at
the curve's value at ``t = warmup_t``, so the two pieces join without a jump.
"""
from __future__ import annotations

import math
from typing import Any

import torch

from lrlessons._checks import bad_value
from lrlessons.reference.timmlike.scheduler import (Scheduler, check_count, check_number,
                                                     total_cycle_length)


class TanhLRScheduler(Scheduler):
    """Hyperbolic-tangent decay with restarts.

    Args: t_initial; lb (-7.), ub (3.); lr_min (0.); cycle_mul (1.), cycle_decay (1.),
    cycle_limit (1); warmup_t (0), warmup_lr_init (0.), warmup_prefix (False);
    t_in_epochs (True); noise_range_t (None), noise_pct (0.67), noise_std (1.0),
    noise_seed (42); initialize (True).
    """

    def __init__(self, optimizer: torch.optim.Optimizer, t_initial: int, lb: float = -7.,
                 ub: float = 3., lr_min: float = 0., cycle_mul: float = 1., cycle_decay: float = 1.,
                 cycle_limit: int = 1, warmup_t: int = 0, warmup_lr_init: float = 0.,
                 warmup_prefix: bool = False, t_in_epochs: bool = True, noise_range_t: Any = None,
                 noise_pct: float = 0.67, noise_std: float = 1.0, noise_seed: int = 42,
                 initialize: bool = True) -> None:
        super().__init__(optimizer, "lr", t_in_epochs=t_in_epochs, noise_range_t=noise_range_t,
                         noise_pct=noise_pct, noise_std=noise_std, noise_seed=noise_seed,
                         initialize=initialize)
        self.lb = check_number("lb", lb)
        self.ub = check_number("ub", ub)
        if not lb < ub:
            raise bad_value("ub", ub, f"greater than lb={lb!r}")
        self.t_initial = check_number("t_initial", t_initial, low=0, low_open=True)
        self.lr_min = check_number("lr_min", lr_min, low=0)
        self.cycle_mul = check_number("cycle_mul", cycle_mul, low=0, low_open=True)
        self.cycle_decay = check_number("cycle_decay", cycle_decay, low=0)
        self.cycle_limit = check_count("cycle_limit", cycle_limit)
        self.warmup_prefix = bool(warmup_prefix)
        check_count("warmup_t", warmup_t)
        self.warmup_t = 0  # so that _get_lr(warmup_t) below reads the curve itself
        target = None if self.warmup_prefix or not warmup_t else self._get_lr(warmup_t)
        self._setup_warmup(warmup_t, warmup_lr_init, target)

    def _get_lr(self, t: float) -> list[float]:
        def shape(t_cur: float, length: float) -> float:
            r = t_cur / length
            return 1 - math.tanh(self.lb * (1. - r) + self.ub * r)
        return self._cyclic_lrs(t, shape, half=True)

    def get_cycle_length(self, cycles: int = 0) -> int:
        """Counts ``cycles`` cycles take (default ``cycle_limit``), plus a prefixed warmup."""
        return total_cycle_length(self.t_initial, self.cycle_mul,
                                  max(1, cycles or self.cycle_limit), self.warmup_t,
                                  self.warmup_prefix)
