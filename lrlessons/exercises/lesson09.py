"""Checkers for lesson 09 (schedules inside transformers, accelerate, Lightning and Keras).

Each prints "Correct: ..." or "Not yet: ..." and returns a ``Verdict`` (true only for a
right answer); none raises on a wrong or empty answer. Besides comparing numbers, each
recognises the lesson's typical mistakes and says what they are.

- 09a, exercise 1: ``check_accelerate_total(answer)``, the sizing rule;
- 09a, exercise 2: ``check_timm_port(make_scheduler)``, transformers' cosine in timm;
- 09b, exercise 1: ``check_lightning_config(configure)``, a per-batch OneCycleLR in Lightning;
- 09b, exercise 2: ``check_keras_plateau(settings)``, Keras's plateau callback cutting where torch's does.
"""
from __future__ import annotations

import contextlib
import io
import math
import numbers
import textwrap
from typing import Any

import numpy as np

from lrlessons.exercises import EMPTY, Verdict, compare_curves, is_empty

__all__ = ["ACCELERATE_SETUP", "PLATEAU_METRIC", "PLATEAU_TORCH", "PORT", "check_accelerate_total",
           "check_keras_plateau", "check_lightning_config", "check_timm_port"]

#: 09a exercise 1: 2 processes, 1000 samples, batch_size 8 per process, k = 4, 3 epochs.
ACCELERATE_SETUP = dict(processes=2, samples=1000, batch_size=8, k=4, epochs=3)

#: 09a exercise 2: transformers' cosine with warmup to port to timm.
PORT = dict(base_lr=0.1, num_warmup_steps=5, num_training_steps=50)

#: 09b exercise 2: the metric sequence and torch's settings Keras must reproduce.
PLATEAU_METRIC = (1.0, 0.9, 0.85, 0.845, 0.85, 0.84, 0.83, 0.835, 0.834, 0.83, 0.82, 0.825, 0.83, 0.829,
                  0.828, 0.827, 0.826, 0.7, 0.71, 0.705, 0.702)
PLATEAU_TORCH = dict(mode="min", factor=0.5, patience=2, cooldown=1, threshold=0.01, threshold_mode="abs")


def verdict(ok: bool, good: str, bad: str) -> Verdict:
    """Print the verdict, wrapped to lines of at most 100 characters, and return it."""
    text = ("Correct: " + good) if ok else ("Not yet: " + bad)
    print(textwrap.fill(text, width=100, subsequent_indent="  "))
    return Verdict(ok)


