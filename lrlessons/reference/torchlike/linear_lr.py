"""ConstantLR, LinearLR and PolynomialLR: a factor that changes for total_iters steps,
then stays (lesson 04)."""
from __future__ import annotations

from torch.optim import Optimizer

from lrlessons._checks import bad_value
from lrlessons.reference.torchlike.base import LRScheduler, current_lrs

__all__ = ["ConstantLR", "LinearLR", "PolynomialLR"]


class ConstantLR(LRScheduler):
    """Scale the lr by ``factor`` for the first ``total_iters`` steps, then restore it.

    Update rule: t = 0 multiplies the lr by factor; t = total_iters divides it by
    factor again; other steps keep it.
    Closed form: lr_t = base_lr * (factor if t < total_iters else 1)

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        optimizer: the torch optimizer.
        factor: the multiplier while active, between 0 and 1 (default 1/3).
        total_iters: how many steps it stays active (default 5).
        last_epoch: -1 for a new run (see ``LRScheduler``).
    """

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        if factor > 1.0 or factor < 0:
            raise bad_value("factor", factor, "between 0 and 1")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in self.optimizer.param_groups]
        if self.last_epoch != self.total_iters:
            return current_lrs(self.optimizer)
        return [group["lr"] * (1.0 / self.factor) for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        done = self.last_epoch >= self.total_iters
        return [base_lr * (self.factor + done * (1 - self.factor)) for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """Move the lr's factor in a straight line from start_factor to end_factor.

    Closed form: lr_t = base_lr * f(t) with
        f(t) = start_factor + (end_factor - start_factor) * min(t, total_iters) / total_iters
    Update rule (chainable): t = 0 multiplies by start_factor; for 0 < t <= total_iters
    it multiplies by the ratio f(t) / f(t - 1), written out as
        1 + (end_factor - start_factor) / (total_iters * start_factor
                                           + (t - 1) * (end_factor - start_factor))
    and afterwards keeps the lr. The lr itself is linear in t; only the per-step
    ratio shrinks.

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        optimizer: the torch optimizer.
        start_factor: factor at t = 0, in (0, 1] (default 1/3).
        end_factor: factor from t = total_iters on, in [0, 1] (default 1.0).
        total_iters: steps to go from one to the other (default 5).
        last_epoch: -1 for a new run (see ``LRScheduler``).
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise bad_value("start_factor", start_factor, "greater than 0 and at most 1")
        if end_factor > 1.0 or end_factor < 0:
            raise bad_value("end_factor", end_factor, "between 0 and 1")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in self.optimizer.param_groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return current_lrs(self.optimizer)
        change, t = self.end_factor - self.start_factor, self.last_epoch
        ratio = 1.0 + change / (self.total_iters * self.start_factor + (t - 1) * change)
        return [group["lr"] * ratio for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        change = self.end_factor - self.start_factor
        t = min(self.total_iters, self.last_epoch)
        return [base_lr * (self.start_factor + change * t / self.total_iters)
                for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Decay the lr to 0 over ``total_iters`` steps along (1 - t / total_iters) ** power.

    Closed form: lr_t = base_lr * (1 - min(t, total_iters) / total_iters) ** power
    Update rule (chainable): for 0 < t <= total_iters multiply by the ratio
        ((1 - t / total_iters) / (1 - (t - 1) / total_iters)) ** power
    and afterwards keep the lr (0 when t reaches total_iters).

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        optimizer: the torch optimizer.
        total_iters: steps until the lr reaches 0 (default 5).
        power: the polynomial's power (default 1.0, a straight line).
        last_epoch: -1 for a new run (see ``LRScheduler``).
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1) -> None:
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self._is_initial or self.last_epoch > self.total_iters:
            return current_lrs(self.optimizer)
        t, n = self.last_epoch, self.total_iters
        ratio = ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power
        return [group["lr"] * ratio for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        remaining = 1.0 - min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * remaining ** self.power for base_lr in self.base_lrs]
