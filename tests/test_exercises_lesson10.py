"""Lesson 10's checkers accept the right answers and explain the likely wrong ones."""
import math

import numpy as np
import pytest
import torch

from lrlessons.exercises import lesson10
from lrlessons.range_test import valley_index


def said(capsys) -> str:
    """The verdict, its wrapped lines joined again (and each line checked to be short)."""
    out = capsys.readouterr().out.strip()
    assert all(len(line) <= 100 for line in out.splitlines())
    return " ".join(out.split())


def test_the_exercise_curve_separates_the_three_rules():
    curve = lesson10.EXERCISE_CURVE
    picks = {valley_index(curve), int(np.argmin(curve)), int(np.gradient(curve).argmin())}
    assert picks == {8, 15, 11}


@pytest.mark.parametrize("right", [8, 8.0, np.int64(8), np.int32(8), np.float32(8), torch.tensor(8),
                                   torch.tensor(8.0)])
def test_valley_pick_right(capsys, right):
    assert lesson10.check_valley_pick(right)
    assert said(capsys) == ("Correct: index 8 (loss 2.12): the longest run of ever-lower losses "
                            "has 13 points and ends at index 15; the rule starts from 15 - 13 = 2 "
                            "and goes 13 // 3 + 13 // 6 = 6 points on.")


@pytest.mark.parametrize("wrong, hint", [
    (15, "the lowest loss: that is where the minimum rule looks"),
    (11, "the steepest descent"),
    (9, "e - L + L // 3 + L // 6"),
    (7, "e - L + L // 3 + L // 6"),
    (20, "outside the curve"),
    (-1, "outside the curve"),
    (8.5, "whole number"), ("8", "whole number"), (True, "whole number"),
    (torch.tensor(8.5), "whole number"), (torch.tensor([8, 9]), "whole number"),
    (..., "still empty"), (None, "still empty"),
])
def test_valley_pick_wrong(capsys, wrong, hint):
    assert not lesson10.check_valley_pick(wrong)
    out = said(capsys)
    assert out.startswith("Not yet: ") and hint in out


def _right_lrs():
    return 1e-5 * (1.0 / 1e-5) ** (np.arange(50) / 49)


@pytest.mark.parametrize("convert", [list, np.asarray, lambda a: a.astype(np.float32).astype(float),
                                     torch.tensor])
def test_range_lrs_right(capsys, convert):
    assert lesson10.check_range_lrs(convert(_right_lrs()))
    assert said(capsys) == "Correct: 50 lrs from 1e-05 to 1, each 1.2649 times the one before."


def test_range_lrs_match_lr_find():
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from lrlessons.range_test import lr_find

    model = nn.Linear(3, 2)
    loader = DataLoader(TensorDataset(torch.randn(8, 3), torch.randint(0, 2, (8,))), batch_size=4)
    r = lr_find(model, torch.optim.Adam(model.parameters(), lr=1e-5), nn.CrossEntropyLoss(), loader,
                end_lr=1.0, num_iter=50, diverge_th=1e9)
    assert lesson10.check_range_lrs(r.lrs)


@pytest.mark.parametrize("wrong, hint", [
    (1e-5 * (1e5) ** (np.arange(50) / 50), "short of end_lr=1"),  # num_iter, not num_iter - 1
    (np.linspace(1e-5, 1.0, 50), "evenly spaced"),                          # step_mode='linear'
    (np.logspace(-5, 0, 51), "has 51 values"),
    (np.logspace(-5, 0, 49), "has 49 values"),
    (np.r_[_right_lrs()[:10], _right_lrs()[10:] * 1.01], "step 10 should use"),
    ("lrs", "sequence of 50 numbers"),
    ([1e-5, "x"] + [0.1] * 48, "sequence of 50 numbers"),
    (..., "still empty"), (None, "still empty"),
])
def test_range_lrs_wrong(capsys, wrong, hint):
    assert not lesson10.check_range_lrs(wrong)
    out = said(capsys)
    assert out.startswith("Not yet: ") and hint in out


def test_range_lrs_nan_is_wrong(capsys):
    lrs = _right_lrs()
    lrs[3] = math.nan
    assert not lesson10.check_range_lrs(lrs)
    assert "step 3 should use" in said(capsys)
