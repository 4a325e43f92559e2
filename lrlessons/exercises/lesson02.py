"""Checkers for lesson 02 (two schedulers, one optimizer, two eras)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from lrlessons import legacy
from lrlessons.exercises import (EMPTY_SHORT, FLOAT32_RTOL, Verdict, as_numbers, compare_curves,
                                 is_empty, fitted_verdict)
from lrlessons.trace import trace

verdict = fitted_verdict  # every verdict fits a 100-character line


#: Exercise 1's StepLR halves every STEP_SIZE epochs (section 1's table, with 3, gives no answer away).
STEP_SIZE = 2


def _swapped_1_3(epochs: int = 6) -> np.ndarray:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    s1, s2 = legacy.StepLR(opt, step_size=STEP_SIZE, gamma=0.5), legacy.ExponentialLR(opt, gamma=0.9)
    out = []
    for _ in range(epochs):
        opt.step()
        s2.step()
        s1.step()
        out.append(opt.param_groups[0]["lr"])
    return np.array(out)


def check_swapped_order(lrs: Any) -> Verdict:
    """Exercise 1: under 1.3, StepLR(2, 0.5) and ExponentialLR(0.9), ExponentialLR stepped first and
    StepLR last: the optimizer's lr after epochs 1..6."""
    want = _swapped_1_3()
    t = np.arange(1, 7)
    s = STEP_SIZE
    got = as_numbers(lrs)
    if got is not None and got.shape == want.shape:
        if np.allclose(got, want, rtol=FLOAT32_RTOL, atol=1e-12):  # float32 answers are right too
            return verdict(True, "StepLR is stepped last, so its closed form is what the optimizer keeps: "
                           + ", ".join(f"{x:.4g}" for x in want) + " (ExponentialLR now has no effect).", "")
        if np.allclose(got, 0.1 * 0.9 ** t):
            return verdict(False, "", "that is ExponentialLR's curve, the answer for the original order: with "
                           "the order swapped, which scheduler writes last?")
        if np.allclose(got, 0.1 * 0.9 ** t * 0.5 ** (t // s)) or np.allclose(got, 0.1 * 0.9 ** (t - 1)
                                                                           * 0.5 ** (t // s)):
            return verdict(False, "", "that is today's product of the two (did you use torch.optim.lr_scheduler "
                           "instead of lrlessons.legacy?); under 1.3 nothing multiplies.")
        if np.allclose(got, 0.1 * 0.5 ** (t // 3)):
            return verdict(False, "", "that is StepLR(step_size=3)'s staircase, section 1's setting: this "
                           "exercise halves every 2 epochs.")
        if np.allclose(got, 0.1 * 0.5 ** ((t - 1) // s)) or np.allclose(got, 0.1 * 0.5 ** ((t + 1) // s)):
            return verdict(False, "", "that is StepLR's staircase shifted by one epoch: read the optimizer's lr "
                           "after both step() calls of each epoch, for epochs 1 to 6.")
    return compare_curves(lrs, want, "your list of lrs", empty=EMPTY_SHORT)


def check_warmup_then_decay(make: Any, steps: int = 20) -> Verdict:
    """Exercise 2: SequentialLR, 5 steps of linear warmup from 1% of the lr, then ExponentialLR(0.9)."""
    if not callable(make):
        return verdict(False, "", "fill in `make`: a function optimizer -> scheduler.")
    try:
        probe = make(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1))
    except Exception as exc:  # a learner's code may fail in any way: say how, never raise
        return verdict(False, "", f"calling make(optimizer) failed: {type(exc).__name__}: {exc}")
    if probe is None:
        return verdict(False, "", "make(optimizer) returned None: build the scheduler and return it.")
    if not callable(getattr(probe, "step", None)):
        return verdict(False, "", f"make(optimizer) returned an object of type {type(probe).__name__!r}, "
                       "not a scheduler: return the SequentialLR you build.")
    t = np.arange(steps)
    want = np.where(t < 5, 0.1 * (0.01 + 0.99 * t / 5), 0.1 * 0.9 ** np.maximum(t - 5, 0))
    try:
        got = trace(make, steps, lrs=(0.1,)).lr
    except Exception as exc:  # a learner's code may fail in any way: say how, never raise
        return verdict(False, "", f"building or stepping your scheduler failed: {type(exc).__name__}: {exc}")
    if got.shape == want.shape:
        if not np.isclose(got[0], want[0]):
            return verdict(False, "", f"at step 0 your lr is {got[0]:.4g}; the warmup should start at 1% of the "
                           "lr, 0.001 (LinearLR's start_factor).")
        if np.allclose(got[5:], 0.1 * 0.9 ** (t[5:] - 4)):
            return verdict(False, "", "the decay starts one step early: ExponentialLR's first value should be "
                           "the full lr 0.1 at step 5 (what does SequentialLR's milestone count?).")
        if np.allclose(got[:6], want[:6]) and not np.allclose(got[6], want[6]) and np.isclose(got[6], 0.1):
            return verdict(False, "", "the decay starts one step late: the lr should fall to 0.09 at step 6 "
                           "(what does SequentialLR's milestone count?).")
        if not np.allclose(got[:5], want[:5]) and np.all(got[1:5] < want[1:5]):
            return verdict(False, "", "your warmup is pulled down from the start: the decay acts during the "
                           "warmup too (that is what ChainedScheduler does: it multiplies). SequentialLR runs "
                           "them one after the other.")
    ok = compare_curves(got, want, "the lrs your scheduler gives")
    if ok:
        print("  the lr climbs 0.001 -> 0.1 over steps 0-5, then decays by 0.9 per step.")
    return ok


#: Exercise 3's compositions, and whether each is a multiplier on the optimizer's initial lr.
_SCALES = {
    "SequentialLR(LinearLR, ExponentialLR)": True,
    "SequentialLR(LinearLR, OneCycleLR)": False,
    "SequentialLR(ConstantLR, CyclicLR)": False,
    "ChainedScheduler(MultiStepLR, CosineAnnealingLR)": True,
    "ChainedScheduler(ExponentialLR, CosineAnnealingLR(eta_min=1e-3))": False,
    "ChainedScheduler(ExponentialLR, LambdaLR)": True,
}


def check_proportional(answer: Any) -> Verdict:
    """Exercise 3: which compositions give a curve proportional to the optimizer's initial lr."""
    if is_empty(answer) or not hasattr(answer, "__iter__") or isinstance(answer, (str, dict)):
        return verdict(False, "", "answer with a set of names from lesson02.CHOICES, e.g. "
                       "{'SequentialLR(LinearLR, ExponentialLR)'}.")
    answer = set(answer)
    unknown = answer - set(_SCALES)
    if unknown:
        return verdict(False, "", f"{sorted(unknown)} is not one of the choices in lesson02.CHOICES.")
    want = {k for k, v in _SCALES.items() if v}
    if answer == want:
        return verdict(True, "a composition is a multiplier when every part that sets the final lr is one: "
                       "an eta_min floor, OneCycleLR's max_lr and CyclicLR's base_lr/max_lr are absolute lrs. "
                       "LambdaLR overwrites ExponentialLR, but from base_lrs, so it stays a multiplier.", "")
    missing, extra = sorted(want - answer), sorted(answer - want)
    parts = []
    if missing:
        parts.append(f"{missing} also scale{'s' * (len(missing) == 1)} with the initial lr")
    if extra:
        parts.append(f"{extra} do{'es' * (len(extra) == 1)} not: look for a part that sets an absolute lr "
                     "(trace it with two initial lrs and compare)")
    return verdict(False, "", "; ".join(parts) + ".")


#: The names exercise 3 asks about.
CHOICES = tuple(_SCALES)


def make_probe(name: str) -> Callable[[torch.optim.Optimizer], Any]:
    """The scheduler behind each choice of exercise 3, for the learner to trace."""
    from torch.optim import lr_scheduler as L
    table = {
        "SequentialLR(LinearLR, ExponentialLR)": lambda o: L.SequentialLR(
            o, [L.LinearLR(o, 0.1, total_iters=5), L.ExponentialLR(o, 0.9)], [5]),
        "SequentialLR(LinearLR, OneCycleLR)": lambda o: L.SequentialLR(
            o, [L.LinearLR(o, 0.1, total_iters=5), L.OneCycleLR(o, 0.1, total_steps=30)], [5]),
        "SequentialLR(ConstantLR, CyclicLR)": lambda o: L.SequentialLR(
            o, [L.ConstantLR(o, 0.5, total_iters=5), L.CyclicLR(o, 0.01, 0.1, step_size_up=5)], [5]),
        "ChainedScheduler(MultiStepLR, CosineAnnealingLR)": lambda o: L.ChainedScheduler(
            [L.MultiStepLR(o, [10, 20]), L.CosineAnnealingLR(o, 20)]),
        "ChainedScheduler(ExponentialLR, CosineAnnealingLR(eta_min=1e-3))": lambda o: L.ChainedScheduler(
            [L.ExponentialLR(o, 0.9), L.CosineAnnealingLR(o, 20, eta_min=1e-3)]),
        "ChainedScheduler(ExponentialLR, LambdaLR)": lambda o: L.ChainedScheduler(
            [L.ExponentialLR(o, 0.9), L.LambdaLR(o, lambda t: 1 / (1 + t))]),
    }
    if name not in table:
        from lrlessons._checks import bad_value
        raise bad_value("name", name, "one of lesson02.CHOICES")
    return table[name]
