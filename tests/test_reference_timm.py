"""The timm twins (lrlessons.reference) and closed forms (lrlessons.formulas) against timm.

Every test drives the real timm scheduler and the twin the way timm's training script
does (``step_update(num_updates)`` after each update, ``step(epoch + 1, metric)`` after
each epoch) on optimizers with 1-3 param groups, and asserts that the lrs are equal.
"""
from __future__ import annotations

import copy
import inspect
import warnings

import numpy as np
import pytest
import timm.scheduler as timm_sched
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lrlessons
from lrlessons import formulas
from lrlessons import reference as ref

warnings.filterwarnings("ignore", category=FutureWarning, message=".*PlateauLRScheduler")
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

FAMILIES = ["CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler", "StepLRScheduler",
            "MultiStepLRScheduler"]
ALL = FAMILIES + ["PlateauLRScheduler"]
CLOSED = {
    "CosineLRScheduler": formulas.cosine_lr_scheduler,
    "TanhLRScheduler": formulas.tanh_lr_scheduler,
    "PolyLRScheduler": formulas.poly_lr_scheduler,
    "StepLRScheduler": formulas.step_lr_scheduler,
    "MultiStepLRScheduler": formulas.multi_step_lr_scheduler,
}
NOT_CURVE = {"t_in_epochs", "noise_range_t", "noise_pct", "noise_std", "noise_seed", "initialize"}

lr = st.floats(1e-4, 1.0)
small = st.floats(0.0, 1e-3)


# ------------------------------------------------------------------------- strategies
@st.composite
def noise_args(draw):
    kind = draw(st.sampled_from(["none", "start", "range"]))
    if kind == "none":
        return {}
    if kind == "start":
        rng = draw(st.integers(0, 40))
    else:
        rng = sorted(draw(st.lists(st.integers(0, 60), min_size=2, max_size=2)))
    return {"noise_range_t": rng, "noise_pct": draw(st.floats(0.05, 1.0)),
            "noise_std": draw(st.floats(0.0, 2.0)), "noise_seed": draw(st.integers(0, 10_000))}


@st.composite
def family_args(draw, family, noise=True):
    kw = {"warmup_t": draw(st.integers(0, 8)), "warmup_lr_init": draw(small),
          "warmup_prefix": draw(st.booleans())}
    if family in ("CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler"):
        kw.update(t_initial=draw(st.integers(1, 25)), lr_min=draw(small),
                  cycle_mul=draw(st.sampled_from([1.0, 1.0, 1.5, 2.0, draw(st.floats(1.0, 3.0))])),
                  cycle_decay=draw(st.floats(0.1, 1.0)), cycle_limit=draw(st.integers(0, 4)))
    if family in ("CosineLRScheduler", "PolyLRScheduler"):
        kw["k_decay"] = draw(st.sampled_from([1.0, 2.0, draw(st.floats(0.3, 3.0))]))
    if family == "TanhLRScheduler":
        lb = draw(st.floats(-10.0, 0.0))
        kw.update(lb=lb, ub=lb + draw(st.floats(0.5, 12.0)))
    if family == "PolyLRScheduler":
        kw["power"] = draw(st.sampled_from([0.0, 0.5, draw(st.floats(0.1, 3.0))]))
    if family == "StepLRScheduler":
        kw.update(decay_t=draw(st.one_of(st.integers(1, 20), st.floats(0.5, 20.0))),
                  decay_rate=draw(st.floats(0.0, 1.0)))
    if family == "MultiStepLRScheduler":
        kw.update(decay_t=sorted(draw(st.lists(st.integers(0, 60), max_size=5))),
                  decay_rate=draw(st.floats(0.0, 1.0)))
    if noise:
        kw.update(draw(noise_args()))
    return kw


@st.composite
def groups(draw):
    lrs = draw(st.lists(lr, min_size=1, max_size=3))
    scales = [draw(st.sampled_from([None, None, 0.5, 2.0])) for _ in lrs]
    return lrs, scales


