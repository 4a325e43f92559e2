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


#: Exercise 1's setting: StepLR(step_size=4, gamma=0.5) then ExponentialLR(gamma=0.8), from lr 0.1,
#: read after 4 epochs (StepLR's first boundary).
READINGS_AFTER = 4


def _readings() -> dict[str, float]:
    """The three readings of exercise 1, taken from the installed torch."""
    opt = _fresh_optimizer()
    s1 = lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
    s2 = lr_scheduler.ExponentialLR(opt, gamma=0.8)
    for _ in range(READINGS_AFTER):
        opt.step()
        s1.step()
        s2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # get_lr() warns when called from outside step()
        get_lr = s1.get_lr()[0]
    return {"param_groups": opt.param_groups[0]["lr"], "get_last_lr": s1.get_last_lr()[0], "get_lr": get_lr}


#: For each reading, the likely wrong predictions and what each one is.
_READING_HINTS = {
    "param_groups": [
        (0.1 * 0.5, "StepLR's halving alone: ExponentialLR's four factors 0.8 are in the lr too"),
        (0.1 * 0.8 ** 4, "ExponentialLR's factors alone: StepLR halved the lr at its boundary too"),
        (0.1 * 0.8 ** 3 * 0.5, "StepLR's get_last_lr(), not the optimizer's lr: ExponentialLR was stepped "
                               "after StepLR, so its fourth 0.8 is in the optimizer's lr"),
        (0.1 * 0.8 ** 5 * 0.5, "one epoch too many: after 4 epochs ExponentialLR has applied 0.8 four times"),
    ],
    "get_last_lr": [
        (0.1 * 0.8 ** 4 * 0.5, "the optimizer's lr: StepLR's get_last_lr() was taken when StepLR stepped, "
                               "before ExponentialLR's fourth x0.8"),
        (0.1 * 0.5, "StepLR's curve alone: its get_last_lr() is the optimizer's lr after its own step(), "
                    "which carries ExponentialLR's earlier factors"),
    ],
    "get_lr": [
        (0.1 * 0.8 ** 3 * 0.5 * 0.5, "the halving applied to StepLR's own last value: get_lr() works from "
                                     "the lr the optimizer holds now"),
        (0.1 * 0.8 ** 4 * 0.5, "the optimizer's lr: at a boundary (last_epoch 4 is a multiple of 4) "
                               "StepLR's rule halves again"),
        (0.1 * 0.8 ** 3 * 0.5, "StepLR's get_last_lr(): get_lr() does not read, it applies the rule"),
        (0.1 * 0.5, "torch 1.3's closed form: today's get_lr() is the update rule"),
    ],
}
_READING_NAMES = {"param_groups": "param_groups[0]['lr']", "get_last_lr": "StepLR's get_last_lr()[0]",
                  "get_lr": "StepLR's get_lr()[0]"}


def check_readings(param_groups: Any, get_last_lr: Any, get_lr: Any) -> Verdict:
    """Exercise 1: predict three readings after 4 epochs of StepLR(4, 0.5) then ExponentialLR(0.8) from 0.1.

    ``param_groups``: ``optimizer.param_groups[0]["lr"]``; ``get_last_lr``: StepLR's
    ``get_last_lr()[0]``; ``get_lr``: StepLR's ``get_lr()[0]`` called after the loop.
    """
    answers = {"param_groups": param_groups, "get_last_lr": get_last_lr, "get_lr": get_lr}
    want = _readings()
    empty = [_READING_NAMES[k] for k, v in answers.items() if is_empty(v)]
    if empty:
        names = empty[0] if len(empty) == 1 else ", ".join(empty[:-1]) + " and " + empty[-1]
        return verdict(False, "", f"fill in your prediction for {names} (replace the ...).")
    problems = []
    for key, value in answers.items():
        x = as_number(value)
        if x is None:
            problems.append(f"{_READING_NAMES[key]} should be one number, got {type(value).__name__}")
            continue
        if np.isclose(x, want[key], rtol=FLOAT32_RTOL, atol=0):
            continue
        hint = next((h for v, h in _READING_HINTS[key] if np.isclose(x, v, rtol=FLOAT32_RTOL, atol=0)), None)
        shown = show_pair(x, want[key])[0]  # enough digits to differ from the right value
        problems.append(f"{_READING_NAMES[key]}: {shown} is {hint}" if hint
                        else f"{_READING_NAMES[key]}: got {shown}, which is not it")
    if not problems:
        return verdict(True, f"{show(want['param_groups'])} (0.1 x 0.8^4 x 0.5), "
                       f"{show(want['get_last_lr'])} (StepLR's value, before ExponentialLR's fourth x0.8), "
                       f"{show(want['get_lr'])} (the halving applied again, to the optimizer's lr).", "")
    more = f" ({len(problems) - 1} more to fix)" if len(problems) > 1 else ""
    return verdict(False, "", problems[0] + "." + more)


