"""Checkers for lesson 06 (the Keras habit that squares the PyTorch learning rate).

Each prints "Correct: ..." or "Not yet: ..." and returns a ``Verdict`` (true only for
a right answer); none raises on a wrong answer. Besides comparing the lrs, each
recognises the lesson's typical mistakes: an lr returned where a factor is wanted
(the squaring trap), a curve one epoch early or late, a constant factor off.
"""
from __future__ import annotations

import textwrap

from typing import Any, Callable

import numpy as np

from lrlessons.exercises import EMPTY, Verdict, is_empty
from lrlessons.exercises import verdict as _print_verdict
from lrlessons.formulas.keras_schedules import exponential_decay

def verdict(ok: bool, good: str, bad: str) -> Verdict:
    """Print the verdict, wrapped at 100 characters (a projector's line), and return it."""
    prefix = "Correct: " if ok else "Not yet: "
    text = textwrap.fill(prefix + (good if ok else bad), 100, subsequent_indent="    ",
                         break_long_words=False, break_on_hyphens=False)
    return _print_verdict(ok, text[len(prefix):], text[len(prefix):])


__all__ = ["STEP_DECAY_BASE_LR", "check_decay_per_step", "check_step_decay_factor", "check_two_argument_port",
           "keras_step_decay", "keras_warm_then_decay"]

STEP_DECAY_BASE_LR = 0.01
TWO_ARGUMENT_BASE_LR = 1e-3
EPOCHS = 12
#: How close a right answer's lrs must be: float32 precision (2**-23 is about 1.2e-7), so
#: that a factor computed in float32 (np.float32, a float32 tensor) counts as right.
RTOL = 1e-6


def keras_step_decay(epoch: int) -> float:
    """Exercise 1's Keras schedule: 0.01, halved every 3 epochs (returns the lr itself)."""
    return STEP_DECAY_BASE_LR * 0.5 ** (epoch // 3)


def keras_warm_then_decay(epoch: int, lr: float) -> float:
    """Exercise 2's two-argument Keras schedule: double the lr for 3 epochs, then take 20% off each epoch."""
    return lr * 2.0 if epoch < 3 else lr * 0.8


def _same(a: np.ndarray, b: np.ndarray, rtol: float = RTOL) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=0))


def _compare(got: np.ndarray, want: np.ndarray, what: str, unit: str) -> Verdict:
    """Right when every lr is within RTOL of the expected one; else the first difference, in full digits."""
    close = np.isclose(got, want, rtol=RTOL, atol=0)
    if close.all():
        return verdict(True, f"all {want.size} lrs match (within {RTOL:g} relative, float32 precision).", "")
    i = int(np.argmin(close))
    rel = abs(got[i] / want[i] - 1) if want[i] else float("inf")
    return verdict(False, "", f"{what} first differs at {unit} {i}: got {got[i]:.9g}, expected {want[i]:.9g} "
                   f"(relative difference {rel:.2g}, more than the {RTOL:g} allowed).")


def _common_mistake(got: np.ndarray, want: np.ndarray, base_lr: float, unit: str) -> str | None:
    """A plain-words hint for the lesson's usual wrong curves, or None."""
    if np.isclose(got[0], want[0] * base_lr, rtol=1e-6, atol=0):
        return (f"your function returns the lr itself, so LambdaLR multiplies the optimizer's lr {base_lr:g} "
                f"by it again: the first {unit} trains at {got[0]:.3g} instead of {want[0]:.3g} (the lr is "
                "squared). Return a factor: the lr divided by the optimizer's lr (1.0 means that lr).")
    if _same(got[1:], want[:-1]):
        return (f"your lrs are Keras's one {unit} late: both count {unit}s from 0, and the lr of {unit} 0 is "
                f"already {want[0]:.3g}.")
    if _same(got[:-1], want[1:]):
        return f"your lrs are Keras's one {unit} early: both count {unit}s from 0."
    ratio = got[0] / want[0] if want[0] else np.nan
    if np.isfinite(ratio) and ratio > 0 and not np.isclose(ratio, 1.0) and _same(got, want * ratio):
        return (f"the shape is right but every lr is {ratio:.3g} times Keras's: the factor at {unit} 0 must "
                f"be {want[0] / base_lr:.3g}, since LambdaLR multiplies the optimizer's lr ({base_lr:g}) by it.")
    return None


def _build_check(make_scheduler: Any, name: str = "make_scheduler") -> str | None:
    """Why ``make_scheduler`` (called ``name`` in the lesson) is not a function optimizer -> scheduler."""
    import torch

    if is_empty(make_scheduler):
        return f"{name} {EMPTY}"
    if not callable(make_scheduler):
        return (f"{name} should be a function optimizer -> scheduler, got "
                f"{type(make_scheduler).__name__}.")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    wrap = " That looks like an lr_lambda: wrap it, lambda optimizer: LambdaLR(optimizer, your_function)."
    try:
        built = make_scheduler(opt)
    except Exception as exc:
        try:  # a function of the epoch given where a function of the optimizer is wanted?
            looks_like_lambda = isinstance(float(make_scheduler(0)), float)
        except Exception:
            looks_like_lambda = False
        return (f"{name}(optimizer) failed: {type(exc).__name__}: {exc}."
                + (wrap if looks_like_lambda else ""))
    if not (hasattr(built, "optimizer") and callable(getattr(built, "step", None))):
        hint = wrap if callable(built) else ""
        return (f"{name}(optimizer) should return a torch scheduler built on that optimizer, "
                f"got {type(built).__name__}.{hint}")
    return None


