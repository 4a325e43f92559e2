"""Checkers for lesson 06 (the Keras habit that squares the PyTorch learning rate).

Each prints "Correct: ..." or "Not yet: ..." and returns a ``Verdict`` (true only for
a right answer); none raises on a wrong answer. Besides comparing the lrs, each
recognises the lesson's typical mistakes: an lr returned where a factor is wanted
(the squaring trap), a curve one epoch early or late, a constant factor off. The
exercises ask for the port worked out by hand, so an answer that hands the work to
``lrlessons.keras_bridge`` (``to_lambda_lr``, ``torch_scheduler_for``) is sent back.
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
#: How close a right answer's lrs must be: float32 precision, the lesson's own tolerance
#: (section 7), so that a factor or a gamma computed in float32 (np.float32, a float32
#: tensor) counts as right: a float32 gamma, compounded over 200 steps, is 1.3e-6 off.
RTOL = 2e-6


def keras_step_decay(epoch: int) -> float:
    """Exercise 1's Keras schedule, the tutorials' classic step decay (returns the lr itself).

    ``0.01 * 0.5 ** ((1 + epoch) // 3)``: the ``1 + epoch`` makes it halve at epochs 2, 5, 8, 11.
    """
    return STEP_DECAY_BASE_LR * 0.5 ** ((1 + epoch) // 3)


def keras_warm_then_decay(epoch: int, lr: float) -> float:
    """Exercise 2's two-argument Keras schedule: double the lr for 3 epochs, then take 20% off each epoch."""
    return lr * 2.0 if epoch < 3 else lr * 0.8


def _same(a: np.ndarray, b: np.ndarray, rtol: float = RTOL) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=0))


def _more_than(rel: float, limit: float) -> str:
    """``rel`` with as few significant digits (2 or more) as show that it is above ``limit``."""
    for digits in (2, 3, 4, 6):
        text = f"{rel:.{digits}g}"
        if float(text) > limit:
            return text
    return repr(float(rel))


def _compare(got: np.ndarray, want: np.ndarray, what: str, unit: str, extra: str = "") -> Verdict:
    """Right when every lr is within RTOL of the expected one; else the first difference, in full digits."""
    close = np.isclose(got, want, rtol=RTOL, atol=0)
    if close.all():
        return verdict(True, f"all {want.size} lrs match (within {RTOL:g} relative, float32 precision).{extra}",
                       "")
    i = int(np.argmin(close))
    rel = abs(got[i] / want[i] - 1) if want[i] else float("inf")
    return verdict(False, "", f"{what} first differs at {unit} {i}: got {got[i]:.9g}, expected {want[i]:.9g} "
                   f"(relative difference {_more_than(rel, RTOL)}, more than the {RTOL:g} allowed).")


