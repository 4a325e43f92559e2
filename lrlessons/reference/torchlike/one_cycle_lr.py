"""OneCycleLR: warm up to max_lr, then anneal far below the start (lesson 04)."""
from __future__ import annotations

import math
from typing import Literal

from torch.optim import Optimizer

from lrlessons._checks import bad_value
from lrlessons.reference.torchlike.base import LRScheduler, check_optimizer, per_group
from lrlessons.reference.torchlike.cyclic_lr import set_momentum

__all__ = ["OneCycleLR"]


def anneal_cos(start: float, end: float, pct: float) -> float:
    """From start (pct = 0) to end (pct = 1) along half a cosine."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def anneal_linear(start: float, end: float, pct: float) -> float:
    """From start (pct = 0) to end (pct = 1) along a straight line."""
    return (end - start) * pct + start


class OneCycleLR(LRScheduler):
    """The 1cycle policy: initial_lr -> max_lr -> min_lr in total_steps steps.

    Each param group stores its three lrs:
        initial_lr = max_lr / div_factor,  min_lr = initial_lr / final_div_factor.
    The steps are split into phases, each a straight or cosine ramp (anneal_strategy)
    from one stored value to another, pct = (t - phase start) / (phase end - phase start):
        two phases:   up to max_lr until step pct_start * total_steps - 1,
                      then down to min_lr at step total_steps - 1;
        three_phase:  up to max_lr, back down to initial_lr (same length, ending at
                      2 * pct_start * total_steps - 2), then down to min_lr.
    Momentum (or Adam's beta1) does the mirror image: max_momentum -> base_momentum while
    the lr rises, back to max_momentum while it falls.
    A closed form of t: it overwrites other schedulers, and stepping past total_steps
    raises ValueError.

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        optimizer: the torch optimizer.
        max_lr: the peak lr, one value or one per param group.
        total_steps: the cycle's length; or give epochs and steps_per_epoch instead.
        epochs, steps_per_epoch: total_steps = epochs * steps_per_epoch.
        pct_start: fraction of the steps spent going up, a float in [0, 1] (default 0.3).
        anneal_strategy: "cos" (default) or "linear".
        cycle_momentum: also cycle momentum / beta1 (default True).
        base_momentum, max_momentum: momentum bounds (defaults 0.85, 0.95).
        div_factor: initial_lr = max_lr / div_factor (default 25.0).
        final_div_factor: min_lr = initial_lr / final_div_factor (default 1e4).
        three_phase: the three-phase variant (default False).
        last_epoch: -1 for a new run (see ``LRScheduler``).
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: Literal["cos", "linear"] = "cos",
                 cycle_momentum: bool = True, base_momentum: float | list[float] = 0.85,
                 max_momentum: float | list[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        check_optimizer(optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            if total_steps <= 0 or not isinstance(total_steps, int):
                raise bad_value("total_steps", total_steps, "a positive int")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise bad_value("epochs", epochs, "a positive int")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise bad_value("steps_per_epoch", steps_per_epoch, "a positive int")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise bad_value("total_steps", total_steps,
                            "given, or else both epochs and steps_per_epoch")

        # (last step of the phase, lr from, lr to, momentum from, momentum to)
        up_end = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._phases = [
                (up_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (float(2 * pct_start * self.total_steps) - 2,
                 "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._phases = [
                (up_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise bad_value("pct_start", pct_start, "a float between 0 and 1")
        if anneal_strategy not in ("cos", "linear"):
            raise bad_value("anneal_strategy", anneal_strategy, "'cos' or 'linear'")
        self.anneal_strategy = anneal_strategy

        max_lrs = per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, peak in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise bad_value("cycle_momentum", cycle_momentum, "False for an optimizer "
                                "without momentum or betas")
            self.use_beta1 = "betas" in optimizer.defaults
            highs = per_group("max_momentum", optimizer, max_momentum)
            lows = per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for high, low, group in zip(highs, lows, optimizer.param_groups):
                    set_momentum(group, high, self.use_beta1)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(f"OneCycleLR was stepped {t} times, more than "
                             f"total_steps={self.total_steps}: build it with more steps.")
        anneal = anneal_cos if self.anneal_strategy == "cos" else anneal_linear
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr_from, lr_to, mom_from, mom_to) in enumerate(self._phases):
                if t <= end or i == len(self._phases) - 1:
                    pct = (t - start) / (end - start)
                    lrs.append(anneal(group[lr_from], group[lr_to], pct))
                    if self.cycle_momentum:
                        momentum = anneal(group[mom_from], group[mom_to], pct)
                        set_momentum(group, momentum, self.use_beta1)
                    break
                start = end
        return lrs
