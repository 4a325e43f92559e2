"""Closed forms of torch's schedulers: the lr at every step ``t`` at once, in NumPy.

Each function is named after the class it mirrors (``StepLR`` -> ``step_lr``) and takes
that class's constructor arguments, with the same names and defaults, after
``t`` and the starting lr::

    step_lr(t, base_lr, step_size, gamma=0.1)

``t`` is the number of ``scheduler.step()`` calls made so far (0 = just constructed),
as an int or an array of ints; the result is a float array of the same shape holding
the lr the optimizer has after that many steps, which is exactly what
``lrlessons.trace(...).lr`` records at optimizer step ``t``. ``base_lr`` is the
param group's lr when the scheduler was built (torch's ``initial_lr``); CyclicLR
takes its own ``base_lr`` argument and OneCycleLR starts from ``max_lr``.

Most torch classes update the lr *recursively* (new lr = current lr x something); the
functions here give the closed form of that recursion and agree with stepping the
real scheduler to rounding error (tests/test_formulas_torch.py checks every one over
random arguments). Where the recursion and torch's own ``_get_closed_form_lr`` part
ways (degenerate arguments, CosineAnnealingLR past ``T_max``), the docstring says so
and the function follows what stepping does.

SequentialLR, ChainedScheduler and ReduceLROnPlateau have no closed form: the first two
only combine other schedulers, the last depends on the metric you feed it.

Lesson 04 derives and checks every formula; lesson 07's explorer draws with them.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Iterable

import numpy as np

from lrlessons._checks import whole_count as _count, bad_value, non_negative_number, one_of, positive_int

__all__ = [
    "lambda_lr",
    "multiplicative_lr",
    "step_lr",
    "multi_step_lr",
    "constant_lr",
    "linear_lr",
    "exponential_lr",
    "polynomial_lr",
    "cosine_annealing_lr",
    "cosine_annealing_warm_restarts",
    "cyclic_lr",
    "cyclic_momentum",
    "one_cycle_lr",
    "one_cycle_momentum",
]


# --------------------------------------------------------------------------- checks
def _steps(t: Any, *, allow_fractions: bool = False) -> np.ndarray:
    """``t`` as an array of step counts (whole numbers >= 0), or raise naming ``t``."""
    allowed = "a number of steps at least 0" if allow_fractions else "a whole number of steps at least 0"
    if isinstance(t, (str, bytes)) or isinstance(t, bool):
        raise bad_value("t", t, f"{allowed}, or an array of them", TypeError)
    try:
        arr = np.asarray(t)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise bad_value("t", t, f"{allowed}, or an array of them", TypeError) from exc
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise bad_value("t", t, f"{allowed}, or an array of them", TypeError)
    if arr.size == 0:
        return arr.astype(np.float64 if allow_fractions else np.int64)
    if np.issubdtype(arr.dtype, np.floating):
        if not np.isfinite(arr).all():
            raise bad_value("t", t, f"{allowed} (no NaN or infinity)")
        if not allow_fractions:
            if not (arr == np.floor(arr)).all():
                raise bad_value("t", t, f"{allowed}: this schedule moves in whole steps")
            arr = arr.astype(np.int64)
    if arr.min() < 0:
        raise bad_value("t", t, allowed)
    return arr


def _real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise bad_value(name, value, "a real number", TypeError)
    if not math.isfinite(value):
        raise bad_value(name, value, "a finite number")
    return float(value)


def _between(name: str, value: Any, low: float, high: float, *, low_open: bool = False) -> float:
    value = _real(name, value)
    ok = (value > low if low_open else value >= low) and value <= high
    if not ok:
        bracket = "(" if low_open else "["
        raise bad_value(name, value, f"a number in {bracket}{low:g}, {high:g}]")
    return value




def _callable(name: str, value: Any) -> Callable:
    if not callable(value):
        raise bad_value(name, value, "a function of the step count returning a factor", TypeError)
    return value


def _on_values(fn: Callable, args: np.ndarray, name: str) -> np.ndarray:
    """Call a user's Python function once per distinct value of ``args`` (ints)."""
    if args.size == 0:
        return np.empty(args.shape)
    uniq, where = np.unique(args, return_inverse=True)
    try:
        vals = np.array([float(fn(int(u))) for u in uniq], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise bad_value(name, fn, f"a function returning a number for every step (it failed: {exc})",
                        TypeError) from exc
    return vals[where].reshape(args.shape)


def _powers(gamma: float, k: np.ndarray) -> np.ndarray:
    """``gamma ** k`` for whole k >= 0: a table of the few powers needed, then a lookup."""
    if k.size == 0:
        return np.empty(k.shape)
    top = int(k.max())
    if top > max(1024, 4 * k.size):  # a few far-apart steps: a table would be wasteful
        return np.power(gamma, k)
    return np.power(gamma, np.arange(top + 1))[k]


# --------------------------------------------------------------------------- the schedules
def lambda_lr(t: Any, base_lr: float, lr_lambda: Callable[[int], float]) -> np.ndarray:
    """LambdaLR: ``lr(t) = base_lr * lr_lambda(t)``.

    Not chainable: the lr is rebuilt from ``base_lr`` at every step, whatever else
    changed it. ``lr_lambda`` is called once per distinct step (a Python function
    cannot be vectorised in general). Lesson 04.
    """
    t = _steps(t)
    base_lr = non_negative_number("base_lr", base_lr)
    _callable("lr_lambda", lr_lambda)
    return base_lr * _on_values(lr_lambda, t, "lr_lambda")


def multiplicative_lr(t: Any, base_lr: float, lr_lambda: Callable[[int], float]) -> np.ndarray:
    """MultiplicativeLR: ``lr(0) = base_lr``, ``lr(t) = lr(t-1) * lr_lambda(t)``.

    So ``lr(t) = base_lr * prod(lr_lambda(k) for k in 1..t)``: the running product is
    one ``np.cumprod`` in the same left-to-right order torch multiplies in, so the
    result equals stepping exactly. ``lr_lambda`` is called for k = 1..max(t). Lesson 04.
    """
    t = _steps(t)
    base_lr = non_negative_number("base_lr", base_lr)
    _callable("lr_lambda", lr_lambda)
    if t.size == 0:
        return np.empty(t.shape)
    factors = _on_values(lr_lambda, np.arange(1, int(t.max()) + 1), "lr_lambda")
    running = np.cumprod(np.concatenate(([base_lr], factors)))
    return running[t]


def step_lr(t: Any, base_lr: float, step_size: int, gamma: float = 0.1) -> np.ndarray:
    """StepLR: ``lr(t) = base_lr * gamma ** (t // step_size)``.

    torch multiplies the current lr by ``gamma`` whenever ``t`` is a non-zero multiple
    of ``step_size``; ``t`` counts ``step()`` calls, epochs or batches alike. Lesson 04.
    """
    t = _steps(t)
    base_lr = non_negative_number("base_lr", base_lr)
    step_size = positive_int("step_size", step_size)
    gamma = non_negative_number("gamma", gamma)
    return base_lr * _powers(gamma, t // step_size)


def multi_step_lr(t: Any, base_lr: float, milestones: Iterable[int], gamma: float = 0.1) -> np.ndarray:
    """MultiStepLR: ``lr(t) = base_lr * gamma ** (number of milestones <= t)``.

    Milestones are counted with repetition, as torch's Counter does: a milestone
    listed twice applies ``gamma`` twice. Lesson 04.
    """
    t = _steps(t)
    base_lr = non_negative_number("base_lr", base_lr)
    gamma = non_negative_number("gamma", gamma)
    if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Iterable):
        raise bad_value("milestones", milestones, "a list of whole numbers of at least 0", TypeError)
    ms = list(milestones)
    for m in ms:
        if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 0:
            raise bad_value("milestones", milestones, "a list of whole numbers of at least 0",
                            TypeError if not isinstance(m, numbers.Integral) or isinstance(m, bool)
                            else ValueError)
    passed = np.searchsorted(np.sort(np.asarray(ms, dtype=np.int64)), t, side="right")
    return base_lr * _powers(gamma, passed)


def constant_lr(t: Any, base_lr: float, factor: float = 1.0 / 3, total_iters: int = 5) -> np.ndarray:
    """ConstantLR: ``base_lr * factor`` for ``t < total_iters``, then ``base_lr``.

    torch multiplies by ``factor`` at t = 0 and by ``1 / factor`` at
    ``t == total_iters``. With ``total_iters=0`` the undo never happens (t = 0 takes
    the first branch), so stepping stays at ``base_lr * factor`` for ever, while
    torch's ``_get_closed_form_lr`` says ``base_lr``; this function follows stepping.
    ``factor=0`` is refused: torch accepts it but divides by zero at ``total_iters``.
    Lesson 04.
    """
    t = _steps(t)
    base_lr = non_negative_number("base_lr", base_lr)
    factor = _between("factor", factor, 0.0, 1.0, low_open=True)
    total_iters = _count("total_iters", total_iters)
    if total_iters == 0:
        return np.full(t.shape, base_lr * factor)
    return np.where(t >= total_iters, base_lr, base_lr * factor)


def linear_lr(t: Any, base_lr: float, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
              total_iters: int = 5) -> np.ndarray:
    """LinearLR: the factor moves in a straight line from ``start_factor`` to ``end_factor``.

    ``lr(t) = base_lr * (start_factor + (end_factor - start_factor) * min(t, total_iters) / total_iters)``.

    torch reaches this line through a ratio of consecutive factors,
    ``lr(t) = lr(t-1) * (1 + (e - s) / (total_iters * s + (t - 1) * (e - s)))``, so the
    per-step *multiplier* shrinks while the *increments* stay equal. With
    ``total_iters=0`` stepping stays at ``start_factor`` for ever (torch's closed
    form would divide by zero); this function follows stepping. Lesson 04.
    """
    t = _steps(t)
    base_lr = non_negative_number("base_lr", base_lr)
    start_factor = _between("start_factor", start_factor, 0.0, 1.0, low_open=True)
    end_factor = _between("end_factor", end_factor, 0.0, 1.0)
    total_iters = _count("total_iters", total_iters)
    if total_iters == 0:
        return np.full(t.shape, base_lr * start_factor)
    done = np.minimum(t, total_iters)
    return base_lr * (start_factor + (end_factor - start_factor) * done / total_iters)


def exponential_lr(t: Any, base_lr: float, gamma: float) -> np.ndarray:
    """ExponentialLR: ``lr(t) = base_lr * gamma ** t`` (torch: multiply by gamma every step). Lesson 04."""
    t = _steps(t)
    base_lr = non_negative_number("base_lr", base_lr)
    gamma = non_negative_number("gamma", gamma)
    return base_lr * np.power(gamma, t)


def polynomial_lr(t: Any, base_lr: float, total_iters: int = 5, power: float = 1.0) -> np.ndarray:
    """PolynomialLR: ``lr(t) = base_lr * (1 - min(t, total_iters) / total_iters) ** power``.

    torch steps by the ratio of consecutive values of that bracket and leaves the lr
    alone after ``total_iters`` (so it stays 0 there when ``power > 0``). With
    ``total_iters=0`` stepping keeps ``base_lr`` (torch's closed form would divide
    by zero); this function follows stepping. A negative ``power`` is refused: torch
    raises ZeroDivisionError when it reaches ``total_iters``. Lesson 04.
    """
    t = _steps(t)
    base_lr = non_negative_number("base_lr", base_lr)
    total_iters = _count("total_iters", total_iters)
    power = non_negative_number("power", power)
    if total_iters == 0:
        return np.full(t.shape, base_lr)
    return base_lr * np.power(1.0 - np.minimum(t, total_iters) / total_iters, power)


def cosine_annealing_lr(t: Any, base_lr: float, T_max: int, eta_min: float = 0.0) -> np.ndarray:
    """CosineAnnealingLR: ``lr(t) = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``.

    Past ``T_max`` this keeps going: the cosine climbs back to ``base_lr`` at
    ``2 * T_max`` and repeats with period ``2 * T_max`` (a bounce, not a restart and
    not a floor at ``eta_min``). That is what torch's recursive update does when
    stepped, and it is also what its documented formula gives with ``T_cur = t``: the
    recursion multiplies ``lr - eta_min`` by ``(1 + cos(pi t / T_max)) / (1 + cos(pi (t-1) / T_max))``
    and, one step after each minimum (where that ratio would divide by zero), adds
    the first step of the climb instead. Both agree to rounding error at every t
    (lesson 04 checks 10 periods). Lesson 04.
    """
    t = _steps(t)
    base_lr = non_negative_number("base_lr", base_lr)
    T_max = positive_int("T_max", T_max)
    eta_min = non_negative_number("eta_min", eta_min)
    return eta_min + (base_lr - eta_min) * (1 + np.cos(np.pi * t / T_max)) / 2


def _restart_position(t: np.ndarray, T_0: int, T_mult: int) -> tuple[np.ndarray, np.ndarray]:
    """(steps since the last restart, length of the current cycle) for every t."""
    if T_mult == 1:
        return np.mod(t, T_0), T_0
    # cycle n starts at T_0 * (T_mult**n - 1) / (T_mult - 1); list the starts up to max(t)
    top = float(t.max()) if t.size else 0.0
    starts, lengths = [0], [T_0]
    while starts[-1] + lengths[-1] <= top:
        starts.append(starts[-1] + lengths[-1])
        lengths.append(lengths[-1] * T_mult)
    starts_arr = np.asarray(starts, dtype=t.dtype)
    n = np.searchsorted(starts_arr, t, side="right") - 1
    return t - starts_arr.take(n), np.asarray(lengths).take(n)


def cosine_annealing_warm_restarts(t: Any, base_lr: float, T_0: int, T_mult: int = 1,
                                   eta_min: float = 0.0) -> np.ndarray:
    """CosineAnnealingWarmRestarts: a cosine from ``base_lr`` to ``eta_min`` that restarts.

    ``lr(t) = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2`` where
    ``T_i`` is the current cycle's length (``T_0``, then ``T_0 * T_mult``, ...) and
    ``T_cur`` the steps since the cycle began. The lr never reaches ``eta_min``: the
    step that would is the restart. ``t`` may be fractional (torch's documented
    ``step(epoch + i / iters)`` use); whole ``t`` equals stepping. Lesson 04.
    """
    t = _steps(t, allow_fractions=True)
    base_lr = non_negative_number("base_lr", base_lr)
    T_0 = positive_int("T_0", T_0)
    T_mult = positive_int("T_mult", T_mult)
    eta_min = non_negative_number("eta_min", eta_min)
    T_cur, T_i = _restart_position(t, T_0, T_mult)
    if T_mult == 1 and np.issubdtype(t.dtype, np.integer) and T_0 < t.size:
        # whole steps, one cycle length: T_0 distinct values, computed once each
        table = eta_min + (base_lr - eta_min) * (1 + np.cos(np.pi * np.arange(T_0) / T_0)) / 2
        return table[T_cur]
    return eta_min + (base_lr - eta_min) * (1 + np.cos(np.pi * T_cur / T_i)) / 2


def _cyclic_shape(t: np.ndarray, step_size_up: float, step_size_down: float | None, mode: str,
                  gamma: float, scale_fn: Callable | None, scale_mode: str) -> tuple[np.ndarray, np.ndarray]:
    """(position on the triangle in [0, 1], amplitude scale) for every t, as torch computes them."""
    up = float(step_size_up)
    down = float(step_size_down) if step_size_down is not None else up
    total = up + down
    ratio = up / total
    cycle = np.floor(1 + t / total)
    x = 1.0 + t / total - cycle
    with np.errstate(divide="ignore", invalid="ignore"):
        height = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
    if scale_fn is not None:
        arg = cycle.astype(np.int64) if scale_mode == "cycle" else t
        scale = _on_values(scale_fn, arg, "scale_fn")
    elif mode == "triangular":
        scale = np.ones(t.shape)
    elif mode == "triangular2":
        n = cycle.astype(np.int64)  # one scale per cycle: a small table, then a lookup
        if n.size and int(n.max()) <= max(1024, 4 * n.size):
            scale = (1 / (2.0 ** (np.arange(int(n.max()) + 1) - 1)))[n]
        else:
            with np.errstate(over="ignore"):  # 2 ** (huge) -> inf -> scale 0, as it should
                scale = 1 / (2.0 ** (cycle - 1))
    else:  # exp_range scales per iteration
        scale = np.power(gamma, t)
    return height, scale


def _cyclic_args(t, step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode):
    t = _steps(t)
    if isinstance(step_size_up, bool) or not isinstance(step_size_up, numbers.Real) or not step_size_up > 0:
        raise bad_value("step_size_up", step_size_up, "a number of steps greater than 0",
                        TypeError if not isinstance(step_size_up, numbers.Real) or isinstance(step_size_up, bool)
                        else ValueError)
    if step_size_down is not None:
        non_negative_number("step_size_down", step_size_down)
    if scale_fn is None:
        one_of("mode", mode, ("triangular", "triangular2", "exp_range"))
    else:
        _callable("scale_fn", scale_fn)
        one_of("scale_mode", scale_mode, ("cycle", "iterations"))
    gamma = non_negative_number("gamma", gamma)
    return t, gamma


def cyclic_lr(t: Any, base_lr: float, max_lr: float, step_size_up: int = 2000,
              step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0,
              scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
              cycle_momentum: bool = True, base_momentum: float = 0.8,
              max_momentum: float = 0.9) -> np.ndarray:
    """CyclicLR: triangles between ``base_lr`` and ``max_lr``, with an amplitude scale.

    With ``total = step_size_up + step_size_down``, ``cycle = floor(1 + t / total)`` and
    ``x = 1 + t / total - cycle`` (position in the cycle, 0..1), the height is
    ``x / r`` on the way up (``x <= r = step_size_up / total``) and ``(x - 1) / (r - 1)``
    on the way down, and ``lr = base_lr + (max_lr - base_lr) * height * scale`` where
    scale is 1 (triangular), ``1 / 2 ** (cycle - 1)`` (triangular2),
    ``gamma ** t`` (exp_range) or ``scale_fn(cycle)`` / ``scale_fn(t)`` by
    ``scale_mode`` (only a custom ``scale_fn`` uses ``scale_mode``; the built-in modes
    fix it). The same float operations as torch, so equal to stepping bit for bit
    (``scale_fn`` aside). The momentum arguments do not move the lr; see
    ``cyclic_momentum``. Lesson 04.
    """
    t, gamma = _cyclic_args(t, step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode)
    base_lr = non_negative_number("base_lr", base_lr)
    max_lr = non_negative_number("max_lr", max_lr)
    height, scale = _cyclic_shape(t, step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode)
    return base_lr + (max_lr - base_lr) * height * scale


def cyclic_momentum(t: Any, base_momentum: float = 0.8, max_momentum: float = 0.9,
                    step_size_up: int = 2000, step_size_down: int | None = None,
                    mode: str = "triangular", gamma: float = 1.0,
                    scale_fn: Callable[[float], float] | None = None,
                    scale_mode: str = "cycle") -> np.ndarray:
    """CyclicLR's momentum (``cycle_momentum=True``): the lr's triangle upside down.

    ``momentum = max_momentum - (max_momentum - base_momentum) * height * scale``, with
    the same height and scale as ``cyclic_lr``. Lesson 04.
    """
    t, gamma = _cyclic_args(t, step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode)
    base_momentum = non_negative_number("base_momentum", base_momentum)
    max_momentum = non_negative_number("max_momentum", max_momentum)
    height, scale = _cyclic_shape(t, step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode)
    return max_momentum - (max_momentum - base_momentum) * height * scale


def _one_cycle_total(total_steps, epochs, steps_per_epoch) -> int:
    if total_steps is not None:
        return positive_int("total_steps", total_steps)
    if epochs is None or steps_per_epoch is None:
        raise bad_value("total_steps", total_steps, "given, or else both epochs and steps_per_epoch "
                        "(OneCycleLR needs to know how many steps the cycle lasts)")
    return positive_int("epochs", epochs) * positive_int("steps_per_epoch", steps_per_epoch)


def _one_cycle(t, total, pct_start, anneal_strategy, three_phase, ends) -> np.ndarray:
    """Interpolate between phase end points ``ends`` (value at each phase boundary)."""
    pct_start = _between("pct_start", pct_start, 0.0, 1.0)
    one_of("anneal_strategy", anneal_strategy, ("cos", "linear"))
    if t.size and t.max() > total:
        raise bad_value("t", int(t.max()), f"at most total_steps={total}: torch raises ValueError when "
                        "stepped past the end of the cycle")
    if three_phase:
        end_steps = [float(pct_start * total) - 1, float(2 * pct_start * total) - 2, total - 1]
    else:
        end_steps = [float(pct_start * total) - 1, total - 1]
    stops = np.asarray(end_steps, dtype=np.float64)
    starts = np.concatenate(([0.0], stops[:-1]))
    # phase of every t: the first whose end_step is >= t, else the last one (a running
    # maximum of the end steps has the same first match and is sorted for searchsorted)
    t = t.astype(np.float64)
    phase = np.zeros(t.shape, dtype=np.intp)
    for stop in np.maximum.accumulate(stops[:-1]):
        phase += t > stop
    empty = stops == starts
    if empty.any() and (empty & (np.bincount(phase.reshape(-1), minlength=len(stops)) > 0)).any():
        bad = int(np.argmax(empty & (np.bincount(phase.reshape(-1), minlength=len(stops)) > 0)))
        raise bad_value("pct_start", pct_start, f"a value that gives every phase at least one step (with "
                        f"total_steps={total}, phase {bad + 1} has length 0 and torch raises "
                        "ZeroDivisionError)")
    pct = (t - starts.take(phase)) / (stops - starts).take(phase)
    start = np.asarray([e[0] for e in ends]).take(phase)
    end = np.asarray([e[1] for e in ends]).take(phase)
    if anneal_strategy == "cos":
        return end + (start - end) / 2.0 * (np.cos(np.pi * pct) + 1)
    return (end - start) * pct + start


def one_cycle_lr(t: Any, max_lr: float, total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float = 0.85, max_momentum: float = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False) -> np.ndarray:
    """OneCycleLR: up from ``max_lr / div_factor`` to ``max_lr``, then down to a tiny lr.

    ``initial = max_lr / div_factor``, ``min_lr = initial / final_div_factor``. Two
    phases: initial -> max_lr over steps 0..pct_start*N - 1, then max_lr -> min_lr until
    step N - 1 (N = total_steps, or epochs * steps_per_epoch). ``three_phase`` goes
    initial -> max_lr -> initial symmetrically, then initial -> min_lr. Within a phase
    from step ``a`` to ``b``, ``pct = (t - a) / (b - a)`` and the lr is
    ``end + (start - end) * (1 + cos(pi * pct)) / 2`` (cos) or
    ``start + (end - start) * pct`` (linear). ``t`` may go up to N (torch allows one
    step past the last phase and then raises). The starting lr of the optimizer plays
    no part. Lesson 04.
    """
    t = _steps(t)
    total = _one_cycle_total(total_steps, epochs, steps_per_epoch)
    max_lr = non_negative_number("max_lr", max_lr)
    if not _real("div_factor", div_factor) > 0:
        raise bad_value("div_factor", div_factor, "a number greater than 0")
    if not _real("final_div_factor", final_div_factor) > 0:
        raise bad_value("final_div_factor", final_div_factor, "a number greater than 0")
    initial = max_lr / div_factor
    min_lr = initial / final_div_factor
    ends = ([(initial, max_lr), (max_lr, initial), (initial, min_lr)] if three_phase
            else [(initial, max_lr), (max_lr, min_lr)])
    return _one_cycle(t, total, pct_start, anneal_strategy, three_phase, ends)


def one_cycle_momentum(t: Any, total_steps: int | None = None, epochs: int | None = None,
                       steps_per_epoch: int | None = None, pct_start: float = 0.3,
                       anneal_strategy: str = "cos", base_momentum: float = 0.85,
                       max_momentum: float = 0.95, three_phase: bool = False) -> np.ndarray:
    """OneCycleLR's momentum (``cycle_momentum=True``): down while the lr goes up, and back.

    Phases as in ``one_cycle_lr``, between ``max_momentum`` and ``base_momentum``:
    max -> base -> max (two phases), or max -> base -> max -> max (three). Lesson 04.
    """
    t = _steps(t)
    total = _one_cycle_total(total_steps, epochs, steps_per_epoch)
    lo = non_negative_number("base_momentum", base_momentum)
    hi = non_negative_number("max_momentum", max_momentum)
    ends = [(hi, lo), (lo, hi), (hi, hi)] if three_phase else [(hi, lo), (lo, hi)]
    return _one_cycle(t, total, pct_start, anneal_strategy, three_phase, ends)
