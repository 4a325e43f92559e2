"""lrlessons.keras_bridge and lrlessons.formulas.keras_schedules against real Keras 3 (torch backend).

- Keras's LearningRateScheduler during a real ``fit`` vs torch's LambdaLR through the
  bridge, both ways, for random linear, step, exponential and two-argument schedules.
- Keras's per-step LearningRateSchedule objects vs the torch schedulers lesson 06 names.
- The closed forms vs Keras's schedule objects.
- Clear errors for bad input, and the refusal of a Keras on another backend.
"""
from __future__ import annotations

import math
import sys
import types

import lrlessons  # noqa: F401  (sets KERAS_BACKEND=torch before keras is imported)
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from lrlessons import keras_bridge as kb
from lrlessons.data import Split, load
from lrlessons.formulas import keras_schedules as F

keras = kb.import_keras()
S = keras.optimizers.schedules
F32 = 2.0 ** -23  # float32's relative spacing: Keras keeps its lr in a float32 variable


@pytest.fixture(scope="module")
def tiny() -> Split:
    """48 real digits: one batch per epoch keeps each Keras fit to a fraction of a second."""
    d = load("digits")
    return Split("tiny", d.x_train[:48], d.y_train[:48], d.x_test[:8], d.y_test[:8], d.image_shape)