def make_opt(lrs, scales=None):
    param_groups = []
    for n, value in enumerate(lrs):
        g = {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": value}
        if scales and scales[n] is not None:
            g["lr_scale"] = scales[n]
        param_groups.append(g)
    return torch.optim.SGD(param_groups, lr=lrs[0])


def train_loop(sched, opt, first_epoch, epochs, updates, metrics=None):
    """timm's training-script order; returns the lrs of every group at every update."""
    rows = []
    for epoch in range(first_epoch, epochs):
        for u in range(updates):
            rows.append([g["lr"] for g in opt.param_groups])
            sched.step_update(num_updates=epoch * updates + u + 1)
        sched.step(epoch + 1, None if metrics is None else metrics[epoch])
    rows.append([g["lr"] for g in opt.param_groups])
    return np.array(rows)


def both(family, kw, lrs, scales):
    o1, o2 = make_opt(lrs, scales), make_opt(lrs, scales)
    return (getattr(timm_sched, family)(o1, **kw), o1), (getattr(ref, family)(o2, **kw), o2)


# ------------------------------------------------------------------------- the twins
@pytest.mark.parametrize("family", FAMILIES)
@settings(max_examples=60)
@given(data=st.data(), grp=groups(), t_in_epochs=st.booleans(), epochs=st.integers(1, 30),
       updates=st.integers(1, 4))
def test_twin_equals_timm_under_a_training_loop(family, data, grp, t_in_epochs, epochs, updates):
    kw = data.draw(family_args(family))
    kw["t_in_epochs"] = t_in_epochs
    (real, o1), (twin, o2) = both(family, kw, *grp)
    want = train_loop(real, o1, 0, epochs, updates)
    got = train_loop(twin, o2, 0, epochs, updates)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("family", FAMILIES)
@given(data=st.data(), grp=groups(), t_in_epochs=st.booleans(), stop=st.integers(0, 12))
def test_twin_resumes_from_its_own_and_from_timms_checkpoint(family, data, grp, t_in_epochs, stop):
    kw = data.draw(family_args(family))
    kw["t_in_epochs"] = t_in_epochs
    epochs, updates = 15, 2
    (real, o1), (twin, o2) = both(family, kw, *grp)
    want = train_loop(real, o1, 0, epochs, updates)
    train_loop(twin, o2, 0, stop, updates)
    twin_state, opt_state = copy.deepcopy(twin.state_dict()), copy.deepcopy(o2.state_dict())
    (real2, o3), (_, _) = both(family, kw, *grp)
    train_loop(real2, o3, 0, stop, updates)
    timm_state = copy.deepcopy(real2.state_dict())
    for state in (twin_state, timm_state):
        o4 = make_opt(*grp)
        resumed = getattr(ref, family)(o4, **kw)
        o4.load_state_dict(opt_state)
        resumed.load_state_dict(state)
        got = train_loop(resumed, o4, stop, epochs, updates)
        np.testing.assert_array_equal(got, want[stop * updates:])


@pytest.mark.parametrize("family", FAMILIES)
@given(data=st.data(), base=lr)
def test_closed_form_equals_timm(family, data, base):
    kw = {k: v for k, v in data.draw(family_args(family, noise=False)).items()}
    opt = make_opt([base])
    real = getattr(timm_sched, family)(opt, **kw)
    want = [opt.param_groups[0]["lr"]]  # t = 0: what the constructor leaves
    for count in range(1, 80):
        real.step(count)
        want.append(opt.param_groups[0]["lr"])
    got = CLOSED[family](np.arange(80), base, **kw)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert CLOSED[family](0, base, **kw).shape == ()
    assert CLOSED[family](np.arange(6).reshape(2, 3), base, **kw).shape == (2, 3)


@st.composite
def plateau_args(draw):
    kw = {"decay_rate": draw(st.floats(0.0, 0.9)), "patience_t": draw(st.integers(0, 4)),
          "threshold": draw(st.sampled_from([0.0, 1e-4, 0.05])),
          "cooldown_t": draw(st.integers(0, 3)),
          "warmup_t": draw(st.integers(0, 5)), "warmup_lr_init": draw(small), "lr_min": draw(small),
          "mode": draw(st.sampled_from(["min", "max"]))}
    kw.update(draw(noise_args()))
    if "noise_range_t" in kw:
        kw["noise_type"] = draw(st.sampled_from(["normal", "uniform"]))
    if draw(st.booleans()):
        kw.pop("noise_seed", None)  # timm's default None means 42
    return kw


# metrics from a few values so that ties, plateaus and improvements all happen
metric_seqs = st.lists(st.one_of(st.sampled_from([1.0, 0.9, 0.5, 0.5001, 0.2]), st.none(),
                                 st.floats(0.0, 2.0)), min_size=30, max_size=30)


@settings(max_examples=80)
@given(kw=plateau_args(), grp=groups(), metrics=metric_seqs, stop=st.integers(1, 29))
def test_plateau_twin_equals_timm_and_resumes_like_it(kw, grp, metrics, stop):
    (real, o1), (twin, o2) = both("PlateauLRScheduler", kw, *grp)
    want = train_loop(real, o1, 0, 30, 2, metrics)
    got = train_loop(twin, o2, 0, 30, 2, metrics)
    np.testing.assert_array_equal(got, want)
    # stop, checkpoint, resume in fresh objects: both forget patience and cooldown alike
    runs = []
    for cls in (timm_sched.PlateauLRScheduler, ref.PlateauLRScheduler):
        o = make_opt(*grp)
        s = cls(o, **kw)
        train_loop(s, o, 0, stop, 2, metrics)
        state, opt_state = copy.deepcopy(s.state_dict()), copy.deepcopy(o.state_dict())
        o_new = make_opt(*grp)
        s_new = cls(o_new, **kw)
        o_new.load_state_dict(opt_state)
        s_new.load_state_dict(state)
        runs.append(train_loop(s_new, o_new, stop, 30, 2, metrics))
    np.testing.assert_array_equal(runs[1], runs[0])


def test_same_noise_seed_same_curve_other_seed_other_curve():
    def curve(cls, seed):
        opt = make_opt([0.1])
        s = cls(opt, t_initial=50, noise_range_t=[0, 50], noise_pct=0.3, noise_seed=seed)
        out = []
        for t in range(50):
            s.step(t)
            out.append(opt.param_groups[0]["lr"])
        return np.array(out)
    a, b = curve(timm_sched.CosineLRScheduler, 7), curve(ref.CosineLRScheduler, 7)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(curve(ref.CosineLRScheduler, 8), b)
    clean = formulas.cosine_lr_scheduler(np.arange(50), 0.1, 50)
    assert np.all(np.abs(b / clean - 1) < 0.3 + 1e-12) and np.any(b != clean)


@pytest.mark.parametrize("family", ALL)
def test_signature_and_defaults_equal_timms(family):
    real = inspect.signature(getattr(timm_sched, family).__init__).parameters
    twin = inspect.signature(getattr(ref, family).__init__).parameters
    assert list(twin) == list(real)
    assert {k: p.default for k, p in twin.items()} == {k: p.default for k, p in real.items()}


@pytest.mark.parametrize("family", FAMILIES)
def test_closed_form_takes_the_curve_arguments_of_the_class(family):
    real = inspect.signature(getattr(timm_sched, family).__init__).parameters
    closed = inspect.signature(CLOSED[family]).parameters
    want = [k for k in real if k not in NOT_CURVE | {"self", "optimizer"}]
    assert list(closed) == ["t", "base_lr"] + want
    assert all(closed[k].default == real[k].default for k in want)


@pytest.mark.parametrize("family,cycles", [(f, c) for f in ("CosineLRScheduler", "TanhLRScheduler",
                                                            "PolyLRScheduler") for c in (0, 1, 3)])
@pytest.mark.parametrize("cycle_mul,warmup_prefix", [(1.0, False), (2.0, True), (1.5, False)])
def test_cycle_length_equals_timms(family, cycles, cycle_mul, warmup_prefix):
    kw = dict(t_initial=20, cycle_mul=cycle_mul, cycle_limit=2, warmup_t=5,
              warmup_prefix=warmup_prefix)
    a = getattr(timm_sched, family)(make_opt([0.1]), **kw)
    b = getattr(ref, family)(make_opt([0.1]), **kw)
    assert b.get_cycle_length(cycles) == a.get_cycle_length(cycles)


def test_trace_drives_the_twin_exactly_like_timm():
    for t_in_epochs in (True, False):
        kw = dict(t_initial=40, warmup_t=5, warmup_lr_init=1e-4, cycle_limit=2,
                  t_in_epochs=t_in_epochs)
        a = lrlessons.trace(lambda o: timm_sched.CosineLRScheduler(o, **kw), epochs=30,
                            steps_per_epoch=3)
        b = lrlessons.trace(lambda o: ref.CosineLRScheduler(o, **kw), epochs=30,
                            steps_per_epoch=3)
        np.testing.assert_array_equal(a.lrs, b.lrs)


BAD = [
    ("CosineLRScheduler", dict(t_initial=0), "t_initial", ValueError),
    ("CosineLRScheduler", dict(t_initial=10, lr_min=-1), "lr_min", ValueError),
    ("CosineLRScheduler", dict(t_initial=10, cycle_limit=1.5), "cycle_limit", TypeError),
    ("CosineLRScheduler", dict(t_initial=10, cycle_mul=0), "cycle_mul", ValueError),
    ("CosineLRScheduler", dict(t_initial=10, k_decay=0), "k_decay", ValueError),
    ("CosineLRScheduler", dict(t_initial=10, warmup_t=-2), "warmup_t", ValueError),
    ("CosineLRScheduler", dict(t_initial=10, noise_range_t=[5]), "noise_range_t", TypeError),
    ("CosineLRScheduler", dict(t_initial=10, noise_range_t=[9, 3]), "noise_range_t", ValueError),
    ("CosineLRScheduler", dict(t_initial=10, noise_range_t=0, noise_pct=0), "noise_pct",
     ValueError),
    ("CosineLRScheduler", dict(t_initial="10"), "t_initial", TypeError),
    ("TanhLRScheduler", dict(t_initial=10, lb=3, ub=-7), "ub", ValueError),
    ("PolyLRScheduler", dict(t_initial=10, power=-1), "power", ValueError),
    ("StepLRScheduler", dict(decay_t=0), "decay_t", ValueError),
    ("StepLRScheduler", dict(decay_t=5, decay_rate=-0.5), "decay_rate", ValueError),
    ("MultiStepLRScheduler", dict(decay_t=[50, 20]), "decay_t", ValueError),
    ("MultiStepLRScheduler", dict(decay_t=30), "decay_t", TypeError),
    ("PlateauLRScheduler", dict(mode="lowest"), "mode", ValueError),
    ("PlateauLRScheduler", dict(decay_rate=1.5), "decay_rate", ValueError),
    ("PlateauLRScheduler", dict(patience_t=-1), "patience_t", ValueError),
    ("PlateauLRScheduler", dict(noise_range_t=3, noise_type="gauss"), "noise_type", ValueError),
]


@pytest.mark.parametrize("family,kw,name,exc", BAD)
def test_bad_arguments_raise_errors_naming_them(family, kw, name, exc):
    with pytest.raises(exc, match=f"^{name}="):
        getattr(ref, family)(make_opt([0.1]), **kw)


def test_bad_counts_and_optimizers_raise_clear_errors():
    twin = ref.CosineLRScheduler(make_opt([0.1]), t_initial=10)
    with pytest.raises(TypeError, match="^epoch="):
        twin.step("3")
    with pytest.raises(TypeError, match="^optimizer="):
        ref.StepLRScheduler([0.1], decay_t=3)
    shrinking = ref.CosineLRScheduler(make_opt([0.1]), t_initial=10, cycle_mul=0.5, cycle_limit=100)
    shrinking.step(19)  # cycles of 10, 5, 2.5, ... all end before t = 20
    with pytest.raises(ValueError, match="^cycle_mul="):
        shrinking.step(20)


@pytest.mark.parametrize("call,name,exc", [
    (lambda: formulas.cosine_lr_scheduler([-1, 2], 0.1, 10), "t", ValueError),
    (lambda: formulas.cosine_lr_scheduler("abc", 0.1, 10), "t", TypeError),
    (lambda: formulas.cosine_lr_scheduler(3, 0.1, 0), "t_initial", ValueError),
    (lambda: formulas.tanh_lr_scheduler(3, 0.1, 10, lb=1, ub=1), "ub", ValueError),
    (lambda: formulas.poly_lr_scheduler(3, 0.1, 10, power=-1), "power", ValueError),
    (lambda: formulas.step_lr_scheduler(3, -0.1, 10), "base_lr", ValueError),
    (lambda: formulas.multi_step_lr_scheduler(3, 0.1, [3, 1]), "decay_t", ValueError),
    (lambda: formulas.cosine_lr_scheduler(30, 0.1, 10, cycle_mul=0.5, cycle_limit=9), "cycle_mul",
     ValueError),
])
def test_closed_forms_reject_bad_arguments(call, name, exc):
    with pytest.raises(exc, match=f"^{name}="):
        call()


def test_trace_feeds_the_plateau_twin_like_timm():
    metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]
    kw = dict(decay_rate=0.5, patience_t=1, mode="min", warmup_t=2, warmup_lr_init=0.01)
    a = lrlessons.trace(lambda o: timm_sched.PlateauLRScheduler(o, **kw), epochs=12,
                        steps_per_epoch=2, metrics=metrics, lrs=(0.1, 0.2))
    b = lrlessons.trace(lambda o: ref.PlateauLRScheduler(o, **kw), epochs=12, steps_per_epoch=2,
                        metrics=metrics, lrs=(0.1, 0.2))
    np.testing.assert_array_equal(a.lrs, b.lrs)
    assert b.lr.min() < 0.1 * 0.5 ** 2 + 1e-12  # it did decay, more than once


