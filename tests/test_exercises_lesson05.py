"""Lesson 05's checkers accept right answers of any numeric type and explain wrong ones."""
import numpy as np
import torch

from lrlessons.exercises import lesson05


def said(capsys) -> str:
    return capsys.readouterr().out.strip()


def cosine(t, *, cycles=True, decay=True, limit=True, k=1.5, lr_min=1e-3):
    """The exercise's cosine, with switches for the usual slips."""
    t = np.asarray(t)
    i = t // 30 if cycles else np.zeros_like(t)
    t_in = t - 30 * i
    cycle = t // 30  # the true cycle, for the peak of an answer that forgot t_in but kept the decay
    peak = 0.1 * 0.5 ** (cycle if decay else 0 * cycle)
    value = lr_min + (peak - lr_min) / 2 * (1 + np.cos(np.pi * t_in ** k / 30 ** k))
    return np.where(t // 30 < 3, value, 1e-3) if limit else value


def test_cosine_by_hand_accepts_every_numeric_type(capsys):
    for right in (cosine, lambda t: cosine(t).tolist(), lambda t: torch.tensor(cosine(t)),
                  lambda t: [np.float64(v) for v in cosine(t)],
                  lambda t: [torch.tensor(v) for v in cosine(t)]):
        assert lesson05.check_cosine_by_hand(right)
        assert said(capsys) == "Correct: all 110 values match."


def test_cosine_by_hand_names_the_slip(capsys):
    for wrong, hint in [
        (lambda t: cosine(t, cycles=False, decay=False, limit=False),
         "t=30 is in cycle 1: measure t from the start"),
        (lambda t: cosine(t, cycles=False), "t=30 is in cycle 1: measure t from the start"),
        (lambda t: cosine(t, decay=False),
         "your cycle index is right; the peak of cycle 1 is base_lr"),
        (lambda t: cosine(t, limit=False), "after 3 cycles (t >= 90) timm stays at lr_min"),
        (lambda t: cosine(t, k=1.0), "that is the plain cosine: k_decay=1.5"),
        (lambda t: cosine(t, lr_min=0.0), "it should run down to lr_min=0.001"),
        (lambda t: cosine(t) * (1 + 1e-7 * (t == 40)), "in cycle 1 timm gives"),
        (lambda t: cosine(t)[:-1], "has 109 values, expected 110"),
        (lambda t: 1 / 0, "raised ZeroDivisionError"),
        (lambda t: "lrs", "should return an array of lrs"),
        (lambda t: ..., "still empty"),
        (..., "define a function fn(t)"),
    ]:
        assert not lesson05.check_cosine_by_hand(wrong)
        assert hint in said(capsys), hint


def test_cosine_by_hand_never_gives_the_cycle_hint_to_a_right_cycle_index(capsys):
    assert not lesson05.check_cosine_by_hand(lambda t: cosine(t, decay=False))
    assert "measure t from the start" not in said(capsys)


def test_cosine_by_hand_prints_enough_digits(capsys):
    assert not lesson05.check_cosine_by_hand(lambda t: cosine(t) * (1 + 1e-7 * (t == 40)))
    message = said(capsys)
    got, want = message.split("you give ")[1].split(", timm gives ")
    assert got != want.split(":")[0], message  # the two printed numbers differ


def test_update_counts_accepts_whole_numbers_of_any_type(capsys):
    # the exercise: 90 epochs of 25 updates, a 3-epoch warmup
    for t_initial, warmup_t in [(2250, 75), (2250.0, 75.0), (np.int64(2250), np.int64(75)),
                                (np.float64(2250.0), np.float32(75)),
                                (torch.tensor(2250), torch.tensor(75.0))]:
        assert lesson05.check_update_counts(t_initial, warmup_t), (t_initial, warmup_t)
        assert said(capsys).startswith("Correct: t_initial=2250, warmup_t=75 updates")


def test_update_counts_explains_wrong_answers(capsys):
    for (t_initial, warmup_t), hint in [
        ((90, 3), "counts updates"), ((2250, 3), "counts updates"), ((90, 75), "counts updates"),
        ((2175, 75), "warmup is part of t_initial"), ((2325, 75), "warmup is part of t_initial"),
        ((2300, 75), "do not give a 3-epoch warmup"), ((2250, 70), "do not give a 3-epoch warmup"),
        ((1000, 50), "do not give a 3-epoch warmup and a cosine that ends after 90 epochs of 25"),
        ((2250.5, 75), "whole number of updates (0 or more), got 2250.5."),
        ((np.float64(2250.5), 75), "got 2250.5."), ((2250, -75), "whole number"),
        ((True, 75), "whole number"), (("2250", 75), "whole number"),
        ((..., 75), "t_initial is still empty"),
        ((2250, None), "warmup_t is still empty"),
    ]:
        assert not lesson05.check_update_counts(t_initial, warmup_t)
        assert hint in said(capsys), (t_initial, warmup_t)


def test_timm_milestones(capsys):
    for right in ([31, 81], (31, 81), np.array([31, 81]), [31.0, 81.0],
                  [np.int64(31), np.int64(81)],
                  torch.tensor([31, 81]), [torch.tensor(31), torch.tensor(81)]):
        assert lesson05.check_timm_milestones(right), right
        assert said(capsys) == "Correct: all 100 values match."
    for wrong, hint in [
        ([30, 80], "one epoch early in timm"), (np.array([30, 80]), "one epoch early in timm"),
        ([29, 79], "Move the milestones the other way"),
        ([32, 82], "first differs at index 30"), ([81, 31], "sorted"),
        ("31, 81", "a list of epochs"),
        (31, "a list of epochs"), ([], "a list of epochs"), (["a", "b"], "a list of epochs"),
        (..., "still empty"),
    ]:
        assert not lesson05.check_timm_milestones(wrong)
        assert hint in said(capsys), wrong


def test_messages_fit_a_projector(capsys):
    for call in (lambda: lesson05.check_cosine_by_hand(lambda t: ...),
                 lambda: lesson05.check_update_counts(..., 50),
                 lambda: lesson05.check_update_counts(2250, 75),
                 lambda: lesson05.check_timm_milestones(...)):
        call()
        assert all(len(line) <= 100 for line in said(capsys).splitlines())
