"""The closed forms of transformers' schedules equal the real schedulers, stepped.

Each closed form ``X(t, base_lr, **kw)`` is compared with ``transformers.get_X``'s
``LambdaLR`` stepped one step at a time, well past ``num_training_steps``, within
1e-12, over random arguments; with several param groups; resumed from a state dict;
and bad arguments raise transformers' error or the course's clearer one.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import transformers
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlessons import formulas
from lrlessons.formulas import transformers_schedules as ts

TOL = 1e-12

lrs = st.floats(1e-5, 10.0)
counts = st.integers(0, 40)
cycles = st.floats(0.1, 3.0)


@st.composite
def cases(draw):
    """(name, base_lr, kwargs) for every schedule, with random valid arguments."""
    name = draw(st.sampled_from(ts.__all__))
    lr = draw(lrs)
    w = draw(counts)
    total = draw(st.integers(0, 80))
    kw: dict = {}
    if name == "constant_schedule":
        pass
    elif name == "constant_schedule_with_warmup":
        kw = dict(num_warmup_steps=w)
    elif name == "linear_schedule_with_warmup":
        kw = dict(num_warmup_steps=w, num_training_steps=total)
    elif name == "cosine_schedule_with_warmup":
        kw = dict(num_warmup_steps=w, num_training_steps=total, num_cycles=draw(cycles))
    elif name == "cosine_with_hard_restarts_schedule_with_warmup":
        kw = dict(num_warmup_steps=w, num_training_steps=total,
                  num_cycles=draw(st.one_of(st.integers(1, 4), cycles)))
    elif name == "polynomial_decay_schedule_with_warmup":
        total = draw(st.integers(0, 80).filter(lambda n: n != w))
        kw = dict(num_warmup_steps=w, num_training_steps=total, lr_end=lr * draw(st.floats(0.0, 0.9)),
                  power=draw(st.floats(0.0, 4.0)))
    elif name == "inverse_sqrt_schedule":
        kw = dict(num_warmup_steps=w, timescale=draw(st.one_of(st.none(), st.integers(1, 100))))
    elif name.startswith("cosine_with_min_lr"):
        kw = dict(num_warmup_steps=w, num_training_steps=total, num_cycles=draw(cycles))
        if draw(st.booleans()):
            kw["min_lr"] = lr * draw(st.floats(0.0, 1.0))
        else:
            kw["min_lr_rate"] = draw(st.floats(0.0, 1.0))
        if name.endswith("_lr_rate") and draw(st.booleans()):
            kw["warmup_lr_rate"] = draw(st.floats(0.0, 1.0))
    elif name == "wsd_schedule":
        kw = dict(num_warmup_steps=w, num_decay_steps=draw(counts),
                  warmup_type=draw(st.sampled_from(["linear", "cosine", "1-sqrt"])),
                  decay_type=draw(st.sampled_from(["linear", "cosine", "1-sqrt"])),
                  min_lr_ratio=draw(st.floats(0.0, 1.0)), num_cycles=draw(cycles))
        if draw(st.booleans()):
            kw["num_stable_steps"] = draw(counts)
        else:
            kw["num_training_steps"] = max(0, w + kw["num_decay_steps"] + draw(st.integers(-20, 40)))
    return name, lr, kw


def real(name: str, group_lrs: list[float], kw: dict, steps: int, resume_at: int | None = None) -> np.ndarray:
    """The lr of every group after 0..steps scheduler steps, from the real transformers scheduler."""
    params = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in group_lrs]
    opt = torch.optim.SGD(params, lr=group_lrs[0])
    make = getattr(transformers, "get_" + name)
    sched = make(opt, **kw)
    out = [[g["lr"] for g in opt.param_groups]]
    for i in range(steps):
        if resume_at is not None and i == resume_at:  # rebuild from a state dict mid-schedule
            state, opt_state = sched.state_dict(), opt.state_dict()
            opt = torch.optim.SGD(params, lr=group_lrs[0])
            opt.load_state_dict(opt_state)
            sched = make(opt, **kw)
            sched.load_state_dict(state)
        opt.step()
        sched.step()
        out.append([g["lr"] for g in opt.param_groups])
    return np.array(out)


@settings(max_examples=300)
@given(cases())
def test_closed_form_equals_transformers(case):
    name, lr, kw = case
    steps = 120  # num_training_steps <= 80 + warmup: past the end
    want = real(name, [lr], kw, steps)[:, 0]
    got = getattr(formulas, name)(np.arange(steps + 1), lr, **kw)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL)


@given(cases(), st.integers(0, 60))
def test_scalar_step_and_resume(case, at):
    name, lr, kw = case
    want = real(name, [lr], kw, 80, resume_at=at)[:, 0]
    got = [float(getattr(ts, name)(t, lr, **kw)) for t in range(81)]
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL)


@given(cases(), st.lists(lrs, min_size=1, max_size=2))
def test_several_param_groups(case, others):
    """Every group follows the factor; min_lr and lr_end are ratios to the optimizer's default lr."""
    name, lr, kw = case
    groups = [lr, *others]
    want = real(name, groups, kw, 60)
    factor = getattr(ts, name)(np.arange(61), lr, **kw) / lr
    for g, glr in enumerate(groups):
        np.testing.assert_allclose(glr * factor, want[:, g], rtol=1e-12, atol=TOL)


