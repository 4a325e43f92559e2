"""torch 1.3's cyclical schedules, emulated: ``CyclicLR`` and ``OneCycleLR``.

Both are closed forms of the step count that set the lr from their own arguments
(``base_lr``/``max_lr``), whatever lr the optimizer was built with; both also cycle
SGD's momentum. In 1.3 their ``get_lr()`` wrote the momentum into the param groups
as a side effect; here ``get_lr()`` is pure and ``step()`` writes both, which
leaves the optimizer in the same state after every step. See ``lrlessons.legacy``
(lessons 02 and 03).
"""
from __future__ import annotations

import math
from typing import Any, Callable

import torch

from lrlessons._checks import bad_value, one_of, positive_int
from lrlessons.legacy._base import _LRScheduler, check_optimizer, check_real, per_group


def _needs_momentum(optimizer: torch.optim.Optimizer, cls: str) -> None:
    if "momentum" not in optimizer.defaults:
        raise bad_value("cycle_momentum", True, f"False for {type(optimizer).__name__}: {cls} in torch 1.3 "
                        "cycles only an optimizer with a 'momentum' setting (such as SGD)")


class CyclicLR(_LRScheduler):
    r"""The cyclical learning rate policy (Smith, 2017), per batch, as in torch 1.3.

    With ``L = step_size_up + step_size_down`` and ``r = step_size_up / L``:

    .. math::
        c = \lfloor 1 + t / L \rfloor,\quad x = 1 + t / L - c,\quad
        s = x / r \ (x \le r),\ \ (x - 1)/(r - 1) \ \text{otherwise},

        \eta_t = \eta_{base} + (\eta_{max} - \eta_{base})\, s \cdot \text{scale}(c \text{ or } t)

    ``scale`` is 1 (``"triangular"``), ``1 / 2^{c-1}`` (``"triangular2"``) or
    ``gamma^t`` (``"exp_range"``), or your ``scale_fn``. Momentum moves the opposite
    way, from ``max_momentum`` down to ``base_momentum``.

    Args:
        optimizer: a torch optimizer (with momentum, unless ``cycle_momentum=False``).
        base_lr, max_lr: the two ends of the cycle, one number or one per group.
        step_size_up: steps from base_lr up to max_lr. Default: 2000.
        step_size_down: steps back down (None: same as up). Default: None.
        mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``. Default: ``"triangular"``.
        gamma: the factor of ``"exp_range"``. Default: 1.0.
        scale_fn: a custom scale function (then ``mode`` is ignored). Default: None.
        scale_mode: ``"cycle"`` or ``"iterations"``: what ``scale_fn`` is given. Default: ``"cycle"``.
        cycle_momentum, base_momentum, max_momentum: the momentum cycle. Defaults: True, 0.8, 0.9.
        last_epoch: -1 for a new schedule, else the batch index to resume at.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, base_lr: Any, max_lr: Any, step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0,
                 scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: Any = 0.8, max_momentum: Any = 0.9,
                 last_epoch: int = -1) -> None:
        check_optimizer(optimizer)
        base_lrs = per_group("base_lr", optimizer, base_lr, low=0.0)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = per_group("max_lr", optimizer, max_lr, low=0.0)
        up = check_real("step_size_up", step_size_up, low=0.0, low_open=True)
        down = up if step_size_down is None else check_real("step_size_down", step_size_down, low=0.0,
                                                             low_open=True)
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        self.gamma = check_real("gamma", gamma, low=0.0)
        if scale_fn is None:
            self.mode = one_of("mode", mode, ("triangular", "triangular2", "exp_range"))
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
            self.scale_fn = None
        else:
            if not callable(scale_fn):
                raise bad_value("scale_fn", scale_fn, "None or a function x -> scale", TypeError)
            self.mode = mode
            self.scale_fn = scale_fn
            self.scale_mode = one_of("scale_mode", scale_mode, ("cycle", "iterations"))
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            _needs_momentum(optimizer, "CyclicLR")
            self.base_momentums = per_group("base_momentum", optimizer, base_momentum, low=0.0)
            self.max_momentums = per_group("max_momentum", optimizer, max_momentum, low=0.0)
            if last_epoch == -1:
                for m, group in zip(self.base_momentums, optimizer.param_groups):
                    group["momentum"] = m
        self._cycle_base_lrs = base_lrs
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _scale(self, x: float) -> float:
        if self.scale_fn is not None:
            return self.scale_fn(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def _position(self) -> tuple[float, float]:
        """(scale factor s in [0, 1], the argument of the scale function)."""
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        s = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        return s, (cycle if self.scale_mode == "cycle" else self.last_epoch)

    def get_lr(self) -> list[float]:
        s, arg = self._position()
        return [lo + (hi - lo) * s * self._scale(arg) for lo, hi in zip(self._cycle_base_lrs, self.max_lrs)]

    def get_momentum(self) -> list[float]:
        """The momentum of every group at ``last_epoch`` (empty if momentum is not cycled)."""
        if not self.cycle_momentum:
            return []
        s, arg = self._position()
        return [hi - (hi - lo) * s * self._scale(arg) for lo, hi in zip(self.base_momentums, self.max_momentums)]

    def step(self, epoch: float | None = None) -> None:
        super().step(epoch)
        for group, m in zip(self.optimizer.param_groups, self.get_momentum()):
            group["momentum"] = m


class OneCycleLR(_LRScheduler):
    r"""The 1cycle policy (Smith and Topin, 2018) in its two-phase torch 1.3 form.

    The lr rises from ``max_lr / div_factor`` to ``max_lr`` over the first
    ``u = pct_start * total_steps - 1`` steps, then falls to
    ``max_lr / div_factor / final_div_factor`` at step ``total_steps - 1``; each
    phase is a half cosine (``anneal_strategy="cos"``) or a straight line
    (``"linear"``). Momentum moves the opposite way. Stepping beyond
    ``total_steps`` raises ``ValueError``, as in 1.3.

    Args:
        optimizer: a torch optimizer (with momentum, unless ``cycle_momentum=False``).
        max_lr: the peak lr, one number or one per group.
        total_steps: steps in the cycle; or give ``epochs`` and ``steps_per_epoch``.
        epochs, steps_per_epoch: the alternative to ``total_steps``.
        pct_start: fraction of the cycle spent rising. Default: 0.3.
        anneal_strategy: ``"cos"`` or ``"linear"``. Default: ``"cos"``.
        cycle_momentum, base_momentum, max_momentum: the momentum cycle. Defaults: True, 0.85, 0.95.
        div_factor: initial lr = max_lr / div_factor. Default: 25.
        final_div_factor: final lr = initial lr / final_div_factor. Default: 1e4.
        last_epoch: -1 for a new schedule, else the step to resume at.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, max_lr: Any, total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True, base_momentum: Any = 0.85,
                 max_momentum: Any = 0.95, div_factor: float = 25.0, final_div_factor: float = 1e4,
                 last_epoch: int = -1) -> None:
        check_optimizer(optimizer)
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise bad_value("total_steps", total_steps, "given, or else both epochs and steps_per_epoch")
            total_steps = positive_int("epochs", epochs) * positive_int("steps_per_epoch", steps_per_epoch)
        self.total_steps = positive_int("total_steps", total_steps)
        self.pct_start = check_real("pct_start", pct_start, low=0.0, high=1.0)
        self.anneal_strategy = one_of("anneal_strategy", anneal_strategy, ("cos", "linear"))
        self.step_size_up = self.pct_start * self.total_steps - 1
        self.step_size_down = self.total_steps - self.step_size_up - 1
        if self.step_size_up == 0 or self.step_size_down == 0:
            raise bad_value("pct_start", pct_start, f"such that pct_start * total_steps is neither 1 nor "
                            f"total_steps (here {self.total_steps}): torch 1.3 divided by zero there")
        max_lrs = per_group("max_lr", optimizer, max_lr, low=0.0)
        div = check_real("div_factor", div_factor, low=0.0, low_open=True)
        final_div = check_real("final_div_factor", final_div_factor, low=0.0, low_open=True)
        if last_epoch == -1:
            for hi, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = hi / div
                group["max_lr"] = hi
                group["min_lr"] = hi / div / final_div
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            _needs_momentum(optimizer, "OneCycleLR")
            bases = per_group("base_momentum", optimizer, base_momentum, low=0.0)
            tops = per_group("max_momentum", optimizer, max_momentum, low=0.0)
            if last_epoch == -1:
                for lo, hi, group in zip(bases, tops, optimizer.param_groups):
                    group["momentum"] = hi
                    group["max_momentum"] = hi
                    group["base_momentum"] = lo
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _phase(self) -> tuple[bool, float]:
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(f"OneCycleLR was stepped {t} times but total_steps={self.total_steps}: "
                             "give a larger total_steps (or epochs * steps_per_epoch)")
        if t <= self.step_size_up:
            return True, t / self.step_size_up
        return False, (t - self.step_size_up) / self.step_size_down

    def get_lr(self) -> list[float]:
        up, pct = self._phase()
        return [self._anneal(g["initial_lr"], g["max_lr"], pct) if up else self._anneal(g["max_lr"], g["min_lr"], pct)
                for g in self.optimizer.param_groups]

    def get_momentum(self) -> list[float]:
        """The momentum of every group at ``last_epoch`` (empty if momentum is not cycled)."""
        if not self.cycle_momentum:
            return []
        up, pct = self._phase()
        return [self._anneal(g["max_momentum"], g["base_momentum"], pct) if up
                else self._anneal(g["base_momentum"], g["max_momentum"], pct) for g in self.optimizer.param_groups]

    def step(self, epoch: float | None = None) -> None:
        super().step(epoch)
        for group, m in zip(self.optimizer.param_groups, self.get_momentum()):
            group["momentum"] = m
