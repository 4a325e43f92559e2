"""lrlessons.trace: every kind of scheduler, never the learner's optimizer, clear errors."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from timm.scheduler import CosineLRScheduler, PlateauLRScheduler, StepLRScheduler
from torch.optim import lr_scheduler as L

import lrlessons


def sgd(lr=0.1, groups=1):
    return torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr * (i + 1)}
                            for i in range(groups)], lr=lr)


def by_hand(make, n, lrs=(0.1,), metrics=None):
    """The loop a learner writes: record, optimizer.step(), scheduler.step()."""
    opt = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs],
                          lr=lrs[0], momentum=0.9)
    s = make(opt)
    out = []
    for i in range(n):
        out.append([g["lr"] for g in opt.param_groups])
        opt.step()
        s.step(metrics[i]) if metrics is not None else s.step()
    return np.array(out)


@given(step_size=st.integers(1, 20), gamma=st.floats(0.05, 0.99), n=st.integers(1, 120),
       lrs=st.lists(st.floats(1e-4, 1.0), min_size=1, max_size=3))
def test_torch_scheduler_matches_the_hand_written_loop(step_size, gamma, n, lrs):
    make = lambda o: L.StepLR(o, step_size, gamma)
    t = lrlessons.trace(make, n, lrs=lrs)
    np.testing.assert_array_equal(t.lrs, by_hand(make, n, lrs))
    assert t.lrs.shape == (n, len(lrs))


def test_tidy_frame_and_arrays():
    t = lrlessons.trace(lambda o: L.ExponentialLR(o, 0.5), epochs=3, steps_per_epoch=2,
                        interval="epoch", lrs=(1.0, 0.1), label="exp")
    df = t.frame()
    assert list(df.columns) == ["step", "epoch", "group", "lr", "label"]
    assert len(df) == 12 and set(df.label) == {"exp"}
    assert df[df.group == 0].lr.tolist() == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert df[df.group == 0].epoch.tolist() == [0, 0, 1, 1, 2, 2]
    np.testing.assert_array_equal(t.per_epoch[:, 1], [0.1, 0.05, 0.025])
    np.testing.assert_array_equal(t.lr, t.lrs[:, 0])


def test_per_step_versus_per_epoch_stepping():
    per_step = lrlessons.trace(lambda o: L.StepLR(o, 2, 0.5), epochs=4, steps_per_epoch=3)
    per_epoch = lrlessons.trace(lambda o: L.StepLR(o, 2, 0.5), epochs=4, steps_per_epoch=3,
                                interval="epoch")
    assert per_step.lr.tolist() == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.00625,
                                    0.00625, 0.003125, 0.003125]
    assert per_epoch.lr.tolist() == [0.1] * 6 + [0.05] * 6


def test_reduce_on_plateau_driven_by_metrics():
    metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    make = lambda o: L.ReduceLROnPlateau(o, factor=0.5, patience=1)
    t = lrlessons.trace(make, 8, metrics=metrics)
    np.testing.assert_array_equal(t.lrs, by_hand(make, 8, metrics=metrics))
    assert t.lr[-1] < t.lr[0]
    t2 = lrlessons.trace(make, 8, metrics=lambda i: metrics[i])
    np.testing.assert_array_equal(t.lrs, t2.lrs)


@pytest.mark.parametrize("t_in_epochs", [True, False])
def test_timm_scheduler_driven_like_timms_train_script(t_in_epochs):
    spe, epochs = 4, 12
    n = spe * epochs
    t_initial = epochs if t_in_epochs else n
    make = lambda o: CosineLRScheduler(o, t_initial=t_initial, lr_min=1e-3, warmup_t=2,
                                       warmup_lr_init=1e-4, t_in_epochs=t_in_epochs)
    t = lrlessons.trace(make, epochs=epochs, steps_per_epoch=spe)
    opt = sgd(0.1)
    s = make(opt)
    expect, updates = [], 0
    for epoch in range(epochs):
        for _ in range(spe):
            expect.append(opt.param_groups[0]["lr"])
            updates += 1
            s.step_update(num_updates=updates)
        s.step(epoch + 1)
    np.testing.assert_allclose(t.lr, expect, rtol=0, atol=0)
    if t_in_epochs:
        assert len(set(t.lr[:spe])) == 1  # constant within an epoch
    else:
        assert len(set(t.lr[:spe])) == spe  # moves every update


@pytest.mark.filterwarnings("ignore:PlateauLRScheduler is deprecated:FutureWarning")
def test_timm_plateau_and_step():
    t = lrlessons.trace(lambda o: StepLRScheduler(o, decay_t=2, decay_rate=0.5), epochs=6)
    assert t.lr.tolist() == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    with pytest.raises(ValueError, match="metrics"):
        lrlessons.trace(lambda o: PlateauLRScheduler(o, patience_t=1), epochs=6)
    t = lrlessons.trace(lambda o: PlateauLRScheduler(o, patience_t=1, mode="min", decay_rate=0.5),
                        epochs=6, metrics=[1.0] * 6)
    assert t.lr[-1] < t.lr[0]


class Halving:
    """A custom scheduler: any object with an optimizer and a step method."""

    def __init__(self, optimizer):
        self.optimizer = optimizer

    def step(self):
        for g in self.optimizer.param_groups:
            g["lr"] *= 0.5


def test_custom_scheduler():
    assert lrlessons.trace(Halving, 4).lr.tolist() == [0.1, 0.05, 0.025, 0.0125]


def test_learners_optimizer_is_never_touched():
    opt = sgd(0.1)
    s = L.StepLR(opt, 1, 0.5)
    before = [dict((k, v) for k, v in g.items() if k != "params") for g in opt.param_groups]
    t = lrlessons.trace(s, 5)
    assert t.lr.tolist() == [0.1, 0.05, 0.025, 0.0125, 0.00625]
    after = [dict((k, v) for k, v in g.items() if k != "params") for g in opt.param_groups]
    assert before == after and s.last_epoch == 0


def test_factory_gets_a_fresh_optimizer_so_initial_lr_cannot_leak():
    # two traces in a row: the second must start from its own lrs, not an initial_lr left behind
    a = lrlessons.trace(lambda o: L.ExponentialLR(o, 0.5), 3, lrs=(1.0,))
    b = lrlessons.trace(lambda o: L.ExponentialLR(o, 0.5), 3, lrs=(0.2,))
    assert a.lr.tolist() == [1.0, 0.5, 0.25] and b.lr.tolist() == [0.2, 0.1, 0.05]


def test_momentum_is_recorded_for_cycling_schedules():
    t = lrlessons.trace(lambda o: L.OneCycleLR(o, max_lr=1.0, total_steps=20), 20)
    assert math.isclose(t.momenta[0, 0], 0.95) and t.momenta[:, 0].min() < 0.9


@pytest.mark.parametrize("kwargs, name", [
    (dict(schedule=42, steps=3), "schedule"),
    (dict(schedule=lambda o: 42, steps=3), "schedule"),
    (dict(schedule=lambda o: L.StepLR(sgd(), 1), steps=3), "schedule"),
    (dict(schedule=lambda o: L.StepLR(o, 1), steps=0), "steps"),
    (dict(schedule=lambda o: L.StepLR(o, 1), steps=-5), "steps"),
    (dict(schedule=lambda o: L.StepLR(o, 1), steps=2.5), "steps"),
    (dict(schedule=lambda o: L.StepLR(o, 1)), "steps"),
    (dict(schedule=lambda o: L.StepLR(o, 1), steps=3, epochs=3), "steps"),
    (dict(schedule=lambda o: L.StepLR(o, 1), epochs=0), "epochs"),
    (dict(schedule=lambda o: L.StepLR(o, 1), steps=3, steps_per_epoch=0), "steps_per_epoch"),
    (dict(schedule=lambda o: L.StepLR(o, 1), steps=3, interval="batch"), "interval"),
    (dict(schedule=lambda o: L.StepLR(o, 1), steps=3, lrs=()), "lrs"),
    (dict(schedule=lambda o: L.StepLR(o, 1), steps=3, lrs=(-1.0,)), "lrs"),
    (dict(schedule=lambda o: L.StepLR(o, 1), steps=3, optimizer="rmsprop"), "optimizer"),
    (dict(schedule=lambda o: L.ReduceLROnPlateau(o), steps=3), "metrics"),
    (dict(schedule=lambda o: L.ReduceLROnPlateau(o), steps=3, metrics=[1.0]), "metrics"),
    (dict(schedule=lambda o: L.ReduceLROnPlateau(o), steps=3, metrics="low"), "metrics"),
])
def test_bad_input_names_the_argument_the_value_and_what_is_allowed(kwargs, name):
    with pytest.raises((ValueError, TypeError)) as info:
        lrlessons.trace(**kwargs)
    message = str(info.value)
    assert message.startswith(f"{name}=") and "must be" in message, message
