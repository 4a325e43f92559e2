"""lrlessons.sizing: the updates-per-epoch rule, checked against real DataLoaders and loops."""
from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings, strategies as st
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from lrlessons.sizing import Plan, batches_per_epoch, updates_per_epoch


def count_updates(n_batches: int, accumulation: int, partial: str) -> int:
    n = 0
    for i in range(n_batches):
        if (i + 1) % accumulation == 0 or (partial == "step" and i + 1 == n_batches):
            n += 1
    return n


@settings(max_examples=60)
@given(st.integers(1, 400), st.integers(1, 64), st.integers(1, 4), st.booleans())
def test_batches_match_a_real_loader_with_distributed_sampler(samples, batch_size, processes, drop_last):
    data = TensorDataset(torch.arange(samples))
    per_process = -(-samples // processes)
    if drop_last and per_process < batch_size:
        with pytest.raises(ValueError, match="^batch_size="):
            batches_per_epoch(samples, batch_size, processes=processes, drop_last=drop_last)
        return
    for rank in range(processes):
        sampler = DistributedSampler(data, num_replicas=processes, rank=rank, shuffle=False)
        loader = DataLoader(data, batch_size=batch_size, sampler=sampler, drop_last=drop_last)
        assert len(loader) == batches_per_epoch(samples, batch_size, processes=processes, drop_last=drop_last)


@given(st.integers(1, 300), st.integers(1, 16), st.sampled_from(["step", "drop"]))
def test_updates_match_a_counting_loop(batches, accumulation, partial):
    if partial == "drop" and batches < accumulation:
        with pytest.raises(ValueError, match="^accumulation="):
            updates_per_epoch(batches, accumulation, partial=partial)
        return
    assert updates_per_epoch(batches, accumulation, partial=partial) == count_updates(batches, accumulation, partial)


def test_plan_totals_and_text():
    plan = Plan(epochs=5, samples=1347, batch_size=32, accumulation=4)
    assert (plan.batches_per_epoch, plan.updates_per_epoch, plan.total_updates, plan.scheduler_steps) == (43, 11, 55, 55)
    assert str(plan) == ("5 epochs of 1347 samples in batches of 32, accumulation 4: 11 updates per epoch, "
                         "55 in all")
    two = Plan(epochs=3, samples=1347, batch_size=64, processes=2)
    assert two.batches_per_epoch == 11 and two.total_updates == 33
    assert Plan(epochs=7, batches=10, interval="epoch").scheduler_steps == 7


def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match="^batches=None"):
        Plan(epochs=3)
    with pytest.raises(ValueError, match="^batches=10"):
        Plan(epochs=3, batches=10, samples=100, batch_size=10)
    with pytest.raises(ValueError, match="^epochs=0"):
        Plan(epochs=0, batches=3)
    with pytest.raises(TypeError, match="^drop_last=1"):
        Plan(epochs=1, batches=3, drop_last=1)
    with pytest.raises(ValueError, match="^interval='batch'"):
        Plan(epochs=1, batches=3, interval="batch")
    with pytest.raises(ValueError, match="^partial='floor'"):
        updates_per_epoch(10, 2, partial="floor")
    with pytest.raises(TypeError, match="^accumulation=2.0"):
        updates_per_epoch(10, 2.0)