def test_update_zero_and_past_the_end():
    """The facts lesson 09 states, on one example each."""
    t = np.arange(0, 31)
    lin = ts.linear_schedule_with_warmup(t, 0.1, num_warmup_steps=5, num_training_steps=20)
    assert lin[0] == 0.0 and lin[5] == pytest.approx(0.1) and np.all(lin[20:] == 0)
    cos = ts.cosine_schedule_with_warmup(t, 0.1, num_warmup_steps=5, num_training_steps=20)
    assert cos[20] < 1e-15 and cos[25] > cos[21] > 0  # rises again past the end
    hard = ts.cosine_with_hard_restarts_schedule_with_warmup(t, 0.1, 5, 20, num_cycles=3)
    assert np.all(hard[20:] == 0)
    rate = ts.cosine_with_min_lr_schedule_with_warmup_lr_rate(t, 0.1, 5, 20, min_lr_rate=0.1)
    assert rate[0] == pytest.approx(0.02) and rate[4] == pytest.approx(0.1)
    wsd = ts.wsd_schedule(t, 0.1, num_warmup_steps=5, num_decay_steps=5, num_training_steps=20)
    assert np.all(wsd[5:15] == 0.1) and np.all(wsd[20:] == 0)


def test_wsd_warns_like_transformers_when_both_lengths_are_given():
    kw = dict(num_warmup_steps=2, num_decay_steps=3, num_training_steps=10, num_stable_steps=4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = ts.wsd_schedule(np.arange(15), 1.0, **kw)
    assert "num_stable_steps will be used" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(got, real("wsd_schedule", [1.0], kw, 14)[:, 0], atol=TOL, rtol=0)


# Errors transformers raises: same type and message.
SAME_ERRORS = [
    ("polynomial_decay_schedule_with_warmup", dict(num_warmup_steps=1, num_training_steps=5, lr_end=0.2),
     "must be smaller than initial lr"),
    ("cosine_with_min_lr_schedule_with_warmup", dict(num_warmup_steps=1, num_training_steps=5),
     "One of min_lr or min_lr_rate"),
    ("cosine_with_min_lr_schedule_with_warmup_lr_rate",
     dict(num_warmup_steps=1, num_training_steps=5, min_lr=0.01, min_lr_rate=0.1), "Only one of min_lr"),
    ("wsd_schedule", dict(num_warmup_steps=1, num_decay_steps=2), "Either num_training_steps"),
    ("wsd_schedule", dict(num_warmup_steps=1, num_decay_steps=2, num_training_steps=9, warmup_type="exp"),
     "Unknown warmup type: exp"),
    ("wsd_schedule", dict(num_warmup_steps=1, num_decay_steps=2, num_training_steps=9, decay_type="step"),
     "Unknown decay type: step"),
]


@pytest.mark.parametrize("name, kw, message", SAME_ERRORS)
def test_errors_match_transformers(name, kw, message):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match=message) as theirs:
        getattr(transformers, "get_" + name)(opt, **kw)
    with pytest.raises(ValueError, match=message) as ours:
        getattr(ts, name)(np.arange(3), 0.1, **kw)
    assert str(ours.value) == str(theirs.value)


# The course's clearer errors (documented in the module docstring).
CLEARER = [
    ("linear_schedule_with_warmup", dict(t=[0, -1], num_warmup_steps=1, num_training_steps=5), ValueError,
     "t="),
    ("linear_schedule_with_warmup", dict(t=[0.5], num_warmup_steps=1, num_training_steps=5), ValueError,
     "whole numbers"),
    ("linear_schedule_with_warmup", dict(t="a", num_warmup_steps=1, num_training_steps=5), TypeError, "t="),
    ("linear_schedule_with_warmup", dict(t=3, num_warmup_steps=-1, num_training_steps=5), ValueError,
     "num_warmup_steps=-1"),
    ("cosine_schedule_with_warmup", dict(t=3, num_warmup_steps=1.5, num_training_steps=5), TypeError,
     "num_warmup_steps=1.5"),
    ("cosine_schedule_with_warmup", dict(t=3, num_warmup_steps=1, num_training_steps=5, num_cycles="x"),
     TypeError, "num_cycles="),
    ("polynomial_decay_schedule_with_warmup", dict(t=3, num_warmup_steps=5, num_training_steps=5), ValueError,
     "different from num_warmup_steps"),
    ("polynomial_decay_schedule_with_warmup", dict(t=3, num_warmup_steps=1, num_training_steps=5, power=-1.0),
     ValueError, "power=-1.0"),
    ("inverse_sqrt_schedule", dict(t=3, num_warmup_steps=1, timescale=0), ValueError, "timescale=0"),
    ("cosine_with_min_lr_schedule_with_warmup", dict(t=3, base_lr=0.0, num_warmup_steps=1,
                                                     num_training_steps=5, min_lr=0.0), ValueError, "base_lr=0.0"),
    ("wsd_schedule", dict(t=3, num_warmup_steps=1, num_decay_steps=2, num_stable_steps=-2), ValueError,
     "num_stable_steps=-2"),
    ("constant_schedule", dict(t=3, base_lr=float("nan")), TypeError, "base_lr=nan"),
]


@pytest.mark.parametrize("name, kw, exc, message", CLEARER)
def test_clearer_errors_name_the_argument(name, kw, exc, message):
    kw = dict(kw)
    t = kw.pop("t")
    base_lr = kw.pop("base_lr", 0.1)
    with pytest.raises(exc, match=message) as info:
        getattr(ts, name)(t, base_lr, **kw)
    assert "is not allowed" in str(info.value)


def test_exported_from_formulas():
    for name in ts.__all__:
        assert getattr(formulas, name) is getattr(ts, name)
        assert hasattr(transformers, "get_" + name)
    assert formulas.wsd_schedule is ts.wsd_schedule
