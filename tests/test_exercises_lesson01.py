"""Lesson 01's checkers accept the right answers in any numeric type and explain the wrong ones."""
import numpy as np
import pytest
import torch

from lrlessons import exercises
from lrlessons.exercises import Verdict, lesson01


def said(capsys) -> str:
    """What the checker printed, with a wrapped verdict joined back into one line."""
    out = capsys.readouterr().out
    assert all(len(line) <= 100 for line in out.splitlines()), out  # fits a projector
    return " ".join(out.split())


@pytest.mark.parametrize("right", [88, 88.0, np.int64(88), np.float32(88), torch.tensor(88),
                                   torch.tensor(88.0), np.array(88)])
def test_t_max_accepts_88_in_any_numeric_type(capsys, right):
    result = lesson01.check_t_max(right)
    assert isinstance(result, Verdict) and result
    assert said(capsys).startswith("Correct: T_max=88 (8 epochs x 22 batches / 2 batches per step)")


@pytest.mark.parametrize("wrong, hint", [
    (8, "counts epochs"), (8.0, "counts epochs"), (11, "one epoch's step() calls"),
    (22, "counts batches"), (176, "counts batches"), (np.int64(176), "once every 2 batches"),
    (87, "training makes 88"), (np.int64(89), "T_max=89 the half cosine"), (..., "still empty"),
    (None, "still empty"), (88.5, "whole number"), (-88, "whole number"), (0, "whole number"),
    ("88", "whole number"), (True, "whole number"), (float("nan"), "whole number"),
    (torch.tensor([88, 1]), "whole number"),
])
def test_t_max_explains_wrong_answers(capsys, wrong, hint):
    assert not lesson01.check_t_max(wrong)
    out = said(capsys)
    assert out.startswith("Not yet: ") and hint in out, (wrong, out)
    assert "np.float64" not in out and "tensor(" not in out


def test_t_max_without_accumulation_counts_batches(capsys):
    """With one batch per step (accumulate=1) the answer is the batch count."""
    assert lesson01.check_t_max(176, accumulate=1)
    assert said(capsys).startswith("Correct: T_max=176")
    assert not lesson01.check_t_max(22, accumulate=1)
    assert "one epoch's step() calls" in said(capsys)
    assert not lesson01.check_t_max(88, accumulate=1)
    assert "training makes 176" in said(capsys)


RIGHT_LRS = [0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05]


@pytest.mark.parametrize("right", [RIGHT_LRS, np.array(RIGHT_LRS), torch.tensor(RIGHT_LRS, dtype=torch.float64),
                                   [np.float64(x) for x in RIGHT_LRS], [torch.tensor(x) for x in RIGHT_LRS],
                                   tuple(RIGHT_LRS)])
def test_step_lrs_accepts_any_sequence_type(capsys, right):
    assert lesson01.check_step_lrs(right) and said(capsys) == "Correct: all 8 values match."


def test_step_lrs_explains_wrong_answers(capsys):
    assert not lesson01.check_step_lrs(RIGHT_LRS[1:] + [0.05])
    assert "one epoch too early" in said(capsys)
    assert not lesson01.check_step_lrs([0.2 * 0.5 ** e for e in range(8)])
    assert "exponential decay" in said(capsys)
    assert not lesson01.check_step_lrs([0.2])
    assert "has 1 value, expected 8" in said(capsys)
    assert not lesson01.check_step_lrs(...) and "still empty" in said(capsys)
    assert not lesson01.check_step_lrs("0.2") and "sequence of numbers" in said(capsys)


def test_step_lrs_prints_enough_digits_to_show_the_difference(capsys):
    close = list(RIGHT_LRS)
    close[6] = 0.0500001  # right to 6 digits, wrong to 7
    assert not lesson01.check_step_lrs(close)
    out = said(capsys)
    assert "index 6" in out and "got 0.0500001, expected 0.05" in out, out


def test_gamma(capsys):
    assert lesson01.check_gamma((1e-2) ** (1 / 9)) and said(capsys).startswith("Correct")
    assert lesson01.check_gamma(0.5995), "the rounded value the solution prints must pass"
    said(capsys)
    for right in (np.float64((1e-2) ** (1 / 9)), np.float32((1e-2) ** (1 / 9)), torch.tensor((1e-2) ** (1 / 9))):
        assert lesson01.check_gamma(right) and said(capsys).startswith("Correct"), right
    assert not lesson01.check_gamma((1e-2) ** (1 / 10))
    assert "only 9 step() calls" in said(capsys)
    assert not lesson01.check_gamma(1.5) and "between 0 and 1" in said(capsys)
    assert not lesson01.check_gamma(np.float64(1.5))
    out = said(capsys)
    assert "got 1.5." in out and "np.float64" not in out
    assert not lesson01.check_gamma(...) and "still empty" in said(capsys)
    assert not lesson01.check_gamma(0.5) and "not 0.0001" in said(capsys)