@pytest.mark.parametrize("family", ["CosineLRScheduler", "StepLRScheduler"])
def test_initialize_false_reads_initial_lr_like_timm(family):
    kw = {"t_initial": 10} if family == "CosineLRScheduler" else {"decay_t": 3, "decay_rate": 0.5}
    runs = []
    for module in (timm_sched, ref):
        opt = make_opt([0.1, 0.3])
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"] * 2
        s = getattr(module, family)(opt, initialize=False, **kw)
        runs.append(train_loop(s, opt, 0, 12, 1))
    np.testing.assert_array_equal(runs[1], runs[0])
    with pytest.raises(KeyError, match="initial_lr"):
        getattr(ref, family)(make_opt([0.1]), initialize=False, **kw)


@pytest.mark.parametrize("family", ["CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler"])
@pytest.mark.parametrize("t_initial", [5, 10, 50])
def test_restarts_land_where_timms_do_even_one_count_late(family, t_initial):
    """timm finds the cycle with a floating-point ``math.log``: where a cycle's start is a whole
    number it can put the restart one count late (lesson 05, section 5). The twin and the closed
    form must restart exactly where timm does, for every cycle_mul from 1.1 to 3.9."""
    for tenths in range(11, 40):
        kw = dict(t_initial=t_initial, cycle_mul=tenths / 10, cycle_limit=3, lr_min=1e-3)
        horizon = int(t_initial * ((tenths / 10) ** 3 - 1) / (tenths / 10 - 1)) + 3
        counts = range(1, horizon)
        real_opt, twin_opt = make_opt([0.1]), make_opt([0.1])
        real = getattr(timm_sched, family)(real_opt, **kw)
        twin = getattr(ref, family)(twin_opt, **kw)
        want, got = [], []
        for count in counts:
            real.step(count)
            twin.step(count)
            want.append(real_opt.param_groups[0]["lr"])
            got.append(twin_opt.param_groups[0]["lr"])
        assert got == want, (family, kw)
        closed = CLOSED[family](np.array(list(counts)), 0.1, **kw)
        np.testing.assert_allclose(closed, want, rtol=1e-12, atol=1e-15, err_msg=str(kw))


def test_the_late_restart_of_lesson_05():
    """t_initial=10, cycle_mul=1.4: cycle 2 is due at 24 (10 + 14); timm restarts at 25,
    and so do the twin and the closed form."""
    kw = dict(t_initial=10, cycle_mul=1.4, cycle_limit=5)
    opt = make_opt([0.1])
    real = timm_sched.CosineLRScheduler(opt, **kw)
    lrs = []
    for count in range(30):
        real.step(count)
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs[24] == 0.0 and lrs[25] > 0.09
    twin_opt = make_opt([0.1])
    twin = ref.CosineLRScheduler(twin_opt, **kw)
    twin.step(24)
    assert twin_opt.param_groups[0]["lr"] == 0.0
    assert formulas.cosine_lr_scheduler(24, 0.1, **kw) == 0.0
    assert formulas.cosine_lr_scheduler(25, 0.1, **kw) == lrs[25]
