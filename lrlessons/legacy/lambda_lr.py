"""torch 1.3's ``LambdaLR``, emulated (lessons 02 and 03; see ``lrlessons.legacy``)."""
from __future__ import annotations

import types
from typing import Any, Callable, Sequence

import torch

from lrlessons._checks import bad_value
from lrlessons.legacy._base import _LRScheduler, check_optimizer


class LambdaLR(_LRScheduler):
    r"""lr = initial lr times a function of the epoch, as in torch 1.3.

    .. math:: \eta_t = \eta_0 \cdot \lambda(t)

    Args:
        optimizer: a torch optimizer.
        lr_lambda: a function ``epoch -> factor``, or a list of them, one per group.
        last_epoch: -1 for a new schedule, else the epoch to resume at.
    """

    def __init__(self, optimizer: torch.optim.Optimizer,
                 lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        check_optimizer(optimizer)
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n or not all(callable(f) for f in lr_lambda):
                raise bad_value("lr_lambda", lr_lambda, f"a function epoch -> factor, or a list of {n} "
                                "such functions (one per param group)")
            self.lr_lambdas = list(lr_lambda)
        elif callable(lr_lambda):
            self.lr_lambdas = [lr_lambda] * n
        else:
            raise bad_value("lr_lambda", lr_lambda, "a function epoch -> factor, or a list of them",
                            TypeError)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        """Like 1.3: plain functions and lambdas are not saved, callable objects' fields are."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(f, types.FunctionType) or not hasattr(f, "__dict__")
                               else dict(vars(f)) for f in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", None) or []
        self.__dict__.update(state)
        for f, fields in zip(self.lr_lambdas, saved):
            if fields is not None:
                f.__dict__.update(fields)
