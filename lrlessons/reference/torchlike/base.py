"""The base class every torch twin builds on (lesson 04).

A scheduler owns three pieces of state: the optimizer it drives, ``base_lrs`` (each
param group's lr when scheduling started, kept in the group as ``initial_lr``) and
``last_epoch`` (how many times ``step()`` has run; "epoch" means whatever you step by).

Every ``step()`` does the same three things:

1. ``last_epoch += 1``;
2. ask the subclass's ``get_lr()`` for the new lrs;
3. write them into the param groups and remember them for ``get_last_lr()``.

``get_lr()`` is the *chainable* rule: most schedulers compute the new lr from the
group's *current* lr (``lr * gamma``), so several schedulers on one optimizer multiply
their effects. A few classes also have a *closed form* (lr as a function of
``last_epoch`` and ``base_lrs`` only); the deprecated ``step(epoch)`` uses it.

The constructor ends with one step (the "initial step"), so a new scheduler has
``last_epoch == 0`` and has already written its lr for t = 0.

Like torch, the first ``step()`` after construction warns if ``optimizer.step()`` has
not run yet (the usual loop is ``optimizer.step(); scheduler.step()``): the base class
marks the optimizer's ``step`` so it can tell. The one thing left out is lrs stored as
tensors; everything else a user can see behaves as torch's does.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any

from torch.optim import Optimizer

from lrlessons._checks import bad_value

__all__ = ["LRScheduler"]

STEP_EPOCH_WARNING = (
    "step(epoch) is deprecated: call step() with no argument. While it lasts, an epoch "
    "argument sets last_epoch directly and uses the closed form where the class has one."
)
ORDER_WARNING = (
    "scheduler.step() ran before optimizer.step(): call optimizer.step() first, "
    "otherwise the first value of the schedule is skipped."
)
REPLACED_WARNING = (
    "optimizer.step was replaced after the scheduler was built, so the scheduler cannot "
    "check that optimizer.step() runs before scheduler.step()."
)
GET_LR_WARNING = (
    "get_lr() applies the update rule once more to the current lr; "
    "to read the lr the scheduler last set, use get_last_lr()."
)


def check_optimizer(optimizer: Any) -> None:
    """Raise TypeError (as torch does) unless ``optimizer`` is a torch Optimizer."""
    if not isinstance(optimizer, Optimizer):
        raise bad_value("optimizer", optimizer, "a torch.optim.Optimizer", TypeError)


def per_group(name: str, optimizer: Optimizer, value: Any) -> list:
    """One value per param group: repeat a single value, or check a list's length."""
    n_groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n_groups:
            raise bad_value(name, value,
                            f"one value, or a list of {n_groups} (one per param group)")
        return list(value)
    return [value] * n_groups


def watch_optimizer_step(optimizer: Optimizer) -> None:
    """Make ``optimizer.step()`` leave a mark (``optimizer._opt_called = True``).

    Uses the same marks as torch, so twins and torch schedulers share one wrapper.
    """
    if hasattr(optimizer.step, "_wrapped_by_lr_sched"):
        return
    original_step = optimizer.step

    @functools.wraps(original_step)
    def step(*args, **kwargs):
        optimizer._opt_called = True
        return original_step(*args, **kwargs)

    step._wrapped_by_lr_sched = True
    optimizer.step = step


def current_lrs(optimizer: Optimizer) -> list[float]:
    """The lr of every param group, as a new list."""
    return [group["lr"] for group in optimizer.param_groups]


class LRScheduler:
    """Base class: bookkeeping and ``step()``; subclasses write ``get_lr()``.

    Args:
        optimizer: the torch optimizer whose param groups' ``lr`` we set.
        last_epoch: -1 to start a new schedule (stores ``initial_lr`` in each group);
            any other value resumes, and then every group must already have
            ``initial_lr`` (KeyError otherwise, as in torch).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])  # kept if another scheduler set it
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param_groups[{i}] has no 'initial_lr': resuming with "
                        f"last_epoch={last_epoch} needs the optimizer state of the run you "
                        "resume (load it first), or use last_epoch=-1 for a new run."
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        watch_optimizer_step(optimizer)
        self._initial_step()

    def _initial_step(self) -> None:
        """The step the constructor (and SequentialLR) makes: t = -1 -> 0."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The update rule: the lrs for ``self.last_epoch``. Subclasses define it."""
        raise NotImplementedError

    def _warn_if_called_outside_step(self) -> None:
        if not getattr(self, "_in_step", False):
            warnings.warn(GET_LR_WARNING, UserWarning, stacklevel=3)

    def get_last_lr(self) -> list[float]:
        """The lrs this scheduler wrote at its last step."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance one step (``epoch`` is the deprecated way to jump to an epoch)."""
        if self._step_count == 1:  # the first step after the constructor's
            if not hasattr(self.optimizer.step, "_wrapped_by_lr_sched"):
                warnings.warn(REPLACED_WARNING, UserWarning, stacklevel=2)
            elif not getattr(self.optimizer, "_opt_called", False):
                warnings.warn(ORDER_WARNING, UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(STEP_EPOCH_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._in_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                if hasattr(self, "_get_closed_form_lr"):
                    values = self._get_closed_form_lr()
                else:
                    values = self.get_lr()
        finally:
            self._in_step = False
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = current_lrs(self.optimizer)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (save the optimizer's own state_dict too)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)
