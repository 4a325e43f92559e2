"""LambdaLR and MultiplicativeLR: the lr shaped by a function you pass (lesson 04)."""
from __future__ import annotations

import types
from typing import Any, Callable

from torch.optim import Optimizer

from lrlessons._checks import bad_value
from lrlessons.reference.torchlike.base import LRScheduler, current_lrs

__all__ = ["LambdaLR", "MultiplicativeLR"]


def _one_per_group(optimizer: Optimizer, lr_lambda: Any) -> list:
    if not hasattr(optimizer, "param_groups"):  # torch fails here too, with this type
        raise bad_value("optimizer", optimizer, "a torch.optim.Optimizer", AttributeError)
    n_groups = len(optimizer.param_groups)
    if not isinstance(lr_lambda, (list, tuple)):
        lr_lambdas = [lr_lambda] * n_groups
    elif len(lr_lambda) != n_groups:
        raise bad_value("lr_lambda", lr_lambda,
                        f"one function, or a list of {n_groups} (one per param group)")
    else:
        lr_lambdas = list(lr_lambda)
    for fn in lr_lambdas:
        if not callable(fn):
            raise bad_value("lr_lambda", fn, "a function of the step count", TypeError)
    return lr_lambdas


class _LambdaState:
    """Save/load for the lambdas: plain functions are skipped, the attributes of
    callable objects are kept (so a stateful callable resumes where it was)."""

    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
            for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved_lambdas = state.pop("lr_lambdas")
        self.__dict__.update(state)
        for fn, saved in zip(self.lr_lambdas, saved_lambdas):
            if saved is not None:
                fn.__dict__.update(saved)


class LambdaLR(_LambdaState, LRScheduler):
    """lr = base_lr * lr_lambda(t): a multiplier on the *initial* lr.

    Update rule (every step): lr_t = base_lr * lr_lambda(t)
    Closed form: the same. It reads ``base_lrs``, never the group's current lr, so it
    overwrites whatever another scheduler did to the same optimizer.

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        optimizer: the torch optimizer.
        lr_lambda: a function of t (the step count), or a list with one per param group.
        last_epoch: -1 for a new run (see ``LRScheduler``).
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        self.optimizer = optimizer
        self.lr_lambdas = _one_per_group(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        return [base_lr * fn(self.last_epoch)
                for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaState, LRScheduler):
    """lr_t = lr_{t-1} * lr_lambda(t): a factor applied to the *current* lr each step.

    Update rule: t = 0 keeps the lr; every later step multiplies it by lr_lambda(t).
    Closed form: lr_t = base_lr * lr_lambda(1) * lr_lambda(2) * ... * lr_lambda(t)
    (torch has none for ``step(epoch)``). Chainable: it composes with other schedulers.

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        optimizer: the torch optimizer.
        lr_lambda: a function of t returning the factor, or a list with one per group.
        last_epoch: -1 for a new run (see ``LRScheduler``).
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        self.optimizer = optimizer
        self.lr_lambdas = _one_per_group(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self._is_initial:
            return current_lrs(self.optimizer)
        return [group["lr"] * fn(self.last_epoch)
                for fn, group in zip(self.lr_lambdas, self.optimizer.param_groups)]