def _curves(got: Any, want: Any, what: str) -> Verdict:
    """``compare_curves``, its line wrapped like the others."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = compare_curves(got, want, what)
    print(textwrap.fill(buf.getvalue().strip(), width=100, subsequent_indent="  "))
    return result


def _number(answer: Any) -> float | None:
    """A plain number from an int, a float, a NumPy scalar or a 0-d tensor; None otherwise."""
    if hasattr(answer, "item"):
        try:
            answer = answer.item()
        except Exception:
            return None
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return None
    return float(answer)


def check_accelerate_total(answer: Any) -> Verdict:
    """09a, exercise 1: ``num_training_steps`` for a scheduler prepared by accelerate in ACCELERATE_SETUP."""
    from lrlessons.frameworks import scheduler_steps_per_epoch

    if is_empty(answer):
        return verdict(False, "", f"num_training_steps {EMPTY}")
    got = _number(answer)
    if got is None:
        return verdict(False, "", f"num_training_steps should be a number, got {type(answer).__name__}.")
    s = ACCELERATE_SETUP
    want = s["epochs"] * scheduler_steps_per_epoch(s["samples"], s["batch_size"], s["k"], s["processes"])
    per_process = math.ceil(s["samples"] / (s["batch_size"] * s["processes"]))
    updates = math.ceil(per_process / s["k"])
    if got == want:
        return verdict(True, f"{want}: each process makes {updates} updates per epoch ({per_process} batches / "
                       f"k = {s['k']}, rounded up) and accelerate steps the scheduler {s['processes']} times per "
                       f"update, for {s['epochs']} epochs.", "")
    hints = {
        s["epochs"] * updates: "that counts the updates of one process; accelerate steps the prepared scheduler "
                               "once per process at every update.",
        s["epochs"] * per_process: "that counts one process's batches: under accumulation only every k-th batch "
                                   "updates (and steps the scheduler).",
        s["epochs"] * per_process * s["processes"]: "that counts the batches of all processes: only every k-th "
                                                    "batch updates.",
        s["epochs"] * math.ceil(s["samples"] / s["batch_size"]): "that counts batches of 8 on one process: "
                                                                  "divide by k, the batches per update.",
    }
    exact = s["epochs"] * s["samples"] / (s["batch_size"] * s["k"])
    if not float(got).is_integer():
        return verdict(False, "", f"{got:g} is not a whole number: the scheduler steps a whole number of times "
                       "(round the batches and the updates up: the last short group still updates).")
    for value, hint in hints.items():
        if got == value:
            return verdict(False, "", f"{got:g}: {hint}")
    if got in (math.floor(exact), round(exact)):
        return verdict(False, "", f"{got:g} is {exact:g} rounded: round up per epoch, the last short group "
                       "of batches still updates at the end of the data.")
    return verdict(False, "", f"{got:g} scheduler steps would not end the schedule at the last update.")


def _timm_curve(make_scheduler: Any, steps: int) -> tuple[np.ndarray | None, str | None]:
    import torch

    if is_empty(make_scheduler):
        return None, f"make_scheduler {EMPTY}"
    if not callable(make_scheduler):
        return None, f"make_scheduler should be a function optimizer -> timm scheduler, got " \
                     f"{type(make_scheduler).__name__}."
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=PORT["base_lr"])
    try:
        sched = make_scheduler(opt)
        if not hasattr(sched, "step") or not hasattr(sched, "t_in_epochs"):
            return None, f"make_scheduler(optimizer) should return a timm scheduler, got {type(sched).__name__}."
        lrs = []
        for t in range(steps + 1):
            sched.step(t)
            lrs.append(opt.param_groups[0]["lr"])
    except Exception as exc:
        return None, f"your scheduler failed: {type(exc).__name__}: {exc}"
    return np.array(lrs), None


def check_timm_port(make_scheduler: Any) -> Verdict:
    """09a, exercise 2: a timm scheduler (``step(t)`` per step) equal to transformers' cosine with warmup."""
    from lrlessons.formulas.transformers_schedules import cosine_schedule_with_warmup

    total, w, lr = PORT["num_training_steps"], PORT["num_warmup_steps"], PORT["base_lr"]
    got, problem = _timm_curve(make_scheduler, total)
    if problem is not None:
        return verdict(False, "", problem)
    want = cosine_schedule_with_warmup(np.arange(total + 1), lr, w, total)
    if np.allclose(got, want, rtol=1e-9, atol=1e-12):
        return verdict(True, f"all {total + 1} lrs match transformers' (steps 0 to {total}).", "")
    if not np.isclose(got[0], 0.0, atol=1e-12):
        return verdict(False, "", f"step 0 trains at {got[0]:.6g}; transformers' warmup starts at 0: "
                       "warmup_lr_init=0.")
    if not np.isclose(got[w], lr, rtol=1e-9):
        return verdict(False, "", f"at step {w}, the end of the warmup, your lr is {got[w]:.6g}, not the peak "
                       f"{lr:g}: timm's cosine counts from step 0 unless warmup_prefix=True.")
    floor = got[total]
    if floor > 1e-12 and np.allclose(got[w:], floor + want[w:] / lr * (lr - floor), rtol=1e-6, atol=1e-12):
        return verdict(False, "", f"your cosine ends at {floor:.6g}; transformers' falls to 0: lr_min=0.")
    if got[total] > 1e-12:
        return verdict(False, "", f"at step {total} your lr is still {got[total]:.6g}: t_initial is the length "
                       f"of the cosine after the warmup, {total} - {w}.")
    return _curves(got, want, "your lr per step")