def warmup_then_cosine(optimizer: torch.optim.Optimizer) -> lr_scheduler.SequentialLR:
    """Exercise 2's schedule: 5 epochs of linear warmup from 1% of the lr, then CosineAnnealingLR(T_max=10)."""
    warmup = lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=5)
    cosine = lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
    return lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[5])


#: Exercise 2: the checkpoint is saved after STOP epochs, in the warmup; the run has EPOCHS epochs.
STOP, EPOCHS = 3, 15


def _epochs(opt: torch.optim.Optimizer, sched: Any, epochs: int) -> list[float]:
    """The lr of each of the next ``epochs`` epochs (read before its steps); every epoch has a gradient."""
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        for group in opt.param_groups:
            for param in group["params"]:
                param.grad = torch.ones_like(param)  # so the momentum buffers are part of the state
        opt.step()
        sched.step()
    return out


def _uninterrupted() -> list[float]:
    opt = _fresh_optimizer()
    return _epochs(opt, warmup_then_cosine(opt), EPOCHS)


def make_checkpoint() -> dict[str, Any]:
    """The checkpoint of exercise 2: SGD(lr=0.1, momentum=0.9) + ``warmup_then_cosine`` after 3 epochs."""
    opt = _fresh_optimizer()
    sched = warmup_then_cosine(opt)
    _epochs(opt, sched, STOP)
    return {"epoch": STOP, "optimizer": opt.state_dict(), "scheduler": sched.state_dict()}


def _first_counter_difference(mine: dict[str, Any], want: dict[str, Any]) -> str | None:
    """Where a scheduler's step counters differ from the checkpoint's, in words; None if they agree.

    SequentialLR keeps one ``last_epoch`` of its own and one in each part's state.
    """
    if mine.get("last_epoch") != want.get("last_epoch"):
        return f"its last_epoch is {mine.get('last_epoch')}, the checkpoint's {want.get('last_epoch')}"
    parts = mine.get("_schedulers") or []
    for name, a, b in zip(("warmup", "cosine"), parts, want.get("_schedulers", [])):
        if a.get("last_epoch") != b.get("last_epoch"):
            return f"its {name}'s last_epoch is {a.get('last_epoch')}, the checkpoint's {b.get('last_epoch')}"
    return None


