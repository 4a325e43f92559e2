"""Checkers for lesson 05 (timm's schedulers). Each compares your answer with the real timm."""
from __future__ import annotations

import numbers
import warnings

import numpy as np
import torch

from lrlessons.exercises import EMPTY, Verdict, compare_curves, is_empty, verdict

__all__ = ["check_cosine_by_hand", "check_update_counts", "check_timm_milestones"]


def _timm_lrs(make, counts) -> np.ndarray:
    """The lr the real timm scheduler sets for each count (``step(t)``)."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = make(opt)
    out = []
    for t in counts:
        sched.step(int(t))
        out.append(opt.param_groups[0]["lr"])
    return np.array(out)


def _first_cycle_hint(value: float, t: int, base_lr: float, t_initial: int, lr_min: float,
                      k_decay: float) -> str:
    """Name the likely slip when ``value`` (the learner's lr at ``t``) is wrong in the first cycle."""
    def cosine(k: float, floor: float) -> float:
        return floor + (base_lr - floor) / 2 * (1 + np.cos(np.pi * t ** k / t_initial ** k))

    if np.isclose(value, cosine(1.0, lr_min), rtol=1e-9, atol=1e-12):
        return f"that is the plain cosine: k_decay={k_decay} puts t**k / t_initial**k in the cosine"
    if np.isclose(value, cosine(k_decay, 0.0), rtol=1e-9, atol=1e-12):
        return (f"that cosine ends at 0: it should run down to lr_min={lr_min}, "
                "lr_min + (base_lr - lr_min) / 2 * (1 + cos(...))")
    return ("the first cycle is lr_min + (base_lr - lr_min) / 2 * (1 + cos(pi * t**k / t_initial**k)) "
            f"with k={k_decay}")


def check_cosine_by_hand(fn, base_lr: float = 0.1, t_initial: int = 30, lr_min: float = 1e-3,
                         cycle_decay: float = 0.5, cycle_limit: int = 3,
                         k_decay: float = 1.5) -> Verdict:
    """Exercise 1: your ``fn(t)`` (an array of epochs) against timm's cosine with cycles."""
    from timm.scheduler import CosineLRScheduler

    if is_empty(fn) or not callable(fn):
        return verdict(False, "", "define a function fn(t) that takes an array of epochs and "
                       "returns the lrs.")
    t = np.arange(0, 110)
    want = _timm_lrs(lambda o: CosineLRScheduler(o, t_initial=t_initial, lr_min=lr_min,
                                                 cycle_decay=cycle_decay, cycle_limit=cycle_limit,
                                                 k_decay=k_decay), t)
    try:
        answer = fn(t.copy())
        if is_empty(answer):
            return verdict(False, "", "your function's result " + EMPTY)
        got = np.asarray(answer, dtype=float).reshape(-1)
    except Exception as exc:  # the learner's code: report, never raise
        return verdict(False, "", f"calling your function raised {type(exc).__name__}: {exc}")
    if got.shape == want.shape and not np.allclose(got, want, rtol=1e-9, atol=1e-12):
        bad = int(np.argmin(np.isclose(got, want, rtol=1e-9, atol=1e-12)))
        cycle = bad // t_initial
        if cycle >= cycle_limit:
            hint = (f"after {cycle_limit} cycles (t >= {cycle_limit * t_initial}) timm stays "
                    "at lr_min")
        elif cycle > 0:
            hint = (f"t={bad} is in cycle {cycle}: use t - {cycle} * t_initial inside the cosine "
                    f"and base_lr * cycle_decay**{cycle} as the peak")
        else:
            hint = _first_cycle_hint(got[bad], bad, base_lr, t_initial, lr_min, k_decay)
        return verdict(False, "", f"at t={bad} you give {got[bad]:.8g}, timm gives "
                       f"{want[bad]:.8g}: {hint}.")
    return compare_curves(got, want, "your lrs")


def check_update_counts(t_initial, warmup_t, epochs: int = 100, updates_per_epoch: int = 10,
                        warmup_epochs: int = 5) -> Verdict:
    """Exercise 2: ``t_initial``, ``warmup_t`` for a per-update cosine (``t_in_epochs=False``)."""
    from timm.scheduler import CosineLRScheduler

    for name, value in (("t_initial", t_initial), ("warmup_t", warmup_t)):
        if is_empty(value):
            return verdict(False, "", f"{name} {EMPTY}")
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            return verdict(False, "", f"{name} should be a whole number, got {value!r}.")
    if t_initial == epochs or warmup_t == warmup_epochs:
        return verdict(False, "", "with t_in_epochs=False timm counts updates (the num_updates you "
                       "pass to step_update), not epochs: multiply by the updates per epoch.")
    total = epochs * updates_per_epoch
    warmup = warmup_epochs * updates_per_epoch
    if warmup_t == warmup and t_initial in (total - warmup, total + warmup):
        return verdict(False, "", f"warmup_t={warmup_t} is right; with the default warmup_prefix=False the "
                       "warmup is part of t_initial (the cosine's clock starts at update 0), so "
                       "t_initial is the whole run.")
    ok = t_initial == total and warmup_t == warmup
    if ok:  # and the real scheduler agrees: at the last update the cosine is done
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        sched = CosineLRScheduler(opt, t_initial=t_initial, warmup_t=warmup_t,
                                  warmup_lr_init=1e-4, t_in_epochs=False)
        sched.step_update(total)
        ok = opt.param_groups[0]["lr"] == 0.0
    return verdict(ok, f"t_initial={t_initial} and warmup_t={warmup_t} updates: the warmup ends "
                   f"after {warmup_epochs} epochs and the cosine reaches 0 at update {total}.",
                   f"t_initial={t_initial}, warmup_t={warmup_t} do not give a "
                   f"{warmup_epochs}-epoch warmup and a cosine that ends after {epochs} epochs "
                   f"of {updates_per_epoch} updates.")


def check_timm_milestones(milestones, torch_milestones=(30, 80), gamma: float = 0.1,
                          epochs: int = 100) -> Verdict:
    """Exercise 3: timm milestones that give the same per-epoch lrs as torch's MultiStepLR."""
    from timm.scheduler import MultiStepLRScheduler

    if is_empty(milestones):
        return verdict(False, "", f"milestones {EMPTY}")
    if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__len__"):
        return verdict(False, "", "milestones should be a list of epochs, e.g. [10, 20].")
    if list(milestones) != sorted(milestones):
        return verdict(False, "", "timm expects the milestones sorted from first to last.")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, list(torch_milestones), gamma)
    want = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no optimizer.step() here: only the lrs matter
        for _ in range(epochs):
            want.append(opt.param_groups[0]["lr"])
            sched.step()
    got = _timm_lrs(lambda o: MultiStepLRScheduler(o, decay_t=list(milestones), decay_rate=gamma),
                    range(epochs))
    if list(milestones) == list(torch_milestones):
        return verdict(False, "", "the same numbers decay one epoch early in timm: it compares "
                       "each milestone with t + 1.")
    if list(milestones) == [m - 1 for m in torch_milestones]:
        return verdict(False, "", "timm already decays one epoch before its milestone; subtracting 1 "
                       "makes it two epochs early. Move the milestones the other way.")
    return compare_curves(got, want, "the timm curve with your milestones")
