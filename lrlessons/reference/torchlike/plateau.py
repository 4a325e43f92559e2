"""ReduceLROnPlateau: cut the lr when a metric stops improving (lesson 04)."""
from __future__ import annotations

import math
import warnings
from typing import Any, Literal, SupportsFloat

from torch.optim import Optimizer

from lrlessons._checks import bad_value
from lrlessons.reference.torchlike.base import (
    STEP_EPOCH_WARNING, LRScheduler, check_optimizer, current_lrs,
)

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` after ``patience`` steps without improvement.

    Not a function of t at all: ``step(metric)`` compares the metric with the best so
    far. "Better" means, for mode "min" (mirror for "max"):
        threshold_mode "rel": metric < best * (1 - threshold)
        threshold_mode "abs": metric < best - threshold
    Each step that is not better counts as a bad epoch. When there are more than
    ``patience`` bad epochs in a row, every group's lr becomes
        new_lr = max(lr * factor, min_lr)     (kept only if lr - new_lr > eps)
    and the next ``cooldown`` steps count no bad epochs. It multiplies the current lr,
    so it combines with other schedulers, but it is never part of SequentialLR or
    ChainedScheduler (its step needs the metric). Unlike the others it has no initial
    step, no base_lrs and no initial_lr: it starts at last_epoch = 0.

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        optimizer: the torch optimizer.
        mode: "min" (default, e.g. a loss) or "max" (e.g. an accuracy).
        factor: the cut, below 1 (default 0.1).
        patience: bad epochs tolerated before a cut (default 10).
        threshold: how much better counts as better (default 1e-4).
        threshold_mode: "rel" (default) or "abs".
        cooldown: steps after a cut before counting bad epochs again (default 0).
        min_lr: the floor, one value or one per param group (default 0).
        eps: cuts smaller than this are skipped (default 1e-8).
    """

    def __init__(self, optimizer: Optimizer, mode: Literal["min", "max"] = "min",
                 factor: float = 0.1, patience: int = 10, threshold: float = 1e-4,
                 threshold_mode: Literal["rel", "abs"] = "rel", cooldown: int = 0,
                 min_lr: list[float] | float = 0, eps: float = 1e-8) -> None:
        if factor >= 1.0:
            raise bad_value("factor", factor, "below 1.0")
        self.factor = factor
        check_optimizer(optimizer)
        self.optimizer = optimizer
        n_groups = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n_groups:
                raise bad_value("min_lr", min_lr, f"one value, or a list of {n_groups} "
                                "(one per param group)")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n_groups
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = current_lrs(optimizer)
        self._set_mode(mode, threshold, threshold_mode)
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _set_mode(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in ("min", "max"):
            raise bad_value("mode", mode, "'min' or 'max'")
        if threshold_mode not in ("rel", "abs"):
            raise bad_value("threshold_mode", threshold_mode, "'rel' or 'abs'")
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf

    def is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def step(self, metrics: SupportsFloat, epoch: int | None = None) -> None:
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(STEP_EPOCH_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch

        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs do not count during cooldown
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = current_lrs(self.optimizer)

    def _reduce_lr(self) -> None:
        if len(self.min_lrs) != len(self.optimizer.param_groups):  # a group was added
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"the optimizer now has {len(self.optimizer.param_groups)} param groups "
                    f"but min_lr was given for {len(self.min_lrs)}: set min_lrs to match."
                )
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)
        self._set_mode(self.mode, self.threshold, self.threshold_mode)
