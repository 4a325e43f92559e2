"""lrlessons.legacy against torch 1.3's formulas, written out again here from the math.

The 1.3 rules under test: the constructor writes the epoch-0 lr; ``step()`` adds one
to ``last_epoch`` and ``step(epoch)`` jumps to ``epoch`` (``step(0)`` included); the
lr written is the closed form of ``base_lrs`` and the epoch, so the scheduler
stepped last decides the lr; resuming with
``last_epoch != -1`` needs ``initial_lr``. Where a class behaves the same today when
used alone, the installed torch is a second, independent witness.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlessons import legacy

RTOL, ATOL = 1e-9, 1e-12


# ------------------------------------------------------------------ 1.3's formulas
def f_step(t, base, step_size, gamma=0.1):
    return base * gamma ** (t // step_size)


def f_multistep(t, base, milestones, gamma=0.1):
    return base * gamma ** sum(1 for m in milestones if m <= t)


def f_exp(t, base, gamma):
    return base * gamma ** t


def f_cos(t, base, T_max, eta_min=0.0):
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2


def f_warm(t, base, T_0, T_mult=1, eta_min=0.0):
    length, t_cur = T_0, t
    while t_cur >= length:
        t_cur -= length
        length *= T_mult
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * t_cur / length)) / 2


def f_cyclic(t, base_lr, max_lr, up, down, mode="triangular", gamma=1.0):
    period = up + down
    cycle = math.floor(1 + t / period)
    pos = t - (cycle - 1) * period  # steps into the current cycle
    frac = pos / up if pos <= up else (period - pos) / down
    scale = {"triangular": 1.0, "triangular2": 0.5 ** (cycle - 1), "exp_range": gamma ** t}[mode]
    return base_lr + (max_lr - base_lr) * frac * scale


def f_onecycle(t, max_lr, total, pct_start=0.3, strategy="cos", div=25.0, final_div=1e4):
    lo, hi = max_lr / div, max_lr / div / final_div
    up = pct_start * total - 1
    if strategy == "cos":
        ease = lambda a, b, p: b + (a - b) * (1 + math.cos(math.pi * p)) / 2  # noqa: E731
    else:
        ease = lambda a, b, p: a + (b - a) * p  # noqa: E731
    if t <= up:
        return ease(lo, max_lr, t / up)
    return ease(max_lr, hi, (t - up) / (total - 1 - up))


# ------------------------------------------------------------------ helpers
def make_opt(lrs, momentum=0.9):
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0], momentum=momentum)


def lrs_of(opt):
    return [g["lr"] for g in opt.param_groups]


def run(opt, sched, n):
    """lr of every group at epochs 0..n-1 (read before each step, as a training loop uses it)."""
    out = []
    for _ in range(n):
        out.append(lrs_of(opt))
        opt.step()
        sched.step()
    return np.array(out)


base_lrs = st.lists(st.floats(1e-4, 1.0), min_size=1, max_size=3)
gammas = st.floats(0.05, 0.99)


# ------------------------------------------------------------------ one scheduler, every class
CASES = {
    "LambdaLR": (
        st.fixed_dictionaries({"k": st.floats(0.5, 0.99), "c": st.floats(0.1, 3.0)}),
        lambda o, a: legacy.LambdaLR(o, lambda e, k=a["k"], c=a["c"]: c * k ** e),
        lambda t, b, a: b * a["c"] * a["k"] ** t),
    "StepLR": (
        st.fixed_dictionaries({"step_size": st.integers(1, 12), "gamma": gammas}),
        lambda o, a: legacy.StepLR(o, **a), lambda t, b, a: f_step(t, b, **a)),
    "MultiStepLR": (
        st.fixed_dictionaries({"milestones": st.lists(st.integers(0, 40), max_size=5).map(sorted),
                               "gamma": gammas}),
        lambda o, a: legacy.MultiStepLR(o, **a), lambda t, b, a: f_multistep(t, b, **a)),
    "ExponentialLR": (
        st.fixed_dictionaries({"gamma": gammas}),
        lambda o, a: legacy.ExponentialLR(o, **a), lambda t, b, a: f_exp(t, b, **a)),
    "CosineAnnealingLR": (
        st.fixed_dictionaries({"T_max": st.integers(1, 15), "eta_min": st.floats(0, 1e-4)}),
        lambda o, a: legacy.CosineAnnealingLR(o, **a), lambda t, b, a: f_cos(t, b, **a)),
    "CosineAnnealingWarmRestarts": (
        st.fixed_dictionaries({"T_0": st.integers(1, 8), "T_mult": st.integers(1, 3),
                               "eta_min": st.floats(0, 1e-4)}),
        lambda o, a: legacy.CosineAnnealingWarmRestarts(o, **a), lambda t, b, a: f_warm(t, b, **a)),
    "CyclicLR": (
        st.fixed_dictionaries({"base_lr": st.floats(1e-4, 0.01), "max_lr": st.floats(0.02, 1.0),
                               "step_size_up": st.integers(1, 10), "step_size_down": st.integers(1, 10),
                               "mode": st.sampled_from(["triangular", "triangular2", "exp_range"]),
                               "gamma": st.floats(0.9, 1.0)}),
        lambda o, a: legacy.CyclicLR(o, **a),
        lambda t, b, a: f_cyclic(t, a["base_lr"], a["max_lr"], a["step_size_up"], a["step_size_down"],
                                 a["mode"], a["gamma"])),
    "OneCycleLR": (
        st.fixed_dictionaries({"max_lr": st.floats(0.01, 1.0), "total_steps": st.integers(10, 60),
                               "pct_start": st.floats(0.2, 0.8), "anneal_strategy": st.sampled_from(["cos", "linear"]),
                               "div_factor": st.floats(5, 50), "final_div_factor": st.floats(10, 1e4)}),
        lambda o, a: legacy.OneCycleLR(o, **a),
        lambda t, b, a: f_onecycle(t, a["max_lr"], a["total_steps"], a["pct_start"], a["anneal_strategy"],
                                   a["div_factor"], a["final_div_factor"])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_class_follows_its_1_3_formula(name):
    args_st, build, formula = CASES[name]

    @settings(max_examples=30)
    @given(args=args_st, lrs=base_lrs)
    def check(args, lrs):
        opt = make_opt(lrs)
        sched = build(opt, args)
        n = args.get("total_steps", 40)
        got = run(opt, sched, n)
        want = np.array([[formula(t, b, args) for b in lrs] for t in range(n)])
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
        assert sched.last_epoch == n
        assert not hasattr(sched, "get_last_lr")  # 1.4 added it

    check()


@pytest.mark.parametrize("name", ["LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
                                  "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR"])
def test_alone_it_matches_the_installed_torch(name):
    """One scheduler per optimizer, stepped once per epoch: 1.3 and today agree."""
    args_st, build, _ = CASES[name]
    modern = getattr(torch.optim.lr_scheduler, name)

    @settings(max_examples=15)
    @given(args=args_st, lrs=base_lrs)
    def check(args, lrs):
        o1, o2 = make_opt(lrs), make_opt(lrs)
        s1 = build(o1, args)
        s2 = modern(o2, lambda e, k=args["k"], c=args["c"]: c * k ** e) if name == "LambdaLR" else modern(o2, **args)
        n = args.get("total_steps", 30)
        np.testing.assert_allclose(run(o1, s1, n), run(o2, s2, n), rtol=1e-9, atol=1e-12)
        if name in ("CyclicLR", "OneCycleLR"):
            assert [g["momentum"] for g in o1.param_groups] == pytest.approx([g["momentum"] for g in o2.param_groups])

    check()


@settings(max_examples=40)
@given(lrs=base_lrs, mode=st.sampled_from(["min", "max"]), factor=st.floats(0.1, 0.9),
       patience=st.integers(0, 4), cooldown=st.integers(0, 3), threshold_mode=st.sampled_from(["rel", "abs"]),
       min_lr=st.floats(0, 1e-3), metrics=st.lists(st.integers(0, 6).map(float), min_size=5, max_size=40))
def test_reduce_on_plateau_matches_torch_and_writes_nothing_at_construction(
        lrs, mode, factor, patience, cooldown, threshold_mode, min_lr, metrics):
    kw = dict(mode=mode, factor=factor, patience=patience, cooldown=cooldown, threshold_mode=threshold_mode,
              min_lr=min_lr)
    o1, o2 = make_opt(lrs), make_opt(lrs)
    o1.param_groups[0]["lr"] = 0.5  # whatever the optimizer holds stays until the first cut
    o2.param_groups[0]["lr"] = 0.5
    s1 = legacy.ReduceLROnPlateau(o1, **kw)
    s2 = torch.optim.lr_scheduler.ReduceLROnPlateau(o2, **kw)
    assert lrs_of(o1)[0] == 0.5 and "initial_lr" not in o1.param_groups[0]
    for m in metrics:
        s1.step(m)
        s2.step(m)
        assert lrs_of(o1) == pytest.approx(lrs_of(o2), rel=1e-12)
    assert s1.last_epoch == len(metrics)


# ------------------------------------------------------------------ several schedulers, one optimizer
CLOSED = {
    "StepLR": (lambda o, g: legacy.StepLR(o, step_size=3, gamma=g), lambda t, b, g: f_step(t, b, 3, g)),
    "ExponentialLR": (lambda o, g: legacy.ExponentialLR(o, gamma=g), lambda t, b, g: f_exp(t, b, g)),
    "MultiStepLR": (lambda o, g: legacy.MultiStepLR(o, [2, 5, 9], gamma=g),
                    lambda t, b, g: f_multistep(t, b, [2, 5, 9], g)),
    "LambdaLR": (lambda o, g: legacy.LambdaLR(o, lambda e, g=g: 1 / (1 + g * e)),
                 lambda t, b, g: b / (1 + g * t)),
    "CosineAnnealingWarmRestarts": (lambda o, g: legacy.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2),
                                    lambda t, b, g: f_warm(t, b, 4, 2)),
    "CosineAnnealingLR": (lambda o, g: legacy.CosineAnnealingLR(o, T_max=7),
                          lambda t, b, g: f_cos(t, b, 7)),
}


@settings(max_examples=30)
@given(names=st.lists(st.sampled_from(list(CLOSED)), min_size=2, max_size=3),
       gammas=st.lists(gammas, min_size=3, max_size=3), lrs=base_lrs,
       orders=st.lists(st.permutations([0, 1, 2]), min_size=15, max_size=15))
def test_several_schedulers_on_one_optimizer_the_last_stepped_wins(names, gammas, lrs, orders):
    opt = make_opt(lrs)
    scheds, laws = [], []
    for k, name in enumerate(names):
        build, law = CLOSED[name]
        scheds.append(build(opt, gammas[k]))
        laws.append(lambda t, b, law=law, g=gammas[k]: law(t, b, g))
        # construction wrote this scheduler's epoch-0 value
        np.testing.assert_allclose(lrs_of(opt), [laws[-1](0, b) for b in lrs], rtol=RTOL, atol=ATOL)
    counts = [0] * len(scheds)
    for order in orders:
        opt.step()
        for k in [i for i in order if i < len(scheds)]:
            scheds[k].step()
            counts[k] += 1
            want = [laws[k](counts[k], b) for b in lrs]  # whatever the others wrote before
            np.testing.assert_allclose(lrs_of(opt), want, rtol=RTOL, atol=ATOL)
            assert scheds[k].get_lr() == pytest.approx(lrs_of(opt), rel=RTOL, abs=ATOL)


def test_the_lesson_02_experiment_follows_exponential_alone():
    opt = make_opt([0.1])
    s1, s2 = legacy.StepLR(opt, step_size=3, gamma=0.5), legacy.ExponentialLR(opt, gamma=0.9)
    seen = []
    for _ in range(100):
        opt.step()
        s1.step()
        s2.step()
        seen.append((lrs_of(opt)[0], s1.get_lr()[0], s2.get_lr()[0]))
    t = np.arange(1, 101)
    got = np.array(seen)
    np.testing.assert_allclose(got[:, 0], 0.1 * 0.9 ** t, rtol=RTOL)
    np.testing.assert_allclose(got[:, 1], 0.1 * 0.5 ** (t // 3), rtol=RTOL)
    np.testing.assert_allclose(got[:, 2], 0.1 * 0.9 ** t, rtol=RTOL)
    np.testing.assert_allclose(got[:4, 0], [0.09, 0.081, 0.0729, 0.06561], rtol=1e-12)


# ------------------------------------------------------------------ step(epoch), step(0), get_lr
@pytest.mark.parametrize("name", ["LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
                                  "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR"])
def test_explicit_epochs_jump_to_the_closed_form(name):
    args_st, build, formula = CASES[name]

    @settings(max_examples=20)
    @given(args=args_st, lrs=base_lrs, data=st.data())
    def check(args, lrs, data):
        opt = make_opt(lrs)
        sched = build(opt, args)
        top = args.get("total_steps", 60)
        epochs = data.draw(st.lists(st.one_of(st.integers(0, top), st.none()), min_size=1, max_size=12))
        for e in epochs:
            if e is None and sched.last_epoch >= top:
                continue
            expected_t = sched.last_epoch + 1 if e is None else e
            sched.step(e)
            assert sched.last_epoch == expected_t
            np.testing.assert_allclose(lrs_of(opt), [formula(expected_t, b, args) for b in lrs],
                                       rtol=RTOL, atol=ATOL)

    check()


FIXED_ARGS = {  # one hand-picked set of valid arguments per class
    "LambdaLR": {"k": 0.9, "c": 1.0}, "StepLR": {"step_size": 3, "gamma": 0.5},
    "MultiStepLR": {"milestones": [4, 9], "gamma": 0.5}, "ExponentialLR": {"gamma": 0.9},
    "CosineAnnealingLR": {"T_max": 8, "eta_min": 0.0},
    "CosineAnnealingWarmRestarts": {"T_0": 3, "T_mult": 2, "eta_min": 0.0},
    "CyclicLR": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "step_size_down": 3,
                 "mode": "triangular2", "gamma": 1.0},
    "OneCycleLR": {"max_lr": 0.1, "total_steps": 20, "pct_start": 0.3, "anneal_strategy": "cos",
                   "div_factor": 25.0, "final_div_factor": 1e4}}


@pytest.mark.parametrize("name", list(CASES))
def test_step_zero_really_goes_back_to_the_start(name):
    args_st, build, formula = CASES[name]
    args = FIXED_ARGS[name]
    opt = make_opt([0.1, 0.05])
    sched = build(opt, args)
    start = lrs_of(opt)
    for _ in range(4):
        sched.step()
    assert lrs_of(opt) != pytest.approx(start)
    sched.step(0)
    assert sched.last_epoch == 0
    assert lrs_of(opt) == pytest.approx([formula(0, b, args) for b in (0.1, 0.05)], rel=RTOL)
    assert lrs_of(opt) == pytest.approx(start, rel=RTOL)


@pytest.mark.parametrize("name", list(CASES))
def test_get_lr_has_no_side_effects(name):
    args_st, build, _ = CASES[name]
    opt = make_opt([0.1])
    sched = build(opt, {"LambdaLR": {"k": 0.9, "c": 1.0}, "StepLR": {"step_size": 2},
                        "MultiStepLR": {"milestones": [2]}, "ExponentialLR": {"gamma": 0.9},
                        "CosineAnnealingLR": {"T_max": 6}, "CosineAnnealingWarmRestarts": {"T_0": 3},
                        "CyclicLR": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3},
                        "OneCycleLR": {"max_lr": 0.1, "total_steps": 20}}[name])
    for _ in range(3):
        sched.step()
    state = (lrs_of(opt), [g["momentum"] for g in opt.param_groups], sched.last_epoch)
    first = sched.get_lr()
    for _ in range(3):
        assert sched.get_lr() == first
    assert (lrs_of(opt), [g["momentum"] for g in opt.param_groups], sched.last_epoch) == state
    assert first == pytest.approx(lrs_of(opt), rel=RTOL)  # a reading, unlike today's get_lr()


# ------------------------------------------------------------------ resuming
@pytest.mark.parametrize("cls, kw", [(legacy.StepLR, {"step_size": 2}), (legacy.ExponentialLR, {"gamma": 0.9}),
                                     (legacy.LambdaLR, {"lr_lambda": lambda e: 0.5 ** e}),
                                     (legacy.CosineAnnealingLR, {"T_max": 5})])
def test_resuming_on_a_fresh_optimizer_needs_initial_lr(cls, kw):
    opt = make_opt([0.1, 0.2])
    with pytest.raises(KeyError, match=r"param_groups\[0\] has no 'initial_lr'"):
        cls(opt, last_epoch=4, **kw)
    for g in opt.param_groups:
        g["initial_lr"] = g["lr"]
    sched = cls(opt, last_epoch=4, **kw)
    assert sched.last_epoch == 4 and sched.base_lrs == [0.1, 0.2]


@settings(max_examples=25)
@given(lrs=base_lrs, gamma=gammas, step_size=st.integers(1, 5), stop=st.integers(1, 30))
def test_resume_with_last_epoch_and_initial_lr_continues_the_closed_form(lrs, gamma, step_size, stop):
    opt = make_opt(lrs)
    for g in opt.param_groups:
        g["initial_lr"] = g["lr"]
    sched = legacy.StepLR(opt, step_size=step_size, gamma=gamma, last_epoch=stop)
    got = run(opt, sched, 10)
    want = [[f_step(t, b, step_size, gamma) for b in lrs] for t in range(stop, stop + 10)]
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", list(CASES))
def test_state_dict_resume_gives_the_uninterrupted_curve(name):
    args_st, build, _ = CASES[name]
    args = FIXED_ARGS[name]
    opt = make_opt([0.1, 0.05])
    sched = build(opt, args)
    whole = run(opt, sched, 18)
    opt = make_opt([0.1, 0.05])
    sched = build(opt, args)
    first = run(opt, sched, 7)
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    opt2 = make_opt([0.1, 0.05])
    sched2 = build(opt2, args)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    rest = run(opt2, sched2, 11)
    np.testing.assert_allclose(np.vstack([first, rest]), whole, rtol=RTOL, atol=ATOL)


# ------------------------------------------------------------------ clear errors
BAD = [
    (lambda o: legacy.StepLR("sgd", 3), TypeError, "optimizer="),
    (lambda o: legacy.StepLR(o, 0), ValueError, "step_size=0"),
    (lambda o: legacy.StepLR(o, 2.5), TypeError, "step_size=2.5"),
    (lambda o: legacy.StepLR(o, 3, gamma=-0.1), ValueError, "gamma=-0.1"),
    (lambda o: legacy.StepLR(o, 3, last_epoch=-2), ValueError, "last_epoch=-2"),
    (lambda o: legacy.MultiStepLR(o, [5, 2]), ValueError, "increasing order"),
    (lambda o: legacy.MultiStepLR(o, 5), TypeError, "milestones=5"),
    (lambda o: legacy.ExponentialLR(o, "0.9"), TypeError, "gamma='0.9'"),
    (lambda o: legacy.LambdaLR(o, 0.5), TypeError, "lr_lambda=0.5"),
    (lambda o: legacy.LambdaLR(o, [lambda e: 1, lambda e: 1]), ValueError, "list of 1"),
    (lambda o: legacy.CosineAnnealingLR(o, 0), ValueError, "T_max=0"),
    (lambda o: legacy.CosineAnnealingWarmRestarts(o, 5, T_mult=0), ValueError, "T_mult=0"),
    (lambda o: legacy.CyclicLR(o, 0.01, 0.1, mode="sine"), ValueError, "mode='sine'"),
    (lambda o: legacy.CyclicLR(o, [0.01, 0.02], 0.1), ValueError, "base_lr="),
    (lambda o: legacy.CyclicLR(torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))]), 0.01, 0.1),
     ValueError, "cycle_momentum=True"),
    (lambda o: legacy.OneCycleLR(o, 0.1), ValueError, "total_steps=None"),
    (lambda o: legacy.OneCycleLR(o, 0.1, total_steps=10, pct_start=1.5), ValueError, "pct_start=1.5"),
    (lambda o: legacy.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="cosine"), ValueError,
     "anneal_strategy='cosine'"),
    (lambda o: legacy.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor=1.0"),
    (lambda o: legacy.ReduceLROnPlateau(o, mode="lowest"), ValueError, "mode='lowest'"),
    (lambda o: legacy.ReduceLROnPlateau(o, patience=-1), ValueError, "patience=-1"),
    (lambda o: legacy.StepLR(o, 3).step("next"), TypeError, "epoch='next'"),
    (lambda o: legacy.ReduceLROnPlateau(o).step("loss"), TypeError, "metrics='loss'"),
]


@pytest.mark.parametrize("make, exc, text", BAD)
def test_bad_arguments_raise_errors_that_name_them(make, exc, text):
    with pytest.raises(exc, match=None) as info:
        make(make_opt([0.1]))
    assert text in str(info.value)


def test_one_cycle_refuses_to_go_past_total_steps():
    opt = make_opt([0.1])
    sched = legacy.OneCycleLR(opt, max_lr=0.1, total_steps=5)
    for _ in range(5):
        sched.step()
    with pytest.raises(ValueError, match="total_steps=5"):
        sched.step()
