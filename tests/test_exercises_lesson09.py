"""Lesson 09's checkers accept the right answers and explain the likely wrong ones."""
import numpy as np
import pytest
import torch
from timm.scheduler import CosineLRScheduler
from torch.optim import lr_scheduler

import lrlessons  # noqa: F401  (before keras: sets its PyTorch backend)
from lrlessons.exercises import Verdict, lesson09


def said(capsys) -> str:
    return capsys.readouterr().out.strip()


def lines_fit(text: str) -> bool:
    return all(len(line) <= 100 for line in text.splitlines())


@pytest.mark.parametrize("right", [96, 96.0, np.int64(96), torch.tensor(96)])
def test_accelerate_total_right(capsys, right):
    result = lesson09.check_accelerate_total(right)
    out = said(capsys)
    assert isinstance(result, Verdict) and result and out.startswith("Correct: 96") and lines_fit(out)


@pytest.mark.parametrize("wrong, hint", [
    (48, "updates of one process"),
    (189, "one process's batches"),
    (378, "batches of all processes"),
    (375, "divide by k"),
    (93.75, "not a whole number"),
    (94, "rounded"),
    (100, "would not end the schedule"),
    (..., "still empty"),
    (None, "still empty"),
    ("96", "should be a number"),
    (torch.tensor([96, 1]), "should be a number"),
    (True, "should be a number"),
])
def test_accelerate_total_wrong(capsys, wrong, hint):
    result = lesson09.check_accelerate_total(wrong)
    out = said(capsys)
    assert isinstance(result, Verdict) and not result
    assert out.startswith("Not yet: ") and hint in out.replace("\n  ", " "), out
    assert lines_fit(out)


def test_timm_port_right(capsys):
    right = lambda o: CosineLRScheduler(o, t_initial=45, warmup_t=5, warmup_lr_init=0.0,  # noqa: E731
                                        warmup_prefix=True)
    assert lesson09.check_timm_port(right)
    assert said(capsys).startswith("Correct: all 51 lrs match")


@pytest.mark.parametrize("wrong, hint", [
    (lambda o: CosineLRScheduler(o, t_initial=45, warmup_t=5), "warmup_prefix=True"),
    (lambda o: CosineLRScheduler(o, t_initial=50, warmup_t=5, warmup_prefix=True), "t_initial"),
    (lambda o: CosineLRScheduler(o, t_initial=45, warmup_t=5, warmup_lr_init=0.01, warmup_prefix=True),
     "warmup_lr_init=0"),
    (lambda o: CosineLRScheduler(o, t_initial=45, warmup_t=5, warmup_prefix=True, lr_min=1e-3), "lr_min=0"),
    (lambda o: CosineLRScheduler(o, t_initial=45, warmup_t=5, warmup_prefix=True, k_decay=2.0), "first differs"),
    (lambda o: lr_scheduler.StepLR(o, 10), "should return a timm scheduler"),
    (lambda o: CosineLRScheduler(o, t_initial=-1), "failed"),
    (lambda: None, "failed"),
    (0.1, "should be a function"),
    (..., "still empty"),
])
def test_timm_port_wrong(capsys, wrong, hint):
    result = lesson09.check_timm_port(wrong)
    out = said(capsys)
    assert not result and out.startswith("Not yet: ") and hint in out.replace("\n  ", " "), out


def one_cycle(settings):
    def configure(module):
        opt = torch.optim.SGD(module.parameters(), lr=0.1)
        sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=module.trainer.estimated_stepping_batches)
        return {"optimizer": opt, "lr_scheduler": sched if settings is None else {"scheduler": sched, **settings}}
    return configure


def test_lightning_config(capsys):
    assert lesson09.check_lightning_config(one_cycle({"interval": "step"}))
    assert said(capsys).startswith("Correct: 15 updates, 15 different lrs")
    assert not lesson09.check_lightning_config(one_cycle(None))
    assert "only 3 different lrs" in said(capsys)
    assert not lesson09.check_lightning_config(one_cycle({"interval": "steps"}))
    assert "Lightning refused it: MisconfigurationException" in said(capsys)
    assert not lesson09.check_lightning_config(one_cycle({"interval": "step", "frequency": 2}))
    assert "first differs" in said(capsys)
    assert not lesson09.check_lightning_config(...)
    assert "still empty" in said(capsys)
    assert not lesson09.check_lightning_config({"interval": "step"})
    assert "should be a function" in said(capsys)


@pytest.mark.parametrize("settings, ok, hint", [
    (dict(factor=0.5, patience=3, cooldown=2, min_delta=0.01), True, "as torch does"),
    (dict(factor=0.5, patience=2, cooldown=2, min_delta=0.01), False, "add 1"),
    (dict(factor=0.5, patience=3, cooldown=1, min_delta=0.01), False, "cooldown"),
    (dict(factor=0.5, patience=3, cooldown=2), False, "min_delta"),
    (dict(patience=3, cooldown=2, min_delta=0.01), False, "set factor"),
    (dict(factor=2.0), False, "Keras refused them"),
    ([3, 2], False, "should be a dict"),
    (..., False, "still empty"),
])
def test_keras_plateau(capsys, settings, ok, hint):
    result = lesson09.check_keras_plateau(settings)
    out = said(capsys)
    assert bool(result) is ok and hint in out.replace("\n  ", " "), out
    assert out.startswith("Correct: " if ok else "Not yet: ")
