"""Checkers for lesson 07 (the schedule explorer). Each runs the real library on your answer.

Both accept the explorer itself as the answer: ``check_cycle_mul(ex)`` reads the
``cycle_mul`` its slider shows, ``check_warmup_then_cosine(ex)`` steps the real
scheduler the explorer's code builds.
"""
from __future__ import annotations

import textwrap

import numbers
import warnings

import numpy as np
import torch

from lrlessons.exercises import FLOAT32_RTOL, Verdict, show_pair
from lrlessons.exercises import verdict as _print_verdict

def verdict(ok: bool, good: str, bad: str) -> Verdict:
    """Print the verdict, wrapped at 100 characters (a projector's line), and return it."""
    prefix = "Correct: " if ok else "Not yet: "
    text = textwrap.fill(prefix + (good if ok else bad), 100, subsequent_indent="    ",
                         break_long_words=False, break_on_hyphens=False)
    return _print_verdict(ok, text[len(prefix):], text[len(prefix):])


__all__ = ["check_cycle_mul", "check_warmup_then_cosine", "restarts_and_end"]


def restarts_and_end(lrs: np.ndarray, lr_min: float = 0.0) -> tuple[list[int], int | None]:
    """Epochs where the lr jumps back up (restarts) and the first epoch it stays at lr_min for good."""
    lrs = np.asarray(lrs, dtype=float)
    restarts = [int(i) + 1 for i in np.nonzero(np.diff(lrs) > 1e-12)[0]]
    at_min = np.isclose(lrs, lr_min, rtol=0, atol=1e-12)
    end = None
    if at_min[-1]:
        end = int(len(lrs) - np.argmin(at_min[::-1])) if not at_min.all() else 0
    return restarts, end


def _timm_cosine(cycle_mul: float, epochs: int = 160) -> np.ndarray:
    from timm.scheduler import CosineLRScheduler

    from lrlessons.trace import trace

    return trace(lambda o: CosineLRScheduler(o, t_initial=10, cycle_mul=cycle_mul, cycle_limit=3),
                 epochs=epochs).lr


def _is_explorer(answer) -> bool:
    return hasattr(answer, "entry") and hasattr(answer, "kwargs") and hasattr(answer, "curve")


def check_cycle_mul(cycle_mul) -> Verdict:
    """Exercise 1: the ``cycle_mul`` that makes CosineLRScheduler(t_initial=10, cycle_limit=3) end at epoch 130.

    ``cycle_mul`` is a number, or the explorer whose slider shows it.
    """
    if _is_explorer(cycle_mul):
        ex = cycle_mul
        if ex.entry.cls != "CosineLRScheduler":
            return verdict(False, "", f"the explorer shows {ex.entry.cls}: pick timm's CosineLRScheduler again.")
        kw = ex.kwargs()
        if kw["t_initial"] != 10 or kw["cycle_limit"] != 3:
            return verdict(False, "", f"the explorer has t_initial={kw['t_initial']} and cycle_limit="
                           f"{kw['cycle_limit']}: the exercise keeps t_initial=10 and cycle_limit=3 and moves "
                           "only cycle_mul.")
        cycle_mul = kw["cycle_mul"]
    if hasattr(cycle_mul, "item") and getattr(cycle_mul, "ndim", 1) == 0:  # numpy scalar, 0-d tensor
        cycle_mul = cycle_mul.item()
    if cycle_mul is None or cycle_mul is Ellipsis:
        return verdict(False, "", "cycle_mul is still empty: put a number in the cell above and run it again.")
    if (isinstance(cycle_mul, bool) or not isinstance(cycle_mul, numbers.Real)
            or not 0 < cycle_mul < float("inf")):
        return verdict(False, "", f"cycle_mul should be a positive, finite number, got {cycle_mul!r}.")
    rule = "cycle i lasts t_initial * cycle_mul**i epochs, and the three cycles must add up to 130."
    cycle_mul = float(cycle_mul) if isinstance(cycle_mul, numbers.Real) else cycle_mul
    if cycle_mul < 1:
        return verdict(False, "", f"cycle_mul={cycle_mul} makes each cycle shorter than the one before (and timm "
                       f"cannot step such a schedule for long); {rule}")
    epochs = 160
    try:
        restarts, end = restarts_and_end(_timm_cosine(float(cycle_mul), epochs))
    except Exception as exc:  # the learner's value: report, never raise
        return verdict(False, "", f"timm raised {type(exc).__name__} with cycle_mul={cycle_mul}; {rule}")
    got = f"restarts at epochs {restarts} and " + (f"lr_min for good from epoch {end}" if end is not None
                                                    else f"still inside a cycle at epoch {epochs}")
    ok = restarts == [10, 40] and end == 130
    m = float(cycle_mul)
    return verdict(ok, f"cycle_mul={cycle_mul:g}: cycles of 10, {10 * m:.4g} and {10 * m * m:.4g} epochs, {got}.",
                   f"with cycle_mul={cycle_mul} timm gives {got}; {rule}")


