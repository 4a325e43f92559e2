"""The torch 1.3 base class, rebuilt from its documented behaviour (lessons 02 and 03).

Why an emulation: torch 1.3 (October 2019) has no wheels for today's Python, so it
cannot be installed next to the torch the course uses. This module reproduces its
scheduling *semantics* on a modern ``torch.optim.Optimizer``; it is written for the
course from the facts below, not taken from torch.

What a 1.3 scheduler did:

- **Construction writes at once.** With ``last_epoch=-1`` every param group gets
  ``initial_lr`` (kept if already there), the counter starts at 0 and the
  constructor finishes with ``step(last_epoch)``: the optimizer's lr becomes the
  schedule's epoch-0 value the moment the scheduler exists.
- **Resuming needs ``initial_lr``.** With any other ``last_epoch`` every group must
  already hold ``initial_lr`` (a ``KeyError`` otherwise).
- **``step(epoch=None)``** sets ``last_epoch`` to ``last_epoch + 1`` when ``epoch is
  None`` (so ``step(0)`` really goes back to epoch 0), then writes ``get_lr()`` into
  every group.
- **``get_lr()`` is the closed form** ``f(base_lr, last_epoch)``: it ignores the lr
  the optimizer holds, so when two schedulers share one optimizer the one stepped
  last overwrites the other. (``ReduceLROnPlateau`` has no ``get_lr``: it multiplies
  the current lr, see ``plateau_lr``.)
- There is no ``get_last_lr()`` (it arrived in 1.4): read the lr from
  ``optimizer.param_groups`` or call ``get_lr()``.

Left out on purpose: 1.3's check that ``optimizer.step()`` was called before the
scheduler (it only warns and never changes an lr).

How it was checked: ``tests/test_legacy.py`` compares every class with the 1.3
formulas written out independently, over random arguments, alone and with two or
three schedulers sharing an optimizer, with explicit ``step(epoch)`` calls.
"""
from __future__ import annotations

import numbers
from typing import Any

import torch

from lrlessons._checks import bad_value


def check_optimizer(optimizer: Any) -> torch.optim.Optimizer:
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise bad_value("optimizer", optimizer, "a torch.optim.Optimizer (for example "
                        "torch.optim.SGD(params, lr=0.1))", TypeError)
    return optimizer


def check_last_epoch(last_epoch: Any) -> int:
    if isinstance(last_epoch, bool) or not isinstance(last_epoch, numbers.Integral):
        raise bad_value("last_epoch", last_epoch, "a whole number, -1 for a new schedule", TypeError)
    if last_epoch < -1:
        raise bad_value("last_epoch", last_epoch, "-1 (a new schedule) or the index of the last epoch (>= 0)")
    return int(last_epoch)


def check_epoch(epoch: Any) -> Any:
    if epoch is not None and (isinstance(epoch, bool) or not isinstance(epoch, numbers.Real)):
        raise bad_value("epoch", epoch, "None (the next epoch) or a number", TypeError)
    return epoch


def check_real(name: str, value: Any, *, low: float | None = None, low_open: bool = False,
               high: float | None = None, high_open: bool = False) -> float:
    """A real number, optionally within [low, high] (open ends when asked)."""
    lo = "" if low is None else (f"> {low}" if low_open else f">= {low}")
    hi = "" if high is None else (f"< {high}" if high_open else f"<= {high}")
    allowed = "a number" + (" " + " and ".join(x for x in (lo, hi) if x) if (lo or hi) else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise bad_value(name, value, allowed, TypeError)
    v = float(value)
    ok = v == v
    if low is not None:
        ok = ok and (v > low if low_open else v >= low)
    if high is not None:
        ok = ok and (v < high if high_open else v <= high)
    if not ok:
        raise bad_value(name, value, allowed)
    return v


def per_group(name: str, optimizer: torch.optim.Optimizer, value: Any, **limits: Any) -> list[float]:
    """One number for every param group: a single number is repeated, a list must match."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise bad_value(name, value, f"one number or a list of {n} numbers (one per param group)")
        return [check_real(name, v, **limits) for v in value]
    return [check_real(name, value, **limits)] * n


class _LRScheduler:
    """torch 1.3's scheduler base class, emulated on today's optimizer.

    Subclasses define ``get_lr()``: the lr of every group at ``self.last_epoch``.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = check_optimizer(optimizer)
        last_epoch = check_last_epoch(last_epoch)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
            last_epoch = 0
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param_groups[{i}] has no 'initial_lr', which {type(self).__name__}(last_epoch="
                        f"{last_epoch}) needs to resume: give each group its initial lr first "
                        "(group['initial_lr'] = lr) or build the scheduler with last_epoch=-1 and load "
                        "its state_dict()")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step(last_epoch)  # 1.3: a new scheduler writes its epoch-0 value at once

    def get_lr(self) -> list[float]:
        """The lr of every param group at ``self.last_epoch`` (no side effects)."""
        raise NotImplementedError

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch (or jump to ``epoch``) and write ``get_lr()`` into every group."""
        check_epoch(epoch)
        if epoch is None:
            epoch = self.last_epoch + 1
        self.last_epoch = epoch
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer, as 1.3 saved it."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)

    def __repr__(self) -> str:
        return f"legacy.{type(self).__name__}(last_epoch={self.last_epoch})"