def torch_epoch_lrs(lr_lambda, base_lr: float, epochs: int, *, multiplicative: bool = False) -> np.ndarray:
    """The lr a torch LambdaLR (stepped once per epoch, after the epoch) uses in each epoch."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base_lr)
    cls = torch.optim.lr_scheduler.MultiplicativeLR if multiplicative else torch.optim.lr_scheduler.LambdaLR
    sched = cls(opt, lr_lambda)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        p.grad = torch.zeros_like(p)
        opt.step()
        sched.step()
    return np.array(out)


# ----------------------------------------------------------------- random Keras schedules
lr0s = st.floats(1e-4, 5e-2)


@st.composite
def keras_schedules(draw):
    """A random Keras-style epoch schedule (returns the lr) and a description."""
    kind = draw(st.sampled_from(["linear", "step", "exponential", "two-argument"]))
    lr0 = draw(lr0s)
    if kind == "linear":
        n = draw(st.integers(2, 12))
        return kind, lr0, (lambda e: lr0 * max(n - e, 1) / n)
    if kind == "step":
        size, gamma = draw(st.integers(1, 3)), draw(st.floats(0.1, 0.9))
        return kind, lr0, (lambda e: lr0 * gamma ** (e // size))
    if kind == "exponential":
        k = draw(st.floats(0.01, 1.0))
        return kind, lr0, (lambda e: float(lr0 * np.exp(-k * e)))
    every, gamma = draw(st.integers(1, 3)), draw(st.floats(0.2, 0.95))
    return kind, lr0, (lambda e, lr: lr * gamma if e > 0 and e % every == 0 else lr)


@settings(max_examples=10)
@given(keras_schedules(), st.integers(3, 7))
def test_bridge_lambda_lr_matches_keras_fit(tiny, drawn, epochs):
    kind, lr0, schedule = drawn
    run = kb.fit_keras(schedule, epochs=epochs, lr=lr0, batch_size=48, hidden=8, data=tiny)
    assert run.lrs.shape == (epochs,)
    np.testing.assert_allclose(run.lrs, run.logged_lrs, rtol=0, atol=0)  # History agrees with the optimizer
    ours = torch_epoch_lrs(kb.to_lambda_lr(schedule, lr0), lr0, epochs)
    np.testing.assert_allclose(ours, run.lrs, rtol=F32, atol=0, err_msg=kind)
    # the naive port multiplies base_lr by the lr: the square, for a one-argument schedule
    if kind != "two-argument":
        naive = torch_epoch_lrs(schedule, lr0, epochs)
        np.testing.assert_allclose(naive, lr0 * ours, rtol=1e-12)


@st.composite
def torch_factors(draw):
    kind = draw(st.sampled_from(["linear", "step", "exponential"]))
    if kind == "linear":
        n = draw(st.integers(2, 12))
        return lambda e: max(n - e, 1) / n
    if kind == "step":
        size, gamma = draw(st.integers(1, 3)), draw(st.floats(0.1, 0.9))
        return lambda e: gamma ** (e // size)
    gamma = draw(st.floats(0.5, 0.99))
    return lambda e: gamma ** e


@settings(max_examples=6)
@given(torch_factors(), lr0s, st.integers(3, 6))
def test_way_back_keras_fit_matches_lambda_lr(tiny, lr_lambda, base_lr, epochs):
    want = torch_epoch_lrs(lr_lambda, base_lr, epochs)
    run = kb.fit_keras(kb.from_lambda_lr(lr_lambda, base_lr), epochs=epochs, lr=base_lr, batch_size=48,
                       hidden=8, data=tiny)
    np.testing.assert_allclose(run.lrs, want, rtol=F32, atol=0)


@given(torch_factors(), lr0s, st.integers(1, 30))
def test_round_trip_gives_back_the_factor(lr_lambda, base_lr, epoch):
    back = kb.to_lambda_lr(kb.from_lambda_lr(lr_lambda, base_lr), base_lr)
    assert math.isclose(back(epoch), lr_lambda(epoch), rel_tol=1e-12)


def test_two_argument_schedule_is_multiplicative_lr_after_epoch_0():
    """schedule(epoch, lr) = lr * g(epoch) is MultiplicativeLR(g), except that Keras also applies g(0)."""
    g = lambda e: 0.9 if e % 2 else 0.8  # noqa: E731
    bridged = torch_epoch_lrs(kb.to_lambda_lr(lambda e, lr: lr * g(e), 0.01), 0.01, 6)
    mult = torch_epoch_lrs(g, 0.01, 6, multiplicative=True)
    np.testing.assert_allclose(bridged, mult * g(0), rtol=1e-6)
    assert mult[0] == 0.01 and math.isclose(bridged[0], 0.01 * 0.8, rel_tol=1e-6)


def test_arity():
    assert kb.schedule_arity(lambda e: 0.1) == 1
    assert kb.schedule_arity(lambda e, lr: lr) == 2
    assert kb.schedule_arity(lambda e, lr=0.1: lr) == 2
    assert kb.schedule_arity(math.exp) == 1


# --------------------------------------------------------------- per-step schedule objects
def torch_step_lrs(sched, opt, steps: int) -> np.ndarray:
    out = []
    p = opt.param_groups[0]["params"][0]
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        p.grad = torch.zeros_like(p)
        opt.step()
        sched.step()
    return np.array(out)


@st.composite
def keras_step_schedules(draw):
    """A random Keras LearningRateSchedule that has a torch class, and how long the two agree."""
    kind = draw(st.sampled_from(["exp", "exp-stair", "piecewise", "poly", "inverse", "cos", "cos-warmup",
                                 "restarts"]))
    lr0 = draw(st.floats(1e-3, 0.5))
    n = draw(st.integers(2, 12))
    if kind == "exp":
        return S.ExponentialDecay(lr0, n, draw(st.floats(0.1, 0.95))), 5 * n
    if kind == "exp-stair":
        return S.ExponentialDecay(lr0, n, draw(st.floats(0.1, 0.95)), staircase=True), 5 * n
    if kind == "piecewise":
        b = sorted(draw(st.sets(st.integers(0, 40), min_size=1, max_size=3)))
        g = draw(st.floats(0.1, 0.9))
        return S.PiecewiseConstantDecay(b, [lr0 * g ** i for i in range(len(b) + 1)]), 50
    if kind == "poly":
        return S.PolynomialDecay(lr0, n, end_learning_rate=0.0, power=draw(st.floats(0.5, 3.0))), n
    if kind == "inverse":
        return S.InverseTimeDecay(lr0, n, draw(st.floats(0.1, 2.0))), 5 * n
    alpha = draw(st.floats(0.0, 0.5))
    if kind == "cos":
        return S.CosineDecay(lr0, n, alpha=alpha), n + 1
    if kind == "cos-warmup":
        w = draw(st.integers(1, 10))
        return S.CosineDecay(lr0 / draw(st.floats(1.5, 20)), n, alpha=alpha, warmup_target=lr0,
                             warmup_steps=w), n + w + 1
    return S.CosineDecayRestarts(lr0, n, t_mul=float(draw(st.integers(1, 3))), alpha=alpha), 8 * n


@settings(max_examples=60)
@given(keras_step_schedules())
def test_keras_step_schedules_match_the_torch_classes(drawn):
    schedule, steps = drawn
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=123.0)
    sched = kb.torch_scheduler_for(schedule, opt)
    ours = torch_step_lrs(sched, opt, steps)
    theirs = kb.keras_lrs(schedule, steps)
    # Keras works in float32: its absolute error scales with the largest lr (cosines near their floor)
    np.testing.assert_allclose(ours, theirs, rtol=2e-6, atol=1e-6 * theirs.max(),
                               err_msg=type(schedule).__name__)


@pytest.mark.parametrize("schedule", [
    S.ExponentialDecay(0.1, 7, 0.5, staircase=True), S.PolynomialDecay(0.1, 10, cycle=True),
    S.CosineDecayRestarts(1.0, 2, t_mul=1.5, m_mul=0.8, alpha=0.1), S.InverseTimeDecay(0.1, 5, 0.5),
    S.CosineDecay(0.1, 20, alpha=0.1), S.CosineDecay(0.0, 20, warmup_target=0.2, warmup_steps=5),
    S.PiecewiseConstantDecay([5, 12], [0.1, 0.05, 0.01]),
])
def test_keras_lrs_equals_one_call_per_step(schedule):
    one_by_one = np.array([float(schedule(t)) for t in range(40)])
    assert np.array_equal(kb.keras_lrs(schedule, 40), one_by_one)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # Keras 3.15 + NumPy 2
def test_keras_optimizer_uses_schedule_at_its_update_count():
    """Update i moves a weight by schedule(i) * gradient: the lrs keras_lrs reports are the ones applied."""
    schedule = S.CosineDecay(0.01, 6, alpha=0.1, warmup_target=0.1, warmup_steps=3)
    opt = keras.optimizers.SGD(schedule)
    v = keras.Variable(np.zeros(1, dtype="float32"))
    moves = []
    for _ in range(10):
        before = float(keras.ops.convert_to_numpy(v)[0])
        opt.apply_gradients([(keras.ops.ones(1), v)])
        moves.append(before - float(keras.ops.convert_to_numpy(v)[0]))
    np.testing.assert_allclose(moves, kb.keras_lrs(schedule, 10), rtol=1e-5)


@pytest.mark.parametrize("schedule", [
    S.PolynomialDecay(0.1, 10),  # end_learning_rate 1e-4 by default
    S.CosineDecayRestarts(0.1, 5, m_mul=0.5),
    S.CosineDecayRestarts(0.1, 5, t_mul=1.5),
    S.PiecewiseConstantDecay([3, 6], [0.1, 0.05, 0.04]),
    S.CosineDecay(0.0, 10, warmup_target=0.1, warmup_steps=3),
    S.InverseTimeDecay(0.1, 3, 0.5, staircase=True),
])
def test_torch_scheduler_for_refuses_settings_without_a_torch_class(schedule):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="schedule=.*has none"):
        kb.torch_scheduler_for(schedule, opt)


def test_torch_scheduler_for_wants_a_keras_schedule():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(TypeError, match="schedule=.*LearningRateSchedule"):
        kb.torch_scheduler_for(lambda t: 0.1, opt)


# ----------------------------------------------------------------------- closed forms
@st.composite
def formula_cases(draw):
    lr0 = draw(st.floats(1e-4, 1.0))
    n = draw(st.integers(1, 15))
    rate = draw(st.floats(0.05, 0.99))
    stair = draw(st.booleans())
    alpha = draw(st.floats(0.0, 0.9))
    which = draw(st.sampled_from(sorted(F.__all__)))
    if which == "exponential_decay":
        kw = dict(initial_learning_rate=lr0, decay_steps=n, decay_rate=rate, staircase=stair)
        return which, S.ExponentialDecay(**kw), kw
    if which == "inverse_time_decay":
        kw = dict(initial_learning_rate=lr0, decay_steps=n, decay_rate=rate * 3, staircase=stair)
        return which, S.InverseTimeDecay(**kw), kw
    if which == "piecewise_constant_decay":
        b = sorted(draw(st.sets(st.integers(0, 50), min_size=1, max_size=4)))
        v = draw(st.lists(st.floats(1e-4, 1.0), min_size=len(b) + 1, max_size=len(b) + 1))
        kw = dict(boundaries=b, values=v)
        return which, S.PiecewiseConstantDecay(**kw), kw
    if which == "polynomial_decay":
        kw = dict(initial_learning_rate=lr0, decay_steps=n, end_learning_rate=lr0 * draw(st.floats(0, 0.5)),
                  power=draw(st.floats(0.3, 3.0)), cycle=draw(st.booleans()))
        return which, S.PolynomialDecay(**kw), kw
    if which == "cosine_decay":
        kw = dict(initial_learning_rate=lr0, decay_steps=n, alpha=alpha)
        if draw(st.booleans()):
            kw.update(warmup_target=draw(st.floats(1e-4, 1.0)), warmup_steps=draw(st.integers(1, 10)))
            kw["initial_learning_rate"] = draw(st.sampled_from([0.0, lr0]))
        return which, S.CosineDecay(**kw), kw
    kw = dict(initial_learning_rate=lr0, first_decay_steps=n, t_mul=draw(st.sampled_from([1.0, 2.0, 1.5, 3.0])),
              m_mul=draw(st.floats(0.3, 1.0)), alpha=alpha)
    return which, S.CosineDecayRestarts(**kw), kw


@settings(max_examples=60)
@given(formula_cases())
def test_closed_forms_match_keras(case):
    which, schedule, kw = case
    t = np.arange(60)
    want = kb.keras_lrs(schedule, 60)
    got = getattr(F, which)(t, **kw)
    if which == "cosine_decay_restarts" and kw["t_mul"] != 1.0:
        # At the exact first step of a period Keras's float32 log can still count the step in the
        # previous period (lr at the floor alpha * lr0); the closed form gives the restart. Only
        # such steps may differ, and only in that way.
        starts = restart_steps(kw["first_decay_steps"], kw["t_mul"], 60)
        floor = kw["alpha"] * kw["initial_learning_rate"]
        slipped = np.isin(t, starts) & np.isclose(want, floor, rtol=1e-5, atol=1e-6 * want.max())
        got, want = got[~slipped], want[~slipped]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6 * want.max(), err_msg=f"{which}({kw})")


def restart_steps(first: float, t_mul: float, horizon: int) -> list[float]:
    """Steps at which a new cosine period starts: first, first * (1 + t_mul), ..."""
    out, start, length = [], 0.0, float(first)
    while start < horizon:
        start += length
        out.append(start)
        length *= t_mul
    return out


def test_restart_slip_is_rare_and_only_at_period_starts():
    """How often Keras's float32 places a period's first step in the previous period, for the record."""
    t = np.arange(200)
    slips = 0
    for first in (2, 3, 5, 7):
        for t_mul in (1.5, 2.0, 3.0):
            want = kb.keras_lrs(S.CosineDecayRestarts(1.0, first, t_mul=t_mul), 200)
            got = F.cosine_decay_restarts(t, 1.0, first, t_mul=t_mul)
            off = ~np.isclose(got, want, rtol=1e-5, atol=1e-6)
            assert set(t[off]) <= set(restart_steps(first, t_mul, 200))
            assert np.all(want[off] < 1e-5) and np.allclose(got[off], 1.0)
            slips += int(off.sum())
    assert slips <= 6


def test_closed_forms_follow_the_naming_rule():
    import inspect

    from lrlessons import formulas
    for name in F.__all__:
        cls = getattr(S, "".join(part.title() for part in name.split("_")))
        ours = list(inspect.signature(getattr(F, name)).parameters.values())[1:]
        theirs = [p for p in inspect.signature(cls.__init__).parameters.values() if p.name not in ("self", "name")]
        assert [(p.name, p.default) for p in ours] == [(p.name, p.default) for p in theirs], name
        assert getattr(formulas, name) is getattr(F, name)


@pytest.mark.parametrize("call, arg", [
    (lambda: F.exponential_decay([0, 1], 0.1, 0, 0.5), "decay_steps"),
    (lambda: F.exponential_decay([-1], 0.1, 2, 0.5), "t"),
    (lambda: F.cosine_decay("abc", 0.1, 10), "t"),
    (lambda: F.piecewise_constant_decay([0], [5, 3], [0.1, 0.2, 0.3]), "boundaries"),
    (lambda: F.piecewise_constant_decay([0], [3], [0.1]), "values"),
    (lambda: F.cosine_decay_restarts([0], 0.1, 5, t_mul=0), "t_mul"),
    (lambda: F.polynomial_decay([0], "0.1", 5), "initial_learning_rate"),
])
def test_closed_forms_name_the_bad_argument(call, arg):
    with pytest.raises((TypeError, ValueError), match=f"^{arg}="):
        call()


# ------------------------------------------------------------------------------ errors
def test_bridge_errors_name_the_argument():
    with pytest.raises(TypeError, match=r"^schedule=0\.001 is not allowed"):
        kb.to_lambda_lr(0.001, 1e-3)
    with pytest.raises(TypeError, match=r"^lr_lambda='x'"):
        kb.from_lambda_lr("x", 1e-3)
    for bad in (-1e-3, 0.0, math.nan, math.inf):
        with pytest.raises(ValueError, match=r"^base_lr=.*greater than 0"):
            kb.to_lambda_lr(lambda e: 1e-3, bad)
        with pytest.raises(ValueError, match=r"^base_lr="):
            kb.from_lambda_lr(lambda e: 1.0, bad)
    with pytest.raises(TypeError, match=r"^base_lr="):
        kb.to_lambda_lr(lambda e: 1e-3, "1e-3")
    with pytest.raises(TypeError, match=r"^base_lr=True"):
        kb.to_lambda_lr(lambda e: 1e-3, True)


@pytest.mark.parametrize("returned", ["0.001", None, [0.001], True])
def test_schedule_returning_a_non_number_is_refused_at_once(returned):
    with pytest.raises(TypeError, match=r"schedule\(0\) returned .*must return a number"):
        kb.to_lambda_lr(lambda e: returned, 1e-3)
    with pytest.raises(TypeError, match=r"lr_lambda\(0\) returned .*must return a number"):
        kb.from_lambda_lr(lambda e: returned, 1e-3)


def test_schedule_going_bad_later_is_refused_when_reached():
    lam = kb.to_lambda_lr(lambda e: 1e-3 if e < 2 else -1e-3, 1e-3)
    assert lam(1) == 1.0
    with pytest.raises(ValueError, match=r"schedule\(2\) returned -0\.001"):
        lam(2)
    assert kb.to_lambda_lr(lambda e: np.float32(1e-3), 1e-3)(0) == pytest.approx(1.0)


def test_other_backend_is_refused(monkeypatch):
    fake = types.ModuleType("keras")
    fake.backend = types.SimpleNamespace(backend=lambda: "jax")
    monkeypatch.setitem(sys.modules, "keras", fake)
    with pytest.raises(RuntimeError, match="'jax' backend.*import lrlessons before keras"):
        kb.import_keras()
    with pytest.raises(RuntimeError, match="'jax' backend"):
        kb._refuse_other_backend()


def test_fit_keras_checks_its_arguments(tiny):
    with pytest.raises(TypeError, match="^epochs="):
        kb.fit_keras(None, epochs=1.5, data=tiny)
    with pytest.raises(TypeError, match="^schedule="):
        kb.fit_keras(3, data=tiny)
    with pytest.raises(ValueError, match="^optimizer="):
        kb.fit_keras(None, optimizer="rmsprop", data=tiny)


def test_a_per_step_keras_schedule_is_refused_with_the_per_step_path():
    keras = kb.import_keras()
    with pytest.raises(TypeError, match="counts optimizer updates, not epochs: use keras_bridge.torch_scheduler_for"):
        kb.to_lambda_lr(keras.optimizers.schedules.CosineDecay(1e-3, 10), 1e-3)


def test_way_back_refuses_a_two_argument_function_clearly():
    with pytest.raises(TypeError, match=r"lr_lambda=.* must be a function of the epoch alone.*to_lambda_lr"):
        kb.from_lambda_lr(lambda e, lr: lr, 1e-3)
    assert kb.from_lambda_lr(lambda e, scale=2.0: scale, 1e-3)(0) == pytest.approx(2e-3)  # a default is fine
