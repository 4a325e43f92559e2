"""Checkers for lesson 05 (timm's schedulers). Each compares your answer with the real timm.

Answers may be Python numbers, NumPy scalars or arrays, or tensors: the type never
makes a right answer wrong, and a wrong number is shown with enough digits to tell it
from timm's.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import numpy as np
import torch

from lrlessons.exercises import (LINE, Verdict, as_numbers, as_whole, compare_curves, is_empty,
                                 show, show_pair, verdict)

__all__ = ["check_cosine_by_hand", "check_update_counts", "check_timm_milestones"]


def _empty(name: str) -> str:
    """The message for a placeholder still in place (short enough for a projector)."""
    return f"{name} is still empty: replace the ... with your answer and run the cell again."


def _timm_lrs(make: Callable, counts) -> np.ndarray:
    """The lr the real timm scheduler sets for each count (``step(t)``)."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = make(opt)
    out = []
    for t in counts:
        sched.step(int(t))
        out.append(opt.param_groups[0]["lr"])
    return np.array(out)


def _cycle(t: float, t_initial: float, cycle_mul: float) -> tuple[int, float, float]:
    """``(i, start, length)`` of the cycle that count ``t`` falls in, by adding up the lengths.

    Cycle ``i`` lasts ``t_initial * cycle_mul**i``. (timm solves for ``i`` with a logarithm,
    which can put a restart one count late where a start is a whole number (lesson 05,
    section 5); the exercise's cycles start at 0, 25, 62.5 and 118.75, where both agree.)
    """
    i, start, length = 0, 0.0, float(t_initial)
    while start + length <= t:
        i, start, length = i + 1, start + length, length * cycle_mul
    return i, start, length


def _cosine_hint(value: float, t: int, base_lr: float, t_initial: float, lr_min: float,
                 cycle_mul: float, cycle_decay: float, k_decay: float) -> str:
    """Name the likely slip when ``value`` (the learner's lr at ``t``) is wrong inside the cycles.

    Each candidate is the right formula with one piece changed; the hint names the piece.
    Only an answer that gets the cycle index wrong is told about the cycle index.
    """
    cycle, start, length = _cycle(t, t_initial, cycle_mul)
    t_in = t - start
    peak = base_lr * cycle_decay ** cycle

    def cosine(count: float, top: float, over: float = length, k: float = k_decay,
               floor: float = lr_min) -> float:
        return floor + (top - floor) / 2 * (1 + math.cos(math.pi * count ** k / over ** k))

    def near(other: float) -> bool:
        return bool(np.isclose(value, other, rtol=1e-9, atol=1e-12))

    equal = t // t_initial  # the cycle index if every cycle lasted t_initial
    if equal != cycle and any(near(cosine(t - equal * t_initial, base_lr * cycle_decay ** equal,
                                          over)) for over in (t_initial, length)):
        return (f"cycles grow: cycle i lasts t_initial * cycle_mul**i, so t={t} is in cycle "
                f"{cycle}, which starts at {start:g} and lasts {length:g}")
    if cycle > 0 and any(near(cosine(t, top, over)) for top in (peak, base_lr)
                         for over in (length, t_initial)):
        return (f"t={t} is in cycle {cycle}: measure t from the start of that cycle, "
                f"t - {start:g}, inside the cosine")
    if cycle > 0 and near(cosine(t_in, peak, t_initial)):
        return (f"inside cycle {cycle} the cosine runs over that cycle's length, "
                f"t_initial * cycle_mul**{cycle} = {length:g}, not t_initial")
    if cycle > 0 and near(cosine(t_in, base_lr)):
        return (f"your cycle index is right; the peak of cycle {cycle} is "
                f"base_lr * cycle_decay**{cycle} = {show(peak)}, not base_lr")
    if near(cosine(t_in, peak, k=1.0)):
        return f"that is the plain cosine: k_decay={k_decay} puts t**k / T**k in the cosine"
    if near(cosine(t_in, peak, floor=0.0)):
        return (f"that cosine ends at 0: it should run down to lr_min={lr_min}, "
                "lr_min + (peak - lr_min) / 2 * (1 + cos(...))")
    return (f"t={t} is {t_in:g} into cycle {cycle} (length T = {length:g}); timm gives "
            f"lr_min + ({show(peak)} - lr_min) / 2 * (1 + cos(pi * {t_in:g}**k / T**k)), "
            f"k={k_decay}")