def check_resume(resume: Any) -> Verdict:
    """Exercise 2: ``resume(checkpoint) -> (optimizer, scheduler)`` continues the run exactly.

    The run: SGD(lr=0.1, momentum=0.9) with ``warmup_then_cosine``, stopped after 3 epochs (in the warmup).
    """
    if not callable(resume):
        return verdict(False, "", "fill in `resume`: a function checkpoint -> (optimizer, scheduler).")
    ckpt = make_checkpoint()
    straight = _uninterrupted()
    want = straight[STOP:]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pair = resume(ckpt)
    except KeyError as exc:
        if "initial_lr" in str(exc):
            return verdict(False, "", "KeyError 'initial_lr': a scheduler built with last_epoch on a fresh "
                           "optimizer fails. Build it as at the start, then load both state_dict()s.")
        return verdict(False, "", f"resume(checkpoint) failed: KeyError: {exc}")
    except TypeError as exc:
        if "step()" in str(exc) and "positional argument" in str(exc):
            return verdict(False, "", "SequentialLR.step() takes no epoch (section 2): build the scheduler as "
                           "at the start and load checkpoint['scheduler'] into it instead.")
        return verdict(False, "", f"resume(checkpoint) failed: TypeError: {exc}")
    except Exception as exc:  # a learner's code may fail in any way: say how, never raise
        return verdict(False, "", f"resume(checkpoint) failed: {type(exc).__name__}: {exc}")
    if is_empty(pair):
        return verdict(False, "", "resume returned nothing yet: return the pair (optimizer, scheduler).")
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        return verdict(False, "", "resume should return a pair (optimizer, scheduler), "
                       f"got {type(pair).__name__}.")
    opt, sched = pair
    if not isinstance(opt, torch.optim.Optimizer) or getattr(sched, "optimizer", None) is not opt:
        return verdict(False, "", "resume should return (optimizer, scheduler), the scheduler built on "
                       "that optimizer.")
    lr0 = opt.param_groups[0]["lr"]
    loaded_optimizer = bool(opt.state)  # a fresh optimizer has no momentum buffers: only the checkpoint brings them
    state = getattr(sched, "state_dict", dict)()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = _epochs(opt, sched, EPOCHS - STOP)
    except Exception as exc:  # a learner's code may fail in any way: say how, never raise
        return verdict(False, "", f"stepping your resumed pair failed: {type(exc).__name__}: {exc}")
    start, resume_lr = show_pair(lr0, want[0]) if lr0 != want[0] else (show(lr0), show(want[0]))
    if np.allclose(got, straight[:len(got)]):
        return verdict(False, "", "your schedule starts again from epoch 0 (lr 0.001): load the checkpoint's "
                       "optimizer and scheduler state_dict()s into the new objects.")
    if not np.isclose(lr0, want[0]) and not loaded_optimizer:
        return verdict(False, "", f"the optimizer's lr at resume is {start}, not the checkpoint's {resume_lr}: "
                       "load checkpoint['optimizer'] too (it holds the lr and the momentum buffers).")
    if not np.isclose(lr0, want[0]):
        return verdict(False, "", f"the optimizer's state is loaded, but its lr at resume is {start}, not the "
                       f"checkpoint's {resume_lr}: building SequentialLR after loading the optimizer writes "
                       "the lr of the warmup's step 0 over it. Build both as at the start, then load both.")
    differs = _first_counter_difference(state, ckpt["scheduler"])
    if differs:
        peak = f" (your lr reaches {max(got):.3g})" if max(got) > 0.1 * (1 + 1e-9) else ""
        return verdict(False, "", f"the first lr is right ({resume_lr}), but the scheduler's state is not the "
                       f"checkpoint's ({differs}), so the curve drifts{peak}: load checkpoint['scheduler'] "
                       "into a scheduler built as at the start.")
    ok = compare_curves(got, want, f"the lrs of epochs {STOP}-{EPOCHS - 1} after resuming")
    if ok:
        print(f"  the warmup continues from {show(want[0])} and hands over to the cosine at epoch 5, "
              "as uninterrupted.")
    return ok


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
        if near(logs["after"]):
            return verdict(False, "", "these are read after the schedulers stepped: each is the lr of the "
                           "*next* epoch, and epoch 0's lr (0.1) is missing.")
        if near(logs["step_after"]):
            return verdict(False, "", "that is StepLR's get_last_lr() read after the schedulers stepped: "
                           "StepLR's own value before ExponentialLR's x0.9, and the next epoch's. Read the "
                           "optimizer, before the epoch's steps.")
        if near(logs["step_before"]):
            return verdict(False, "", "that is StepLR's get_last_lr(): what StepLR wrote before ExponentialLR "
                           "multiplied by 0.9, so from epoch 1 on it is 1/0.9 times the real lr. Read the "
                           "optimizer.")
        if near([0.1 * 0.5 ** (e // 2) for e in range(6)]):
            return verdict(False, "", "that is StepLR's staircase alone: ExponentialLR is on the same "
                           "optimizer, and its factor 0.9 per epoch is in the lr too.")
    return compare_curves(lrs, logs["right"], "your logged lrs", empty=EMPTY_SHORT)
