"""Lessons 02 and 03: the checkers accept the right answers and explain the likely wrong ones."""
import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as L

from lrlessons.exercises import Verdict, lesson02, lesson03

T = np.arange(1, 7)


def said(capsys) -> str:
    """What the checker printed, with a wrapped verdict joined back into one line."""
    out = capsys.readouterr().out
    assert all(len(line) <= 100 for line in out.splitlines()), out  # fits a projector
    return " ".join(out.split())


def sgd(lr=0.1):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=0.9)


# ---------------------------------------------------------------- lesson 02
SWAPPED = [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125]  # StepLR(2, 0.5)'s closed form: stepped last under 1.3


@pytest.mark.parametrize("kind", [list, np.array, lambda v: torch.tensor(v, dtype=torch.float64),
                                  lambda v: torch.tensor(v, dtype=torch.float32),
                                  lambda v: [np.float64(x) for x in v], lambda v: [torch.tensor(x) for x in v]])
def test_swapped_order(capsys, kind):
    ok = lesson02.check_swapped_order(kind(SWAPPED))
    assert isinstance(ok, Verdict) and ok
    out = said(capsys)
    assert out.startswith("Correct: StepLR is stepped last") and out.count("Correct") == 1
    assert "0.1, 0.05, 0.05, 0.025, 0.025, 0.0125" in out


