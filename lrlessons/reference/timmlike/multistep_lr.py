"""Twin of timm's ``MultiStepLRScheduler`` (lesson 05).

For ``t >= warmup_t`` (``t - warmup_t`` with the default ``warmup_prefix=True``)::

    lr(t) = base_lr * decay_rate ** (number of milestones m in decay_t with m <= t + 1)

The ``t + 1`` is timm's convention: milestone ``m`` already applies at ``t = m - 1``,
one count earlier than in torch's ``MultiStepLR``.
"""
from __future__ import annotations

import bisect
import numbers
from typing import Any, Sequence

import torch

from lrlessons._checks import bad_value
from lrlessons.reference.timmlike.scheduler import Scheduler, check_number


class MultiStepLRScheduler(Scheduler):
    """Multiply the lr by ``decay_rate`` at each milestone of ``decay_t`` (sorted).

    Args: decay_t; decay_rate (1.); warmup_t (0), warmup_lr_init (0.),
    warmup_prefix (True); t_in_epochs (True); noise_range_t (None), noise_pct (0.67),
    noise_std (1.0), noise_seed (42); initialize (True).
    """

    def __init__(self, optimizer: torch.optim.Optimizer, decay_t: Sequence[int],
                 decay_rate: float = 1., warmup_t: int = 0, warmup_lr_init: float = 0.,
                 warmup_prefix: bool = True,
                 t_in_epochs: bool = True, noise_range_t: Any = None, noise_pct: float = 0.67,
                 noise_std: float = 1.0, noise_seed: int = 42, initialize: bool = True) -> None:
        super().__init__(optimizer, "lr", t_in_epochs=t_in_epochs, noise_range_t=noise_range_t,
                         noise_pct=noise_pct, noise_std=noise_std, noise_seed=noise_seed,
                         initialize=initialize)
        allowed = "a sorted sequence of milestones (numbers), e.g. [30, 60, 90]"
        if isinstance(decay_t, (str, bytes)) or not hasattr(decay_t, "__len__"):
            raise bad_value("decay_t", decay_t, allowed, TypeError)
        if not all(isinstance(m, numbers.Real) and not isinstance(m, bool) for m in decay_t):
            raise bad_value("decay_t", decay_t, allowed, TypeError)
        if list(decay_t) != sorted(decay_t):
            raise bad_value("decay_t", decay_t, allowed)
        self.decay_t = decay_t
        self.decay_rate = check_number("decay_rate", decay_rate, low=0)
        self.warmup_prefix = bool(warmup_prefix)
        self._setup_warmup(warmup_t, warmup_lr_init)

    def _get_lr(self, t: float) -> list[float]:
        if t < self.warmup_t:
            return self._warmup_lrs(t)
        if self.warmup_prefix:
            t = t - self.warmup_t
        passed = bisect.bisect_right(self.decay_t, t + 1)
        return [v * self.decay_rate ** passed for v in self.base_values]
