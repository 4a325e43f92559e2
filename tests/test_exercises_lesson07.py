"""Lesson 07's checkers accept the right answers and explain the likely wrong ones."""
import math

import numpy as np
import pytest
from torch.optim.lr_scheduler import ChainedScheduler, CosineAnnealingLR, LambdaLR, LinearLR, SequentialLR

import torch

from lrlessons.exercises import lesson07
from lrlessons.explorer import explore


def said(capsys) -> str:
    """What the checker printed, its lines (wrapped at 100 characters) joined again."""
    out = capsys.readouterr().out
    assert all(len(line) <= 100 for line in out.splitlines()), out
    return " ".join(out.split())


def test_restarts_and_end():
    lrs = [0.1, 0.05, 0.0, 0.1, 0.05, 0.0, 0.0, 0.0]
    assert lesson07.restarts_and_end(lrs) == ([3], 5)
    assert lesson07.restarts_and_end([0.1, 0.05, 0.1, 0.05]) == ([2], None)
    assert lesson07.restarts_and_end([0.0, 0.0]) == ([], 0)


@pytest.mark.parametrize("right", [3, 3.0, np.float32(3.0), torch.tensor(3.0)])
def test_cycle_mul_right(capsys, right):
    assert lesson07.check_cycle_mul(right)
    assert said(capsys) == (f"Correct: cycle_mul={right:g}: cycles of 10, 30 and 90 epochs, "
                            "restarts at epochs [10, 40] and lr_min for good from epoch 130.")


@pytest.mark.parametrize("wrong, hint", [
    (2.0, "restarts at epochs [10, 30] and lr_min for good from epoch 70"),  # the lesson's own example
    (1, "lr_min for good from epoch 30"),                                    # no stretching at all
    (13, "still inside a cycle at epoch 160"),                               # 130 / t_initial
    (4, "restarts at epochs [10, 50]"),
    (0.5, "shorter than the one before"),                                    # timm itself fails on these
    (1e-6, "shorter than the one before"),
    *[(bad, "positive, finite number") for bad in (0, -3, "3", True, math.nan, math.inf)],
    (..., "still empty"), (None, "still empty"),
])
def test_cycle_mul_wrong(capsys, wrong, hint):
    assert not lesson07.check_cycle_mul(wrong)
    out = said(capsys)
    assert out.startswith("Not yet: ") and hint in out, (wrong, out)
    if isinstance(wrong, (int, float)) and not isinstance(wrong, bool) and 1 <= wrong < math.inf:
        assert "three cycles must add up to 130" in out


def sequential(t_max=72, milestone=8, total_iters=8, start_factor=0.1, eta_min=0.001):
    return lambda o: SequentialLR(o, [LinearLR(o, start_factor=start_factor, total_iters=total_iters),
                                      CosineAnnealingLR(o, T_max=t_max, eta_min=eta_min)], milestones=[milestone])


def chained(t_max, eta_min=0.001):
    return lambda o: ChainedScheduler([LinearLR(o, start_factor=0.1, total_iters=8),
                                       CosineAnnealingLR(o, T_max=t_max, eta_min=eta_min)])


def by_hand(epoch):
    """The exercise's schedule as a factor of the lr 0.1 (eta_min = 0.001 is a factor 0.01)."""
    if epoch < 8:
        return 0.1 + 0.9 * epoch / 8
    return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * (epoch - 8) / 72))


@pytest.mark.parametrize("right", [sequential(), lambda o: LambdaLR(o, by_hand),
                                   sequential(t_max=np.int64(72), start_factor=np.float32(0.1).item(),
                                              eta_min=np.float64(0.001))])
def test_warmup_then_cosine_right(capsys, right):
    assert lesson07.check_warmup_then_cosine(right)
    assert said(capsys) == ("Correct: 8 epochs up from 0.01 to 0.1, then the cosine starts from its own "
                            "step 0 and reaches eta_min=0.001 at epoch 80.")


@pytest.mark.parametrize("wrong, hint", [
    (chained(80), "that is the chained version"),
    (chained(72), "multiply (chained)"),
    (sequential(80), "must last the remaining 72 epochs (T_max=72)"),
    (sequential(71), "T_max=71, so it reaches eta_min at epoch 79"),
    (sequential(90), "T_max=90, so it reaches eta_min at epoch 98"),
    (sequential(eta_min=0.0), "ends at 0 (eta_min=0): it should end at eta_min=0.001, 1% of the lr 0.1"),
    (sequential(eta_min=0.01), "ends at eta_min=0.01: it should end at eta_min=0.001, 1% of the lr 0.1 "
                               "(eta_min is an lr, not a fraction of it)"),
    (sequential(eta_min=0.005), "ends at eta_min=0.005: it should end at eta_min=0.001"),
    (sequential(t_max=45, milestone=5, total_iters=5, start_factor=0.01, eta_min=0.0),  # the section-4 numbers
     "at epoch 0 your schedule gives 0.001, expected 0.01"),
    (lambda o: CosineAnnealingLR(o, T_max=80, eta_min=0.001), "there is no warmup"),
    (sequential(start_factor=0.01), "at epoch 0 your schedule gives 0.001, expected 0.01"),
    (sequential(milestone=7, total_iters=7), "at epoch 1 your schedule gives"),
    (lambda o: LinearLR(o, start_factor=0.1, total_iters=8), "at epoch 9 your schedule gives 0.1"),
    (lambda o: 1 / 0, "raised ZeroDivisionError"),
    (lambda o: o, "stepping your scheduler raised TypeError"),
    (lambda o: None, "returns nothing yet"),
    (3, "define make_scheduler"), (..., "define make_scheduler"), (None, "define make_scheduler"),
])
def test_warmup_then_cosine_wrong(capsys, wrong, hint):
    assert not lesson07.check_warmup_then_cosine(wrong)
    out = said(capsys)
    assert out.startswith("Not yet: ") and hint in out, out


