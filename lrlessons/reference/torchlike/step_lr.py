"""StepLR, MultiStepLR and ExponentialLR: multiply by gamma now and then (lesson 04)."""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from typing import Iterable

from torch.optim import Optimizer

from lrlessons.reference.torchlike.base import LRScheduler, current_lrs

__all__ = ["StepLR", "MultiStepLR", "ExponentialLR"]


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` steps.

    Update rule: at t > 0 with t % step_size == 0, lr_t = lr_{t-1} * gamma; otherwise
    the lr stays.
    Closed form: lr_t = base_lr * gamma ** (t // step_size)

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        optimizer: the torch optimizer.
        step_size: steps between two decays (a "step" is one ``step()`` call, whatever
            you call it after: an epoch or a batch).
        gamma: the factor, default 0.1.
        last_epoch: -1 for a new run (see ``LRScheduler``).
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return current_lrs(self.optimizer)
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size)
                for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the lr by ``gamma`` at each milestone.

    Update rule: at t in milestones, lr_t = lr_{t-1} * gamma ** (times t is listed);
    a milestone given twice applies gamma twice (milestones are counted, not a set).
    Closed form: lr_t = base_lr * gamma ** (number of milestones <= t)

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        optimizer: the torch optimizer.
        milestones: the step counts at which to decay (any order, repeats count).
        gamma: the factor, default 0.1.
        last_epoch: -1 for a new run (see ``LRScheduler``).
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self.last_epoch not in self.milestones:
            return current_lrs(self.optimizer)
        times = self.milestones[self.last_epoch]
        return [group["lr"] * self.gamma ** times for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base_lr * self.gamma ** passed for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` at every step.

    Update rule: lr_t = lr_{t-1} * gamma for t > 0 (the constructor's step keeps the lr).
    Closed form: lr_t = base_lr * gamma ** t

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        optimizer: the torch optimizer.
        gamma: the factor per step.
        last_epoch: -1 for a new run (see ``LRScheduler``).
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self._is_initial:
            return current_lrs(self.optimizer)
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]
