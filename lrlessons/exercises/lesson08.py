"""Checkers for lesson 08 (the schedule your optimizer really follows).

Each prints "Correct: ..." or "Not yet: ..." and returns a ``Verdict`` (true only for
a right answer); none raises on a wrong or empty answer. Besides the number, each
recognises the lesson's usual mistakes: a schedule sized in batches instead of
updates, from the global loader instead of each process's, with a floor where the
last partial window still updates; an absolute floor that lifts a small group.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from lrlessons.exercises import EMPTY, Verdict, is_empty
from lrlessons.exercises import fitted_verdict as verdict  # wrapped at 100 characters
from lrlessons.sizing import batches_per_epoch, updates_per_epoch

__all__ = ["SIZING", "check_layerwise_floor", "check_total_steps", "layerwise_expected"]

#: exercise 1's run: the digits' training set on 2 processes
SIZING = {"samples": 1347, "batch_size": 32, "processes": 2, "accumulation": 4, "epochs": 6}
#: exercise 2's two param groups, its number of steps, its warm-up (steps and start) and its floor
#: (start and floor are fractions of each group's own lr)
GROUP_LRS = (1e-2, 1e-5)
STEPS = 20
WARMUP = 5
START = 0.1
FLOOR = 0.01


def _as_number(answer: Any) -> float | None:
    """A plain number from an int, float, numpy scalar or 0-d tensor; None otherwise."""
    if hasattr(answer, "detach"):
        answer = answer.detach().cpu()
        if answer.numel() != 1:
            return None
        answer = answer.item()
    if isinstance(answer, np.ndarray):
        if answer.size != 1:
            return None
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, (numbers.Real, np.generic)):
        return None
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _sizes() -> dict[str, int]:
    s = SIZING
    per_process = batches_per_epoch(s["samples"], s["batch_size"], processes=s["processes"])
    one_process = batches_per_epoch(s["samples"], s["batch_size"])
    return {
        "right": s["epochs"] * updates_per_epoch(per_process, s["accumulation"]),
        "global": s["epochs"] * updates_per_epoch(one_process, s["accumulation"]),
        "batches": s["epochs"] * per_process,
        "floor": s["epochs"] * updates_per_epoch(per_process, s["accumulation"], partial="drop"),
        "flat": s["epochs"] * s["samples"] // (s["batch_size"] * s["accumulation"] * s["processes"]),
    }


def check_total_steps(answer: Any) -> Verdict:
    """Exercise 1: OneCycleLR's ``total_steps`` for the run in ``SIZING``, stepped after every update."""
    if is_empty(answer):
        return verdict(False, "", f"total_steps {EMPTY}")
    value = _as_number(answer)
    if value is None:
        return verdict(False, "", f"total_steps should be a whole number, got {type(answer).__name__}.")
    if value != int(value):
        return verdict(False, "", f"total_steps should be a whole number, got {value:g}.")
    got, sizes = int(value), _sizes()
    if got == sizes["right"]:
        return verdict(True, f"{got}: each process sees its own loader and updates once per window of "
                       f"{SIZING['accumulation']} batches, the last partial window included.", "")
    hints = {
        "global": "that counts the batches of one process holding all the data; with a DistributedSampler "
                  "each process has only its share: the schedule would end half-way.",
        "batches": "that counts batches, but the optimizer (and so the scheduler) steps once per "
                   f"{SIZING['accumulation']} batches: the schedule would end a quarter of the way.",
        "floor": "that drops the last, partial window of each epoch, but the loop still updates there: "
                 "OneCycleLR would raise 'Tried to step ...' in the last epoch.",
        "flat": "one floor division over the whole run loses the partial batch and the partial window "
                "of every epoch: OneCycleLR would raise 'Tried to step ...' before the end.",
    }
    for key, hint in hints.items():
        if got == sizes[key]:
            return verdict(False, "", f"got {got}, expected another number: {hint}")
    return verdict(False, "", f"got {got}, expected another number. Count per process: samples per process, "
                   "then batches, then updates per epoch, then times the epochs.")


