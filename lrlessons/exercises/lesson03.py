"""Checkers for lesson 03 (reading the learning rate correctly)."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch
from torch.optim import lr_scheduler

from lrlessons.exercises import (EMPTY_SHORT, FLOAT32_RTOL, Verdict, as_number, as_numbers,
                                 compare_curves, is_empty, show,
                                 show_pair, fitted_verdict)


verdict = fitted_verdict  # every verdict fits a 100-character line


def _fresh_optimizer() -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)


def check_read_lr(read_lr: Any) -> Verdict:
    """Exercise 1: ``read_lr(optimizer, scheduler)`` must return the lr the next epoch trains with.

    Tried at the awkward moment of the lesson: StepLR(3, 0.5) and ExponentialLR(0.9) on one
    optimizer, right after the third epoch (StepLR's boundary).
    """
    if not callable(read_lr):
        return verdict(False, "", "fill in `read_lr`: a function (optimizer, scheduler) -> lr.")
    opt = _fresh_optimizer()
    s1, s2 = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5), lr_scheduler.ExponentialLR(opt, gamma=0.9)
    for _ in range(3):
        opt.step()
        s1.step()
        s2.step()
    real = opt.param_groups[0]["lr"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got = read_lr(opt, s1)
        except Exception as exc:  # a learner's code may fail in any way: say how, never raise
            return verdict(False, "", f"read_lr(optimizer, scheduler) failed: {type(exc).__name__}: {exc}")
    if is_empty(got):
        return verdict(False, "", "read_lr returned nothing yet: make it return the lr (one number).")
    if any("get_last_lr" in str(w.message) for w in caught):
        return verdict(False, "", "your function called get_lr(), which applies StepLR's rule once more "
                       f"(and warns); it returned {np.ravel(got)[0]:.6g} instead of {real:.6g}.")
    value = as_number(got)
    if value is None:
        values = as_numbers(got)
        value = float(values[0]) if values is not None and values.size == 1 else None
    if value is None:
        return verdict(False, "", f"read_lr should return a number (or a list of one), got {type(got).__name__}.")
    if np.isclose(value, 0.0405):
        return verdict(False, "", "0.0405 is StepLR's get_last_lr(): what StepLR wrote before ExponentialLR "
                       "was stepped. Which number does the optimizer itself hold?")
    shown, want = show_pair(value, real)
    return verdict(bool(np.isclose(value, real, rtol=FLOAT32_RTOL, atol=0)),
                   f"{show(value)} is the lr the optimizer will use.",
                   f"got {shown}, but the optimizer holds {want}.")


def _uninterrupted(epochs: int = 10) -> list[float]:
    opt = _fresh_optimizer()
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def make_checkpoint(epochs_done: int = 4) -> dict[str, Any]:
    """The checkpoint of exercise 2: SGD(lr=0.1, momentum=0.9) + CosineAnnealingLR(T_max=10) after 4 epochs."""
    opt = _fresh_optimizer()
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(epochs_done):
        opt.step()
        sched.step()
    return {"epoch": epochs_done, "optimizer": opt.state_dict(), "scheduler": sched.state_dict()}


def check_resume(resume: Any) -> Verdict:
    """Exercise 2: ``resume(checkpoint) -> (optimizer, scheduler)`` continues the run exactly."""
    if not callable(resume):
        return verdict(False, "", "fill in `resume`: a function checkpoint -> (optimizer, scheduler).")
    ckpt = make_checkpoint()
    want = _uninterrupted()[4:]
    try:
        pair = resume(ckpt)
    except KeyError as exc:
        if "initial_lr" in str(exc):
            return verdict(False, "", "KeyError 'initial_lr': a scheduler built with last_epoch on a fresh "
                           "optimizer fails. Build it with the default last_epoch, then load both state_dict()s.")
        return verdict(False, "", f"resume(checkpoint) failed: KeyError: {exc}")
    except Exception as exc:  # a learner's code may fail in any way: say how, never raise
        return verdict(False, "", f"resume(checkpoint) failed: {type(exc).__name__}: {exc}")
    if is_empty(pair):
        return verdict(False, "", "resume returned nothing yet: return the pair (optimizer, scheduler).")
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        return verdict(False, "", f"resume should return a pair (optimizer, scheduler), got {type(pair).__name__}.")
    opt, sched = pair
    if not isinstance(opt, torch.optim.Optimizer) or getattr(sched, "optimizer", None) is not opt:
        return verdict(False, "", "resume should return (optimizer, scheduler), the scheduler built on "
                       "that optimizer.")
    got = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(6):
                got.append(opt.param_groups[0]["lr"])
                opt.step()
                sched.step()
    except Exception as exc:  # a learner's code may fail in any way: say how, never raise
        return verdict(False, "", f"stepping your resumed pair failed: {type(exc).__name__}: {exc}")
    if np.allclose(got, want) and not _same_state(sched, ckpt):
        return verdict(False, "", "the lrs are right here, but your scheduler was rebuilt with last_epoch= "
                       "instead of loading its state: its step count is not the checkpoint's. Section 5 shows "
                       "that last_epoch= lands on the right curve only for some classes and some stops (for "
                       "StepLR after epoch 6, no value works). Build it with the default last_epoch and load "
                       "checkpoint['scheduler'].")
    if np.allclose(got, _uninterrupted()[:6]):
        return verdict(False, "", "your schedule starts again from epoch 0 (lr 0.1): load the checkpoint's "
                       "optimizer and scheduler state_dict()s into the new objects.")
    if np.isclose(got[0], want[0]) and not np.allclose(got, want) and getattr(sched, "last_epoch", None) != 10:
        return verdict(False, "", f"the first lr is right ({got[0]:.6g}) but then the curve drifts from the "
                       "uninterrupted one: the scheduler's own state (its last_epoch counter) is not the "
                       "checkpoint's. Load checkpoint['scheduler'] into it.")
    ok = compare_curves(got, want, "the lrs of epochs 4-9 after resuming")
    if ok:
        print("  the resumed run continues exactly where the uninterrupted one was.")
    return ok


def _same_state(sched: Any, ckpt: dict[str, Any]) -> bool:
    """Does ``sched`` (stepped 6 more epochs) hold the state the uninterrupted run has after epoch 10?

    A scheduler loaded from the checkpoint does; one rebuilt with ``last_epoch=`` has its own
    step count, even where its lrs happen to be right.
    """
    opt = _fresh_optimizer()
    straight = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(ckpt["epoch"] + 6):
        opt.step()
        straight.step()
    mine = getattr(sched, "state_dict", lambda: {})()
    want = straight.state_dict()
    return all(mine.get(k) == want[k] for k in ("last_epoch", "_step_count"))


def _two_schedulers_log(epochs: int = 6) -> dict[str, list[float]]:
    """Exercise 3's loop, read in the right place and in the usual wrong ones."""
    opt = _fresh_optimizer()
    s1 = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    s2 = lr_scheduler.ExponentialLR(opt, gamma=0.9)
    logs: dict[str, list[float]] = {"right": [], "after": [], "step_before": [], "step_after": []}
    for _ in range(epochs):
        logs["right"].append(opt.param_groups[0]["lr"])
        logs["step_before"].append(s1.get_last_lr()[0])
        opt.step()
        s1.step()
        s2.step()
        logs["after"].append(opt.param_groups[0]["lr"])
        logs["step_after"].append(s1.get_last_lr()[0])
    return logs


def check_logged_lrs(lrs: Any) -> Verdict:
    """Exercise 3: the lr each of 6 epochs trained with, StepLR(2, 0.5) and ExponentialLR(0.9) from 0.1.

    Both schedulers are on one optimizer, stepped in that order after each epoch.
    """
    logs = _two_schedulers_log()
    got = None if is_empty(lrs) else as_numbers(lrs)
    if got is not None and got.shape == (6,):
        def near(curve: list[float]) -> bool:
            return bool(np.allclose(got, curve, rtol=FLOAT32_RTOL, atol=1e-15))
        if near(logs["right"]):
            return verdict(True, "each epoch's lr, read from the optimizer before it trains: "
                           "0.1 x 0.9^e x 0.5^(e // 2).", "")
        if near(logs["after"]) or near(logs["step_after"]):
            return verdict(False, "", "these are read after the schedulers stepped: each is the lr of the "
                           "*next* epoch, and epoch 0's lr (0.1) is missing.")
        if near(logs["step_before"]):
            return verdict(False, "", "that is StepLR's get_last_lr(): what StepLR wrote before ExponentialLR "
                           "multiplied by 0.9, so from epoch 1 on it is 1/0.9 times the real lr. Read the "
                           "optimizer.")
        if near([0.1 * 0.5 ** (e // 2) for e in range(6)]):
            return verdict(False, "", "that is StepLR's staircase alone: ExponentialLR is on the same "
                           "optimizer, and its factor 0.9 per epoch is in the lr too.")
    return compare_curves(lrs, logs["right"], "your logged lrs", empty=EMPTY_SHORT)
