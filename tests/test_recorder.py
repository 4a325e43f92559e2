"""lrlessons.Recorder: the lr at every real optimizer update, for any loop."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from lrlessons.recorder import Recorder, _scheduler_steps

LR = torch.optim.lr_scheduler


def groups(lrs=(0.1, 0.01)):
    return torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs])


@settings(max_examples=30)
@given(st.integers(1, 5), st.integers(1, 30), st.sampled_from([1, 2, 3]))
def test_one_row_per_real_update_with_accumulation(accumulation, batches, n_groups):
    opt = groups(tuple(0.1 / 10 ** g for g in range(n_groups)))
    sched = LR.ExponentialLR(opt, 0.9)
    with Recorder(opt, sched) as rec:
        expected = []
        for i in range(batches):
            if (i + 1) % accumulation == 0:
                expected.append([g["lr"] for g in opt.param_groups])
                opt.step()
                sched.step()
    assert rec.updates == batches // accumulation
    for g in range(n_groups):
        assert rec.lrs(g).tolist() == [row[g] for row in expected]
    assert rec.scheduler_steps().tolist() == list(range(rec.updates))
    frame = rec.frame()
    assert list(frame.columns) == ["update", "group", "lr", "scheduler_steps"] and len(frame) == rec.updates * n_groups


def test_skipped_gradscaler_updates_leave_no_row():
    p = torch.nn.Parameter(torch.ones(2))
    opt = torch.optim.SGD([p], lr=0.1)
    sched = LR.StepLR(opt, 1, 0.5)
    scaler = torch.amp.GradScaler("cpu")
    with Recorder(opt, sched) as rec, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(4):
            opt.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = (p * p).sum() * (float("inf") if i == 1 else 1.0)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            sched.step()
    assert rec.updates == 3
    assert rec.scheduler_steps().tolist() == [0, 2, 3]  # the scheduler ran one ahead after the skip
    assert np.allclose(rec.lrs(), [0.1, 0.025, 0.0125])


def test_close_detaches_and_keeps_rows():
    opt = groups()
    rec = Recorder(opt)
    opt.step()
    rec.close()
    opt.step()
    assert rec.updates == 1 and len(rec.lrs()) == 1 and repr(rec) == "Recorder(1 updates, 2 param groups)"
    rec.close()  # twice is fine


def test_step_counts_of_wrapped_and_composed_schedulers():
    opt = groups()
    seq = LR.SequentialLR(opt, [LR.ConstantLR(opt, 0.5, total_iters=2), LR.ExponentialLR(opt, 0.9)], [2])
    chain = LR.ChainedScheduler([LR.StepLR(opt, 2), LR.ExponentialLR(opt, 0.9)])
    for _ in range(3):
        opt.step()
        seq.step()
        chain.step()
    assert _scheduler_steps(seq) == 3 and _scheduler_steps(chain) == 3 and _scheduler_steps(None) is None


def test_bad_input_names_the_argument():
    opt = groups()
    with pytest.raises(TypeError, match="^optimizer="):
        Recorder("sgd")
    with pytest.raises(TypeError, match="^scheduler="):
        Recorder(opt, 0.1)
    rec = Recorder(opt)
    with pytest.raises(ValueError, match="^group=2"):
        rec.lrs(2)
    with pytest.raises(ValueError, match="^group=True"):
        rec.lrs(True)
    with pytest.raises(ValueError, match="^scheduler=None"):
        rec.scheduler_steps()
