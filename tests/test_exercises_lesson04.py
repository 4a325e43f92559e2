"""Lesson 04's checkers accept the right answers and explain the likely wrong ones.

Every checker compares with torch at run time, so these tests also pin what torch does.
"""
import math

import numpy as np
import pytest

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


@pytest.mark.parametrize("wrong, hint", [
    (lambda lr, t, step_size, gamma: lr * gamma, "multiplies at every step"),
    (lambda lr, t, step_size, gamma: lr, "never changes the lr"),
    (lambda lr, t, step_size, gamma: lr * gamma if (t + 1) % step_size == 0 else lr, "one step too early"),
    (lambda lr, t, step_size, gamma: lr * gamma if t > 1 and (t - 1) % step_size == 0 else lr,
     "one step too late"),
    (lambda lr, t, step_size, gamma: lr * gamma ** (t // step_size), "decays pile up"),
    (lambda lr, t, step_size, gamma: 0.1 * gamma ** (t // step_size), "ignores the lr it is given"),
    (lambda lr, t, step_size, gamma: lr * 0.9 if t % step_size == 0 else lr, "first differs from torch at t=7"),
    (lambda lr, t, step_size, gamma: None, "returned None"),
    (lambda lr, t, step_size, gamma: [lr], "returned list"),
    (lambda lr, t, step_size, gamma: lr / 0, "ZeroDivisionError"),
    (lambda lr, t: lr, "raised TypeError"),
    (..., "define rule("),
    (0.05, "define rule("),
])
def test_step_rule_explains_wrong_answers(capsys, wrong, hint):
    check(capsys, lesson04.check_step_rule, wrong, hint)


# ----------------------------------------------------------------------------- 04a, exercise 2
def linear_right(t, start_factor, end_factor, total_iters):
    def line(k):
        return start_factor + (end_factor - start_factor) * k / total_iters
    return line(t) / line(t - 1)


def test_linear_multiplier_accepts_the_ratio_in_both_forms(capsys):
    assert lesson04.check_linear_multiplier(linear_right)
    assert said(capsys).startswith("Correct: your multiplier reproduces torch's LinearLR ratio")
    torch_form = lambda t, s, e, n: 1 + (e - s) / (n * s + (t - 1) * (e - s))  # noqa: E731
    assert lesson04.check_linear_multiplier(torch_form) and said(capsys).startswith("Correct")


def _line(t, s, e, n):
    return s + (e - s) * t / n


@pytest.mark.parametrize("wrong, hint", [
    (lambda t, s, e, n: _line(t, s, e, n), "that is the line's value at t"),
    (lambda t, s, e, n: _line(t - 1, s, e, n) / _line(t, s, e, n), "upside down"),
    (lambda t, s, e, n: _line(t, s, e, n) - _line(t - 1, s, e, n), "that is the increment"),
    (lambda t, s, e, n: 1 + (e - s) / (n * s + t * (e - s)), "off by one step"),
    # right only while rising: the falling setting (end_factor < start_factor) catches it
    (lambda t, s, e, n: 1 + abs(e - s) / (n * s + (t - 1) * abs(e - s)), "start_factor=1, end_factor=0.2"),
    (lambda t, s, e, n: None, "returned None"),
    (lambda t, s, e, n: "1.2", "returned str"),
    (lambda t, s, e, n: 1 / (t - 1), "raised ZeroDivisionError at t=1"),
    (..., "define multiplier("),
])
def test_linear_multiplier_explains_wrong_answers(capsys, wrong, hint):
    check(capsys, lesson04.check_linear_multiplier, wrong, hint)


# ----------------------------------------------------------------------------- 04b, exercise 1
def _ratio(t, T_max):
    return (1 + math.cos(math.pi * t / T_max)) / (1 + math.cos(math.pi * (t - 1) / T_max))


def _after_min(t, T_max):
    return (t - 1 - T_max) % (2 * T_max) == 0


def _climb(base_lr, T_max, eta_min):
    return (base_lr - eta_min) * (1 - math.cos(math.pi / T_max)) / 2


def cosine_right(lr, t, base_lr, T_max, eta_min):
    if _after_min(t, T_max):
        return lr + _climb(base_lr, T_max, eta_min)
    return eta_min + _ratio(t, T_max) * (lr - eta_min)


def test_cosine_rule_accepts_the_recursion(capsys):
    assert lesson04.check_cosine_rule(cosine_right)
    assert said(capsys) == "Correct: all 32 lrs match torch, also when something else halves the lr midway."


@pytest.mark.parametrize("wrong, hint", [
    (lambda lr, t, base_lr, T_max, eta_min: eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2,
     "ignores the lr it is given (it is the closed form)"),
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
    (lambda lr, t, base_lr, T_max, eta_min: None, "returned None"),
    (..., "define rule("),
])
def test_cosine_rule_explains_wrong_answers(capsys, wrong, hint):
    check(capsys, lesson04.check_cosine_rule, wrong, hint)


# ----------------------------------------------------------------------------- 04b, exercise 2
RIGHT = {"StepLR": "multiplies", "LambdaLR": "overwrites", "PolynomialLR": "multiplies", "OneCycleLR": "overwrites"}


def test_composes_accepts_the_experiment(capsys):
    assert lesson04.check_composes(RIGHT) and said(capsys).startswith("Correct: all four")
    sloppy = {name: f" {v.capitalize()} " for name, v in RIGHT.items()}  # case and spaces do not matter
    assert lesson04.check_composes(sloppy) and said(capsys).startswith("Correct")


@pytest.mark.parametrize("wrong, hint", [
    ({**RIGHT, "LambdaLR": "multiplies"}, "1 of 4 wrong (LambdaLR)"),
    ({name: "multiplies" for name in RIGHT}, "2 of 4 wrong (LambdaLR, OneCycleLR)"),
    ({name: "overwrites" for name in RIGHT}, "2 of 4 wrong (StepLR, PolynomialLR)"),
    ({name: ... for name in RIGHT}, "still empty for StepLR, LambdaLR, PolynomialLR, OneCycleLR"),
    ({"StepLR": "multiplies"}, "still empty for LambdaLR, PolynomialLR, OneCycleLR"),
    ({**RIGHT, "StepLR": "chains"}, "got 'chains' for StepLR"),
    ({**RIGHT, "OneCycleLR": True}, "got True for OneCycleLR"),
    (..., "give a dict"),
    ([("StepLR", "multiplies")], "give a dict"),
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
