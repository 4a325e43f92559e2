"""lrlessons.formulas (torch part) equals stepping the real torch schedulers.

Every closed form is compared with ``lrlessons.trace`` of the real
``torch.optim.lr_scheduler`` class over random valid constructor arguments, a random
base lr and hundreds of steps; then bad arguments must raise an error that names the
argument.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lrlessons
from lrlessons import formulas as F
from lrlessons.formulas import torch_schedules
from torch.optim import lr_scheduler as S

STEPS = st.integers(200, 400)
FEW = settings(max_examples=15)  # each example steps a real scheduler hundreds of times
BASE = st.lists(st.floats(1e-4, 1.0), min_size=1, max_size=3)  # one base lr per param group
FACTOR = st.floats(0.01, 1.0)
GAMMA = st.floats(0.5, 1.0)
ETA = st.floats(0.0, 1e-3)


def torch_curve(make, steps, base_lrs=(0.1,), optimizer="sgd"):
    """The lrs (steps x groups) after 0, 1, ..., steps-1 scheduler steps of the real class."""
    return lrlessons.trace(make, steps, lrs=tuple(base_lrs), optimizer=optimizer)


def per_group(formula, n, bases, *args, **kwargs):
    """The closed form for each param group's base lr, as columns (steps x groups)."""
    return np.column_stack([formula(np.arange(n), b, *args, **kwargs) for b in bases])


def same(formula, real, rtol=1e-10, atol=1e-15):
    formula = np.asarray(formula)
    assert formula.shape == real.shape
    scale = max(1.0, float(np.abs(real).max()))
    np.testing.assert_allclose(formula, real, rtol=rtol, atol=atol * scale)


# ----------------------------------------------------------------------- equals torch
@FEW
@given(STEPS, BASE, st.integers(1, 60), GAMMA)
def test_step_lr(n, base, step_size, gamma):
    real = torch_curve(lambda o: S.StepLR(o, step_size, gamma), n, base).lrs
    same(per_group(F.step_lr, n, base, step_size, gamma), real)


@FEW
@given(STEPS, BASE, st.lists(st.integers(0, 300), max_size=6), GAMMA)
def test_multi_step_lr_counts_repeats(n, base, milestones, gamma):
    real = torch_curve(lambda o: S.MultiStepLR(o, milestones, gamma), n, base).lrs
    same(per_group(F.multi_step_lr, n, base, milestones, gamma), real)


def test_multi_step_lr_repeated_milestone_applies_gamma_twice():
    lr = F.multi_step_lr(np.arange(6), 1.0, [2, 2, 4], gamma=0.5)
    assert lr.tolist() == [1.0, 1.0, 0.25, 0.25, 0.125, 0.125]


@FEW
@given(STEPS, BASE, FACTOR, st.integers(0, 150))
def test_constant_lr(n, base, factor, total_iters):
    real = torch_curve(lambda o: S.ConstantLR(o, factor, total_iters), n, base).lrs
    same(per_group(F.constant_lr, n, base, factor, total_iters), real)


@FEW
@given(STEPS, BASE, FACTOR, st.floats(0.0, 1.0), st.integers(0, 150))
def test_linear_lr(n, base, start, end, total_iters):
    real = torch_curve(lambda o: S.LinearLR(o, start, end, total_iters), n, base).lrs
    same(per_group(F.linear_lr, n, base, start, end, total_iters), real)


@FEW
@given(STEPS, BASE, st.floats(0.9, 1.01))
def test_exponential_lr(n, base, gamma):
    real = torch_curve(lambda o: S.ExponentialLR(o, gamma), n, base).lrs
    same(per_group(F.exponential_lr, n, base, gamma), real, rtol=1e-9)


@FEW
@given(STEPS, BASE, st.integers(0, 300), st.floats(0.0, 4.0))
def test_polynomial_lr(n, base, total_iters, power):
    real = torch_curve(lambda o: S.PolynomialLR(o, total_iters, power), n, base).lrs
    same(per_group(F.polynomial_lr, n, base, total_iters, power), real, rtol=1e-9, atol=1e-13)