def _expected_warmup_cosine(epochs: int, warmup: int, start_factor: float, lr: float,
                            eta_min: float = 0.0) -> dict[str, np.ndarray]:
    """The right curve and the usual wrong ones, one lr per epoch.

    The right one and the sequential mistakes are closed forms; the chained ones are
    stepped with the real torch (a chained cosine with ``eta_min`` has no simple product form).
    """
    from torch.optim.lr_scheduler import ChainedScheduler, CosineAnnealingLR, LinearLR

    from lrlessons.formulas import cosine_annealing_lr, linear_lr
    from lrlessons.trace import trace

    t = np.arange(epochs)
    warm = linear_lr(t, lr, start_factor=start_factor, total_iters=warmup)

    def sequential(t_max: int, floor: float) -> np.ndarray:
        return np.where(t < warmup, warm, cosine_annealing_lr(np.maximum(t - warmup, 0), lr, T_max=t_max,
                                                              eta_min=floor))

    def chained(t_max: int) -> np.ndarray:
        return trace(lambda o: ChainedScheduler([LinearLR(o, start_factor=start_factor, total_iters=warmup),
                                                 CosineAnnealingLR(o, T_max=t_max, eta_min=eta_min)]),
                     epochs=epochs, lrs=(lr,)).lr

    return {
        "sequential": sequential(epochs - warmup, eta_min),
        "chained": chained(epochs),
        f"chained, T_max={epochs - warmup}": chained(epochs - warmup),
        f"sequential, T_max={epochs}": sequential(epochs, eta_min),
        "no warmup": cosine_annealing_lr(t, lr, T_max=epochs, eta_min=eta_min),
    }


