"""CyclicLR: the lr goes up and down between base_lr and max_lr in triangles (lesson 04)."""
from __future__ import annotations

import math
import types
from typing import Any, Callable, Literal

from torch.optim import Optimizer

from lrlessons._checks import bad_value
from lrlessons.reference.torchlike.base import LRScheduler, check_optimizer, per_group

__all__ = ["CyclicLR"]


def set_momentum(group: dict, momentum: float, use_beta1: bool) -> None:
    """Write the momentum of one param group (Adam-like optimizers keep it in betas[0])."""
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


class CyclicLR(LRScheduler):
    """Cycle the lr between base_lr and max_lr (Smith's cyclical learning rates).

    One cycle is step_size_up steps up plus step_size_down steps down. At step t:
        total = step_size_up + step_size_down,  ratio = step_size_up / total
        cycle = floor(1 + t / total)             (1 for the first cycle)
        x = 1 + t / total - cycle                (position in the cycle, 0 <= x < 1)
        height = x / ratio if x <= ratio else (x - 1) / (ratio - 1)   (0 -> 1 -> 0)
        lr = base_lr + (max_lr - base_lr) * height * scale
    where scale = scale_fn(cycle) (scale_mode "cycle") or scale_fn(t) ("iterations"):
        triangular: 1;  triangular2: 1 / 2 ** (cycle - 1);  exp_range: gamma ** t.
    Momentum (when cycle_momentum) moves the other way:
        momentum = max_momentum - (max_momentum - base_momentum) * height * scale
    This is a closed form: it ignores the group's current lr, so it overwrites other
    schedulers on the same optimizer.

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        optimizer: the torch optimizer (it must have momentum or betas if cycle_momentum).
        base_lr, max_lr: the cycle's bounds, one value or one per param group.
        step_size_up: steps from base_lr to max_lr (default 2000).
        step_size_down: steps back down (default: same as step_size_up).
        mode: "triangular", "triangular2" or "exp_range" (ignored if scale_fn is given).
        gamma: exp_range's factor per step (default 1.0).
        scale_fn: your own scale function of the cycle number or the step count.
        scale_mode: "cycle" or "iterations", what scale_fn receives (custom fn only).
        cycle_momentum: also cycle momentum (default True).
        base_momentum, max_momentum: momentum bounds (defaults 0.8, 0.9).
        last_epoch: -1 for a new run (see ``LRScheduler``).
    """

    def __init__(self, optimizer: Optimizer, base_lr: float | list[float],
                 max_lr: float | list[float], step_size_up: int = 2000,
                 step_size_down: int | None = None,
                 mode: Literal["triangular", "triangular2", "exp_range"] = "triangular",
                 gamma: float = 1.0, scale_fn: Callable[[float], float] | None = None,
                 scale_mode: Literal["cycle", "iterations"] = "cycle",
                 cycle_momentum: bool = True, base_momentum: float = 0.8,
                 max_momentum: float = 0.9, last_epoch: int = -1) -> None:
        check_optimizer(optimizer)
        self.optimizer = optimizer
        base_lrs = per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = per_group("max_lr", optimizer, max_lr)

        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size

        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise bad_value("mode", mode, "'triangular', 'triangular2' or 'exp_range' "
                            "(or pass your own scale_fn)")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        if scale_fn is None:  # the built-in modes fix what the scale depends on
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise bad_value("cycle_momentum", cycle_momentum, "False for an optimizer "
                                "without momentum or betas")
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for high, low, group in zip(self.max_momentums, self.base_momentums,
                                            optimizer.param_groups):
                    set_momentum(group, high, self.use_beta1)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        # The initial step runs with base_lrs = each group's initial_lr, which is base_lr
        # unless an earlier scheduler already stored another initial_lr; then base_lr wins.
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x: float) -> float:
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x  # exp_range

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            height = x / self.step_ratio
        else:
            height = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)

        lrs = [base_lr + (max_lr - base_lr) * height * scale
               for base_lr, max_lr in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums,
                                        self.max_momentums):
                set_momentum(group, high - (high - low) * height * scale, self.use_beta1)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        fn = state.pop("_scale_fn_custom")  # a plain function cannot be saved: keep None
        keep = fn is not None and not isinstance(fn, types.FunctionType)
        state["_scale_fn_custom"] = fn.__dict__.copy() if keep else None
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved_fn = state.pop("_scale_fn_custom")
        super().load_state_dict(state)
        if saved_fn is not None:
            self._scale_fn_custom.__dict__.update(saved_fn)
