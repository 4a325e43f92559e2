"""torch 1.3's ``ReduceLROnPlateau``, emulated (lessons 02 and 03; see ``lrlessons.legacy``).

Unlike the other 1.3 classes it never had a closed form: it multiplies the lr the
optimizer holds by ``factor`` when the metric stops improving, so it was already
"chainable" in 1.3, and its constructor writes nothing.
"""
from __future__ import annotations

import math
from typing import Any

import torch

from lrlessons._checks import bad_value, non_negative_number, one_of
from lrlessons.legacy._base import check_epoch, check_optimizer, check_real, per_group


class ReduceLROnPlateau:
    """Cut the lr by ``factor`` when a metric has not improved for ``patience`` epochs (torch 1.3).

    A value counts as an improvement when it beats the best so far by more than
    ``threshold`` (relative: ``best * (1 - threshold)`` in ``"min"`` mode; absolute:
    ``best - threshold``). After ``patience`` epochs without one, every group's lr
    becomes ``max(lr * factor, min_lr)`` (skipped when the change is below ``eps``),
    then ``cooldown`` epochs pass before bad epochs are counted again.

    Args:
        optimizer: a torch optimizer.
        mode: ``"min"`` (lower is better) or ``"max"``. Default: ``"min"``.
        factor: multiplier of the lr at each cut, below 1. Default: 0.1.
        patience: epochs without improvement tolerated. Default: 10.
        verbose: print a line at each cut. Default: False.
        threshold: smallest improvement that counts. Default: 1e-4.
        threshold_mode: ``"rel"`` or ``"abs"``. Default: ``"rel"``.
        cooldown: epochs to wait after a cut. Default: 0.
        min_lr: floor of the lr, one number or one per group. Default: 0.
        eps: smallest change of lr worth applying. Default: 1e-8.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, verbose: bool = False, threshold: float = 1e-4,
                 threshold_mode: str = "rel", cooldown: int = 0, min_lr: Any = 0, eps: float = 1e-8) -> None:
        self.optimizer = check_optimizer(optimizer)
        self.factor = check_real("factor", factor, high=1.0, high_open=True)
        self.min_lrs = per_group("min_lr", optimizer, min_lr, low=0.0)
        self.patience = _whole("patience", patience)
        self.cooldown = _whole("cooldown", cooldown)
        self.verbose = bool(verbose)
        self.mode = one_of("mode", mode, ("min", "max"))
        self.threshold_mode = one_of("threshold_mode", threshold_mode, ("rel", "abs"))
        self.threshold = non_negative_number("threshold", threshold)
        self.eps = non_negative_number("eps", eps)
        self.cooldown_counter = 0
        self.last_epoch = 0
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < (best * (1 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return a > (best * (1 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold)

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def step(self, metrics: float, epoch: int | None = None) -> None:
        """Feed one epoch's metric; cut the lr if it has not improved for long enough."""
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise bad_value("metrics", metrics, "a number (the epoch's validation loss, say)", TypeError) from None
        check_epoch(epoch)
        if epoch is None:
            epoch = self.last_epoch + 1
        self.last_epoch = epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr(epoch)
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0

    def _reduce_lr(self, epoch: int) -> None:
        for i, group in enumerate(self.optimizer.param_groups):
            old = float(group["lr"])
            new = max(old * self.factor, self.min_lrs[i])
            if old - new > self.eps:
                group["lr"] = new
                if self.verbose:
                    print(f"Epoch {epoch}: reducing learning rate of group {i} to {new:.4e}.")

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)


def _whole(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise bad_value(name, value, "a whole number of at least 0",
                        ValueError if isinstance(value, int) and not isinstance(value, bool) else TypeError)
    return value
