"""lrlessons.diagnose on good and bad set-ups: what it must flag, and what it must leave alone."""
from __future__ import annotations

import math
import warnings

import pytest
import torch
from hypothesis import given, settings, strategies as st

import lrlessons
from lrlessons.diagnose import Finding, diagnose, watch

LR = torch.optim.lr_scheduler


def make(kind: str = "adam", lr: float = 1e-3):
    p = torch.nn.Parameter(torch.zeros(3))
    if kind == "adam":
        return torch.optim.Adam([p], lr=lr), p
    return torch.optim.SGD([p], lr=lr, momentum=0.9), p


def train(opt, p, sched, *, epochs=3, batches=4, per="epoch", scheduler_first=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's own warning about the order
        for _ in range(epochs):
            if scheduler_first:
                sched.step()
            for _ in range(batches):
                p.grad = torch.ones_like(p)
                opt.step()
                if per == "batch":
                    sched.step()
            if per == "epoch" and not scheduler_first:
                sched.step()


def codes(found: list[Finding], level: str | None = None) -> set[str]:
    return {f.code for f in found if level is None or f.level == level}


def keras_linear(e):
    return (1e-3 - 1e-8) * (10 - e) / 10


def test_exported_from_the_package():
    assert lrlessons.diagnose is diagnose


def test_squaring_trap_is_flagged_and_printed(capsys):
    opt, _ = make()
    found = diagnose(opt, LR.LambdaLR(opt, keras_linear))
    assert codes(found) == {"squared-lr"}
    out = capsys.readouterr().out
    assert out.startswith("WARNING [squared-lr]") and "1e-06" in out and "factor" in out


def test_correct_port_is_clean(capsys):
    opt, p = make()
    sched = LR.LambdaLR(opt, lambda e: (10 - e) / 10)
    watch(opt, sched)
    train(opt, p, sched)
    assert diagnose(opt, sched, steps_per_epoch=4) == []
    assert capsys.readouterr().out.startswith("No problems found")


@given(st.floats(1e-6, 0.09), st.integers(1, 20))
def test_any_lr_shaped_lambda_is_flagged(lr0, n):
    opt, _ = make(lr=lr0)
    sched = LR.LambdaLR(opt, lambda e: lr0 * max(n - e, 0) / n)
    assert "squared-lr" in codes(diagnose(opt, sched, quiet=True))


@given(st.floats(0.1, 0.9), st.floats(0.5, 1.0))
def test_lr_shaped_lambda_starting_at_base_lr_is_flagged(lr0, gamma):
    """A Keras function for SGD at 0.1 or more: not tiny, but it returns exactly the optimizer's lr."""
    opt, _ = make("sgd", lr=lr0)
    assert "squared-lr" in codes(diagnose(opt, LR.LambdaLR(opt, lambda e: lr0 * gamma ** e), quiet=True))


@given(st.floats(0.1, 0.9), st.floats(0.5, 0.99))
def test_ordinary_factor_schedules_are_not_flagged(lr0, gamma):
    opt, _ = make("sgd", lr=lr0)
    for fn in (lambda e: gamma ** e, lambda e: max(0.0, 1 - e / 50), lambda e: 0.5 * (1 + math.cos(math.pi * e / 90))):
        assert "squared-lr" not in codes(diagnose(opt, LR.LambdaLR(opt, fn), quiet=True))


@given(st.integers(1, 999), st.sampled_from(["linear-from-0", "linear-from-small", "exp-warmup"]))
def test_warmups_that_start_small_are_not_flagged(warm, kind):
    opt, _ = make()
    fns = {"linear-from-0": lambda t: min(1.0, t / warm),
           "linear-from-small": lambda t: min(1.0, (t + 1) / warm),
           "exp-warmup": lambda t: min(1.0, 1e-3 * 1000 ** (t / warm))}
    assert "squared-lr" not in codes(diagnose(opt, LR.LambdaLR(opt, fns[kind]), quiet=True))


def test_multiplicative_lr_with_an_lr_for_factor():
    opt, _ = make()
    assert "squared-lr" in codes(diagnose(opt, LR.MultiplicativeLR(opt, lambda e: 1e-3), quiet=True))
    opt, _ = make()
    assert "squared-lr" not in codes(diagnose(opt, LR.MultiplicativeLR(opt, lambda e: 0.95), quiet=True))


def test_get_lr_disagreeing_with_the_lr_in_use_is_a_note():
    opt, p = make("sgd", 0.1)
    sched = LR.StepLR(opt, step_size=2, gamma=0.1)
    train(opt, p, sched, epochs=2, batches=1)  # last_epoch 2: get_lr() would apply the decay again
    found = diagnose(opt, sched, quiet=True)
    assert codes(found, "note") == {"get-lr"} and codes(found, "warning") == set()
    note = next(f for f in found if f.code == "get-lr")
    assert "0.001" in note.message and "0.01" in note.message and "get_last_lr()" in note.message
    # a closed-form scheduler (LambdaLR) gives the same number both ways: nothing to say
    opt, p = make("sgd", 0.1)
    sched = LR.LambdaLR(opt, lambda e: 0.5 ** e)
    train(opt, p, sched, epochs=3, batches=1)
    assert "get-lr" not in codes(diagnose(opt, sched, quiet=True))


def test_diagnose_leaves_the_optimizer_as_it_found_it():
    """OneCycleLR.get_lr() also writes momentum; diagnose must put it back."""
    opt, p = make("sgd", 0.1)
    sched = LR.OneCycleLR(opt, max_lr=0.1, total_steps=30)
    train(opt, p, sched, epochs=2, batches=4, per="batch")
    before = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    state = sched.state_dict()
    diagnose(opt, sched, quiet=True)
    assert [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups] == before
    assert sched.state_dict() == state


def test_scheduler_stepped_before_any_optimizer_step():
    opt, _ = make("sgd", 0.1)
    sched = LR.ExponentialLR(opt, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched.step()
        sched.step()
    found = diagnose(opt, sched, quiet=True)
    assert "scheduler-before-optimizer" in codes(found, "warning")
    assert "2 time(s)" in next(f for f in found if f.code == "scheduler-before-optimizer").message


def test_scheduler_first_in_every_epoch_needs_watch():
    opt, p = make()
    sched = LR.ExponentialLR(opt, 0.9)
    train(opt, p, sched, scheduler_first=True)  # not watched: torch's marks cannot tell the order
    assert "scheduler-before-optimizer" not in codes(diagnose(opt, sched, quiet=True))
    opt, p = make()
    sched = LR.ExponentialLR(opt, 0.9)
    watch(opt, sched)
    train(opt, p, sched, scheduler_first=True)
    assert "scheduler-before-optimizer" in codes(diagnose(opt, sched, quiet=True))


@pytest.mark.parametrize("watched", [True, False])
def test_per_epoch_schedule_stepped_per_batch(watched):
    opt, p = make()  # Adam keeps a step count, so even unwatched the batches can be counted
    sched = LR.StepLR(opt, step_size=3, gamma=0.5)
    if watched:
        watch(opt, sched)
    train(opt, p, sched, epochs=3, batches=5, per="batch")
    found = diagnose(opt, sched, steps_per_epoch=5, quiet=True)
    assert "stepped-per-batch" in codes(found, "warning")
    assert "15 times in 3 epochs" in next(f for f in found if f.code == "stepped-per-batch").message
    assert "stepped-per-batch" in codes(diagnose(opt, sched, quiet=True), "note")


def test_per_batch_by_design_is_not_flagged():
    opt, p = make("sgd", 0.1)
    sched = LR.OneCycleLR(opt, max_lr=0.1, total_steps=40)
    watch(opt, sched)
    train(opt, p, sched, epochs=3, batches=5, per="batch")
    assert "stepped-per-batch" not in codes(diagnose(opt, sched, steps_per_epoch=5, quiet=True))


def test_plain_sgd_without_watch_cannot_count_batches():
    opt, p = make("sgd", 0.1)
    sched = LR.StepLR(opt, step_size=3)
    train(opt, p, sched, epochs=3, batches=5, per="batch")
    assert "stepped-per-batch" not in codes(diagnose(opt, sched, steps_per_epoch=5, quiet=True))


def test_cosine_past_t_max():
    opt, p = make("sgd", 0.1)
    sched = LR.CosineAnnealingLR(opt, T_max=5)
    train(opt, p, sched, epochs=2, batches=4, per="batch")
    assert "past-the-end" in codes(diagnose(opt, sched, quiet=True), "warning")


@settings(max_examples=20)
@given(st.sampled_from(["step", "exp", "cos", "lambda", "multistep"]), st.integers(1, 6), st.integers(1, 5),
       st.sampled_from(["adam", "sgd"]))
def test_good_epoch_loops_give_no_warnings(kind, epochs, batches, opt_kind):
    opt, p = make(opt_kind, 0.05)
    sched = {"step": lambda: LR.StepLR(opt, 2, 0.5), "exp": lambda: LR.ExponentialLR(opt, 0.9),
             "cos": lambda: LR.CosineAnnealingLR(opt, T_max=epochs),
             "lambda": lambda: LR.LambdaLR(opt, lambda e: 0.9 ** e),
             "multistep": lambda: LR.MultiStepLR(opt, [1, 3])}[kind]()
    watch(opt, sched)
    train(opt, p, sched, epochs=epochs, batches=batches)
    assert codes(diagnose(opt, sched, steps_per_epoch=batches, quiet=True), "warning") == set()


def test_wrong_optimizer():
    opt, _ = make()
    other, _ = make()
    assert "wrong-optimizer" in codes(diagnose(opt, LR.StepLR(other, 3), quiet=True))


def test_watch_leaves_state_dicts_alone():
    opt, p = make()
    sched = LR.StepLR(opt, 3)
    keys = set(sched.state_dict())
    w = watch(opt, sched)
    train(opt, p, sched)
    assert set(sched.state_dict()) == keys and w.optimizer_steps == 12
    w.remove()
    train(opt, p, sched, epochs=1)
    assert w.optimizer_steps == 12


def test_bad_arguments_are_named():
    opt, _ = make()
    sched = LR.StepLR(opt, 3)
    with pytest.raises(TypeError, match="^optimizer="):
        diagnose("adam", sched)
    with pytest.raises(TypeError, match="^scheduler="):
        diagnose(opt, lambda e: 1.0)
    with pytest.raises(ValueError, match="^steps_per_epoch=0"):
        diagnose(opt, sched, steps_per_epoch=0)
    with pytest.raises(TypeError, match="^scheduler="):
        watch(opt, None)


def test_finding_prints_in_plain_words():
    f = Finding("warning", "squared-lr", "the lr is squared.")
    assert str(f) == "WARNING [squared-lr] the lr is squared."


def test_watch_reachable_from_the_package_function():
    assert lrlessons.diagnose.watch is watch and lrlessons.diagnose.Finding is Finding
