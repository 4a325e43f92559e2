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


def sequential(t_max=45, milestone=5, total_iters=5, start_factor=0.01):
    return lambda o: SequentialLR(o, [LinearLR(o, start_factor=start_factor, total_iters=total_iters),
                                      CosineAnnealingLR(o, T_max=t_max)], milestones=[milestone])


def chained(t_max):
    return lambda o: ChainedScheduler([LinearLR(o, start_factor=0.01, total_iters=5),
                                       CosineAnnealingLR(o, T_max=t_max)])


def by_hand(epoch):
    return 0.01 + 0.99 * epoch / 5 if epoch < 5 else 0.5 * (1 + math.cos(math.pi * (epoch - 5) / 45))


@pytest.mark.parametrize("right", [sequential(), lambda o: LambdaLR(o, by_hand)])
def test_warmup_then_cosine_right(capsys, right):
    assert lesson07.check_warmup_then_cosine(right)
    assert said(capsys) == ("Correct: 5 epochs up from 0.001 to 0.1, then the cosine starts from its own "
                            "step 0 and reaches 0 at epoch 50.")


@pytest.mark.parametrize("wrong, hint", [
    (chained(50), "that is the chained version"),
    (chained(45), "multiply (chained)"),
    (sequential(50), "must last the remaining 45 epochs (T_max=45)"),
    (sequential(44), "T_max=44, so it reaches 0 at epoch 49"),
    (sequential(60), "T_max=60, so it reaches 0 at epoch 65"),
    (lambda o: CosineAnnealingLR(o, T_max=50), "there is no warmup"),
    (sequential(start_factor=0.1), "at epoch 0 your schedule gives 0.01, expected 0.001"),
    (sequential(milestone=4, total_iters=4), "at epoch 1 your schedule gives"),
    (lambda o: LinearLR(o, start_factor=0.01, total_iters=5), "at epoch 6 your schedule gives 0.1"),
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

    expected = lesson07._expected_warmup_cosine(50, 5, 0.01, 0.1)
    for name, make in [("sequential", sequential()), ("chained", chained(50)),
                       ("chained, T_max=45", chained(45)), ("sequential, T_max=50", sequential(50)),
                       ("no warmup", lambda o: CosineAnnealingLR(o, T_max=50))]:
        np.testing.assert_allclose(trace(make, epochs=50).lr, expected[name], rtol=1e-9, atol=1e-12, err_msg=name)


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
    ex = explore("torch", "SequentialLR", start_factor=1.0, milestone=1, T_max=10)
    assert not lesson07.check_warmup_then_cosine(ex)
    assert said(capsys).startswith("Not yet: ")
    assert lesson07.check_warmup_then_cosine(ex.set_many(start_factor=0.01, milestone=5, T_max=45))
    assert said(capsys).startswith("Correct: 5 epochs up from 0.001 to 0.1")
    assert not lesson07.check_warmup_then_cosine(ex.set("interval", "step"))
    assert "set 'step() every' to epoch" in said(capsys)
    assert not lesson07.check_warmup_then_cosine(ex.set("scheduler", "ChainedScheduler"))
    assert "that is the chained version" in said(capsys)
    assert not lesson07.check_warmup_then_cosine(explore("keras", "CosineDecay"))
    assert "a torch schedule" in said(capsys)
