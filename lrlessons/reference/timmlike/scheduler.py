"""The base class of the timm twins: the lr is a function of a count you pass in.

A timm-style scheduler keeps no step counter of its own. The training loop calls

- ``step(epoch, metric)`` at the end of every epoch, with the number of the epoch
  about to start (``epoch + 1``), and
- ``step_update(num_updates, metric)`` after every optimizer update, with the number
  of updates done so far,

and the scheduler sets ``lr = f(t)`` on every param group, where ``t`` is the epoch
count when ``t_in_epochs=True`` and the update count otherwise (the other call does
nothing). Resuming a run therefore means passing the right count: nothing else has
to be restored.

Shared by every family:

- linear warmup for ``t < warmup_t``:
  ``lr(t) = warmup_lr_init + t * (target - warmup_lr_init) / warmup_t``;
  with ``warmup_prefix=True`` the schedule proper then sees ``t - warmup_t``;
- noise: for ``t`` in ``noise_range_t`` (a start ``n``: every ``t >= n``; a pair
  ``(a, b)``: ``a <= t < b``) the lr becomes ``lr * (1 + noise)``, where ``noise`` is
  drawn from a torch generator seeded with ``noise_seed + t``: normal with std
  ``noise_std``, redrawn until ``|noise| < noise_pct``, or uniform on
  ``(-noise_pct, noise_pct)``. The same seed and ``t`` always give the same noise;
- a param group with an ``lr_scale`` entry gets ``lr * lr_scale``.

Lesson 05 uses it.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

import torch

from lrlessons._checks import bad_value, one_of

NOISE_TYPES = ("normal", "uniform")


def _real(name: str, value: Any, allowed: str = "a real number") -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise bad_value(name, value, allowed, TypeError)
    if value != value:  # NaN
        raise bad_value(name, value, allowed)
    return value


def check_number(name: str, value: Any, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` if it is a real number within the bounds, else raise naming ``name``."""
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    allowed = "a real number" + (" " + " and ".join(parts) if parts else "")
    _real(name, value, allowed)
    if low is not None and (value < low or (low_open and value == low)):
        raise bad_value(name, value, allowed)
    if high is not None and (value > high or (high_open and value == high)):
        raise bad_value(name, value, allowed)
    return value


