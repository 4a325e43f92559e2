"""Lesson 06's checkers accept the right answers and explain the likely wrong ones."""
import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as ts

import lrlessons  # noqa: F401  (before keras: sets its PyTorch backend)
from lrlessons import keras_bridge
from lrlessons.exercises import Verdict, lesson06

warm = lesson06.keras_warm_then_decay


def said(capsys) -> str:
    """What the checker printed, its lines (wrapped at 100 characters) joined again."""
    out = capsys.readouterr().out
    assert all(len(line) <= 100 for line in out.splitlines()), out
    return " ".join(out.split())


def test_step_decay_factor_right(capsys):
    for right in (lambda e: 0.5 ** ((e + 1) // 3), lambda epoch: 0.5 ** ((1 + epoch) // 3),
                  lambda e: 2.0 ** -((e + 1) // 3)):
        result = lesson06.check_step_decay_factor(right)
        assert isinstance(result, Verdict) and result
        assert said(capsys) == ("Correct: all 12 lrs match (within 2e-06 relative, float32 precision). "
                                "The lr halves at epochs 2, 5, 8 and 11.")


@pytest.mark.parametrize("copied, hint", [
    (lambda e: lesson06.keras_step_decay(e) / 0.01, "calls keras_step_decay and divides"),
    (keras_bridge.to_lambda_lr(lesson06.keras_step_decay, 0.01), "that is keras_bridge.to_lambda_lr"),
])
def test_step_decay_factor_asks_for_a_formula(capsys, copied, hint):
    """The recipe schedule(e) / base_lr is right, but the exercise asks for the factor as a formula."""
    assert not lesson06.check_step_decay_factor(copied)
    out = said(capsys)
    assert out.startswith("Not yet: ") and hint in out, out


@pytest.mark.parametrize("wrong, hint", [
    (lesson06.keras_step_decay, "returns the lr itself"),          # the lesson's trap
    (lambda e: 0.01 * 0.5 ** (e // 3), "the lr is squared"),
    (lambda e: 0.5 ** (e / 3), "use whole steps"),                 # smooth, not steps
    (lambda e: 0.5 ** ((e + 1) / 3), "use whole steps"),
    (lambda e: 0.5 ** (e // 3), "halves at epochs 3, 6 and 9, as StepLR"),  # the 1 + epoch dropped
    (lambda e: 0.5 ** ((e + 2) // 3), "one epoch early"),
    (lambda e: lesson06.keras_step_decay(e) / 0.001, "every lr is 10 times Keras's"),
    (lambda e: 0.5 ** ((e + 1) // 2), "first differs at epoch 1"),
    (..., "still empty"),
    (None, "still empty"),
    (0.5, "should be a function of the epoch"),
    (lambda: 1.0, "LambdaLR could not use your function"),
    (lambda e: "0.5", "LambdaLR could not use your function"),
])
def test_step_decay_factor_wrong(capsys, wrong, hint):
    result = lesson06.check_step_decay_factor(wrong)
    assert isinstance(result, Verdict) and not result
    out = said(capsys)
    assert out.startswith("Not yet: ") and hint in out, out


def test_two_argument_port_right(capsys):
    for right in (lambda o: ts.LambdaLR(o, lambda e: 2 ** min(e + 1, 3) * 0.8 ** max(e - 2, 0)),
                  lambda o: ts.LambdaLR(o, lambda e: np.float32(2 ** min(e + 1, 3) * 0.8 ** max(e - 2, 0))),
                  lambda o: ts.LambdaLR(o, lambda e: [2, 4, 8][e] if e < 3 else 8 * 0.8 ** (e - 2))):
        assert lesson06.check_two_argument_port(right)
        assert said(capsys) == "Correct: all 12 lrs match (within 2e-06 relative, float32 precision)."


@pytest.mark.parametrize("wrong, hint", [
    (lambda o: ts.MultiplicativeLR(o, lambda e: warm(e, 1.0)), "divided by 2, the ratio of epoch 0"),
    (lambda o: ts.LambdaLR(o, lambda e: warm(e, 1e-3)), "the lr is squared"),
    (lambda o: ts.LambdaLR(o, lambda e: 2 ** min(e, 3) * 0.8 ** max(e - 3, 0)), "one epoch late"),
    (lambda o: ts.MultiplicativeLR(o, lambda e: warm(e - 1, 1.0)), "one epoch late"),
    (lambda o: ts.LambdaLR(o, lambda e: 2 ** min(e + 2, 3) * 0.8 ** max(e - 1, 0)), "one epoch early"),
    (lambda o: ts.LambdaLR(o, lambda e: 2 * 2 ** min(e + 1, 3) * 0.8 ** max(e - 2, 0)), "every lr is 2 times"),
    (lambda o: ts.LambdaLR(o, lambda e: 2 ** min(e + 1, 3) * 0.9 ** max(e - 2, 0)), "first differs at epoch 3"),
    (keras_bridge.to_lambda_lr(warm, 1e-3), "wrap it, lambda optimizer: LambdaLR"),
    (lambda o: keras_bridge.to_lambda_lr(warm, 1e-3), "wrap it, lambda optimizer: LambdaLR"),
    (lambda o: 1 / 0, "ZeroDivisionError"),
    (..., "still empty"),
    (3, "should be a function optimizer -> scheduler"),
])
def test_two_argument_port_wrong(capsys, wrong, hint):
    assert not lesson06.check_two_argument_port(wrong)
    out = said(capsys)
    assert out.startswith("Not yet: ") and hint in out, out


@pytest.mark.parametrize("bridged", [
    lambda o: ts.LambdaLR(o, keras_bridge.to_lambda_lr(warm, base_lr=1e-3)),
    lambda o: ts.SequentialLR(o, [ts.LambdaLR(o, keras_bridge.to_lambda_lr(warm, base_lr=1e-3)),
                                  ts.ConstantLR(o, factor=1.0, total_iters=1)], milestones=[100]),
])
def test_two_argument_port_asks_for_the_factor_by_hand(capsys, bridged):
    """The bridge gives the right lrs (section 6), but the exercise asks for the factor by hand."""
    assert not lesson06.check_two_argument_port(bridged)
    out = said(capsys)
    assert out.startswith("Not yet: ") and "uses keras_bridge.to_lambda_lr" in out, out


def test_decay_per_step_right(capsys):
    for right in (lambda o: ts.ExponentialLR(o, gamma=0.2 ** (1 / 40)),
                  lambda o: ts.LambdaLR(o, lambda t: 0.2 ** (t / 40)),
                  lambda o: ts.ExponentialLR(o, gamma=np.float64(0.2) ** (1 / 40)),
                  # a gamma rounded to float32 is right: 8.6e-7 off after 200 steps, float32 precision
                  lambda o: ts.ExponentialLR(o, gamma=float(np.float32(0.2 ** (1 / 40)))),
                  lambda o: ts.ExponentialLR(o, gamma=torch.tensor(0.2 ** (1 / 40)).item())):
        assert lesson06.check_decay_per_step(right)
        assert said(capsys) == "Correct: all 200 lrs match (within 2e-06 relative, float32 precision)."


@pytest.mark.parametrize("wrong, hint", [
    (lambda o: ts.StepLR(o, 40, 0.2), "staircase version"),
    (lambda o: ts.ExponentialLR(o, 0.2), "multiplies the lr by 0.2 at every step"),
    (lambda o: ts.LambdaLR(o, lambda t: 0.1 * 0.2 ** (t / 40)), "the lr is squared"),
    (lambda o: ts.LambdaLR(o, lambda t: 0.2 ** ((t + 1) / 40)), "one step early"),
    (lambda o: ts.ExponentialLR(o, 1 - 0.2 / 40), "first differs at step 1"),
    (lambda o: ts.ExponentialLR(o, 0.2 ** (1 / 39)), "first differs at step 1"),
    (lambda o: ts.LambdaLR, "should return a torch scheduler"),
    (..., "make_per_step is still empty"),
    (None, "make_per_step is still empty"),
    (3, "make_per_step should be a function optimizer -> scheduler"),
])
def test_decay_per_step_wrong(capsys, wrong, hint):
    assert not lesson06.check_decay_per_step(wrong)
    out = said(capsys)
    assert out.startswith("Not yet: ") and hint in out, out


def test_decay_per_step_asks_for_the_scheduler_by_hand(capsys):
    """keras_bridge.torch_scheduler_for (section 7) builds the answer; the exercise asks for it by hand."""
    decay = keras_bridge.import_keras().optimizers.schedules.ExponentialDecay(0.1, 40, 0.2)
    assert not lesson06.check_decay_per_step(lambda o: keras_bridge.torch_scheduler_for(decay, o))
    out = said(capsys)
    assert out.startswith("Not yet: ") and "as keras_bridge.torch_scheduler_for does" in out, out


def test_relative_difference_shows_it_is_over_the_limit(capsys):
    """Just over the limit, the printed difference never reads as the limit itself."""
    assert not lesson06.check_decay_per_step(lambda o: ts.LambdaLR(o, lambda t: 0.2 ** (t / 40) * (
        1.0000021 if t == 7 else 1.0)))
    out = said(capsys)
    assert "first differs at step 7" in out and "relative difference 2.1e-06, more than the 2e-06 allowed" in out


def test_keras_schedules_as_stated():
    """The exercises' Keras schedules do what the lesson's text says."""
    assert [lesson06.keras_step_decay(e) for e in (0, 1, 2, 4, 5, 8)] == [0.01, 0.01, 0.005, 0.005, 0.0025,
                                                                           0.00125]
    lrs, lr = [], 1e-3
    for e in range(5):
        lr = warm(e, lr)
        lrs.append(lr)
    assert lrs == pytest.approx([2e-3, 4e-3, 8e-3, 6.4e-3, 5.12e-3], rel=1e-12)


@pytest.mark.parametrize("right", [
    lambda e: np.float32(0.5 ** ((e + 1) // 3)),                            # float32 factors are right
    lambda e: torch.tensor(0.5 ** ((e + 1) // 3), dtype=torch.float32),     # so are 0-d tensors
    lambda e: torch.tensor(0.5 ** ((e + 1) // 3)),
    lambda e: np.float64(0.5) ** ((e + 1) // 3),
    lambda e: 1 if e < 2 else (0.5 if e < 5 else (0.25 if e < 8 else (0.125 if e < 11 else 0.0625))),
])
def test_step_decay_factor_accepts_numpy_scalars_and_tensors(capsys, right):
    assert lesson06.check_step_decay_factor(right)
    assert said(capsys).startswith("Correct: ")


def test_step_decay_factor_shows_the_difference_in_full(capsys):
    assert not lesson06.check_step_decay_factor(lambda e: 0.5 ** ((e + 1) // 3) * (1.00001 if e == 4 else 1.0))
    out = said(capsys)
    assert "got 0.00500005, expected 0.005" in out and "relative difference 1e-05" in out, out


def test_per_step_answers_in_float32_are_right(capsys):
    assert lesson06.check_decay_per_step(
        lambda o: ts.LambdaLR(o, lambda t: np.float32(0.2) ** np.float32(t / 40)))
    assert said(capsys).startswith("Correct: ")
