"""Lesson 05's checkers accept the right answers and explain the likely wrong ones."""
import numpy as np

from lrlessons.exercises import lesson05


def said(capsys) -> str:
    return capsys.readouterr().out.strip()


def cosine(t, *, cycles=True, decay=True, limit=True, k=1.5, lr_min=1e-3):
    """The exercise's cosine, with switches for the usual slips."""
    t = np.asarray(t)
    i = t // 30 if cycles else np.zeros_like(t)
    t_in = t - 30 * i
    peak = 0.1 * 0.5 ** i if decay else 0.1 + 0 * i
    value = lr_min + (peak - lr_min) / 2 * (1 + np.cos(np.pi * t_in ** k / 30 ** k))
    return np.where(i < 3, value, 1e-3) if limit else value


def test_cosine_by_hand(capsys):
    assert lesson05.check_cosine_by_hand(cosine) and said(capsys) == "Correct: all 110 values match."
    for wrong, hint in [
        (lambda t: cosine(t, cycles=False, limit=False), "t=30 is in cycle 1: use t - 1 * t_initial"),
        (lambda t: cosine(t, decay=False), "base_lr * cycle_decay**1 as the peak"),
        (lambda t: cosine(t, limit=False), "after 3 cycles (t >= 90) timm stays at lr_min"),
        (lambda t: cosine(t, k=1.0), "that is the plain cosine: k_decay=1.5"),
        (lambda t: cosine(t, lr_min=0.0), "it should run down to lr_min=0.001"),
        (lambda t: cosine(t)[:-1], "has 109 values, expected 110"),
        (lambda t: 1 / 0, "raised ZeroDivisionError"),
        (lambda t: ..., "still empty"),
        (..., "define a function fn(t)"),
    ]:
        assert not lesson05.check_cosine_by_hand(wrong)
        assert hint in said(capsys), hint


def test_update_counts(capsys):
    assert lesson05.check_update_counts(1000, 50)
    assert said(capsys).startswith("Correct: t_initial=1000 and warmup_t=50 updates")
    assert lesson05.check_update_counts(np.int64(1000), np.int64(50)), "NumPy integers are whole numbers"
    said(capsys)
    for (t_initial, warmup_t), hint in [
        ((100, 5), "counts updates"), ((1000, 5), "counts updates"), ((100, 50), "counts updates"),
        ((950, 50), "warmup is part of t_initial"), ((1050, 50), "warmup is part of t_initial"),
        ((1100, 50), "do not give a 5-epoch warmup"), ((1000, 40), "do not give a 5-epoch warmup"),
        ((1000.0, 50), "whole number, got 1000.0"), ((1000, -50), "whole number"),
        ((True, 50), "whole number"), ((..., 50), "t_initial is still empty"),
        ((1000, None), "warmup_t is still empty"),
    ]:
        assert not lesson05.check_update_counts(t_initial, warmup_t)
        assert hint in said(capsys), (t_initial, warmup_t)


def test_timm_milestones(capsys):
    for right in ([31, 81], (31, 81), np.array([31, 81])):
        assert lesson05.check_timm_milestones(right) and said(capsys) == "Correct: all 100 values match."
    for wrong, hint in [
        ([30, 80], "one epoch early in timm"), ([29, 79], "Move the milestones the other way"),
        ([32, 82], "first differs at index 30"), ([81, 31], "sorted"), ("31, 81", "a list of epochs"),
        (31, "a list of epochs"), (..., "still empty"),
    ]:
        assert not lesson05.check_timm_milestones(wrong)
        assert hint in said(capsys), wrong