def _names(code: Any) -> set[str]:
    """Every global or attribute name a function's code (and the code nested in it) refers to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names(const)
    return names


def _from_bridge(fn: Any) -> bool:
    """True for a function made by ``lrlessons.keras_bridge`` (``to_lambda_lr`` returns one)."""
    return getattr(fn, "__module__", None) == "lrlessons.keras_bridge"


def _lr_functions(scheduler: Any) -> list:
    """The functions a torch scheduler calls (LambdaLR's, MultiplicativeLR's), also inside combinations."""
    found = list(getattr(scheduler, "lr_lambdas", []) or [])
    for inner in getattr(scheduler, "_schedulers", []) or []:
        found += _lr_functions(inner)
    return found


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
    if _from_bridge(factor):
        return verdict(False, "", "that is keras_bridge.to_lambda_lr, which does the port for you: write the "
                       "factor yourself, as a formula in epoch (the lr Keras uses, divided by 0.01).")
    want = np.array([keras_step_decay(e) for e in range(EPOCHS)])
    try:
        from torch.optim.lr_scheduler import LambdaLR
        got = _trace(lambda opt: LambdaLR(opt, factor), STEP_DECAY_BASE_LR, EPOCHS, "epoch")
    except Exception as exc:  # the learner's function failed: say how
        return verdict(False, "", f"LambdaLR could not use your function: {type(exc).__name__}: {exc}")
    epochs = np.arange(EPOCHS)
    if _same(got, STEP_DECAY_BASE_LR * 0.5 ** (epochs // 3)):
        return verdict(False, "", "your lr halves at epochs 3, 6 and 9, as StepLR(step_size=3) would; Keras's "
                       "function adds 1 to the epoch before dividing by 3: where does that move the drops?")
    hint = _common_mistake(got, want, STEP_DECAY_BASE_LR, "epoch")
    if hint is None and np.all(np.diff(got) < 0):
        hint = ("your lr falls a little every epoch; Keras's halves in one go every 3 epochs: use whole "
                "steps (//).")
    if hint is not None:
        return verdict(False, "", hint)
    right = np.isclose(got, want, rtol=RTOL, atol=0).all()
    code = getattr(factor, "__code__", None)
    if right and code is not None and "keras_step_decay" in _names(code):
        return verdict(False, "", "your factor calls keras_step_decay and divides: that recipe works, but "
                       "the exercise asks for the factor as a formula in epoch. When does the lr halve?")
    halves = [e for e in range(1, EPOCHS) if want[e] < want[e - 1]]
    return _compare(got, want, "the lr LambdaLR gives per epoch", "epoch",
                    f" The lr halves at epochs {', '.join(map(str, halves[:-1]))} and {halves[-1]}.")


def check_two_argument_port(make_scheduler: Any) -> Verdict:
    """Exercise 2: a function optimizer -> torch scheduler giving keras_warm_then_decay's lrs from 1e-3."""
    problem = _build_check(make_scheduler)
    if problem is not None:
        return verdict(False, "", problem)
    import torch

    probe = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=TWO_ARGUMENT_BASE_LR)
    try:
        built = make_scheduler(probe)
    except Exception:  # reported below, where the schedule is stepped
        built = None
    if any(_from_bridge(fn) for fn in _lr_functions(built)):
        return verdict(False, "", "your scheduler uses keras_bridge.to_lambda_lr, which does the port for you: "
                       "write the factor by hand, a formula in epoch (the lr Keras uses in each epoch, "
                       "divided by 1e-3).")
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


#: Exercise 3's Keras schedule: ExponentialDecay(0.1, decay_steps=40, decay_rate=0.2).
DECAY_STEPS, DECAY_RATE = 40, 0.2


def check_decay_per_step(make_scheduler: Any) -> Verdict:
    """Exercise 3: a torch scheduler, stepped every batch, equal to Keras ExponentialDecay(0.1, 40, 0.2)."""
    problem = _build_check(make_scheduler, "make_per_step")
    if problem is not None:
        return verdict(False, "", problem)
    import torch

    probe = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.2)  # a scheduler keeps this base lr
    try:
        make_scheduler(probe)
    except Exception:  # reported below, where the schedule is stepped
        pass
    if probe.param_groups[0].get("initial_lr", 0.2) != 0.2:
        return verdict(False, "", "your function sets the optimizer's lr itself, as "
                       "keras_bridge.torch_scheduler_for does: write the torch scheduler yourself (which class, "
                       "which arguments?) and let it scale the optimizer's lr.")
    steps = 200
    want = exponential_decay(np.arange(steps), initial_learning_rate=0.1, decay_steps=DECAY_STEPS,
                             decay_rate=DECAY_RATE)
    try:
        got = _trace(make_scheduler, 0.1, steps, "step")
    except Exception as exc:
        return verdict(False, "", f"your scheduler failed while stepping: {type(exc).__name__}: {exc}")
    stair = exponential_decay(np.arange(steps), 0.1, DECAY_STEPS, DECAY_RATE, staircase=True)
    if _same(got, stair):
        return verdict(False, "", "that is the staircase version (StepLR): ExponentialDecay without "
                       "staircase decays a little at every step, by the same factor each time.")
    if np.isclose(got[1], 0.1 * DECAY_RATE, rtol=1e-6):
        return verdict(False, "", f"gamma={DECAY_RATE} multiplies the lr by {DECAY_RATE} at every step; Keras "
                       f"does that once every {DECAY_STEPS} steps.")
    hint = _common_mistake(got, want, 0.1, "step")
    if hint is not None:
        return verdict(False, "", hint)
    return _compare(got, want, "the lr per step", "step")