@pytest.mark.parametrize("coarse, last", [(0.6, "0.0001008"), (0.599, "9.928e-05"),
                                          (np.float32(0.6), "0.0001008"), (torch.tensor(0.599), "9.928e-05")])
def test_gamma_rounded_too_coarsely_gets_its_own_hint(capsys, coarse, last):
    assert not lesson01.check_gamma(coarse)
    out = said(capsys)
    assert f"is {last}, not 0.0001" in out, out
    assert "rounded too coarsely" in out and "4 significant digits" in out, out
    assert "only 9 step() calls" not in out


def test_gamma_far_off_gets_no_rounding_hint(capsys):
    for far in (0.5, 0.7, 0.1):
        assert not lesson01.check_gamma(far)
        assert "rounded" not in said(capsys)


# ----------------------------------------------------------------- the shared helpers of lrlessons.exercises
@pytest.mark.parametrize("value, number", [
    (0.1, 0.1), (3, 3.0), (np.float64(0.1), 0.1), (np.float32(0.5), 0.5), (np.int64(7), 7.0),
    (np.array(0.25), 0.25), (np.array([0.25]), 0.25), (torch.tensor(0.25), 0.25), (torch.tensor([2]), 2.0),
    (torch.tensor(0.5, dtype=torch.float64), 0.5),
])
def test_as_number_accepts_every_numeric_type(value, number):
    got = exercises.as_number(value)
    assert type(got) is float and got == number


@pytest.mark.parametrize("value", [None, ..., True, np.bool_(True), "0.1", [0.1], (0.1, 0.2), np.array([1.0, 2.0]),
                                   torch.tensor([1.0, 2.0]), torch.tensor(True), {"lr": 0.1}, 1j])
def test_as_number_refuses_what_is_not_one_number(value):
    assert exercises.as_number(value) is None


def test_as_whole_and_as_numbers():
    assert exercises.as_whole(176.0) == 176 and exercises.as_whole(torch.tensor(176)) == 176
    assert exercises.as_whole(176.5) is None and exercises.as_whole(float("inf")) is None
    assert exercises.as_numbers([np.float32(0.5), torch.tensor(0.25), 1]).tolist() == [0.5, 0.25, 1.0]
    assert exercises.as_numbers(torch.tensor([0.5, 0.25])).tolist() == [0.5, 0.25]
    assert exercises.as_numbers(0.5).tolist() == [0.5]
    for bad in ("0.5", [0.5, "x"], {"a": 1}, ..., None, [[0.5, 0.25]]):
        assert exercises.as_numbers(bad) is None, bad


def test_show_pair_prints_enough_digits_to_differ():
    assert exercises.show_pair(0.0500001, 0.05) == ("0.0500001", "0.05")
    assert exercises.show_pair(0.1, 0.2) == ("0.1", "0.2")
    a, b = exercises.show_pair(0.1 + 1e-15, 0.1)
    assert a != b and float(a) == 0.1 + 1e-15


def test_compare_curves_accepts_float32_answers_but_not_wrong_ones(capsys):
    want = [0.1, 0.05, 0.025]
    assert exercises.compare_curves(np.float32(want), want) and said(capsys) == "Correct: all 3 values match."
    assert exercises.compare_curves(torch.tensor(want), want)
    said(capsys)
    assert not exercises.compare_curves([0.1, 0.05, 0.0251], want)
    assert said(capsys) == "Not yet: your curve first differs at index 2: got 0.0251, expected 0.025."
    assert not exercises.compare_curves(np.float32([0.1, 0.05, 0.02501]), want)
    assert "index 2" in said(capsys)


def test_fitted_verdict_wraps_long_lines_and_keeps_short_ones(capsys):
    long = "word " * 40
    assert not exercises.fitted_verdict(False, "", long)
    out = capsys.readouterr().out
    assert out.startswith("Not yet: word") and all(len(line) <= 100 for line in out.splitlines())
    assert len(out.splitlines()) == 3 and out.splitlines()[1].startswith("  word")
    assert exercises.fitted_verdict(True, "short.", "") and capsys.readouterr().out == "Correct: short.\n"
    assert exercises.verdict(False, "", long) is not None  # the default stays one line, as other lessons store it
    assert len(capsys.readouterr().out.splitlines()) == 1