def layerwise_expected() -> np.ndarray:
    """Exercise 2's target, one row per step 0..STEPS, one column per group.

    Every group warms up linearly from START times its own lr to its lr over WARMUP steps,
    then follows a half cosine down to FLOOR times its own lr at step STEPS.
    """
    t = np.arange(STEPS + 1)
    warm = START + (1 - START) * t / WARMUP
    decay = FLOOR + (1 - FLOOR) * 0.5 * (1 + np.cos(np.pi * (t - WARMUP) / (STEPS - WARMUP)))
    return np.outer(np.where(t < WARMUP, warm, decay), GROUP_LRS)


def check_layerwise_floor(make_scheduler: Any) -> Verdict:
    """Exercise 2: a function optimizer -> scheduler with a relative warm-up start and a relative floor."""
    import torch

    if is_empty(make_scheduler):
        return verdict(False, "", f"make_scheduler {EMPTY}")
    if not callable(make_scheduler):
        return verdict(False, "", f"make_scheduler should be a function optimizer -> scheduler, got "
                       f"{type(make_scheduler).__name__}.")
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in GROUP_LRS]
    opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, GROUP_LRS)])
    try:
        sched = make_scheduler(opt)
        if not callable(getattr(sched, "step", None)):
            return verdict(False, "", "make_scheduler(optimizer) should return a scheduler built on that "
                           f"optimizer, got {type(sched).__name__}.")
        rows = [[float(g["lr"]) for g in opt.param_groups]]
        for _ in range(STEPS):
            opt.step()
            sched.step()
            rows.append([float(g["lr"]) for g in opt.param_groups])
    except Exception as exc:  # the learner's code: report, never raise
        return verdict(False, "", f"running your scheduler for {STEPS} steps failed: "
                       f"{type(exc).__name__}: {exc}")
    got, want = np.array(rows), layerwise_expected()
    if np.allclose(got, want, rtol=1e-9, atol=0):
        return verdict(True, f"both groups warm up from {START:g} of their own lr, then follow the half cosine "
                       f"to {FLOOR:g} of it; the ratio stays {GROUP_LRS[0] / GROUP_LRS[1]:g} all the way.", "")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = got[:, 0] / got[:, 1]
    if got[0, 1] > GROUP_LRS[1] * (1 + 1e-9):
        return verdict(False, "", f"the backbone group starts at {got[0, 1]:.6g}, above its own lr "
                       f"{GROUP_LRS[1]:g}: an absolute warm-up start (like timm's warmup_lr_init) is the same "
                       f"for every group. Start each group at {START:g} of its own lr.")
    if np.allclose(got[0], 0, atol=1e-15):
        return verdict(False, "", f"step 0 trains at lr 0; the warm-up should start at {START:g} of each "
                       "group's own lr.")
    if np.allclose(got[0], GROUP_LRS, rtol=1e-9, atol=0):
        return verdict(False, "", f"step 0 already trains at the full lr: there is no warm-up. Start each "
                       f"group at {START:g} of its own lr and reach it at step {WARMUP}.")
    if got[-1, 1] > GROUP_LRS[1] * (1 + 1e-9):
        return verdict(False, "", f"the backbone group ends at {got[-1, 1]:.6g}, above its start "
                       f"{GROUP_LRS[1]:g}: an absolute floor (eta_min) lifts a group whose lr is below it. "
                       "Make the floor a factor of each group's own lr.")
    bad = np.flatnonzero(~np.isclose(got, want, rtol=1e-9, atol=0).all(axis=1))
    i = int(bad[0])
    return verdict(False, "", f"at step {i} the lrs are {got[i, 0]:.6g} and {got[i, 1]:.6g} (ratio "
                   f"{ratio[i]:.6g}), expected {want[i, 0]:.6g} and {want[i, 1]:.6g}.")