@FEW
@given(STEPS, BASE, st.integers(1, 120), ETA)
def test_cosine_annealing_lr_also_past_t_max(n, base, T_max, eta_min):
    # n up to 400 and T_max down to 1: many periods past T_max are covered
    real = torch_curve(lambda o: S.CosineAnnealingLR(o, T_max, eta_min), n, base).lrs
    # the recursion carries rounding error from step to step; relative to base_lr it stays tiny
    same(per_group(F.cosine_annealing_lr, n, base, T_max, eta_min), real, rtol=0, atol=1e-11)


@FEW
@given(STEPS, BASE, st.integers(1, 60), st.integers(1, 4), ETA)
def test_cosine_annealing_warm_restarts(n, base, T_0, T_mult, eta_min):
    real = torch_curve(lambda o: S.CosineAnnealingWarmRestarts(o, T_0, T_mult, eta_min), n, base).lrs
    same(per_group(F.cosine_annealing_warm_restarts, n, base, T_0, T_mult, eta_min), real)


def test_cosine_annealing_warm_restarts_fractional_epochs():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = S.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=1)
    epochs = np.arange(0, 12, 0.25)
    real = []
    for e in epochs:  # CosineAnnealingWarmRestarts takes step(epoch) without a warning
        opt.step()
        sched.step(float(e))
        real.append(opt.param_groups[0]["lr"])
    same(F.cosine_annealing_warm_restarts(epochs, 0.1, 4), np.array(real))


CYCLIC = st.fixed_dictionaries({
    "base_lr": st.floats(1e-4, 0.01), "max_lr": st.floats(0.01, 1.0),
    "step_size_up": st.integers(1, 80), "step_size_down": st.none() | st.integers(0, 80),
    "mode": st.sampled_from(["triangular", "triangular2", "exp_range"]),
    "gamma": st.floats(0.98, 1.0),
})


@FEW
@given(STEPS, CYCLIC, st.booleans())
def test_cyclic_lr_and_momentum(n, kw, adam):
    tr = torch_curve(lambda o: S.CyclicLR(o, **kw), n, optimizer="adam" if adam else "sgd")
    same(F.cyclic_lr(np.arange(n), **kw), tr.lr)
    lr_only = ("base_lr", "max_lr")
    same(F.cyclic_momentum(np.arange(n), **{k: v for k, v in kw.items() if k not in lr_only}), tr.momenta[:, 0])


@FEW
@given(STEPS, st.sampled_from(["cycle", "iterations"]), st.floats(0.5, 1.0))
def test_cyclic_lr_custom_scale_fn(n, scale_mode, g):
    def fn(x):
        return g ** x
    kw = dict(base_lr=0.001, max_lr=0.1, step_size_up=17, scale_fn=fn, scale_mode=scale_mode)
    real = torch_curve(lambda o: S.CyclicLR(o, **kw), n).lr
    same(F.cyclic_lr(np.arange(n), **kw), real)


ONE_CYCLE = st.fixed_dictionaries({
    "max_lr": st.floats(0.01, 1.0), "pct_start": st.floats(0.05, 0.45),
    "anneal_strategy": st.sampled_from(["cos", "linear"]), "div_factor": st.floats(2.0, 100.0),
    "final_div_factor": st.floats(1.0, 1e5), "three_phase": st.booleans(),
    "base_momentum": st.floats(0.8, 0.9), "max_momentum": st.floats(0.9, 0.99),
})


