"""Twin of timm's ``StepLRScheduler`` (lesson 05).

For ``t >= warmup_t`` (``t - warmup_t`` with the default ``warmup_prefix=True``)::

    lr(t) = base_lr * decay_rate ** (t // decay_t)

Before ``warmup_t`` the lr rises linearly from ``warmup_lr_init`` towards ``base_lr``.
Note the default ``decay_rate=1.``: without it nothing decays.
"""
from __future__ import annotations

from typing import Any

import torch

from lrlessons.reference.timmlike.scheduler import Scheduler, check_number


class StepLRScheduler(Scheduler):
    """Multiply the lr by ``decay_rate`` every ``decay_t`` counts.

    Args: decay_t; decay_rate (1.); warmup_t (0), warmup_lr_init (0.),
    warmup_prefix (True); t_in_epochs (True); noise_range_t (None), noise_pct (0.67),
    noise_std (1.0), noise_seed (42); initialize (True).
    """

    def __init__(self, optimizer: torch.optim.Optimizer, decay_t: float, decay_rate: float = 1.,
                 warmup_t: int = 0, warmup_lr_init: float = 0., warmup_prefix: bool = True,
                 t_in_epochs: bool = True, noise_range_t: Any = None, noise_pct: float = 0.67,
                 noise_std: float = 1.0, noise_seed: int = 42, initialize: bool = True) -> None:
        super().__init__(optimizer, "lr", t_in_epochs=t_in_epochs, noise_range_t=noise_range_t,
                         noise_pct=noise_pct, noise_std=noise_std, noise_seed=noise_seed,
                         initialize=initialize)
        self.decay_t = check_number("decay_t", decay_t, low=0, low_open=True)
        self.decay_rate = check_number("decay_rate", decay_rate, low=0)
        self.warmup_prefix = bool(warmup_prefix)
        self._setup_warmup(warmup_t, warmup_lr_init)

    def _get_lr(self, t: float) -> list[float]:
        if t < self.warmup_t:
            return self._warmup_lrs(t)
        if self.warmup_prefix:
            t = t - self.warmup_t
        return [v * self.decay_rate ** (t // self.decay_t) for v in self.base_values]