def check_warmup_then_cosine(make_scheduler, epochs: int = 80, warmup: int = 8, start_factor: float = 0.1,
                             eta_min: float = 0.001, lr: float = 0.1) -> Verdict:
    """Exercise 2: 8 epochs of linear warmup from 10% of the lr, then a cosine down to eta_min=0.001 at epoch 80.

    ``make_scheduler`` is a function ``optimizer -> scheduler``, or the explorer: then the
    real scheduler its code builds is checked (stepped once per epoch, as the exercise says).
    """
    from lrlessons.formulas import cosine_annealing_lr
    from lrlessons.trace import trace

    if _is_explorer(make_scheduler):
        ex = make_scheduler
        if ex.entry.library != "torch":
            return verdict(False, "", f"the explorer shows {ex.entry.library}'s {ex.entry.cls}: the exercise "
                           "is a torch schedule (try SequentialLR).")
        if ex.entry.library == "torch" and ex.interval_w.value != "epoch":
            return verdict(False, "", "the explorer steps the scheduler every optimizer step: set "
                           "'step() every' to epoch, as the exercise says.")
        from lrlessons.explorer.catalog import real_module

        make_scheduler = ex._build_with(real_module(ex.entry), ex.kwargs())
    if make_scheduler is None or make_scheduler is Ellipsis or not callable(make_scheduler):
        return verdict(False, "", "define make_scheduler(optimizer) that returns the scheduler (or pass the "
                       "explorer once it shows the schedule).")
    probe = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            built = make_scheduler(probe)
    except Exception as exc:  # the learner's code: report, never raise
        return verdict(False, "", f"make_scheduler(optimizer) raised {type(exc).__name__}: {exc}")
    if built is None or built is Ellipsis:
        return verdict(False, "", "make_scheduler returns nothing yet: return the scheduler you build.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = trace(make_scheduler, epochs=epochs, lrs=(lr,)).lr
    except Exception as exc:  # the learner's code: report, never raise
        return verdict(False, "", f"stepping your scheduler raised {type(exc).__name__}: {exc}")
    expected = _expected_warmup_cosine(epochs, warmup, start_factor, lr, eta_min)

    def same(curve: np.ndarray) -> bool:  # float32 precision: an argument given as np.float32 is right too
        return bool(np.allclose(got, curve, rtol=FLOAT32_RTOL, atol=1e-12))

    rest = epochs - warmup
    if same(expected["sequential"]):
        return verdict(True, f"{warmup} epochs up from {start_factor * lr:g} to {lr:g}, then the cosine starts "
                       f"from its own step 0 and reaches eta_min={eta_min:g} at epoch {epochs}.", "")
    hints = {
        "chained": "that is the chained version: both schedulers run from epoch 0 and their factors multiply, "
                   "so the lr never reaches the full lr. Hand over at the milestone with SequentialLR.",
        f"chained, T_max={rest}": "both schedulers run from epoch 0 and multiply (chained); SequentialLR starts "
                                  "the cosine at the milestone instead.",
        f"sequential, T_max={epochs}": "the cosine only runs after the warmup, so it must last the remaining "
                                       f"{rest} epochs (T_max={rest}).",
        "no warmup": f"there is no warmup: the first {warmup} epochs should climb from {start_factor * lr:g}.",
    }
    for name, hint in hints.items():
        if same(expected[name]):
            return verdict(False, "", hint)
    warm = expected["sequential"][:warmup]
    if got.size > warmup + 1 and np.allclose(got[:warmup], warm, rtol=FLOAT32_RTOL, atol=1e-12):
        # the right hand-over and length, another floor? Solve got = floor + (lr - floor) * c for the floor.
        c = 0.5 * (1 + np.cos(np.pi / rest))
        floor = float((got[warmup + 1] - lr * c) / (1 - c))
        floor = 0.0 if abs(floor) < 1e-12 else floor
        if 0 <= floor < 0.9 * lr and same(np.concatenate(
                [warm, cosine_annealing_lr(np.arange(rest), lr, T_max=rest, eta_min=floor)])):
            want = f"it should end at eta_min={eta_min:g}, {eta_min / lr:.0%} of the lr {lr:g}"
            if abs(floor) < 1e-12:
                return verdict(False, "", f"your cosine ends at 0 (eta_min=0): {want}.")
            fraction = " (eta_min is an lr, not a fraction of it)" if np.isclose(floor, eta_min / lr) else ""
            return verdict(False, "", f"your cosine ends at eta_min={floor:.3g}: {want}{fraction}.")
    for t_max in range(1, 2 * epochs + 1):  # a hand-over at the right epoch, but a cosine of the wrong length
        tail = cosine_annealing_lr(np.arange(rest), lr, T_max=t_max, eta_min=eta_min)
        if t_max != rest and same(np.concatenate([warm, tail])):
            return verdict(False, "", f"your cosine has T_max={t_max}, so it reaches eta_min at epoch "
                           f"{warmup + t_max}; after the {warmup} warmup epochs it must last the remaining {rest} "
                           f"(T_max={rest}).")
    bad = int(np.argmin(np.isclose(got, expected["sequential"], rtol=FLOAT32_RTOL, atol=1e-12)))
    mine, right = show_pair(got[bad], expected["sequential"][bad])
    return verdict(False, "", f"at epoch {bad} your schedule gives {mine}, expected {right}.")
