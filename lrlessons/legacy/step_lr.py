"""torch 1.3's step decays, emulated: ``StepLR``, ``MultiStepLR``, ``ExponentialLR``.

All three are closed forms of the epoch, as they were in 1.3 (lessons 02 and 03;
see ``lrlessons.legacy`` for what is emulated and why).
"""
from __future__ import annotations

import numbers
from bisect import bisect_right
from typing import Sequence

import torch

from lrlessons._checks import bad_value, positive_int
from lrlessons.legacy._base import _LRScheduler, check_real


class StepLR(_LRScheduler):
    r"""Multiply the initial lr by ``gamma`` every ``step_size`` epochs (torch 1.3).

    .. math:: \eta_t = \eta_0 \cdot \gamma^{\lfloor t / s \rfloor}

    Args:
        optimizer: a torch optimizer.
        step_size: epochs between two decays (s).
        gamma: the decay factor. Default: 0.1.
        last_epoch: -1 for a new schedule, else the epoch to resume at.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size = positive_int("step_size", step_size)
        self.gamma = check_real("gamma", gamma, low=0.0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(_LRScheduler):
    r"""Multiply the initial lr by ``gamma`` at each milestone passed (torch 1.3).

    .. math:: \eta_t = \eta_0 \cdot \gamma^{\#\{m \in \text{milestones} : m \le t\}}

    Args:
        optimizer: a torch optimizer.
        milestones: epochs at which the lr drops, in increasing order (1.3 refused
            an unsorted list; a repeated milestone counts twice).
        gamma: the decay factor. Default: 0.1.
        last_epoch: -1 for a new schedule, else the epoch to resume at.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise bad_value("milestones", milestones, "a list of epochs in increasing order", TypeError)
        ms = list(milestones)
        if not all(isinstance(m, numbers.Integral) and not isinstance(m, bool) for m in ms):
            raise bad_value("milestones", milestones, "a list of whole numbers (epochs)", TypeError)
        if ms != sorted(ms):
            raise bad_value("milestones", milestones, "in increasing order (torch 1.3 did not sort them)")
        self.milestones = [int(m) for m in ms]
        self.gamma = check_real("gamma", gamma, low=0.0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * self.gamma ** bisect_right(self.milestones, self.last_epoch) for base in self.base_lrs]


class ExponentialLR(_LRScheduler):
    r"""Multiply the initial lr by ``gamma`` once per epoch (torch 1.3).

    .. math:: \eta_t = \eta_0 \cdot \gamma^{t}

    Args:
        optimizer: a torch optimizer.
        gamma: the decay factor per epoch.
        last_epoch: -1 for a new schedule, else the epoch to resume at.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = check_real("gamma", gamma, low=0.0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]
