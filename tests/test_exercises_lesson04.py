"""Lesson 04's checkers accept the right answers and explain the likely wrong ones.

Every checker compares with torch at run time, so these tests also pin what torch does.
"""
import math

import numpy as np
import pytest
import torch

from lrlessons.exercises import Verdict, lesson04


def said(capsys) -> str:
    """What the checker printed, with a wrapped verdict joined back into one line."""
    out = capsys.readouterr().out
    assert all(len(line) <= 100 for line in out.splitlines()), out  # fits a projector
    return " ".join(out.split())


def check(capsys, checker, answer, hint):
    """The checker rejects ``answer`` with a Verdict and prints ``hint`` in its "Not yet" line."""
    result = checker(answer)
    out = said(capsys)
    assert isinstance(result, Verdict) and not result, (answer, out)
    assert out.startswith("Not yet: ") and hint in out, (hint, out)


# ----------------------------------------------------------------------------- 04a, exercise 1
def step_right(lr, t, step_size, gamma):
    return lr * gamma if t % step_size == 0 else lr


def test_step_rule_accepts_the_rule(capsys):
    result = lesson04.check_step_rule(step_right)
    assert isinstance(result, Verdict) and result
    assert said(capsys).startswith("Correct: all 50 lrs match torch's StepLR")


@pytest.mark.parametrize("other_type", [
    lambda lr, t, s, g: np.float64(step_right(lr, t, s, g)),
    lambda lr, t, s, g: np.where(t % s == 0, lr * g, lr),              # a 0-d array
    lambda lr, t, s, g: np.float32(step_right(lr, t, s, g)),           # float32: right to its precision
    lambda lr, t, s, g: torch.tensor(lr) * (g if t % s == 0 else 1.0),  # a 0-d float32 tensor
    lambda lr, t, s, g: torch.tensor(step_right(lr, t, s, g), dtype=torch.float64),
])
def test_step_rule_accepts_numpy_and_torch_numbers(capsys, other_type):
    assert lesson04.check_step_rule(lambda lr, t, step_size, gamma: other_type(lr, t, step_size, gamma))
    assert said(capsys).startswith("Correct")


