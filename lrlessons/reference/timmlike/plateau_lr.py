"""Twin of timm's ``PlateauLRScheduler`` (lesson 05): decay when a metric stops improving.

The only timm scheduler with memory. It is driven by ``step(epoch, metric)`` alone
(``step_update`` does nothing):

- ``epoch <= warmup_t``: ``lr = warmup_lr_init + epoch * (base_lr - warmup_lr_init) / warmup_t``
  (with ``warmup_t=0`` that is ``step(0)`` setting ``warmup_lr_init``);
- afterwards, each ``metric`` is compared with the best so far. It counts as better
  when ``metric > best * (1 + threshold)`` (``mode="max"``, the default) or
  ``metric < best * (1 - threshold)`` (``mode="min"``). After more than
  ``patience_t`` epochs in a row without improvement, ``lr <- max(lr * decay_rate, lr_min)``
  (a change smaller than 1e-8 is skipped) and ``cooldown_t`` epochs follow in which
  bad epochs are not counted;
- noise, when on, is put on top of the lr for one epoch and removed before the next
  decision.

``state_dict()`` keeps only ``best`` and ``last_epoch`` (the count of metric steps):
the patience and cooldown counters start again from zero after a resume.
"""
from __future__ import annotations

import math
from typing import Any

import torch

from lrlessons._checks import one_of
from lrlessons.reference.timmlike.scheduler import Scheduler, check_count, check_number

MIN_CHANGE = 1e-8  # smaller lr decreases are not applied


class PlateauLRScheduler(Scheduler):
    """Reduce the lr by ``decay_rate`` when ``metric`` has not improved for ``patience_t`` epochs.

    Args: decay_rate (0.1); patience_t (10); threshold (1e-4); cooldown_t (0);
    warmup_t (0), warmup_lr_init (0.); lr_min (0.); mode ("max"); noise_range_t (None),
    noise_type ("normal"), noise_pct (0.67), noise_std (1.0), noise_seed (None, i.e. 42);
    initialize (True).
    """

    def __init__(self, optimizer: torch.optim.Optimizer, decay_rate: float = 0.1,
                 patience_t: int = 10, threshold: float = 1e-4, cooldown_t: int = 0,
                 warmup_t: int = 0, warmup_lr_init: float = 0., lr_min: float = 0.,
                 mode: str = "max", noise_range_t: Any = None, noise_type: str = "normal",
                 noise_pct: float = 0.67, noise_std: float = 1.0, noise_seed: int | None = None,
                 initialize: bool = True) -> None:
        super().__init__(optimizer, "lr", noise_range_t=noise_range_t, noise_type=noise_type,
                         noise_pct=noise_pct, noise_std=noise_std, noise_seed=noise_seed,
                         initialize=initialize)
        self.decay_rate = check_number("decay_rate", decay_rate, low=0, high=1,
                                       high_open=True)
        self.patience_t = check_count("patience_t", patience_t)
        self.threshold = check_number("threshold", threshold, low=0)
        self.cooldown_t = check_count("cooldown_t", cooldown_t)
        self.lr_min = check_number("lr_min", lr_min, low=0)
        self.mode = one_of("mode", mode, ("min", "max"))
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._setup_warmup(warmup_t, warmup_lr_init)
        self.restore_lr: list[float] | None = None

    def _improved(self, metric: float) -> bool:
        if self.mode == "min":
            return metric < self.best * (1.0 - self.threshold)
        return metric > self.best * (self.threshold + 1.0)

    def _decide(self, metric: float) -> None:
        """One plateau decision (the same rule as torch's ReduceLROnPlateau)."""
        metric = float(metric)
        self.last_epoch += 1
        if self._improved(metric):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience_t:
            for group in self.optimizer.param_groups:
                old = float(group["lr"])
                new = max(old * self.decay_rate, self.lr_min)
                if old - new > MIN_CHANGE:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown_t
            self.num_bad_epochs = 0

    def step(self, epoch: int, metric: float | None = None) -> None:
        """End of epoch: warm up, or take a plateau decision on ``metric`` (skipped when None)."""
        check_number("epoch", epoch)
        if epoch <= self.warmup_t:
            self.update_groups(self._warmup_lrs(epoch))
            return
        if self.restore_lr is not None:  # take last epoch's noise off again
            for group, lr in zip(self.optimizer.param_groups, self.restore_lr):
                group["lr"] = lr
            self.restore_lr = None
        if metric is not None:
            self._decide(metric)
        if self._noise_on(epoch):
            noise = self._noise(epoch)
            self.restore_lr = [float(group["lr"]) for group in self.optimizer.param_groups]
            for group, lr in zip(self.optimizer.param_groups, self.restore_lr):
                group["lr"] = lr + lr * noise

    def step_update(self, num_updates: int, metric: float | None = None) -> None:
        """Does nothing: the plateau rule runs once per epoch."""
        return None

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "last_epoch": self.last_epoch}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.best = state_dict["best"]
        if "last_epoch" in state_dict:
            self.last_epoch = state_dict["last_epoch"]