def test_expected_curves_are_what_torch_does():
    """The curves the checker recognises are the real torch combinations, not guesses."""
    from lrlessons.trace import trace

    expected = lesson07._expected_warmup_cosine(80, 8, 0.1, 0.1, 0.001)
    for name, make in [("sequential", sequential()), ("chained", chained(80)),
                       ("chained, T_max=72", chained(72)), ("sequential, T_max=80", sequential(80)),
                       ("no warmup", lambda o: CosineAnnealingLR(o, T_max=80, eta_min=0.001))]:
        np.testing.assert_allclose(trace(make, epochs=80).lr, expected[name], rtol=1e-9, atol=1e-12, err_msg=name)
    old = lesson07._expected_warmup_cosine(50, 5, 0.01, 0.1)  # other numbers, no eta_min: the same holds
    np.testing.assert_allclose(trace(sequential(45, 5, 5, 0.01, 0.0), epochs=50).lr, old["sequential"],
                               rtol=1e-9, atol=1e-12)


def test_warmup_then_cosine_other_numbers(capsys):
    """The checker's numbers are parameters: the section-4 schedule checks against its own."""
    assert lesson07.check_warmup_then_cosine(sequential(45, 5, 5, 0.01, 0.0), epochs=50, warmup=5,
                                             start_factor=0.01, eta_min=0.0)
    assert said(capsys).startswith("Correct: 5 epochs up from 0.001 to 0.1")


def test_cycle_mul_read_from_the_explorer(capsys):
    ex = explore("timm", "CosineLRScheduler", t_initial=10, cycle_limit=3, train_epochs=160, batches_per_epoch=1)
    assert not lesson07.check_cycle_mul(ex)
    assert "with cycle_mul=1.0 timm gives restarts at epochs [10, 20]" in said(capsys)
    assert lesson07.check_cycle_mul(ex.set("cycle_mul", 3.0))
    assert said(capsys).startswith("Correct: cycle_mul=3: cycles of 10, 30 and 90 epochs")
    assert not lesson07.check_cycle_mul(ex.set("t_initial", 20))
    assert "keeps t_initial=10 and cycle_limit=3" in said(capsys)
    assert not lesson07.check_cycle_mul(ex.set("scheduler", "TanhLRScheduler"))
    assert "pick timm's CosineLRScheduler" in said(capsys)


def test_warmup_then_cosine_read_from_the_explorer(capsys):
    ex = explore("torch", "SequentialLR", start_factor=1.0, milestone=1, T_max=10, train_epochs=80)
    assert not lesson07.check_warmup_then_cosine(ex)
    assert said(capsys).startswith("Not yet: ")
    assert not lesson07.check_warmup_then_cosine(ex.set_many(start_factor=0.1, milestone=8, T_max=72))
    assert "ends at 0 (eta_min=0)" in said(capsys)
    # every value of the answer is on the explorer's sliders, in their units
    assert lesson07.check_warmup_then_cosine(ex.set("eta_min", 0.001))
    assert said(capsys).startswith("Correct: 8 epochs up from 0.01 to 0.1")
    assert not lesson07.check_warmup_then_cosine(ex.set("interval", "step"))
    assert "set 'step() every' to epoch" in said(capsys)
    ex.set("interval", "epoch").set("scheduler", "ChainedScheduler")
    assert not lesson07.check_warmup_then_cosine(ex.set_many(start_factor=0.1, total_iters=8, T_max=80,
                                                             eta_min=0.001))
    assert "that is the chained version" in said(capsys)
    assert not lesson07.check_warmup_then_cosine(explore("keras", "CosineDecay"))
    assert "a torch schedule" in said(capsys)


def test_warmup_then_cosine_shows_the_difference_in_full(capsys):
    """A small difference is printed with enough digits to see it (never "gives 0.04, expected 0.04")."""
    assert not lesson07.check_warmup_then_cosine(lambda o: LambdaLR(o, lambda e: by_hand(e) * (1.00001 if e == 3
                                                                                                 else 1.0)))
    out = said(capsys)
    assert out.startswith("Not yet: at epoch 3 your schedule gives "), out
    got, want = out.removeprefix("Not yet: at epoch 3 your schedule gives ").rstrip(".").split(", expected ")
    assert got != want and float(want) == pytest.approx(0.1 * by_hand(3), rel=1e-9), out
