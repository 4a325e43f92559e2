"""Twin of timm's ``PolyLRScheduler`` (lesson 05).

For ``t >= warmup_t`` (``t - warmup_t`` with ``warmup_prefix=True``), with ``i`` the
cycle, ``T_i`` its length and ``t_i`` the count inside it::

    lr(t) = lr_min + (base_lr * cycle_decay**i - lr_min) * (1 - t_i**k / T_i**k)**power

(``lr_min`` after ``cycle_limit`` cycles; ``k = k_decay``). ``power=1`` is a straight
line, the default ``0.5`` a square root that falls fastest at the end.
"""
from __future__ import annotations

from typing import Any

import torch

from lrlessons.reference.timmlike.scheduler import (Scheduler, check_count, check_number,
                                                     total_cycle_length)


class PolyLRScheduler(Scheduler):
    """Polynomial decay with restarts, warmup, noise and k-decay.

    Args: t_initial; power (0.5); lr_min (0.); cycle_mul (1.), cycle_decay (1.),
    cycle_limit (1); warmup_t (0), warmup_lr_init (0.), warmup_prefix (False);
    t_in_epochs (True); noise_range_t (None), noise_pct (0.67), noise_std (1.0),
    noise_seed (42); k_decay (1.0); initialize (True).
    """

    def __init__(self, optimizer: torch.optim.Optimizer, t_initial: int, power: float = 0.5,
                 lr_min: float = 0., cycle_mul: float = 1., cycle_decay: float = 1.,
                 cycle_limit: int = 1, warmup_t: int = 0, warmup_lr_init: float = 0.,
                 warmup_prefix: bool = False, t_in_epochs: bool = True, noise_range_t: Any = None,
                 noise_pct: float = 0.67, noise_std: float = 1.0, noise_seed: int = 42,
                 k_decay: float = 1.0, initialize: bool = True) -> None:
        super().__init__(optimizer, "lr", t_in_epochs=t_in_epochs, noise_range_t=noise_range_t,
                         noise_pct=noise_pct, noise_std=noise_std, noise_seed=noise_seed,
                         initialize=initialize)
        self.t_initial = check_number("t_initial", t_initial, low=0, low_open=True)
        self.power = check_number("power", power, low=0)
        self.lr_min = check_number("lr_min", lr_min, low=0)
        self.cycle_mul = check_number("cycle_mul", cycle_mul, low=0, low_open=True)
        self.cycle_decay = check_number("cycle_decay", cycle_decay, low=0)
        self.cycle_limit = check_count("cycle_limit", cycle_limit)
        self.warmup_prefix = bool(warmup_prefix)
        self.k_decay = check_number("k_decay", k_decay, low=0, low_open=True)
        self._setup_warmup(warmup_t, warmup_lr_init)

    def _get_lr(self, t: float) -> list[float]:
        k = self.k_decay
        return self._cyclic_lrs(
            t, lambda t_cur, length: (1 - t_cur ** k / length ** k) ** self.power, half=False)

    def get_cycle_length(self, cycles: int = 0) -> int:
        """Counts ``cycles`` cycles take (default ``cycle_limit``), plus a prefixed warmup."""
        return total_cycle_length(self.t_initial, self.cycle_mul,
                                  max(1, cycles or self.cycle_limit), self.warmup_t,
                                  self.warmup_prefix)
