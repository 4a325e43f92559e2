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
    for right in (lambda e: 0.5 ** (e // 3), lambda e: lesson06.keras_step_decay(e) / 0.01,
                  keras_bridge.to_lambda_lr(lesson06.keras_step_decay, 0.01)):
        result = lesson06.check_step_decay_factor(right)
        assert isinstance(result, Verdict) and result
        assert said(capsys) == "Correct: all 12 lrs match (within 1e-06 relative, float32 precision)."


@pytest.mark.parametrize("wrong, hint", [
    (lesson06.keras_step_decay, "returns the lr itself"),          # the lesson's trap
    (lambda e: 0.01 * 0.5 ** (e // 3), "the lr is squared"),
    (lambda e: 0.5 ** (e / 3), "epoch // 3"),                      # smooth, not steps
    (lambda e: 0.5 ** ((e + 1) // 3), "one epoch early"),
    (lambda e: 0.5 ** ((e - 1) // 3) if e else 1.0, "one epoch late"),
    (lambda e: lesson06.keras_step_decay(e) / 0.001, "every lr is 10 times Keras's"),
    (lambda e: 0.5 ** (e // 2), "first differs at epoch 2"),
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
    for right in (lambda o: ts.LambdaLR(o, keras_bridge.to_lambda_lr(warm, base_lr=1e-3)),
                  lambda o: ts.LambdaLR(o, lambda e: 2 ** min(e + 1, 3) * 0.8 ** max(e - 2, 0)),
                  lambda o: ts.LambdaLR(o, lambda e: [2, 4, 8][e] if e < 3 else 8 * 0.8 ** (e - 2))):
        assert lesson06.check_two_argument_port(right)
        assert said(capsys) == "Correct: all 12 lrs match (within 1e-06 relative, float32 precision)."


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


def test_decay_per_step_right(capsys):
    for right in (lambda o: ts.ExponentialLR(o, gamma=0.5 ** (1 / 50)),
                  lambda o: ts.LambdaLR(o, lambda t: 0.5 ** (t / 50)),
                  lambda o: keras_bridge.torch_scheduler_for(
                      keras_bridge.import_keras().optimizers.schedules.ExponentialDecay(0.1, 50, 0.5), o)):
        assert lesson06.check_decay_per_step(right)
        assert said(capsys) == "Correct: all 200 lrs match (within 1e-06 relative, float32 precision)."


@pytest.mark.parametrize("wrong, hint", [
    (lambda o: ts.StepLR(o, 50, 0.5), "staircase version"),
    (lambda o: ts.ExponentialLR(o, 0.5), "halves the lr at every step"),
    (lambda o: ts.LambdaLR(o, lambda t: 0.1 * 0.5 ** (t / 50)), "the lr is squared"),
    (lambda o: ts.LambdaLR(o, lambda t: 0.5 ** ((t + 1) / 50)), "one step early"),
    (lambda o: ts.ExponentialLR(o, 1 - 0.5 / 50), "first differs at step 1"),
    (lambda o: ts.ExponentialLR(o, 0.5 ** (1 / 49)), "first differs at step 1"),
    (lambda o: ts.LambdaLR, "should return a torch scheduler"),
    (..., "make_per_step is still empty"),
    (None, "make_per_step is still empty"),
    (3, "make_per_step should be a function optimizer -> scheduler"),
])
def test_decay_per_step_wrong(capsys, wrong, hint):
    assert not lesson06.check_decay_per_step(wrong)
    out = said(capsys)
    assert out.startswith("Not yet: ") and hint in out, out


def test_keras_schedules_as_stated():
    """The exercises' Keras schedules do what the lesson's text says."""
    assert [lesson06.keras_step_decay(e) for e in (0, 2, 3, 6)] == [0.01, 0.01, 0.005, 0.0025]
    lrs, lr = [], 1e-3
    for e in range(5):
        lr = warm(e, lr)
        lrs.append(lr)
    assert lrs == pytest.approx([2e-3, 4e-3, 8e-3, 6.4e-3, 5.12e-3], rel=1e-12)


@pytest.mark.parametrize("right", [
    lambda e: np.float32(0.5 ** (e // 3)),                            # float32 factors are right
    lambda e: torch.tensor(0.5 ** (e // 3), dtype=torch.float32),     # so are 0-d tensors
    lambda e: torch.tensor(0.5 ** (e // 3)),
    lambda e: np.float64(0.5) ** (e // 3),
])
def test_step_decay_factor_accepts_numpy_scalars_and_tensors(capsys, right):
    assert lesson06.check_step_decay_factor(right)
    assert said(capsys).startswith("Correct: ")


def test_step_decay_factor_shows_the_difference_in_full(capsys):
    assert not lesson06.check_step_decay_factor(lambda e: 0.5 ** (e // 3) * (1.00001 if e == 4 else 1.0))
    out = said(capsys)
    assert "got 0.00500005, expected 0.005" in out and "relative difference 1e-05" in out, out


def test_per_step_answers_in_float32_are_right(capsys):
    assert lesson06.check_decay_per_step(
        lambda o: ts.LambdaLR(o, lambda t: np.float32(0.5) ** np.float32(t / 50)))
    assert said(capsys).startswith("Correct: ")
