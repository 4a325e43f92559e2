"""CosineAnnealingLR and CosineAnnealingWarmRestarts: half a cosine from base_lr down to
eta_min (lesson 04)."""
from __future__ import annotations

import math

from torch.optim import Optimizer

from lrlessons._checks import bad_value
from lrlessons.reference.torchlike.base import LRScheduler, current_lrs

__all__ = ["CosineAnnealingLR", "CosineAnnealingWarmRestarts"]


class CosineAnnealingLR(LRScheduler):
    """Anneal the lr from base_lr to eta_min along a cosine over T_max steps.

    Closed form (the documented curve):
        lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2
    Update rule (chainable), used by ``step()``:
        lr_t = eta_min + (lr_{t-1} - eta_min) * (1 + cos(pi * t / T_max))
                                                / (1 + cos(pi * (t - 1) / T_max))
    except when (t - 1 - T_max) % (2 * T_max) == 0, i.e. the first step after each
    minimum, where that ratio would divide by zero; there it adds
        (base_lr - eta_min) * (1 - cos(pi / T_max)) / 2.
    Past T_max the rule does not stop: the lr climbs back to base_lr at 2 * T_max and
    keeps oscillating, following the closed form's cosine.

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        optimizer: the torch optimizer.
        T_max: steps from base_lr down to eta_min.
        eta_min: the lowest lr (default 0.0).
        last_epoch: -1 for a new run (see ``LRScheduler``).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        t, T, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return current_lrs(self.optimizer)
        if self._step_count == 1 and t > 0:  # only reached by get_lr() outside step()
            return [low + (base_lr - low) * (1 + math.cos(t * math.pi / T)) / 2
                    for base_lr in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:
            return [group["lr"] + (base_lr - low) * (1 - math.cos(math.pi / T)) / 2
                    for base_lr, group in zip(self.base_lrs, self.optimizer.param_groups)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (group["lr"] - low) + low for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        t, T, low = self.last_epoch, self.T_max, self.eta_min
        return [low + (base_lr - low) * (1 + math.cos(math.pi * t / T)) / 2
                for base_lr in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing that restarts at base_lr; each period is T_mult times longer.

    State: T_cur (steps since the last restart) and T_i (the current period's length,
    T_0, then T_0 * T_mult, T_0 * T_mult ** 2, ...).
    Every step: T_cur += 1, and when T_cur reaches T_i, T_cur -= T_i and T_i *= T_mult.
    lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2
    Not chainable: the lr comes from base_lrs only, so it overwrites other schedulers.

    ``step(epoch)`` is not deprecated here (no warning): it accepts a fractional epoch,
    e.g. ``step(epoch + batch / batches_per_epoch)``, and finds T_cur and T_i from it.

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        optimizer: the torch optimizer.
        T_0: length of the first period (a positive int).
        T_mult: growth of the period after each restart (an int >= 1, default 1).
        eta_min: the lowest lr (default 0.0).
        last_epoch: -1 for a new run (see ``LRScheduler``).
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        if T_0 <= 0 or not isinstance(T_0, int):
            raise bad_value("T_0", T_0, "a positive int")
        if T_mult < 1 or not isinstance(T_mult, int):
            raise bad_value("T_mult", T_mult, "an int of at least 1")
        if not isinstance(eta_min, (float, int)):
            raise bad_value("eta_min", eta_min, "a float or an int")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        low = self.eta_min
        return [low + (base_lr - low) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base_lr in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        if epoch is None and self.last_epoch < 0:  # the constructor's step
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        elif epoch < 0:
            raise bad_value("epoch", epoch, "at least 0")
        elif epoch < self.T_0:
            self.T_i = self.T_0
            self.T_cur = epoch
        elif self.T_mult == 1:
            self.T_cur = epoch % self.T_0
        else:
            # restarts so far: the largest n with T_0 * (1 + T_mult + ... + T_mult**(n-1)) <= epoch
            n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
            self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
            self.T_i = self.T_0 * self.T_mult ** n
        self.last_epoch = math.floor(epoch)
        self._in_step = True
        try:
            values = self.get_lr()
        finally:
            self._in_step = False
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = current_lrs(self.optimizer)
