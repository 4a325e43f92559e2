"""lrlessons.frameworks: real accelerate, Lightning and plateau runs, measured.

The sizing rule is checked against real single-process accelerate runs over random
settings (hypothesis); the launch's read-back is checked with one process in this one
(lesson 09a launches two for real); Lightning fits leave no file behind; bad input
raises naming the argument.
"""
import math
import os

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlessons import frameworks as fw


@settings(max_examples=12)
@given(k=st.integers(1, 4), samples=st.integers(5, 30), batch_size=st.integers(1, 6), epochs=st.integers(1, 2),
       split=st.booleans(), with_opt=st.booleans())
def test_sizing_rule_matches_one_process(k, samples, batch_size, epochs, split, with_opt):
    run = fw.accelerate_run(k=k, samples=samples, batch_size=batch_size, epochs=epochs, split_batches=split,
                            step_scheduler_with_optimizer=with_opt)
    per_epoch = fw.scheduler_steps_per_epoch(samples, batch_size, k, 1, split, with_opt)
    assert run.scheduler_steps == epochs * per_epoch
    assert run.updates == epochs * math.ceil(math.ceil(samples / batch_size) / k)
    assert run.lrs == pytest.approx([0.1 * (1 + s) for s in run.steps_before], rel=1e-12)


def test_launch_reads_every_process_back_and_leaves_nothing(tmp_path, monkeypatch):
    """What ``accelerate_launch`` does around the launch, with the launch replaced by one
    process that runs the worker here. The real 2-process launch is lesson 09a's, with
    the rule checked against it, run twice by every ``make test``."""
    seen = {}

    def one_process(module_args, processes, cwd, timeout, what):
        seen.update(module=module_args[0], processes=processes, cwd=cwd)
        fw._worker(module_args[1])

    monkeypatch.setattr(fw._launch, "launch", one_process)
    monkeypatch.chdir(tmp_path)
    runs = fw.accelerate_launch([dict(k=3), dict(k=2, samples=20, split_batches=True)], processes=1)
    assert seen["module"] == "lrlessons.frameworks" and seen["processes"] == 1
    assert not os.path.exists(seen["cwd"]) and not os.listdir(tmp_path)  # nothing left behind
    (r0,), (s0,) = runs
    assert (r0.rank, r0.processes) == (0, 1) and r0 == fw.accelerate_run(k=3)
    assert s0.scheduler_steps == fw.scheduler_steps_per_epoch(20, 4, 2, split_batches=True) == 3


def test_scheduler_steps_per_epoch_values_and_errors():
    assert fw.scheduler_steps_per_epoch(1000, 8, 4, 2) == 32
    assert fw.scheduler_steps_per_epoch(1000, 8, 4, 2, split_batches=True) == 32
    assert fw.scheduler_steps_per_epoch(1000, 8, 4, 2, step_scheduler_with_optimizer=False) == 63
    with pytest.raises(ValueError, match="k=0"):
        fw.scheduler_steps_per_epoch(10, 2, 0)
    with pytest.raises(TypeError, match="processes=1.5"):
        fw.scheduler_steps_per_epoch(10, 2, 1, processes=1.5)


def test_bad_configs_are_named():
    with pytest.raises(ValueError, match="config key='lr_max'"):
        fw.accelerate_run(lr_max=1.0)
    with pytest.raises(ValueError, match="schedule='cosine'"):
        fw.accelerate_run(schedule="cosine")
    with pytest.raises(ValueError, match="configs="):
        fw.accelerate_launch([])


def test_lightning_leaves_nothing_and_matches_monitor():
    cwd = os.getcwd()
    before = set(os.listdir(cwd))

    def configure(module):
        opt = torch.optim.SGD(module.parameters(), lr=0.1)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    run = fw.lightning_fit(configure, epochs=2, batches=3)
    assert set(os.listdir(cwd)) == before
    want = 0.1 * 0.5 ** (np.arange(6) // 2)
    np.testing.assert_allclose(run.lrs, want, rtol=1e-12)
    np.testing.assert_allclose(run.monitored, run.lrs, rtol=1e-12)
    assert run.scheduler_steps == 6 and run.estimated_stepping_batches == 6
    with pytest.raises(TypeError, match="configure="):
        fw.lightning_fit(None)
    with pytest.raises(ValueError, match="lr_monitor='batch'"):
        fw.lightning_fit(configure, lr_monitor="batch")


def test_plateau_helpers_agree_with_the_rules():
    metric = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    torch_lrs = fw.torch_plateau_lrs(metric, factor=0.5, patience=1)
    assert fw.cut_epochs(torch_lrs) == [3, 5, 7]
    assert fw.cut_epochs(fw.timm_plateau_lrs(metric, decay_rate=0.5, patience_t=1, mode="min")) == [3, 5, 7]
    keras_lrs = fw.keras_plateau_lrs(metric, factor=0.5, patience=2)
    np.testing.assert_allclose(keras_lrs, torch_lrs, rtol=1e-6)
    with pytest.raises(ValueError, match="metric="):
        fw.torch_plateau_lrs([])
    with pytest.raises(TypeError, match="metric="):
        fw.keras_plateau_lrs(None)
