"""Lesson 11's checkers accept the right answers, name the usual wrong ones and never raise."""
import numpy as np
import pytest
import torch
from torch import nn

from lrlessons.exercises import Verdict, lesson11

RIGHT = dict(num_warmup_steps=100, num_decay_steps=200, num_training_steps=1000, warmup_type="linear",
             decay_type="1-sqrt", min_lr_ratio=0.1)


def said(capsys) -> str:
    out = capsys.readouterr().out
    assert all(len(line) <= 100 for line in out.splitlines()), out
    return " ".join(out.split())


@pytest.mark.parametrize("plan", [
    RIGHT,
    dict(RIGHT, num_training_steps=None, num_stable_steps=700),
    dict(RIGHT, num_stable_steps=700),                       # both given: num_stable_steps wins
    dict(RIGHT, num_warmup_steps=np.int64(100), min_lr_ratio=np.float32(0.1)),
    {k: v for k, v in RIGHT.items() if k != "warmup_type"},  # linear is the default
])
def test_wsd_plan_right(plan, capsys):
    result = lesson11.check_wsd_plan(plan)
    assert isinstance(result, Verdict) and result
    assert said(capsys).startswith("Correct: all 1050 lrs match the plan")


@pytest.mark.parametrize("plan, hint", [
    (dict(RIGHT, num_training_steps=None, num_stable_steps=1000), "num_stable_steps is the stable phase alone"),
    (dict(RIGHT, min_lr_ratio=0.0), "the warm-up starts from min_lr_ratio"),
    (dict(RIGHT, decay_type="linear"), "1-sqrt shape gives 0.55"),
    (dict(RIGHT, decay_type="cosine"), "a quarter into the decay"),
    (dict(RIGHT, warmup_type="cosine"), "check warmup_type"),
    (dict(RIGHT, num_decay_steps=800), "num_training_steps is the total"),
    (dict(RIGHT, num_training_steps=1300), "the decay never starts in the first 1050 steps"),
    (dict(RIGHT, warmup_type="sqrt"), "failed: ValueError: Unknown warmup type"),
    (dict(RIGHT, total=1000), "no argument 'total'"),
    ({k: v for k, v in RIGHT.items() if k != "num_decay_steps"}, "num_decay_steps is required"),
    ({k: v for k, v in RIGHT.items() if k != "num_training_steps"}, "either num_stable_steps or"),
    ([100, 200], "should be a dict"),
])
def test_wsd_plan_wrong(plan, hint, capsys):
    result = lesson11.check_wsd_plan(plan)
    assert isinstance(result, Verdict) and not result
    text = said(capsys)
    assert text.startswith("Not yet: ") and hint in text, text


@pytest.mark.parametrize("empty", [..., None, dict(RIGHT, num_decay_steps=...)])
def test_wsd_plan_empty(empty, capsys):
    assert not lesson11.check_wsd_plan(empty)
    assert "is still empty" in said(capsys)


def test_schedule_free_eval_right(capsys):
    assert lesson11.check_schedule_free_eval(lesson11.reference_evaluate)
    assert said(capsys).startswith("Correct: loss 0.")

    def returns_tensor(model, optimizer, batches, x, y):
        return torch.tensor(lesson11.reference_evaluate(model, optimizer, batches, x, y))
    assert lesson11.check_schedule_free_eval(returns_tensor)
    capsys.readouterr()


def forgets_optimizer_eval(model, optimizer, batches, x, y):
    model.eval()
    with torch.no_grad():
        loss = nn.functional.cross_entropy(model(x), y).item()
    model.train()
    return loss


def stale_batchnorm(model, optimizer, batches, x, y):
    optimizer.eval()
    model.eval()
    with torch.no_grad():
        loss = nn.functional.cross_entropy(model(x), y).item()
    model.train()
    optimizer.train()
    return loss


def stays_in_eval(model, optimizer, batches, x, y):
    loss = lesson11.reference_evaluate(model, optimizer, batches, x, y)
    optimizer.eval()
    model.eval()
    return loss


def crashes(model, optimizer, batches, x, y):
    raise RuntimeError("boom")


@pytest.mark.parametrize("evaluate, hint", [
    (forgets_optimizer_eval, "without optimizer.eval()"),
    (stale_batchnorm, "BatchNorm statistics gathered during training"),
    (stays_in_eval, "still in eval mode afterwards, so its next step() raises"),
    (crashes, "failed: RuntimeError: boom"),
    (lambda m, o, b, x, y: 0.5, "your loss is 0.5000"),
    (3.0, "should be a function"),
])
def test_schedule_free_eval_wrong(evaluate, hint, capsys):
    result = lesson11.check_schedule_free_eval(evaluate)
    assert isinstance(result, Verdict) and not result
    text = said(capsys)
    assert text.startswith("Not yet: ") and hint in text, text


def test_schedule_free_eval_empty(capsys):
    assert not lesson11.check_schedule_free_eval(...)
    assert "is still empty" in said(capsys)