def check_cosine_by_hand(fn, base_lr: float = 0.1, t_initial: float = 25, lr_min: float = 1e-3,
                         cycle_mul: float = 1.5, cycle_decay: float = 0.5, cycle_limit: int = 3,
                         k_decay: float = 1.5, epochs: int = 130) -> Verdict:
    """Exercise 1: your ``fn(t)`` (an array of epochs) against timm's cosine with growing cycles."""
    from timm.scheduler import CosineLRScheduler

    if is_empty(fn) or not callable(fn):
        return verdict(False, "", "define a function fn(t) that takes an array of epochs and "
                       "returns the lrs.")
    t = np.arange(0, epochs)
    want = _timm_lrs(lambda o: CosineLRScheduler(o, t_initial=t_initial, lr_min=lr_min,
                                                 cycle_mul=cycle_mul, cycle_decay=cycle_decay,
                                                 cycle_limit=cycle_limit, k_decay=k_decay), t)
    try:
        answer = fn(t.copy())
    except Exception as exc:  # the learner's code: report, never raise
        return verdict(False, "", f"calling your function raised {type(exc).__name__}: {exc}")
    if is_empty(answer):
        name = getattr(fn, "__name__", "")
        return verdict(False, "", _empty(f"{name}(t)" if name.isidentifier() else "your function"))
    got = as_numbers(answer)
    if got is None:
        return verdict(False, "", f"your function should return an array of lrs, got "
                       f"{type(answer).__name__}.")
    close = np.isclose(got, want, rtol=1e-9, atol=1e-12) if got.shape == want.shape else None
    if close is not None and not close.all():
        bad = int(np.argmin(close))
        cycle, start, _ = _cycle(bad, t_initial, cycle_mul)
        if cycle >= cycle_limit:
            hint = (f"after {cycle_limit} cycles (from t={math.ceil(start)}, where cycle "
                    f"{cycle_limit} would start at {start:g}) timm stays at lr_min")
        else:
            hint = _cosine_hint(got[bad], bad, base_lr, t_initial, lr_min, cycle_mul, cycle_decay,
                                k_decay)
        a, b = show_pair(got[bad], want[bad])
        return verdict(False, "", f"at t={bad} you give {a}, timm gives {b}: {hint}.",
                       width=LINE)
    return compare_curves(got, want, "your lrs")