def check_count(name: str, value: Any, low: int = 0) -> int:
    """Return ``value`` if it is a whole number >= ``low``, else raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise bad_value(name, value, f"a whole number of at least {low}", TypeError)
    if value < low:
        raise bad_value(name, value, f"a whole number of at least {low}")
    return value


def check_noise_range(value: Any) -> Any:
    """``noise_range_t`` is None, a start ``n`` (noise for t >= n) or a pair ``(a, b)``."""
    allowed = ("None, a number n (noise for t >= n) or a pair [a, b] with a <= b "
               "(noise for a <= t < b)")
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        numbers_only = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
        if len(value) != 2 or not numbers_only:
            raise bad_value("noise_range_t", value, allowed, TypeError)
        if value[0] > value[1]:
            raise bad_value("noise_range_t", value, allowed)
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise bad_value("noise_range_t", value, allowed, TypeError)
    return value


def cycle_position(t: float, t_initial: float, cycle_mul: float) -> tuple[int, float, float]:
    """Which cycle ``t`` falls in: ``(i, length of cycle i, t measured from its start)``.

    Cycle ``i`` lasts ``t_initial * cycle_mul**i`` and starts at
    ``t_initial * (cycle_mul**i - 1) / (cycle_mul - 1)`` (at ``i * t_initial`` when
    ``cycle_mul == 1``); solving ``start(i) <= t`` for ``i`` gives a logarithm.
    It is taken with ``math.log`` exactly as timm takes it: where a start is a whole
    number the logarithm can round a hair below a whole number, and the restart then
    comes one count late (``t_initial=10, cycle_mul=1.4``: at 25, not 24; lesson 05, §5).
    """
    if cycle_mul == 1:
        i = t // t_initial
        return i, t_initial, t - t_initial * i
    inside = 1 - t / t_initial * (1 - cycle_mul)
    if inside <= 0:  # only shrinking cycles (cycle_mul < 1) end: infinitely many fit before this t
        raise bad_value("cycle_mul", cycle_mul,
                        f">= 1 for t={t!r}: cycles shrinking by {cycle_mul} all end "
                        f"before t={t_initial / (1 - cycle_mul):g}")
    i = math.floor(math.log(inside, cycle_mul))
    length = cycle_mul ** i * t_initial
    start = (1 - cycle_mul ** i) / (1 - cycle_mul) * t_initial
    return i, length, t - start


def total_cycle_length(t_initial: float, cycle_mul: float, cycles: int, warmup_t: int,
                       warmup_prefix: bool) -> int:
    """Counts covered by ``cycles`` cycles (plus the warmup when it is a prefix)."""
    if cycle_mul == 1.0:
        total = t_initial * cycles
    else:
        total = int(math.floor(-t_initial * (cycle_mul ** cycles - 1) / (1 - cycle_mul)))
    return total + warmup_t if warmup_prefix else total


class Scheduler:
    """Base class: sets ``param_group_field`` on every param group from a count ``t``.

    Subclasses implement ``_get_lr(t)`` (the schedule without noise) and call
    ``_setup_warmup(targets)`` at the end of their constructor.

    Args:
        optimizer: the torch optimizer whose param groups are scheduled.
        param_group_field: the entry to set, ``"lr"``.
        t_in_epochs (True): ``step`` moves the lr (t = epochs); False: ``step_update``
            does (t = updates).
        noise_range_t (None), noise_type ("normal"), noise_pct (0.67), noise_std (1.0),
        noise_seed (None means 42): see the module docstring.
        initialize (True): store each group's current value as ``initial_<field>``
            (kept if already there); False: it must be there already.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, param_group_field: str,
                 t_in_epochs: bool = True, noise_range_t: Any = None, noise_type: str = "normal",
                 noise_pct: float = 0.67, noise_std: float = 1.0, noise_seed: int | None = None,
                 initialize: bool = True) -> None:
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise bad_value("optimizer", optimizer, "a torch.optim.Optimizer", TypeError)
        self.optimizer = optimizer
        self.param_group_field = param_group_field
        initial = "initial_" + param_group_field
        for n, group in enumerate(optimizer.param_groups):
            if initialize:
                if param_group_field not in group:
                    raise KeyError(f"param_groups[{n}] has no {param_group_field!r} entry "
                                   "to schedule")
                group.setdefault(initial, group[param_group_field])
            elif initial not in group:
                raise KeyError(f"initialize=False needs {initial!r} in every param group; "
                               f"param_groups[{n}] has none")
        self.base_values = [group[initial] for group in optimizer.param_groups]
        self.metric = None
        self.t_in_epochs = bool(t_in_epochs)
        self.noise_range_t = check_noise_range(noise_range_t)
        self.noise_type = one_of("noise_type", noise_type, NOISE_TYPES)
        self.noise_pct = check_number("noise_pct", noise_pct, low=0, low_open=True)
        self.noise_std = check_number("noise_std", noise_std, low=0)
        if noise_seed is None:
            noise_seed = 42
        if isinstance(noise_seed, bool) or not isinstance(noise_seed, numbers.Integral):
            raise bad_value("noise_seed", noise_seed, "None or a whole number", TypeError)
        self.noise_seed = noise_seed
        self.update_groups(self.base_values)

    # -- warmup ------------------------------------------------------------------
    def _setup_warmup(self, warmup_t: int, warmup_lr_init: float,
                      targets: Sequence[float] | None = None) -> None:
        """Per-group warmup slopes towards ``targets`` (the base lrs by default)."""
        self.warmup_t = check_count("warmup_t", warmup_t)
        self.warmup_lr_init = check_number("warmup_lr_init", warmup_lr_init, low=0)
        if self.warmup_t:
            targets = self.base_values if targets is None else targets
            self.warmup_steps = [(v - self.warmup_lr_init) / self.warmup_t for v in targets]
            self.update_groups(self.warmup_lr_init)
        else:
            self.warmup_steps = [1 for _ in self.base_values]

    def _warmup_lrs(self, t: float) -> list[float]:
        return [self.warmup_lr_init + t * slope for slope in self.warmup_steps]

    # -- the schedule --------------------------------------------------------------
    def _get_lr(self, t: float) -> list[float]:
        raise NotImplementedError

    def _cyclic_lrs(self, t: float, shape: Any, half: bool) -> list[float]:
        """The lrs of the cyclic families (cosine, tanh, poly) at ``t``.

        Warmup first (the cycles start after it when ``warmup_prefix``). Then, ``t_cur``
        into cycle ``i`` of length ``length``:
        ``lr = lr_min + scale * (peak_i - lr_min) * shape(t_cur, length)`` with
        ``peak_i = base_lr * cycle_decay ** i`` and ``scale`` 0.5 (``half``) or 1.
        After ``cycle_limit`` cycles the lr stays at ``lr_min``.
        """
        if t < self.warmup_t:
            return self._warmup_lrs(t)
        if self.warmup_prefix:
            t = t - self.warmup_t
        i, length, t_cur = cycle_position(t, self.t_initial, self.cycle_mul)
        if i >= self.cycle_limit:
            return [self.lr_min for _ in self.base_values]
        factor = shape(t_cur, length)
        peaks = [v * self.cycle_decay ** i for v in self.base_values]
        if half:
            return [self.lr_min + 0.5 * (peak - self.lr_min) * factor for peak in peaks]
        return [self.lr_min + (peak - self.lr_min) * factor for peak in peaks]

    def _set_from(self, t: Any, name: str) -> None:
        _real(name, t, "a real number (the epoch or update count)")
        lrs = self._get_lr(t)
        self.update_groups(self._with_noise(lrs, t))

    def step(self, epoch: int, metric: float | None = None) -> None:
        """End of an epoch: with ``t_in_epochs`` set the lr for epoch number ``epoch``."""
        self.metric = metric
        if self.t_in_epochs:
            self._set_from(epoch, "epoch")

    def step_update(self, num_updates: int, metric: float | None = None) -> None:
        """After an update: without ``t_in_epochs`` set the lr for update ``num_updates``."""
        self.metric = metric
        if not self.t_in_epochs:
            self._set_from(num_updates, "num_updates")

    def update_groups(self, values: float | Sequence[float]) -> None:
        """Write one value (or one per group) into the param groups, times ``lr_scale``."""
        if not isinstance(values, (list, tuple)):
            values = [values] * len(self.optimizer.param_groups)
        for group, value in zip(self.optimizer.param_groups, values):
            if "lr_scale" in group:
                value = value * group["lr_scale"]
            group[self.param_group_field] = value

    # -- noise ---------------------------------------------------------------------
    def _noise_on(self, t: float) -> bool:
        r = self.noise_range_t
        if r is None:
            return False
        if isinstance(r, (list, tuple)):
            return r[0] <= t < r[1]
        return t >= r

    def _noise(self, t: float) -> float:
        """The relative noise at ``t``: depends only on ``noise_seed + t``."""
        gen = torch.Generator()
        gen.manual_seed(self.noise_seed + t)
        if self.noise_type == "normal":
            while True:  # redraw until inside (-noise_pct, noise_pct)
                noise = torch.randn(1, generator=gen).item() * self.noise_std
                if abs(noise) < self.noise_pct:
                    return noise
        return 2 * (torch.rand(1, generator=gen).item() - 0.5) * self.noise_pct

    def _with_noise(self, lrs: list[float], t: float) -> list[float]:
        if not self._noise_on(t):
            return lrs
        noise = self._noise(t)
        return [v + v * noise for v in lrs]

    # -- checkpoints -----------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer (the count itself is not state)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)