def check_lightning_config(configure: Any) -> Verdict:
    """09b, exercise 1: ``configure(module)`` for ``configure_optimizers`` giving a per-batch OneCycleLR.

    Runs a real Trainer (3 epochs x 5 batches) and compares the lr of every update with
    ``OneCycleLR(max_lr=1.0, total_steps=15)`` stepped once per batch.
    """
    import torch

    from lrlessons.frameworks import lightning_fit

    if is_empty(configure):
        return verdict(False, "", f"configure {EMPTY}")
    if not callable(configure):
        return verdict(False, "", f"configure should be a function module -> what configure_optimizers "
                       f"returns, got {type(configure).__name__}.")
    try:
        run = lightning_fit(configure, epochs=3, batches=5, lr_monitor=None)
    except Exception as exc:
        text = str(exc).splitlines()[0] if str(exc) else ""
        return verdict(False, "", f"Lightning refused it: {type(exc).__name__}: {text[:200]}")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    ref = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=15)
    want = []
    for _ in range(15):
        want.append(opt.param_groups[0]["lr"])
        opt.step()
        ref.step()
    want = np.array(want)
    got = run.lrs
    if got.size == 15 and np.allclose(got, want, rtol=1e-9, atol=1e-12):
        return verdict(True, f"15 updates, 15 different lrs, peak {got.max():.4g} at update {int(got.argmax())}.",
                       "")
    distinct = len(np.unique(np.round(got, 12)))
    if got.size == 15 and distinct <= 3:
        return verdict(False, "", f"only {distinct} different lrs in 15 updates, peak {got.max():.4g}: "
                       "the scheduler steps once per epoch. Return the scheduler in a dict with "
                       "\"interval\": \"step\".")
    return _curves(got, want, "the lr of each update")


def check_keras_plateau(settings: Any) -> Verdict:
    """09b, exercise 2: Keras ReduceLROnPlateau keyword arguments that cut where torch's PLATEAU_TORCH cuts."""
    from lrlessons.frameworks import cut_epochs, keras_plateau_lrs, torch_plateau_lrs

    if is_empty(settings):
        return verdict(False, "", f"settings {EMPTY}")
    if not isinstance(settings, dict):
        return verdict(False, "", f"settings should be a dict of keyword arguments, got {type(settings).__name__}.")
    want = torch_plateau_lrs(PLATEAU_METRIC, **PLATEAU_TORCH)
    try:
        got = keras_plateau_lrs(PLATEAU_METRIC, **dict(settings))
    except Exception as exc:
        return verdict(False, "", f"Keras refused them: {type(exc).__name__}: {str(exc)[:200]}")
    if np.allclose(got, want, rtol=1e-6, atol=0):
        return verdict(True, f"Keras cuts after epochs {cut_epochs(got)}, as torch does.", "")
    if cut_epochs(got) == cut_epochs(want):
        return verdict(False, "", f"Keras cuts after the right epochs {cut_epochs(got)}, but to {got[-1]:.4g} at "
                       f"the end instead of {want[-1]:.4g}: set factor (torch halves the lr).")
    hint = ""
    s = dict(settings)
    if s.get("patience", 10) == PLATEAU_TORCH["patience"]:
        hint = " Keras cuts when the bad epochs reach patience, torch when they exceed it: add 1."
    elif s.get("cooldown", 0) == PLATEAU_TORCH["cooldown"]:
        hint = " Keras's cooldown also swallows the epoch it ends on: add 1."
    elif s.get("min_delta", 0) != PLATEAU_TORCH["threshold"]:
        hint = " torch's threshold (absolute here) is Keras's min_delta."
    return verdict(False, "", f"Keras cuts after epochs {cut_epochs(got)}, torch after {cut_epochs(want)}.{hint}")