@FEW
@given(STEPS, ONE_CYCLE, st.booleans())
def test_one_cycle_lr_and_momentum(n, kw, by_epochs):
    if by_epochs:  # total_steps as epochs x steps_per_epoch
        size = dict(epochs=n // 10, steps_per_epoch=10)
        n = (n // 10) * 10
    else:
        size = dict(total_steps=n)
    tr = torch_curve(lambda o: S.OneCycleLR(o, **kw, **size), n)
    t = np.arange(n)
    same(F.one_cycle_lr(t, **kw, **size), tr.lr)
    mom = {k: kw[k] for k in ("pct_start", "anneal_strategy", "three_phase", "base_momentum", "max_momentum")}
    same(F.one_cycle_momentum(t, **mom, **size), tr.momenta[:, 0])


def test_one_cycle_lr_last_allowed_step():
    # torch allows exactly total_steps steps (one past the last phase), then raises
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=20)
    for _ in range(20):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(F.one_cycle_lr(20, 1.0, total_steps=20), rel=1e-12)
    with pytest.raises(ValueError):
        sched.step()
    with pytest.raises(ValueError, match="t=21"):
        F.one_cycle_lr(np.arange(22), 1.0, total_steps=20)


@FEW
@given(STEPS, BASE, st.integers(1, 50), st.floats(0.5, 1.0))
def test_lambda_lr(n, base, period, g):
    def fn(e):
        return g ** (e // period) if e % 3 else 1.0 / (1 + e)
    real = torch_curve(lambda o: S.LambdaLR(o, fn), n, base).lrs
    same(per_group(F.lambda_lr, n, base, fn), real)


@FEW
@given(STEPS, BASE, st.floats(0.95, 1.0), st.floats(1.0, 1.03))
def test_multiplicative_lr(n, base, down, up):
    def fn(e):
        return down if e % 4 else up
    real = torch_curve(lambda o: S.MultiplicativeLR(o, fn), n, base).lrs
    # np.cumprod multiplies in torch's order: bit for bit the same
    assert np.array_equal(per_group(F.multiplicative_lr, n, base, fn), real)


def test_any_order_and_shape_of_t():
    t = np.array([[7, 0], [3, 3]])
    lr = F.step_lr(t, 1.0, step_size=3, gamma=0.5)
    assert lr.shape == (2, 2) and lr.tolist() == [[0.25, 1.0], [0.5, 0.5]]
    assert float(F.exponential_lr(2, 1.0, gamma=0.5)) == 0.25


def test_every_torch_formula_is_exported_with_the_class_argument_names():
    import inspect
    names = {"lambda_lr": S.LambdaLR, "multiplicative_lr": S.MultiplicativeLR, "step_lr": S.StepLR,
             "multi_step_lr": S.MultiStepLR, "constant_lr": S.ConstantLR, "linear_lr": S.LinearLR,
             "exponential_lr": S.ExponentialLR, "polynomial_lr": S.PolynomialLR,
             "cosine_annealing_lr": S.CosineAnnealingLR,
             "cosine_annealing_warm_restarts": S.CosineAnnealingWarmRestarts,
             "cyclic_lr": S.CyclicLR, "one_cycle_lr": S.OneCycleLR}
    for fname, cls in names.items():
        assert fname in torch_schedules.__all__ and getattr(F, fname) is getattr(torch_schedules, fname)
        ours = inspect.signature(getattr(F, fname)).parameters
        theirs = inspect.signature(cls.__init__).parameters
        for arg, p in theirs.items():
            if arg in ("self", "optimizer", "last_epoch"):
                continue
            assert arg in ours, f"{fname} lacks {arg}"
            assert ours[arg].default == p.default or (
                isinstance(p.default, float) and math.isclose(ours[arg].default, p.default)), (fname, arg)


# ----------------------------------------------------------------------- bad arguments
BAD = [
    (F.step_lr, dict(t=[0, 1], base_lr=0.1, step_size=0), "step_size", ValueError),
    (F.step_lr, dict(t=[0, 1], base_lr=0.1, step_size=2.5), "step_size", TypeError),
    (F.step_lr, dict(t=[0, -1], base_lr=0.1, step_size=2), "t", ValueError),
    (F.step_lr, dict(t=[0, 1.5], base_lr=0.1, step_size=2), "t", ValueError),
    (F.step_lr, dict(t="10", base_lr=0.1, step_size=2), "t", TypeError),
    (F.step_lr, dict(t=[0, 1], base_lr=-0.1, step_size=2), "base_lr", ValueError),
    (F.step_lr, dict(t=[0, 1], base_lr=0.1, step_size=2, gamma=float("nan")), "gamma", ValueError),
    (F.multi_step_lr, dict(t=[0, 1], base_lr=0.1, milestones=5), "milestones", TypeError),
    (F.multi_step_lr, dict(t=[0, 1], base_lr=0.1, milestones=[3, -1]), "milestones", ValueError),
    (F.constant_lr, dict(t=[0, 1], base_lr=0.1, factor=0.0), "factor", ValueError),
    (F.constant_lr, dict(t=[0, 1], base_lr=0.1, factor=1.5), "factor", ValueError),
    (F.constant_lr, dict(t=[0, 1], base_lr=0.1, total_iters=-1), "total_iters", ValueError),
    (F.linear_lr, dict(t=[0, 1], base_lr=0.1, start_factor=0.0), "start_factor", ValueError),
    (F.linear_lr, dict(t=[0, 1], base_lr=0.1, end_factor=1.2), "end_factor", ValueError),
    (F.linear_lr, dict(t=[0, 1], base_lr=0.1, total_iters=2.0), "total_iters", TypeError),
    (F.exponential_lr, dict(t=[0, 1], base_lr=0.1, gamma="0.9"), "gamma", TypeError),
    (F.polynomial_lr, dict(t=[0, 1], base_lr=0.1, power=-1.0), "power", ValueError),
    (F.cosine_annealing_lr, dict(t=[0, 1], base_lr=0.1, T_max=0), "T_max", ValueError),
    (F.cosine_annealing_warm_restarts, dict(t=[0, 1], base_lr=0.1, T_0=0), "T_0", ValueError),
    (F.cosine_annealing_warm_restarts, dict(t=[0, 1], base_lr=0.1, T_0=5, T_mult=1.5), "T_mult", TypeError),
    (F.cyclic_lr, dict(t=[0, 1], base_lr=0.1, max_lr=1.0, mode="triangle"), "mode", ValueError),
    (F.cyclic_lr, dict(t=[0, 1], base_lr=0.1, max_lr=1.0, step_size_up=0), "step_size_up", ValueError),
    (F.cyclic_lr, dict(t=[0, 1], base_lr=0.1, max_lr=1.0, scale_fn=lambda x: 1.0, scale_mode="epoch"),
     "scale_mode", ValueError),
    (F.cyclic_lr, dict(t=[0, 1], base_lr=0.1, max_lr=1.0, scale_fn=3), "scale_fn", TypeError),
    (F.one_cycle_lr, dict(t=[0, 1], max_lr=0.1), "total_steps", ValueError),
    (F.one_cycle_lr, dict(t=[0, 1], max_lr=0.1, epochs=2, steps_per_epoch=0), "steps_per_epoch", ValueError),
    (F.one_cycle_lr, dict(t=[0, 1], max_lr=0.1, total_steps=10, pct_start=1.5), "pct_start", ValueError),
    (F.one_cycle_lr, dict(t=[0, 1], max_lr=0.1, total_steps=10, pct_start=0.1), "pct_start", ValueError),
    (F.one_cycle_lr, dict(t=[0, 1], max_lr=0.1, total_steps=10, anneal_strategy="cosine"),
     "anneal_strategy", ValueError),
    (F.one_cycle_lr, dict(t=[0, 11], max_lr=0.1, total_steps=10), "t", ValueError),
    (F.one_cycle_lr, dict(t=[0, 1], max_lr=0.1, total_steps=10, div_factor=0), "div_factor", ValueError),
    (F.lambda_lr, dict(t=[0, 1], base_lr=0.1, lr_lambda=0.5), "lr_lambda", TypeError),
    (F.multiplicative_lr, dict(t=[0, 1], base_lr=0.1, lr_lambda=[lambda e: 1.0]), "lr_lambda", TypeError),
]


@pytest.mark.parametrize("fn, kwargs, name, exc", BAD, ids=[f"{b[0].__name__}-{b[2]}-{i}" for i, b in enumerate(BAD)])
def test_bad_arguments_name_the_argument(fn, kwargs, name, exc):
    with pytest.raises(exc) as info:
        fn(**kwargs)
    message = str(info.value)
    assert message.startswith(f"{name}=") and "must be" in message, message


def test_torch_itself_fails_where_the_formulas_refuse():
    """The refused arguments are ones torch accepts but cannot step through."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ZeroDivisionError):  # ConstantLR(factor=0) at total_iters
        sched = S.ConstantLR(opt, factor=0.0, total_iters=2)
        for _ in range(2):
            opt.step()
            sched.step()
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    with pytest.raises(ZeroDivisionError):  # a OneCycleLR phase of length 0
        S.OneCycleLR(opt, max_lr=0.1, total_steps=10, pct_start=0.1)