def test_swapped_order_explains_wrong_answers(capsys):
    for wrong, hint in [(0.1 * 0.9 ** T, "ExponentialLR's curve"),
                        (0.1 * 0.9 ** T * 0.5 ** (T // 2), "today's product"),
                        (0.1 * 0.5 ** (T // 3), "step_size=3"),  # section 1's setting, printed in its table
                        (0.1 * 0.5 ** ((T - 1) // 2), "shifted by one epoch"),
                        (0.1 * 0.5 ** ((T + 1) // 2), "shifted by one epoch"),
                        (..., "still empty"), ([0.1] * 5, "has 5 values, expected 6"),
                        ("abc", "sequence of numbers"), (SWAPPED[:5] + [0.0125001], "0.0125001")]:
        verdict = lesson02.check_swapped_order(wrong)
        assert isinstance(verdict, Verdict) and not verdict
        assert hint in said(capsys), wrong


def test_swapped_order_answer_is_not_in_section_1s_table():
    """Section 1 prints StepLR(3, 0.5)'s 1.3 values: the exercise must ask for something else."""
    assert not np.allclose(lesson02._swapped_1_3(), 0.1 * 0.5 ** (T // 3))
    np.testing.assert_allclose(lesson02._swapped_1_3(), SWAPPED, rtol=1e-12)


def _warmup_decay(milestone=5, chained=False, start_factor=0.01):
    def make(opt):
        warmup = L.LinearLR(opt, start_factor=start_factor, total_iters=5)
        decay = L.ExponentialLR(opt, gamma=0.9)
        if chained:
            return L.ChainedScheduler([warmup, decay])
        return L.SequentialLR(opt, [warmup, decay], milestones=[milestone])
    return make


def test_warmup_then_decay(capsys):
    assert lesson02.check_warmup_then_decay(_warmup_decay())
    assert said(capsys).startswith("Correct: all 20 values match.")
    for wrong, hint in [(_warmup_decay(4), "one step early"), (_warmup_decay(6), "one step late"),
                        (_warmup_decay(chained=True), "ChainedScheduler"),
                        (_warmup_decay(start_factor=1 / 3), "1% of the lr"),
                        (lambda opt: L.ExponentialLR(opt, 0.9), "1% of the lr"),
                        (lambda opt: None, "returned None"), (lambda opt: 3, "not a scheduler"),
                        (..., "fill in `make`")]:
        verdict = lesson02.check_warmup_then_decay(wrong)
        assert isinstance(verdict, Verdict) and not verdict
        assert hint in said(capsys)


def test_proportional(capsys):
    right = {"SequentialLR(LinearLR, ExponentialLR)", "ChainedScheduler(MultiStepLR, CosineAnnealingLR)",
             "ChainedScheduler(ExponentialLR, LambdaLR)"}
    assert lesson02.check_proportional(right) and said(capsys).startswith("Correct")
    assert lesson02.check_proportional(list(right)) and said(capsys).startswith("Correct")
    for wrong, hint in [({"SequentialLR(LinearLR, ExponentialLR)"}, "also scale with"),
                        (right | {"SequentialLR(ConstantLR, CyclicLR)"}, "['SequentialLR(ConstantLR, CyclicLR)'] does not"),
                        (right - {"ChainedScheduler(ExponentialLR, LambdaLR)"}, "LambdaLR)'] also scales"),
                        ("StepLR", "a set of names"), (..., "a set of names"), ({"a": 1}, "a set of names"),
                        ({"Step"}, "is not one of the choices")]:
        assert not lesson02.check_proportional(wrong)
        assert hint in said(capsys)


def test_probes_match_the_checker():
    """The answer the checker wants is what tracing each probe with two lrs says."""
    import lrlessons
    found = set()
    for name in lesson02._SCALES:
        a = lrlessons.trace(lesson02.make_probe(name), 30, lrs=(0.1,)).lr
        b = lrlessons.trace(lesson02.make_probe(name), 30, lrs=(0.2,)).lr
        if np.allclose(b, 2 * a, rtol=1e-9, atol=1e-15):
            found.add(name)
    assert found == {k for k, v in lesson02._SCALES.items() if v}
    assert set(lesson02.CHOICES) == set(lesson02._SCALES)
    with pytest.raises(ValueError, match="name"):
        lesson02.make_probe("NoSuchLR")


# ---------------------------------------------------------------- lesson 03
READINGS = (0.1 * 0.8 ** 4 * 0.5, 0.1 * 0.8 ** 3 * 0.5, 0.1 * 0.8 ** 4 * 0.5 * 0.5)  # 0.02048, 0.0256, 0.01024


def test_readings_come_from_torch():
    got = lesson03._readings()
    np.testing.assert_allclose([got["param_groups"], got["get_last_lr"], got["get_lr"]], READINGS, rtol=1e-12)


@pytest.mark.parametrize("kind", [float, np.float64, np.float32, torch.tensor,
                                  lambda x: torch.tensor(x, dtype=torch.float32), lambda x: np.array(x)])
def test_readings_accept_any_numeric_type(capsys, kind):
    assert lesson03.check_readings(*(kind(x) for x in READINGS))
    assert said(capsys) == ("Correct: 0.02048 (0.1 x 0.8^4 x 0.5), 0.0256 (StepLR's value, before "
                            "ExponentialLR's fourth x0.8), 0.01024 (the halving applied again, to the "
                            "optimizer's lr).")


def test_readings_explain_wrong_predictions(capsys):
    pg, last, get = READINGS
    for answer, hint in [((..., ..., ...), "fill in your prediction for param_groups[0]['lr'], StepLR's "
                                           "get_last_lr()[0] and StepLR's get_lr()[0]"),
                         ((pg, ..., get), "fill in your prediction for StepLR's get_last_lr()[0] (replace"),
                         ((0.05, last, get), "StepLR's halving alone"),
                         ((0.1 * 0.8 ** 4, last, get), "ExponentialLR's factors alone"),
                         ((last, last, get), "0.0256 is StepLR's get_last_lr(), not the optimizer's lr"),
                         ((0.1 * 0.8 ** 5 * 0.5, last, get), "one epoch too many"),
                         ((pg, pg, get), "0.02048 is the optimizer's lr: StepLR's get_last_lr() was taken"),
                         ((pg, 0.05, get), "StepLR's curve alone"),
                         ((pg, last, last / 2), "0.0128 is the halving applied to StepLR's own last value"),
                         ((pg, last, pg), "at a boundary (last_epoch 4 is a multiple of 4)"),
                         ((pg, last, last), "get_lr() does not read"),
                         ((pg, last, 0.05), "torch 1.3's closed form"),
                         ((pg, last, 0.0103), "StepLR's get_lr()[0]: got 0.0103, which is not it"),
                         ((pg, last, get * (1 + 1e-5)), "got 0.0102401"),  # enough digits to differ
                         (("0.02", last, get), "should be one number, got str"),
                         ((0.05, 0.05, 0.05), "(2 more to fix)")]:
        verdict = lesson03.check_readings(*answer)
        assert isinstance(verdict, Verdict) and not verdict
        assert hint in said(capsys), answer


def new_optimizer(lr=0.1):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=0.9)


def _resume(order="right"):
    """resume() functions: the right one and the usual mistakes."""
    build = lesson03.warmup_then_cosine

    def resume(ckpt):
        opt = new_optimizer()
        if order == "right":
            sched = build(opt)
            opt.load_state_dict(ckpt["optimizer"])
            sched.load_state_dict(ckpt["scheduler"])
        elif order == "optimizer first":  # fine for StepLR (section 3), not for SequentialLR
            opt.load_state_dict(ckpt["optimizer"])
            sched = build(opt)
            sched.load_state_dict(ckpt["scheduler"])
        elif order == "scheduler only":
            sched = build(opt)
            sched.load_state_dict(ckpt["scheduler"])
        elif order == "optimizer only":
            sched = build(opt)
            opt.load_state_dict(ckpt["optimizer"])
        elif order == "nothing":
            sched = build(opt)
        elif order == "step(epoch)":
            sched = build(opt)
            opt.load_state_dict(ckpt["optimizer"])
            sched.step(ckpt["epoch"])
        elif order == "last_epoch, loaded after":
            sched = L.SequentialLR(opt, [L.LinearLR(opt, 0.01, total_iters=5), L.CosineAnnealingLR(opt, 10)],
                                   milestones=[5], last_epoch=ckpt["epoch"] - 1)
            opt.load_state_dict(ckpt["optimizer"])
        elif order == "last_epoch, fresh optimizer":
            sched = L.LinearLR(opt, 0.01, total_iters=5, last_epoch=ckpt["epoch"])
        return opt, sched
    return resume


def test_resume(capsys):
    assert lesson03.check_resume(_resume())
    out = said(capsys)
    assert out.startswith("Correct: all 12 values match.") and "from 0.0604" in out
    for wrong, hint in [(_resume("optimizer first"), "building SequentialLR after loading the optimizer"),
                        (_resume("scheduler only"), "load checkpoint['optimizer'] too"),
                        (_resume("optimizer only"), "its last_epoch is 0, the checkpoint's 3"),
                        (_resume("optimizer only"), "your lr reaches 4.84"),
                        (_resume("nothing"), "starts again from epoch 0"),
                        (_resume("step(epoch)"), "SequentialLR.step() takes no epoch"),
                        (_resume("last_epoch, loaded after"), "its warmup's last_epoch is 0, the checkpoint's 3"),
                        (_resume("last_epoch, fresh optimizer"), "KeyError 'initial_lr'"),
                        (lambda ckpt: None, "returned nothing"), (lambda ckpt: new_optimizer(), "a pair"),
                        (lambda ckpt: (new_optimizer(), L.StepLR(new_optimizer(), 3)), "built on that optimizer"),
                        (lambda ckpt: 1 / 0, "ZeroDivisionError"), (..., "fill in `resume`")]:
        verdict = lesson03.check_resume(wrong)
        assert isinstance(verdict, Verdict) and not verdict
        out = said(capsys)
        assert hint in out, (hint, out)
        assert "0.060399" not in out  # never a float's full repr


def test_resume_checkpoint_is_in_the_warmup():
    ckpt = lesson03.make_checkpoint()
    assert ckpt["epoch"] == 3 and ckpt["scheduler"]["last_epoch"] == 3
    assert ckpt["optimizer"]["param_groups"][0]["lr"] == pytest.approx(0.1 * (0.01 + 0.99 * 3 / 5), rel=1e-12)
    assert ckpt["optimizer"]["state"], "the checkpoint carries momentum buffers (the checker relies on it)"


def test_logged_lrs(capsys):
    e = np.arange(6)
    right = 0.1 * 0.9 ** e * 0.5 ** (e // 2)
    for kind in (list, np.array, torch.tensor, lambda v: [np.float32(x) for x in v]):
        assert lesson03.check_logged_lrs(kind(right)) and said(capsys).startswith("Correct: each epoch's lr")
    after = 0.1 * 0.9 ** (e + 1) * 0.5 ** ((e + 1) // 2)
    step_before = np.r_[0.1, right[1:] / 0.9]
    step_after = np.r_[0.1, [0.1 * 0.9 ** k * 0.5 ** ((k + 1) // 2) for k in range(1, 6)]]  # StepLR's, read late
    assert lesson03._two_schedulers_log()["step_after"] == pytest.approx(step_after, rel=1e-12)
    for wrong, hint in [(after, "read after the schedulers stepped"), (step_before, "StepLR's get_last_lr()"),
                        (step_after, "StepLR's own value before ExponentialLR's x0.9, and the next epoch's"),
                        (0.1 * 0.5 ** (e // 2), "StepLR's staircase alone"), (right[:5], "has 5 values"),
                        (..., "still empty"), ("0.1", "sequence of numbers"),
                        (np.r_[right[:5], right[5] * (1 + 1e-5)], "index 5")]:
        assert not lesson03.check_logged_lrs(wrong)
        assert hint in said(capsys), wrong
