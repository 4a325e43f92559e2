"""Lesson 05's checkers accept right answers of any numeric type and explain wrong ones."""
import numpy as np
import torch

from lrlessons.exercises import lesson05


def said(capsys) -> str:
    return capsys.readouterr().out.strip()


def cosine(t, *, grow=True, local=True, own_length=True, decay=True, limit=True, k=1.5,
           lr_min=1e-3):
    """The exercise's cosine (cycles of 25, 37.5, 56.25 epochs), with switches for the slips."""
    t = np.asarray(t, dtype=float)
    lr = np.full(t.shape, lr_min if limit else np.nan)
    start, i = 0.0, 0
    while start < t.max() + 1:
        length = 25 * 1.5 ** i if grow else 25.0
        inside = (t >= start) & (t < start + length)
        count = t[inside] - start if local else t[inside]
        over = length if own_length else 25.0
        peak = 0.1 * 0.5 ** i if decay else 0.1
        if i < 3 or not limit:
            lr[inside] = lr_min + (peak - lr_min) / 2 * (1 + np.cos(np.pi * count ** k / over ** k))
        start, i = start + length, i + 1
    return lr


def equal_index(t):
    """A slip: the cycle index t // 25, as if every cycle lasted t_initial (lengths right)."""
    i = t // 25
    length = 25 * 1.5 ** i
    t_in = t - 25 * i
    value = 1e-3 + (0.1 * 0.5 ** i - 1e-3) / 2 * (1 + np.cos(np.pi * t_in ** 1.5 / length ** 1.5))
    return np.where(i < 3, value, 1e-3)


def test_cosine_by_hand_accepts_every_numeric_type(capsys):
    for right in (cosine, lambda t: cosine(t).tolist(), lambda t: torch.tensor(cosine(t)),
                  lambda t: [np.float64(v) for v in cosine(t)],
                  lambda t: [torch.tensor(v) for v in cosine(t)]):
        assert lesson05.check_cosine_by_hand(right)
        assert said(capsys) == "Correct: all 130 values match."


def test_cosine_by_hand_accepts_the_logarithm_too(capsys):
    """Finding the cycle with a logarithm, as timm does, is as right as adding up the lengths."""
    def by_log(t):
        i = np.floor(np.log(1 + t / 25 * 0.5) / np.log(1.5))
        start, length = 25 * (1.5 ** i - 1) / 0.5, 25 * 1.5 ** i
        value = 1e-3 + (0.1 * 0.5 ** i - 1e-3) / 2 * (1 + np.cos(np.pi * (t - start) ** 1.5
                                                                  / length ** 1.5))
        return np.where(i < 3, value, 1e-3)
    assert lesson05.check_cosine_by_hand(by_log)
    assert said(capsys) == "Correct: all 130 values match."


def test_cosine_by_hand_names_the_slip(capsys):
    for wrong, hint in [
        (lambda t: cosine(t, grow=False), "over that cycle's length"),  # all 25 long: off at 26
        (equal_index, "cycles grow: cycle i lasts t_initial * cycle_mul**i, so t=50 is in cycle 1"),
        (lambda t: cosine(t, local=False), "t=25 is in cycle 1: measure t from the start"),
        (lambda t: cosine(t, local=False, decay=False, limit=False), "measure t from the start"),
        (lambda t: cosine(t, own_length=False), "over that cycle's length"),
        (lambda t: cosine(t, own_length=False), "= 37.5, not t_initial"),
        (lambda t: cosine(t, decay=False), "your cycle index is right; the peak of cycle 1"),
        (lambda t: cosine(t, limit=False), "after 3 cycles (from t=119"),
        (lambda t: cosine(t, k=1.0), "that is the plain cosine: k_decay=1.5"),
        (lambda t: cosine(t, lr_min=0.0), "it should run down to lr_min=0.001"),
        (lambda t: cosine(t) * (1 + 1e-7 * (t == 40)), "t=40 is 15 into cycle 1"),
        (lambda t: cosine(t)[:-1], "has 129 values, expected 130"),
        (lambda t: 1 / 0, "raised ZeroDivisionError"),
        (lambda t: "lrs", "should return an array of lrs"),
        (lambda t: ..., "still empty"),
        (..., "define a function fn(t)"),
    ]:
        assert not lesson05.check_cosine_by_hand(wrong)
        assert hint in said(capsys).replace("\n  ", " "), hint


def test_cosine_by_hand_never_gives_the_cycle_hint_to_a_right_cycle_index(capsys):
    for slip in (dict(decay=False), dict(own_length=False), dict(k=1.0)):
        assert not lesson05.check_cosine_by_hand(lambda t: cosine(t, **slip))
        message = said(capsys)
        assert "measure t from the start" not in message and "cycles grow" not in message, slip


def test_cosine_by_hand_prints_enough_digits(capsys):
    assert not lesson05.check_cosine_by_hand(lambda t: cosine(t) * (1 + 1e-7 * (t == 40)))
    message = said(capsys).replace("\n  ", " ")
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
        ((True, 75), "whole number"), (("2250", 75), "got '2250' (text)."),
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
        ([32, 82], "at epoch 30 timm gives 0.1 with your milestones, torch 0.01: a decay comes "
                   "too late."),
        ([31, 80], "at epoch 79 timm gives 0.001 with your milestones, torch 0.01: a decay comes "
                   "too early."),
        ([31, 50, 81], "at epoch 49"), ([81, 31], "sorted"),
        ("31, 81", "a list of epochs"),
        (31, "a list of epochs"), ([], "a list of epochs"), (["a", "b"], "a list of epochs"),
        (..., "still empty"),
    ]:
        assert not lesson05.check_timm_milestones(wrong)
        assert hint in said(capsys).replace("\n  ", " "), wrong


def test_messages_fit_a_projector(capsys):
    for call in (lambda: lesson05.check_cosine_by_hand(lambda t: ...),
                 lambda: lesson05.check_cosine_by_hand(equal_index),
                 lambda: lesson05.check_cosine_by_hand(lambda t: cosine(t) * (1 + 1e-7 * (t == 9))),
                 lambda: lesson05.check_update_counts("2250", 75),
                 lambda: lesson05.check_timm_milestones([31, 80]),
                 lambda: lesson05.check_update_counts(..., 50),
                 lambda: lesson05.check_update_counts(2250, 75),
                 lambda: lesson05.check_timm_milestones(...)):
        call()
        assert all(len(line) <= 100 for line in said(capsys).splitlines())