def _trace(make_scheduler: Callable, base_lr: float, n: int, interval: str) -> np.ndarray:
    from lrlessons.trace import trace
    if interval == "epoch":
        return trace(make_scheduler, epochs=n, interval="epoch", lrs=(base_lr,)).per_epoch[:, 0]
    return trace(make_scheduler, n, interval="step", lrs=(base_lr,)).lr


def check_step_decay_factor(factor: Any) -> Verdict:
    """Exercise 1: ``factor(epoch)`` for LambdaLR (base lr 0.01) that gives keras_step_decay's lrs."""
    if is_empty(factor):
        return verdict(False, "", f"factor {EMPTY}")
    if not callable(factor):
        return verdict(False, "", f"factor should be a function of the epoch (lambda epoch: ...), got "
                       f"{type(factor).__name__}.")
    want = np.array([keras_step_decay(e) for e in range(EPOCHS)])
    try:
        from torch.optim.lr_scheduler import LambdaLR
        got = _trace(lambda opt: LambdaLR(opt, factor), STEP_DECAY_BASE_LR, EPOCHS, "epoch")
    except Exception as exc:  # the learner's function failed: say how
        return verdict(False, "", f"LambdaLR could not use your function: {type(exc).__name__}: {exc}")
    hint = _common_mistake(got, want, STEP_DECAY_BASE_LR, "epoch")
    if hint is None and np.isclose(got[1], STEP_DECAY_BASE_LR * 0.5 ** (1 / 3), rtol=1e-6):
        hint = ("your lr falls a little every epoch; Keras's halves in one go every 3 epochs: use whole "
                "steps, epoch // 3.")
    if hint is not None:
        return verdict(False, "", hint)
    return _compare(got, want, "the lr LambdaLR gives per epoch", "epoch")


def check_two_argument_port(make_scheduler: Any) -> Verdict:
    """Exercise 2: a function optimizer -> torch scheduler giving keras_warm_then_decay's lrs from 1e-3."""
    problem = _build_check(make_scheduler)
    if problem is not None:
        return verdict(False, "", problem)
    lrs, lr = [], TWO_ARGUMENT_BASE_LR
    for e in range(EPOCHS):
        lr = keras_warm_then_decay(e, lr)
        lrs.append(lr)
    want = np.array(lrs)
    try:
        got = _trace(make_scheduler, TWO_ARGUMENT_BASE_LR, EPOCHS, "epoch")
    except Exception as exc:
        return verdict(False, "", f"your scheduler failed while stepping: {type(exc).__name__}: {exc}")
    if _same(got * 2.0, want):
        return verdict(False, "", "your lrs are Keras's divided by 2, the ratio of epoch 0: Keras applies the "
                       "two-argument schedule already at epoch 0 (doubling 1e-3 to 2e-3), MultiplicativeLR "
                       "only from epoch 1. Use a factor that includes epoch 0.")
    hint = _common_mistake(got, want, TWO_ARGUMENT_BASE_LR, "epoch")
    if hint is not None:
        return verdict(False, "", hint)
    return _compare(got, want, "the lr per epoch", "epoch")


def check_decay_per_step(make_scheduler: Any) -> Verdict:
    """Exercise 3: a torch scheduler, stepped every batch, equal to Keras ExponentialDecay(0.1, 50, 0.5)."""
    problem = _build_check(make_scheduler, "make_per_step")
    if problem is not None:
        return verdict(False, "", problem)
    steps = 200
    want = exponential_decay(np.arange(steps), initial_learning_rate=0.1, decay_steps=50, decay_rate=0.5)
    try:
        got = _trace(make_scheduler, 0.1, steps, "step")
    except Exception as exc:
        return verdict(False, "", f"your scheduler failed while stepping: {type(exc).__name__}: {exc}")
    stair = exponential_decay(np.arange(steps), 0.1, 50, 0.5, staircase=True)
    if _same(got, stair):
        return verdict(False, "", "that is the staircase version (StepLR): ExponentialDecay without "
                       "staircase decays a little at every step, by 0.5 ** (1 / 50) each time.")
    if np.isclose(got[1], 0.05, rtol=1e-6):
        return verdict(False, "", "gamma=0.5 halves the lr at every step; Keras halves it every 50 steps.")
    hint = _common_mistake(got, want, 0.1, "step")
    if hint is not None:
        return verdict(False, "", hint)
    return _compare(got, want, "the lr per step", "step")