def check_update_counts(t_initial, warmup_t, epochs: int = 90, updates_per_epoch: int = 25,
                        warmup_epochs: int = 3) -> Verdict:
    """Exercise 2: ``t_initial``, ``warmup_t`` for a per-update cosine (``t_in_epochs=False``).

    Whole numbers in any form count (``2250``, ``2250.0``, ``np.int64(2250)``,
    ``torch.tensor(2250)``).
    """
    from timm.scheduler import CosineLRScheduler

    given = {}
    for name, value in (("t_initial", t_initial), ("warmup_t", warmup_t)):
        if is_empty(value):
            return verdict(False, "", _empty(name))
        whole = as_whole(value)
        if whole is None or whole < 0:
            shown = f"{value!r} (text)" if isinstance(value, (str, bytes)) else _plain(value)
            return verdict(False, "", f"{name} should be a whole number of updates (0 or more), "
                           f"got {shown}.")
        given[name] = whole
    t_initial, warmup_t = given["t_initial"], given["warmup_t"]
    if t_initial == epochs or warmup_t == warmup_epochs:
        return verdict(False, "", "with t_in_epochs=False timm counts updates (the num_updates you "
                       "pass to step_update), not epochs: multiply by the updates per epoch.")
    total = epochs * updates_per_epoch
    warmup = warmup_epochs * updates_per_epoch
    if warmup_t == warmup and t_initial in (total - warmup, total + warmup):
        return verdict(False, "", f"warmup_t={warmup_t} is right; with the default "
                       "warmup_prefix=False the warmup is part of t_initial (the cosine's "
                       "clock starts at update 0), so t_initial is the whole run.")
    ok = t_initial == total and warmup_t == warmup
    if ok:  # and the real scheduler agrees: at the last update the cosine is done
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        sched = CosineLRScheduler(opt, t_initial=t_initial, warmup_t=warmup_t,
                                  warmup_lr_init=1e-4, t_in_epochs=False)
        sched.step_update(total)
        ok = opt.param_groups[0]["lr"] == 0.0
    return verdict(ok, f"t_initial={t_initial}, warmup_t={warmup_t} updates: "
                   f"{warmup_epochs} warmup epochs, cosine at 0 by update {total}.",
                   f"t_initial={t_initial}, warmup_t={warmup_t} do not give a "
                   f"{warmup_epochs}-epoch warmup and a cosine that ends after {epochs} epochs "
                   f"of {updates_per_epoch} updates.")


def _plain(value: Any) -> str:
    """A value as a learner would write it: ``1000.5``, not ``np.float64(1000.5)``."""
    numbers = as_numbers(value) if not isinstance(value, (list, tuple, dict)) else None
    if numbers is not None and numbers.size == 1:
        return show(numbers[0], 12)
    return repr(value)


def check_timm_milestones(milestones, torch_milestones=(30, 80), gamma: float = 0.1,
                          epochs: int = 100) -> Verdict:
    """Exercise 3: timm milestones that give the same per-epoch lrs as torch's MultiStepLR.

    A list, tuple, NumPy array or tensor of epochs; whole-number floats count as epochs.
    """
    from timm.scheduler import MultiStepLRScheduler

    if is_empty(milestones):
        return verdict(False, "", _empty("milestones"))
    values = None
    if not isinstance(milestones, (str, bytes)) and (hasattr(milestones, "__len__")
                                                     and getattr(milestones, "ndim", 1) == 1):
        values = as_numbers(milestones)
    if values is None or values.size == 0 or not np.all(np.isfinite(values)):
        return verdict(False, "", "milestones should be a list of epochs, e.g. [10, 20].")
    ms = [int(m) if m == int(m) else float(m) for m in values]
    if ms != sorted(ms):
        return verdict(False, "", "timm expects the milestones sorted from first to last.")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, list(torch_milestones), gamma)
    want = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no optimizer.step() here: only the lrs matter
        for _ in range(epochs):
            want.append(opt.param_groups[0]["lr"])
            sched.step()
    if ms == list(torch_milestones):
        return verdict(False, "", "the same numbers decay one epoch early in timm: it compares "
                       "each milestone with t + 1.")
    if ms == [m - 1 for m in torch_milestones]:
        return verdict(False, "", "timm already decays one epoch before its milestone; "
                       "subtracting 1 makes it two epochs early. Move the milestones the other "
                       "way.")
    got = _timm_lrs(lambda o: MultiStepLRScheduler(o, decay_t=ms, decay_rate=gamma), range(epochs))
    close = np.isclose(got, want, rtol=1e-9, atol=1e-12)
    if close.all():
        return verdict(True, f"all {epochs} values match.", "")
    epoch = int(np.argmin(close))
    a, b = show_pair(got[epoch], want[epoch])
    when = "early" if got[epoch] < want[epoch] else "late"
    return verdict(False, "", f"at epoch {epoch} timm gives {a} with your milestones, torch {b}: "
                   f"a decay comes too {when}.", width=LINE)
