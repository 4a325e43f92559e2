"""torch 1.3's cosine schedules, emulated: ``CosineAnnealingLR``, ``CosineAnnealingWarmRestarts``.

See ``lrlessons.legacy`` for what is emulated and why (lessons 02 and 03).

Both are closed forms in 1.3. A bit of history explains why that is worth saying:
torch 1.1.0 briefly computed the schedulers' lr recursively from the optimizer's
current lr (pull request #14010; issue #20086 shows 1.1's cosine numbers); that was
reverted in June 2019 (pull request #21463, for issue #20527), so 1.2 and 1.3 used
the closed form again, and 1.4 brought the recursive ("chainable") form back for
good with a closed form kept for ``step(epoch)`` (pull request #26423, which relanded
#24352).
"""
from __future__ import annotations

import math
import numbers

import torch

from lrlessons._checks import bad_value, positive_int
from lrlessons.legacy._base import _LRScheduler, check_epoch, check_real


class CosineAnnealingLR(_LRScheduler):
    r"""Cosine annealing from the initial lr to ``eta_min`` over ``T_max`` epochs (torch 1.3).

    .. math::
        \eta_t = \eta_{min} + (\eta_0 - \eta_{min})\,\frac{1 + \cos(\pi t / T_{max})}{2}

    A closed form of the epoch: after ``T_max`` epochs it climbs back up (the cosine
    goes on), there are no restarts.

    Args:
        optimizer: a torch optimizer.
        T_max: epochs from the initial lr down to ``eta_min`` (half a period).
        eta_min: the lowest lr. Default: 0.
        last_epoch: -1 for a new schedule, else the epoch to resume at.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, T_max: int, eta_min: float = 0,
                 last_epoch: int = -1) -> None:
        self.T_max = positive_int("T_max", T_max)
        self.eta_min = check_real("eta_min", eta_min, low=0.0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        c = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]


class CosineAnnealingWarmRestarts(_LRScheduler):
    r"""Cosine annealing that restarts every ``T_i`` epochs, ``T_i`` growing by ``T_mult`` (torch 1.3).

    .. math:: \eta_t = \eta_{min} + (\eta_0 - \eta_{min})\,\frac{1 + \cos(\pi T_{cur} / T_i)}{2}

    ``T_cur`` counts epochs since the last restart, ``T_0`` is the first cycle's
    length and each cycle is ``T_mult`` times longer than the one before.
    ``step(epoch)`` accepts fractional epochs (call it every batch with
    ``epoch + i / batches``).

    Args:
        optimizer: a torch optimizer.
        T_0: epochs in the first cycle (a whole number >= 1).
        T_mult: growth factor of the cycle length (a whole number >= 1). Default: 1.
        eta_min: the lowest lr. Default: 0.
        last_epoch: -1 for a new schedule, else the epoch to resume at.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0,
                 last_epoch: int = -1) -> None:
        self.T_0 = positive_int("T_0", T_0)
        self.T_mult = positive_int("T_mult", T_mult)
        self.eta_min = check_real("eta_min", eta_min, low=0.0)
        self.T_i = self.T_0
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        c = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Next epoch (``epoch=None``) or jump to ``epoch``, which may be fractional."""
        check_epoch(epoch)
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur - self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise bad_value("epoch", epoch, "None or a number >= 0")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch) if isinstance(epoch, numbers.Real) else epoch
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
