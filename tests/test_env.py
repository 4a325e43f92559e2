"""lrlessons.setup: seeds, determinism, plot theme, version report; exercise checkers."""
import random

import matplotlib
import numpy as np
import pytest
import torch

import lrlessons
from lrlessons.exercises import compare_curves, verdict


def test_setup_seeds_everything_and_reports(capsys):
    report = lrlessons.setup(7)
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    lrlessons.setup(7, quiet=True)
    b = (random.random(), np.random.rand(), torch.rand(1).item())
    assert a == b
    assert torch.are_deterministic_algorithms_enabled() and torch.get_num_threads() == 1
    assert report["torch"] == "2.14.1" and report["device"] in ("cpu", "cuda")
    printed = capsys.readouterr().out
    assert "torch 2.14.1" in printed and "keras backend torch" in printed
    assert matplotlib.rcParams["axes.grid"]  # seaborn's whitegrid theme


def test_setup_bad_seed():
    with pytest.raises(ValueError, match="^seed=-1 .*must be"):
        lrlessons.setup(-1)
    with pytest.raises(TypeError, match="^seed="):
        lrlessons.setup("0")


def test_checkers_explain(capsys):
    assert compare_curves([0.1, 0.05], [0.1, 0.05]) is True
    assert compare_curves([0.1, 0.04], [0.1, 0.05]) is False
    assert compare_curves(None, [0.1]) is False
    assert compare_curves([0.1], [0.1, 0.05]) is False
    assert verdict(True, "yes", "no") is True
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Correct: all 2 values match."
    assert out[1] == "Not yet: your curve first differs at index 1: got 0.04, expected 0.05."
    assert out[2].startswith("Not yet: your curve is still empty")
    assert out[3] == "Not yet: your curve has 1 values, expected 2."
