"""lrlessons.training: records what happened, deterministic, resumable, clear errors."""
import numpy as np
import pytest
import torch
from timm.scheduler import CosineLRScheduler
from torch.optim import lr_scheduler as L

import lrlessons
from lrlessons import training

SGD = lambda p: torch.optim.SGD(p, lr=0.1)


def test_records_loss_accuracy_and_the_lr_of_every_step():
    h = training.train(SGD, lambda o: L.StepLR(o, 2, 0.5), epochs=4, batch_size=128)
    spe = training.steps_per_epoch(lrlessons.data.load(), 128)
    assert spe == 11 and len(h.steps) == 4 * spe and len(h.epochs) == 4
    assert h.epochs.lr.tolist() == [0.1, 0.1, 0.05, 0.05]
    assert h.steps.groupby("epoch").lr.nunique().tolist() == [1, 1, 1, 1]
    assert h.epochs.train_loss.iloc[-1] < h.epochs.train_loss.iloc[0]
    assert 0.0 <= h.final_accuracy <= 1.0


def test_digits_mlp_learns():
    h = training.train(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), epochs=20)
    assert h.final_accuracy > 0.95


def test_per_step_scheduling_moves_the_lr_inside_an_epoch():
    h = training.train(SGD, lambda o: L.OneCycleLR(o, max_lr=0.5, total_steps=3 * 22),
                       epochs=3, interval="step")
    assert h.steps.lr.nunique() == len(h.steps)
    assert h.steps.lr.max() == pytest.approx(0.5, rel=1e-3)


def test_deterministic_for_a_seed_and_different_across_seeds():
    a = training.train(SGD, epochs=3, seed=1)
    b = training.train(SGD, epochs=3, seed=1)
    c = training.train(SGD, epochs=3, seed=2)
    assert a.steps.equals(b.steps) and a.epochs.equals(b.epochs)
    assert not a.steps.loss.equals(c.steps.loss)


def test_save_and_resume_gives_the_uninterrupted_run_exactly():
    sched = lambda o: L.CosineAnnealingLR(o, T_max=6)
    whole = training.train(SGD, sched, epochs=6)
    first = training.train(SGD, sched, epochs=6, save_at=3)
    assert set(first.checkpoint) >= {"model", "optimizer", "scheduler", "epoch"}
    resumed = training.train(SGD, sched, epochs=6, resume=first.checkpoint)
    assert resumed.steps.equals(whole.steps) and resumed.epochs.equals(whole.epochs)


def test_plateau_and_timm_schedulers_are_driven():
    h = training.train(SGD, lambda o: L.ReduceLROnPlateau(o, factor=0.5, patience=0, threshold=0.2),
                       epochs=6)
    assert h.epochs.lr.iloc[-1] < 0.1
    spe = training.steps_per_epoch(lrlessons.data.load(), 64)
    h = training.train(SGD, lambda o: CosineLRScheduler(o, t_initial=4 * spe, t_in_epochs=False),
                       epochs=4)
    assert h.steps.lr.nunique() == len(h.steps)  # moved by step_update every batch


def test_progress_bar_off_under_tests(capsys):
    training.train(SGD, epochs=1)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("kwargs, name", [
    (dict(optimizer=None), "optimizer"),
    (dict(optimizer=SGD, scheduler=3), "scheduler"),
    (dict(optimizer=SGD, epochs=0), "epochs"),
    (dict(optimizer=SGD, interval="batch"), "interval"),
    (dict(optimizer=SGD, batch_size=0), "batch_size"),
    (dict(optimizer=SGD, data="imagenet"), "name"),
    (dict(optimizer=SGD, epochs=2, save_at=3), "save_at"),
    (dict(optimizer=SGD, resume={"model": {}}), "resume"),
    (dict(optimizer=SGD, resume="ckpt.pt"), "resume"),
])
def test_bad_input(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=f"^{name}=.*must be"):
        training.train(**kwargs)


def test_model_and_device():
    m = training.make_model()
    assert [p.shape for p in m.parameters()] == [(128, 64), (128,), (10, 128), (10,)]
    assert lrlessons.device().type == ("cuda" if torch.cuda.is_available() else "cpu")