@pytest.mark.parametrize("wrong, hint", [
    (lambda lr, t, step_size, gamma: lr * gamma, "multiplies at every step"),
    (lambda lr, t, step_size, gamma: lr, "never changes the lr"),
    (lambda lr, t, step_size, gamma: lr * gamma if (t + 1) % step_size == 0 else lr, "one step too early"),
    (lambda lr, t, step_size, gamma: lr * gamma if t > 1 and (t - 1) % step_size == 0 else lr,
     "one step too late"),
    (lambda lr, t, step_size, gamma: lr * gamma ** (t // step_size), "decays pile up"),
    (lambda lr, t, step_size, gamma: lr * gamma if t >= step_size else lr, "once t reaches step_size"),
    (lambda lr, t, step_size, gamma: 0.1 * gamma ** (t // step_size), "ignores the lr it is given"),
    (lambda lr, t, step_size, gamma: lr * 0.9 if t % step_size == 0 else lr, "first differs from torch at t=7"),
    # a float32-sized error is accepted only from a float32 answer; from a float64 one it is wrong,
    # and the message shows enough digits to see the difference
    (lambda lr, t, step_size, gamma: step_right(lr, t, step_size, gamma) * (1 + 1e-7),
     "at t=1: got 0.10000001, expected 0.1"),
    (lambda lr, t, step_size, gamma: None, "returned None"),
    (lambda lr, t, step_size, gamma: [lr], "returned list"),
    (lambda lr, t, step_size, gamma: np.array([lr, lr]), "returned ndarray"),
    (lambda lr, t, step_size, gamma: lr / 0, "ZeroDivisionError"),
    (lambda lr, t: lr, "raised TypeError"),
    (..., "define rule("),
    (0.05, "define rule("),
])
def test_step_rule_explains_wrong_answers(capsys, wrong, hint):
    check(capsys, lesson04.check_step_rule, wrong, hint)


# ----------------------------------------------------------------------------- 04a, exercise 2
def rsqrt_right(t, hold):
    return math.sqrt(max(t - 1, hold) / max(t, hold))


@pytest.mark.parametrize("right", [
    rsqrt_right,
    lambda t, hold: 1 if t <= hold else math.sqrt((t - 1) / t),     # the same, by cases
    lambda t, hold: np.float32(rsqrt_right(t, hold)),                 # float32: right to its precision
    lambda t, hold: torch.sqrt(torch.tensor(max(t - 1, hold) / max(t, hold))),
    lambda t, hold: np.sqrt(np.array(max(t - 1, hold) / max(t, hold))),
])
def test_rsqrt_factor_accepts_the_ratio(capsys, right):
    assert lesson04.check_rsqrt_factor(right)
    assert said(capsys).startswith("Correct: MultiplicativeLR with your factor follows")


def _rsqrt(t, hold):
    return math.sqrt(hold / max(t, hold))


@pytest.mark.parametrize("wrong, hint", [
    (_rsqrt, "that is what LambdaLR wants"),
    (lambda t, hold: _rsqrt(t - 1, hold) / _rsqrt(t, hold), "upside down"),
    (lambda t, hold: math.sqrt((t - 1) / t), "your decay starts at t = 1"),
    (lambda t, hold: _rsqrt(t + 1, hold) / _rsqrt(t, hold), "off by one step"),
    (lambda t, hold: 1 if t < hold else math.sqrt((t - 1) / t),
     "with hold=4, MultiplicativeLR with your factor first leaves the curve at t=4"),
    (lambda t, hold: rsqrt_right(t, hold) * (1 + 1e-7), "at t=1: lr = 1.0000001 x base_lr"),
    (lambda t, hold: None, "returned None"),
    (lambda t, hold: "0.9", "returned str"),
    (lambda t, hold: 1 / (t - 1), "raised ZeroDivisionError at t=1 (hold=4)"),
    (..., "define factor("),
])
def test_rsqrt_factor_explains_wrong_answers(capsys, wrong, hint):
    check(capsys, lesson04.check_rsqrt_factor, wrong, hint)


# ----------------------------------------------------------------------------- 04b, exercise 1
def _ratio(t, T_max):
    return (1 + math.cos(math.pi * t / T_max)) / (1 + math.cos(math.pi * (t - 1) / T_max))


def _after_min(t, T_max):
    return (t - 1 - T_max) % (2 * T_max) == 0


def _climb(base_lr, T_max, eta_min):
    return (base_lr - eta_min) * (1 - math.cos(math.pi / T_max)) / 2


def _closed(t, base_lr, T_max, eta_min):
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2


def cosine_right(lr, t, base_lr, T_max, eta_min):
    if _after_min(t, T_max):
        return lr + _climb(base_lr, T_max, eta_min)
    return eta_min + _ratio(t, T_max) * (lr - eta_min)


def cosine_by_differences(lr, t, base_lr, T_max, eta_min):
    """The same rule found another way: add the closed form's rise where the ratio is 0/0."""
    f = lambda k: _closed(k, base_lr, T_max, eta_min)  # noqa: E731
    if (t - 1) % (2 * T_max) == T_max:
        return lr + f(t) - f(t - 1)
    return eta_min + (lr - eta_min) * (f(t) - eta_min) / (f(t - 1) - eta_min)


def cosine_float32(lr, t, base_lr, T_max, eta_min):
    return np.float32(cosine_right(lr, t, base_lr, T_max, eta_min))


def cosine_torch(lr, t, base_lr, T_max, eta_min):
    cos = lambda x: torch.cos(torch.tensor(x))  # noqa: E731  (float32 tensors)
    if _after_min(t, T_max):
        return lr + (base_lr - eta_min) * (1 - cos(math.pi / T_max)) / 2
    return eta_min + (1 + cos(math.pi * t / T_max)) / (1 + cos(math.pi * (t - 1) / T_max)) * (lr - eta_min)


@pytest.mark.parametrize("right", [cosine_right, cosine_by_differences, cosine_float32, cosine_torch])
def test_cosine_rule_accepts_the_recursion(capsys, right):
    assert lesson04.check_cosine_rule(right)
    assert said(capsys) == ("Correct: all 32 lrs match torch, also when something else halves the lr "
                            "(after steps 5 and 10).")


@pytest.mark.parametrize("wrong, hint", [
    (lambda lr, t, base_lr, T_max, eta_min: _closed(t, base_lr, T_max, eta_min),
     "ignores the lr it is given (it is the closed form)"),
    # right everywhere but on the step after a minimum, where it sets the closed form's value: only
    # the halving after step 10 (the first minimum) tells it from torch
    (lambda lr, t, base_lr, T_max, eta_min:
        _closed(t, base_lr, T_max, eta_min) if _after_min(t, T_max) else eta_min + _ratio(t, T_max) * (lr - eta_min),
     "the halving after step 10 is lost"),
    (lambda lr, t, base_lr, T_max, eta_min: eta_min + _ratio(t, T_max) * (lr - eta_min), "divides by zero"),
    (lambda lr, t, base_lr, T_max, eta_min:
        eta_min + (lr - eta_min) * (1 + np.cos(np.pi * t / T_max)) / (1 + np.cos(np.pi * (t - 1) / T_max)),
     "gives inf or nan"),
    (lambda lr, t, base_lr, T_max, eta_min:
        lr + _climb(base_lr, T_max, eta_min) if _after_min(t, T_max) else lr * _ratio(t, T_max),
     "scales the whole lr"),
    (lambda lr, t, base_lr, T_max, eta_min:
        base_lr if _after_min(t, T_max) else eta_min + _ratio(t, T_max) * (lr - eta_min),
     "restarts at base_lr"),
    (lambda lr, t, base_lr, T_max, eta_min:
        lr if _after_min(t, T_max) else eta_min + _ratio(t, T_max) * (lr - eta_min),
     "stays at eta_min"),
    (lambda lr, t, base_lr, T_max, eta_min:
        lr + _climb(base_lr, T_max, eta_min) if t == T_max + 1 else eta_min + _ratio(t, T_max) * (lr - eta_min),
     "divides by zero"),  # only the first minimum handled: the third one divides by zero
    (lambda lr, t, base_lr, T_max, eta_min: cosine_right(lr, t, base_lr, T_max, eta_min) * (1 + 1e-7),
     "first differs from torch at t=1"),
    (lambda lr, t, base_lr, T_max, eta_min: None, "returned None"),
    (lambda lr, t, base_lr, T_max, eta_min: torch.ones(2), "returned Tensor"),
    (..., "define rule("),
])
def test_cosine_rule_explains_wrong_answers(capsys, wrong, hint):
    check(capsys, lesson04.check_cosine_rule, wrong, hint)


# ----------------------------------------------------------------------------- 04b, exercise 2
RIGHT = {"CyclicLR": "overwrites", "ReduceLROnPlateau": "multiplies", "CosineAnnealingLR": "multiplies",
         "CosineAnnealingLR, eta_min=0.01": "neither", "CosineAnnealingLR, past T_max=4": "neither"}


def test_composes_accepts_the_experiment(capsys):
    assert lesson04.check_composes(RIGHT) and said(capsys).startswith("Correct: all 5")
    sloppy = {name: f" {v.capitalize()} " for name, v in RIGHT.items()}  # case and spaces do not matter
    assert lesson04.check_composes(sloppy) and said(capsys).startswith("Correct")


def test_composes_truth_is_the_table():
    """The checker's truth and the table the solution prints come from the same experiment."""
    after = lesson04.composition_table().iloc[:, 0]
    assert {name: after[name] for name in RIGHT} == RIGHT


@pytest.mark.parametrize("wrong, hint", [
    ({**RIGHT, "CosineAnnealingLR, eta_min=0.01": "multiplies"}, "1 of 5 wrong (CosineAnnealingLR, eta_min=0.01)"),
    ({name: "multiplies" for name in RIGHT},
     "3 of 5 wrong (CyclicLR; CosineAnnealingLR, eta_min=0.01; CosineAnnealingLR, past T_max=4)"),
    ({name: "overwrites" for name in RIGHT}, "4 of 5 wrong"),
    ({name: ... for name in RIGHT}, "still empty for CyclicLR; ReduceLROnPlateau; CosineAnnealingLR;"),
    ({"CyclicLR": "overwrites"}, "still empty for ReduceLROnPlateau;"),
    ({**RIGHT, "CyclicLR": "chains"}, "got 'chains' for CyclicLR"),
    ({**RIGHT, "ReduceLROnPlateau": True}, "got True for ReduceLROnPlateau"),
    (..., "give a dict"),
    ([("CyclicLR", "overwrites")], "give a dict"),
])
def test_composes_explains_wrong_answers(capsys, wrong, hint):
    check(capsys, lesson04.check_composes, wrong, hint)


# ----------------------------------------------------------------------------- the lesson's helpers
def test_helpers_name_the_bad_argument():
    with pytest.raises(ValueError, match="name='StepLr'.*'StepLR'"):
        lesson04.show_source("StepLr")
    with pytest.raises(ValueError, match="name='LRScheduler'.*concrete"):
        lesson04.verify("LRScheduler")
    with pytest.raises(TypeError, match="result=3.*Verified"):
        lesson04.plot_verified(3)


def test_show_source_puts_torch_beside_the_twin():
    page = lesson04.show_source("StepLR").data
    assert page.count("<tr>") == 1 + len(lesson04.METHODS["StepLR"])  # header + one row per method
    assert "lrlessons.reference.StepLR" in page and "def get_lr(self)" in page
    assert "overflow-x:auto" in page  # wide code scrolls inside the output
    base = lesson04.show_source("LRScheduler").data  # 04a section 1 reads the constructor's own step
    assert "def _initial_step(self)" in base and "_initial_mode" in base and "def _update_lr(self" in base


def test_verify_reports_the_gaps():
    result = lesson04.verify("StepLR", 30, step_size=7, gamma=0.5)
    assert result.twin_gap == 0 and result.formula_gap < 1e-12 and result.torch.lrs.shape == (30, 2)
    assert result.ok
    import dataclasses
    assert not dataclasses.replace(result, formula=result.formula + 1e-9).ok  # a formula off by 1e-9 fails
    assert "within 1e-12: NO" in str(dataclasses.replace(result, formula=result.formula + 1e-9))
    assert str(result) == ("StepLR, 30 steps x 2 param groups\n"
                           "  twin vs torch bit for bit: yes | lrlessons.formulas vs torch within 1e-12: yes")
    wrapped = lesson04.verify("ChainedScheduler", 10, build=lambda m, o: m.ChainedScheduler([m.StepLR(o, 3)]))
    assert str(wrapped).endswith("twin vs torch bit for bit: yes | no formula in lrlessons.formulas")
    assert all(len(line) <= 100 for r in (result, wrapped) for line in str(r).splitlines())


def test_plot_grid_draws_one_small_panel_per_result():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    results = {"StepLR": lesson04.verify("StepLR", 20, step_size=5),
               "ExponentialLR": lesson04.verify("ExponentialLR", 20, gamma=0.9),
               "LinearLR": lesson04.verify("LinearLR", 20)}
    fig = lesson04.plot_grid(results, log=("ExponentialLR",))
    visible = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title() for ax in visible] == list(results)
    assert visible[1].get_yscale() == "log" and visible[0].get_yscale() == "linear"
    assert fig.get_figwidth() <= 8 and len(fig.axes) == 4  # 2 x 2, the fourth panel switched off
    plt.close(fig)
    with pytest.raises(TypeError, match="results="):
        lesson04.plot_grid({})
