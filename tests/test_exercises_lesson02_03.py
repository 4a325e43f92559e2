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
@pytest.mark.parametrize("kind", [list, np.array, lambda v: torch.tensor(v, dtype=torch.float64),
                                  lambda v: [np.float64(x) for x in v], lambda v: [torch.tensor(x) for x in v]])
def test_swapped_order(capsys, kind):
    ok = lesson02.check_swapped_order(kind([0.1, 0.1, 0.05, 0.05, 0.05, 0.025]))
    assert isinstance(ok, Verdict) and ok
    out = said(capsys)
    assert out.startswith("Correct: StepLR is stepped last") and out.count("Correct") == 1
    for wrong, hint in [(0.1 * 0.9 ** T, "ExponentialLR's curve"),
                        (0.1 * 0.9 ** T * 0.5 ** (T // 3), "today's product"),
                        (0.1 * 0.5 ** ((T - 1) // 3), "shifted by one epoch"),
                        (..., "still empty"), ([0.1] * 5, "has 5 values, expected 6"),
                        ("abc", "sequence of numbers"), ([0.1, 0.1, 0.05, 0.05, 0.05, 0.0250001], "0.0250001")]:
        verdict = lesson02.check_swapped_order(wrong)
        assert isinstance(verdict, Verdict) and not verdict
        assert hint in said(capsys), wrong


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
@pytest.mark.parametrize("kind", [float, np.float64, np.float32, torch.tensor, lambda x: [x],
                                  lambda x: torch.tensor([x])])
def test_read_lr_accepts_any_numeric_type(capsys, kind):
    assert lesson03.check_read_lr(lambda opt, sched: kind(opt.param_groups[0]["lr"]))
    assert said(capsys) == "Correct: 0.03645 is the lr the optimizer will use."


def test_read_lr(capsys):
    assert lesson03.check_read_lr(lambda opt, sched: opt.param_groups[0]["lr"])
    assert said(capsys) == "Correct: 0.03645 is the lr the optimizer will use."
    assert not lesson03.check_read_lr(lambda opt, sched: opt.param_groups[0]["lr"] * (1 + 1e-5))
    assert "got 0.0364504, but the optimizer holds 0.03645." in said(capsys)
    for wrong, hint in [(lambda o, s: s.get_last_lr()[0], "0.0405 is StepLR's get_last_lr()"),
                        (lambda o, s: s.get_lr()[0], "called get_lr()"),
                        (lambda o, s: ..., "returned nothing"), (lambda o, s: "x", "should return a number"),
                        (lambda o, s: 1 / 0, "ZeroDivisionError"), (3, "fill in `read_lr`")]:
        verdict = lesson03.check_read_lr(wrong)
        assert isinstance(verdict, Verdict) and not verdict
        assert hint in said(capsys)


def _resume(load_opt=True, load_sched=True, last_epoch=None):
    def resume(ckpt):
        opt = sgd()
        if last_epoch is not None:
            if load_opt:
                opt.load_state_dict(ckpt["optimizer"])
            return opt, L.CosineAnnealingLR(opt, T_max=10, last_epoch=last_epoch)
        sched = L.CosineAnnealingLR(opt, T_max=10)
        if load_opt:
            opt.load_state_dict(ckpt["optimizer"])
        if load_sched:
            sched.load_state_dict(ckpt["scheduler"])
        return opt, sched
    return resume


def test_resume(capsys):
    assert lesson03.check_resume(_resume())
    assert said(capsys).startswith("Correct: all 6 values match.")
    for wrong, hint in [(_resume(False, False), "starts again from epoch 0"),
                        (_resume(last_epoch=4, load_opt=False), "KeyError 'initial_lr'"),
                        (_resume(load_sched=False), "is not the checkpoint's"),
                        (_resume(last_epoch=4), "is not the checkpoint's"),
                        (_resume(last_epoch=3), "rebuilt with last_epoch="),
                        (lambda ckpt: None, "returned nothing"), (lambda ckpt: sgd(), "a pair"),
                        (lambda ckpt: (sgd(), L.StepLR(sgd(), 3)), "built on that optimizer"),
                        (..., "fill in `resume`")]:
        verdict = lesson03.check_resume(wrong)
        assert isinstance(verdict, Verdict) and not verdict
        assert hint in said(capsys)


def test_logged_lrs(capsys):
    e = np.arange(6)
    right = 0.1 * 0.9 ** e * 0.5 ** (e // 2)
    for kind in (list, np.array, torch.tensor, lambda v: [np.float32(x) for x in v]):
        assert lesson03.check_logged_lrs(kind(right)) and said(capsys).startswith("Correct: each epoch's lr")
    after = 0.1 * 0.9 ** (e + 1) * 0.5 ** ((e + 1) // 2)
    step_before = np.r_[0.1, right[1:] / 0.9]
    for wrong, hint in [(after, "read after the schedulers stepped"), (step_before, "StepLR's get_last_lr()"),
                        (0.1 * 0.5 ** (e // 2), "StepLR's staircase alone"), (right[:5], "has 5 values"),
                        (..., "still empty"), ("0.1", "sequence of numbers"),
                        (np.r_[right[:5], right[5] * (1 + 1e-5)], "index 5")]:
        assert not lesson03.check_logged_lrs(wrong)
        assert hint in said(capsys), wrong
