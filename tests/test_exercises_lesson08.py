"""Lesson 08's checkers: right answers pass in any numeric form, wrong ones get a hint, none raises."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lrlessons.exercises import lesson08

LR = torch.optim.lr_scheduler


def relative_factor(t):
    if t < 5:
        return 0.1 + 0.9 * t / 5
    return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(t - 5, 15) / 15))


def relative_cosine(o):
    return LR.LambdaLR(o, relative_factor)


def relative_sequential(o):  # the same plan from two schedulers
    return LR.SequentialLR(o, [LR.LinearLR(o, start_factor=0.1, total_iters=5),
                               LR.LambdaLR(o, lambda t: 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * t / 15)))],
                           milestones=[5])


def absolute_floor(o):
    return LR.SequentialLR(o, [LR.LinearLR(o, start_factor=0.1, total_iters=5),
                               LR.CosineAnnealingLR(o, 15, eta_min=1e-4)], milestones=[5])


@pytest.mark.parametrize("answer", [36, 36.0, np.int64(36), np.float32(36), torch.tensor(36), np.array(36)])
def test_total_steps_right_in_any_numeric_form(answer, capsys):
    assert lesson08.check_total_steps(answer)
    assert capsys.readouterr().out.startswith("Correct: 36")


@pytest.mark.parametrize("answer, hint", [(66, "DistributedSampler"), (132, "counts batches"),
                                          (30, "partial window"), (31, "floor division"), (37, "Count per process")])
def test_total_steps_wrong_answers_get_their_hint(answer, hint, capsys):
    assert not lesson08.check_total_steps(answer)
    out = capsys.readouterr().out
    assert out.startswith(f"Not yet: got {answer}") and hint in out


@pytest.mark.parametrize("answer, text", [(..., "still empty"), (None, "still empty"), ("36", "whole number"),
                                          (36.5, "whole number, got 36.5"), (float("nan"), "whole number"),
                                          (torch.tensor([36, 36]), "whole number"), (True, "whole number")])
def test_total_steps_odd_answers_never_raise(answer, text, capsys):
    assert not lesson08.check_total_steps(answer)
    assert text in capsys.readouterr().out


@pytest.mark.parametrize("make", [relative_cosine, relative_sequential])
def test_layerwise_right_answer(make, capsys):
    assert lesson08.check_layerwise_floor(make)
    assert "ratio stays 1000" in capsys.readouterr().out


def test_layerwise_wrong_answers(capsys):
    assert not lesson08.check_layerwise_floor(absolute_floor)
    assert "absolute floor" in capsys.readouterr().out
    timm_like = lambda o: LR.LambdaLR(o, [relative_factor, lambda t: relative_factor(t) if t >= 5 else 100])
    assert not lesson08.check_layerwise_floor(timm_like)
    assert "absolute warm-up start" in capsys.readouterr().out
    assert not lesson08.check_layerwise_floor(lambda o: LR.LambdaLR(o, lambda t: relative_factor(t) * (t > 0)))
    assert "step 0 trains at lr 0" in capsys.readouterr().out
    assert not lesson08.check_layerwise_floor(lambda o: LR.CosineAnnealingLR(o, 20))  # no warm-up, to 0
    assert "no warm-up" in capsys.readouterr().out
    no_floor = lambda o: LR.LambdaLR(o, lambda t: relative_factor(t) if t < 5 else
                                     0.5 * (1 + math.cos(math.pi * min(t - 5, 15) / 15)))
    assert not lesson08.check_layerwise_floor(no_floor)  # decays to 0, not to 1%
    out = capsys.readouterr().out
    assert "at step 6" in out and "0.00989074" in out and "0.00989183" in out
    assert not lesson08.check_layerwise_floor(...)
    assert "still empty" in capsys.readouterr().out
    assert not lesson08.check_layerwise_floor(0.01)
    assert "function optimizer -> scheduler" in capsys.readouterr().out
    assert not lesson08.check_layerwise_floor(lambda o: 0.01)
    assert "should return a scheduler" in capsys.readouterr().out
    assert not lesson08.check_layerwise_floor(lambda o: LR.StepLR(o))  # missing step_size: raises inside
    assert "failed: TypeError" in capsys.readouterr().out


def test_expected_curve_keeps_the_ratio():
    want = lesson08.layerwise_expected()
    assert want.shape == (21, 2) and np.allclose(want[:, 0] / want[:, 1], 1000)
    assert math.isclose(want[-1, 0], 1e-4) and math.isclose(want[0, 1], 1e-6) and math.isclose(want[5, 1], 1e-5)
