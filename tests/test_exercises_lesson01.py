"""Lesson 01's checkers accept the right answers and explain the likely wrong ones."""
import torch
from torch.optim import lr_scheduler

from lrlessons import training
from lrlessons.exercises import lesson01


def said(capsys) -> str:
    return capsys.readouterr().out.strip()


def test_t_max(capsys):
    assert lesson01.check_t_max(176) and said(capsys).startswith("Correct: T_max=176")
    for wrong, hint in [(8, "counts epochs"), (22, "one epoch"), (175, "training has 176"),
                        (..., "still empty"), (176.5, "whole number"), (-176, "whole number")]:
        assert not lesson01.check_t_max(wrong)
        assert hint in said(capsys), wrong


def test_step_lrs(capsys):
    right = [0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05]
    assert lesson01.check_step_lrs(right) and said(capsys) == "Correct: all 8 values match."
    assert not lesson01.check_step_lrs(right[1:] + [0.05])
    assert "one epoch too early" in said(capsys)
    assert not lesson01.check_step_lrs([0.2 * 0.5 ** e for e in range(8)])
    assert "exponential decay" in said(capsys)
    assert not lesson01.check_step_lrs([0.2])
    assert "has 1 value, expected 8" in said(capsys)


def test_gamma(capsys):
    assert lesson01.check_gamma((1e-2) ** (1 / 9)) and said(capsys).startswith("Correct")
    assert lesson01.check_gamma(0.5995), "the rounded value the solution prints must pass"
    said(capsys)
    assert not lesson01.check_gamma((1e-2) ** (1 / 10))
    assert "only 9 step() calls" in said(capsys)
    assert not lesson01.check_gamma(1.5) and "between 0 and 1" in said(capsys)


def build():
    model = training.make_model(seed=0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return model, opt, lr_scheduler.CosineAnnealingLR(opt, T_max=6)


def run_epochs(model, opt, sched, epochs):
    data = training.load("digits")
    record = []
    for epoch in epochs:
        for x, y in training.batches(data, 256, epoch):
            loss = torch.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            record.append((opt.param_groups[0]["lr"], loss.item()))
            opt.step()
        sched.step()
    return record


def test_resume(capsys):
    def right(ckpt):
        model, opt, sched = build()
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        return model, opt, sched

    def no_scheduler(ckpt):
        model, opt, sched = build()
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        return model, opt, sched

    def no_optimizer(ckpt):
        model, opt, sched = build()
        model.load_state_dict(ckpt["model"])
        sched.load_state_dict(ckpt["scheduler"])
        for g in opt.param_groups:  # even with the right lr, momentum buffers are lost
            g["lr"] = sched.get_last_lr()[0]
        return model, opt, sched

    assert lesson01.check_resume(right, build, run_epochs) and "exactly" in said(capsys)
    assert not lesson01.check_resume(no_scheduler, build, run_epochs)
    assert "scheduler's state" in said(capsys)
    assert not lesson01.check_resume(no_optimizer, build, run_epochs)
    assert "momentum" in said(capsys)
    assert not lesson01.check_resume(..., build, run_epochs) and "still empty" in said(capsys)
