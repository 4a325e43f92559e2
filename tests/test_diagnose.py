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


# ---------------------------------------------------------------------------
# Lesson 08 and the editorial pass: misleading cases fixed, new checks, and no false positives.
# ---------------------------------------------------------------------------
import functools  # noqa: E402

import timm.scheduler  # noqa: E402

from lrlessons.diagnose import PROBE_AT  # noqa: E402
from lrlessons.sizing import Plan  # noqa: E402


def noam(s):
    return 512 ** -0.5 * min((s + 1) ** -0.5, (s + 1) * 4000 ** -1.5)


def test_noam_on_adam_lr_1_is_not_flagged():
    opt, _ = make("adam", lr=1.0)
    assert diagnose(opt, LR.LambdaLR(opt, noam), quiet=True) == []


def test_a_constant_small_factor_is_ambiguous_not_certain():
    opt, _ = make()
    found = diagnose(opt, LR.LambdaLR(opt, lambda e: 0.01), quiet=True)
    assert [(f.level, f.code) for f in found] == [("note", "squared-lr")]
    assert "Ambiguous" in found[0].message and "1e-05" in found[0].message


def test_user_function_is_called_a_bounded_number_of_times():
    calls = []

    def counted(e):
        calls.append(e)
        return 0.9 ** e

    opt, _ = make()
    sched = LR.LambdaLR(opt, counted)
    before = len(calls)
    diagnose(opt, sched, quiet=True)
    assert len(calls) - before <= len(PROBE_AT) == 18 and max(calls) == 1000


def test_function_that_raises_is_probed_up_to_the_error_only():
    calls = []

    def fragile(e):
        calls.append(e)
        if e > 5:
            raise ZeroDivisionError
        return 1e-3

    opt, _ = make()
    sched = LR.LambdaLR(opt, fragile)
    calls.clear()
    assert "squared-lr" in codes(diagnose(opt, sched, quiet=True))
    assert calls == [0, 1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("wrap", ["sequential", "chained"])
def test_squaring_inside_composed_schedulers(wrap):
    opt, _ = make()
    inner = LR.LambdaLR(opt, lambda e: 1e-3 * 0.9 ** e)
    if wrap == "sequential":
        sched = LR.SequentialLR(opt, [LR.LinearLR(opt, 0.1, total_iters=5), inner], [5])
    else:
        sched = LR.ChainedScheduler([LR.ExponentialLR(opt, 0.99), inner])
    found = diagnose(opt, sched, quiet=True)
    assert codes(found, "warning") == {"squared-lr"}
    assert type(sched).__name__ + " > LambdaLR" in found[0].message


def test_get_lr_differs_in_3_of_90_epochs_of_steplr_30():
    opt, p = make("sgd", 0.1)
    sched = LR.StepLR(opt, 30)
    flagged = []
    for epoch in range(1, 91):
        train(opt, p, sched, epochs=1, batches=1)
        if "get-lr" in codes(diagnose(opt, sched, quiet=True)):
            flagged.append(epoch)
    assert flagged == [30, 60, 90]


def test_limits_are_in_the_functions_docstring():
    doc = lrlessons.diagnose.__doc__
    assert "What it cannot know" in doc and "18 times" in doc and "3 of 90" in doc


def test_printed_findings_are_at_most_100_characters_wide(capsys):
    opt, _ = make()
    diagnose(opt, LR.SequentialLR(opt, [LR.LinearLR(opt, 0.1, total_iters=5),
                                        LR.LambdaLR(opt, lambda e: 1e-3 * 0.9 ** e)], [5]))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 2 and max(map(len, lines)) <= 100 and "1e-06" in "\n".join(lines)


def timm_loop(opt, p, sched, *, epochs=3, batches=5, per="timm"):
    """timm's own loop (step_update after each update, step(epoch + 1) after each epoch), or per-epoch only."""
    updates = 0
    for epoch in range(epochs):
        for _ in range(batches):
            p.grad = torch.ones_like(p)
            opt.step()
            updates += 1
            if per == "timm":
                sched.step_update(num_updates=updates)
        sched.step(epoch + 1)


def test_timm_per_update_schedule_stepped_per_epoch():
    opt, p = make("sgd", 0.1)
    sched = timm.scheduler.CosineLRScheduler(opt, t_initial=100, t_in_epochs=False)
    watch(opt, sched)
    timm_loop(opt, p, sched, per="epoch")
    found = diagnose(opt, sched, quiet=True)
    assert codes(found, "warning") == {"timm-unit"} and "step_update(num_updates)" in found[0].message
    opt, _ = make("sgd", 0.1)
    sched = timm.scheduler.CosineLRScheduler(opt, t_initial=100, t_in_epochs=False)
    found = diagnose(opt, sched, plan=Plan(epochs=100, batches=5, interval="epoch"), quiet=True)
    assert "timm-unit" in codes(found, "warning")
    message = next(f.message for f in found if f.code == "timm-unit")
    assert "build it with `t_in_epochs=True` and size it in epochs." in message
    opt, _ = make("sgd", 0.1)
    sched = timm.scheduler.CosineLRScheduler(opt, t_initial=100, t_in_epochs=True)
    found = diagnose(opt, sched, plan=Plan(epochs=100, batches=5), quiet=True)
    message = next(f.message for f in found if f.code == "timm-unit")
    assert "build it with `t_in_epochs=False` and size it in updates." in message


@pytest.mark.parametrize("in_epochs", [True, False])
def test_timm_loops_done_right_are_clean(in_epochs):
    opt, p = make("sgd", 0.1)
    t_initial = 3 if in_epochs else 15
    sched = timm.scheduler.CosineLRScheduler(opt, t_initial=t_initial, warmup_t=1, warmup_lr_init=1e-3,
                                             t_in_epochs=in_epochs)
    watch(opt, sched)
    timm_loop(opt, p, sched)
    plan = Plan(epochs=3, batches=5, interval="epoch" if in_epochs else "update")
    assert diagnose(opt, sched, plan=plan, quiet=True) == []


def accumulate(opt, p, sched, *, batches=40, k=4, step_every_batch=False, skip=()):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for b in range(batches):
            p.grad = torch.ones_like(p)
            if (b + 1) % k == 0 and b not in skip:
                opt.step()
                if not step_every_batch:
                    sched.step()
            if step_every_batch or ((b + 1) % k == 0 and b in skip):
                sched.step()


def test_scheduler_stepped_every_batch_under_accumulation():
    opt, p = make("sgd", 0.1)
    sched = LR.CosineAnnealingLR(opt, T_max=40)
    watch(opt, sched)
    accumulate(opt, p, sched, step_every_batch=True)
    found = diagnose(opt, sched, quiet=True)
    assert "steps-not-updates" in codes(found, "warning")
    assert "stepped 4 times between consecutive optimizer updates" in str(found)


@pytest.mark.parametrize("watched", [True, False])
def test_skipped_updates_make_the_scheduler_run_ahead(watched):
    opt, p = make("adam", 1e-3)  # Adam counts its real updates, so even unwatched the gap shows
    sched = LR.CosineAnnealingLR(opt, T_max=10)
    if watched:
        watch(opt, sched)
    accumulate(opt, p, sched, batches=10, k=1, skip=(3, 6))
    found = diagnose(opt, sched, quiet=True)
    assert "steps-not-updates" in codes(found, "warning")
    msg = next(f.message for f in found if f.code == "steps-not-updates")
    assert "stepped 10 times but the optimizer updated only 8 times" in msg


def test_real_gradscaler_skips_are_reported():
    p = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.SGD([p], lr=0.1)
    sched = LR.StepLR(opt, 2)
    watch(opt, sched)
    scaler = torch.amp.GradScaler("cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(6):
            opt.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = (p * p).sum()
            scaler.scale(loss).backward()
            if i in (2, 4):
                p.grad[0] = float("inf")
            scaler.step(opt)
            scaler.update()
            sched.step()
    assert "steps-not-updates" in codes(diagnose(opt, sched, quiet=True), "warning")


@settings(max_examples=40)
@given(st.integers(1, 6), st.integers(1, 200), st.integers(1, 32), st.integers(1, 3), st.integers(1, 4),
       st.booleans(), st.integers(-3, 3))
def test_onecycle_overflow_is_predicted_exactly(epochs, samples, batch_size, processes, accumulation, drop_last,
                                                 error):
    """diagnose(plan=...) says 'overflow' exactly when a real OneCycleLR raises in that loop."""
    if drop_last and -(-samples // processes) < batch_size:
        return
    try:
        plan = Plan(epochs=epochs, samples=samples, batch_size=batch_size, processes=processes,
                    accumulation=accumulation, drop_last=drop_last)
    except ValueError:
        return
    total = max(1, plan.total_updates + error)
    opt, p = make("sgd", 0.1)
    sched = LR.OneCycleLR(opt, max_lr=0.1, total_steps=total)
    predicted = "onecycle-overflow" in codes(diagnose(opt, sched, plan=plan, quiet=True))
    raised = False
    for _ in range(plan.total_updates):
        p.grad = torch.ones_like(p)
        opt.step()
        try:
            sched.step()
        except ValueError as err:
            raised = str(err).startswith(f"Tried to step {total + 1} times")
            break
    assert predicted == raised == (total < plan.total_updates)


def test_schedule_lengths_against_the_plan():
    plan = Plan(epochs=5, samples=1347, batch_size=32, accumulation=4)  # 55 updates
    opt, _ = make("sgd", 0.1)
    cases = {
        LR.CosineAnnealingLR(opt, T_max=215): "schedule-too-long",
        LR.CosineAnnealingLR(opt, T_max=30): "schedule-too-short",
        LR.CosineAnnealingLR(opt, T_max=54): None,
        LR.OneCycleLR(opt, max_lr=0.1, total_steps=55): None,
        LR.OneCycleLR(opt, max_lr=0.1, total_steps=54): "onecycle-overflow",
        LR.PolynomialLR(opt, total_iters=100): "schedule-too-long",
        LR.LinearLR(opt, start_factor=0.1, total_iters=5): None,  # a warm-up: short by design
        LR.SequentialLR(opt, [LR.LinearLR(opt, 0.1, total_iters=5), LR.CosineAnnealingLR(opt, T_max=50)],
                        [5]): None,
        LR.SequentialLR(opt, [LR.LinearLR(opt, 0.1, total_iters=5), LR.CosineAnnealingLR(opt, T_max=210)],
                        [5]): "schedule-too-long",
    }
    for sched, want in cases.items():
        found = codes(diagnose(opt, sched, plan=plan, quiet=True), "warning")
        assert found == ({want} if want else set()), (type(sched).__name__, found)


def test_transformers_schedules_are_read_from_their_partial():
    from transformers import get_cosine_schedule_with_warmup, get_linear_schedule_with_warmup

    plan = Plan(epochs=5, batches=43, accumulation=4)
    opt, _ = make("adam", 1e-3)
    assert isinstance(get_linear_schedule_with_warmup(opt, 5, 55).lr_lambdas[0], functools.partial)
    assert diagnose(opt, get_cosine_schedule_with_warmup(opt, 5, 55), plan=plan, quiet=True) == []
    assert codes(diagnose(opt, get_linear_schedule_with_warmup(opt, 20, 215), plan=plan, quiet=True)) == {
        "schedule-too-long"}


def test_bad_plan_is_named():
    opt, _ = make()
    with pytest.raises(TypeError, match="^plan="):
        diagnose(opt, LR.StepLR(opt, 3), plan={"epochs": 3})


# --- zero false positives on the course's correct loops (lessons 01-08) -------------------------------------

def run_epochs(opt, p, scheds, epochs, batches, per="epoch", metric=None):
    for epoch in range(epochs):
        for _ in range(batches):
            p.grad = torch.ones_like(p)
            opt.step()
            if per == "batch":
                for s in scheds:
                    s.step()
        if per == "epoch":
            for s in scheds:
                s.step(metric) if metric is not None else s.step()


def correct_loops():
    """(name, builder) pairs: each builds, watches and runs a loop the lessons teach as right.

    A builder returns (optimizer, schedulers, steps_per_epoch, plan) after training.
    """
    def l01_steplr():  # lesson 01: StepLR stepped once per epoch, after the batches
        opt, p = make("sgd", 0.1)
        s = LR.StepLR(opt, 3, 0.5)
        watch(opt, s)
        run_epochs(opt, p, [s], 7, 4)
        return opt, [s], 4, Plan(epochs=7, batches=4, interval="epoch")

    def l01_cosine_per_batch():  # lesson 01 exercise 1: T_max = 8 epochs x 22 batches, stepped per batch
        opt, p = make("sgd", 0.1)
        s = LR.CosineAnnealingLR(opt, T_max=8 * 22)
        watch(opt, s)
        run_epochs(opt, p, [s], 8, 22, per="batch")
        return opt, [s], 22, Plan(epochs=8, batches=22)

    def l01_multistep():
        opt, p = make("adam", 1e-3)
        s = LR.MultiStepLR(opt, [3, 7], 0.1)
        watch(opt, s)
        run_epochs(opt, p, [s], 10, 3)
        return opt, [s], 3, Plan(epochs=10, batches=3, interval="epoch")

    def l02_two_schedulers():  # lesson 02: StepLR and ExponentialLR on one optimizer
        opt, p = make("sgd", 0.1)
        s1, s2 = LR.StepLR(opt, 3, 0.5), LR.ExponentialLR(opt, 0.9)
        watch(opt, s1)
        watch(opt, s2)
        run_epochs(opt, p, [s1, s2], 10, 2)
        return opt, [s1, s2], 2, Plan(epochs=10, batches=2, interval="epoch")

    def l02_chained():
        opt, p = make("sgd", 0.1)
        s = LR.ChainedScheduler([LR.StepLR(opt, 3, 0.5), LR.ExponentialLR(opt, 0.9)])
        watch(opt, s)
        run_epochs(opt, p, [s], 10, 2)
        return opt, [s], 2, Plan(epochs=10, batches=2, interval="epoch")

    def l02_sequential_warmup():
        opt, p = make("adam", 1e-3)
        s = LR.SequentialLR(opt, [LR.LinearLR(opt, 0.1, total_iters=3), LR.ExponentialLR(opt, 0.9)], [3])
        watch(opt, s)
        run_epochs(opt, p, [s], 10, 2)
        return opt, [s], 2, Plan(epochs=10, batches=2, interval="epoch")

    def l03_resume_with_state_dict():  # lesson 03: resume by loading both state_dicts
        opt, p = make("adam", 1e-3)
        s = LR.StepLR(opt, 2, 0.5)
        run_epochs(opt, p, [s], 3, 2)
        state = (opt.state_dict(), s.state_dict())
        opt2 = torch.optim.Adam([p], lr=1e-3)
        s2 = LR.StepLR(opt2, 2, 0.5)
        opt2.load_state_dict(state[0])
        s2.load_state_dict(state[1])
        watch(opt2, s2)
        run_epochs(opt2, p, [s2], 3, 2)
        return opt2, [s2], 2, None

    def l03_lambda_closed_form():
        opt, p = make("sgd", 0.1)
        s = LR.LambdaLR(opt, lambda e: 0.5 ** e)
        watch(opt, s)
        run_epochs(opt, p, [s], 6, 3)
        return opt, [s], 3, Plan(epochs=6, batches=3, interval="epoch")

    def l04_onecycle():
        opt, p = make("sgd", 0.1)
        s = LR.OneCycleLR(opt, max_lr=0.1, epochs=4, steps_per_epoch=5)
        watch(opt, s)
        run_epochs(opt, p, [s], 4, 5, per="batch")
        return opt, [s], 5, Plan(epochs=4, batches=5)

    def l04_cyclic():
        opt, p = make("sgd", 0.1)
        s = LR.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=5)
        watch(opt, s)
        run_epochs(opt, p, [s], 4, 5, per="batch")
        return opt, [s], 5, Plan(epochs=4, batches=5)

    def l04_polynomial_linear_constant():
        opt, p = make("adam", 1e-3)
        s = LR.SequentialLR(opt, [LR.ConstantLR(opt, 0.5, total_iters=2),
                                  LR.PolynomialLR(opt, total_iters=8, power=2.0)], [2])
        watch(opt, s)
        run_epochs(opt, p, [s], 10, 2)
        return opt, [s], 2, Plan(epochs=10, batches=2, interval="epoch")

    def l05_timm_epochs():
        opt, p = make("sgd", 0.1)
        s = timm.scheduler.CosineLRScheduler(opt, t_initial=6, warmup_t=2, warmup_lr_init=1e-3)
        watch(opt, s)
        timm_loop(opt, p, s, epochs=6, batches=4)
        return opt, [s], 4, Plan(epochs=6, batches=4, interval="epoch")

    def l05_timm_updates():
        opt, p = make("adam", 1e-3)
        s = timm.scheduler.CosineLRScheduler(opt, t_initial=24, warmup_t=4, warmup_lr_init=1e-5,
                                             t_in_epochs=False)
        watch(opt, s)
        timm_loop(opt, p, s, epochs=6, batches=4)
        return opt, [s], 4, Plan(epochs=6, batches=4)

    def l05_plateau():
        opt, p = make("sgd", 0.1)
        s = LR.ReduceLROnPlateau(opt, patience=1)
        watch(opt, s)
        run_epochs(opt, p, [s], 6, 3, metric=1.0)
        return opt, [s], 3, None

    def l06_keras_port():
        from lrlessons import keras_bridge

        opt, p = make("adam", 1e-3)
        s = LR.LambdaLR(opt, keras_bridge.to_lambda_lr(keras_linear, 1e-3))
        watch(opt, s)
        run_epochs(opt, p, [s], 10, 4)
        return opt, [s], 4, Plan(epochs=10, batches=4, interval="epoch")

    def l06_warmup_factor():
        opt, p = make("adam", 1e-3)
        s = LR.LambdaLR(opt, lambda e: min(1.0, (e + 1) / 5))
        watch(opt, s)
        run_epochs(opt, p, [s], 8, 2)
        return opt, [s], 2, Plan(epochs=8, batches=2, interval="epoch")

    def l08_accumulation_sized_in_updates():
        opt, p = make("sgd", 0.1)
        plan = Plan(epochs=5, batches=43, accumulation=4)
        s = LR.SequentialLR(opt, [LR.LinearLR(opt, 0.1, total_iters=5),
                                  LR.CosineAnnealingLR(opt, T_max=plan.total_updates - 5)], [5])
        watch(opt, s)
        for _ in range(5):
            for i in range(43):
                p.grad = torch.ones_like(p)
                if (i + 1) % 4 == 0 or i + 1 == 43:
                    opt.step()
                    s.step()
        return opt, [s], plan.updates_per_epoch, plan

    def l08_gradscaler_step_after_real_updates():
        q = torch.nn.Parameter(torch.ones(3))
        opt = torch.optim.SGD([q], lr=0.1)
        s = LR.CosineAnnealingLR(opt, T_max=12)
        watch(opt, s)
        scaler = torch.amp.GradScaler("cpu")
        for i in range(12):
            opt.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = (q * q).sum()
            scaler.scale(loss).backward()
            if i in (0, 5):
                q.grad[0] = float("inf")
            before = scaler.get_scale()
            scaler.step(opt)
            scaler.update()
            if scaler.get_scale() >= before:  # the scale went down exactly when the update was skipped
                s.step()
        return opt, [s], None, None

    def l08_layerwise_relative_floor():
        head, backbone = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([{"params": [head], "lr": 1e-2}, {"params": [backbone], "lr": 1e-5}])
        s = LR.LambdaLR(opt, lambda t: 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(t, 20) / 20)))
        watch(opt, s)
        for _ in range(20):
            head.grad, backbone.grad = torch.ones(1), torch.ones(1)
            opt.step()
            s.step()
        return opt, [s], 20, Plan(epochs=1, batches=20)

    return [(f.__name__, f) for f in (
        l01_steplr, l01_cosine_per_batch, l01_multistep, l02_two_schedulers, l02_chained, l02_sequential_warmup,
        l03_resume_with_state_dict, l03_lambda_closed_form, l04_onecycle, l04_cyclic,
        l04_polynomial_linear_constant, l05_timm_epochs, l05_timm_updates, l05_plateau, l06_keras_port,
        l06_warmup_factor, l08_accumulation_sized_in_updates, l08_gradscaler_step_after_real_updates,
        l08_layerwise_relative_floor)]


@pytest.mark.parametrize("name, build", correct_loops(), ids=[n for n, _ in correct_loops()])
def test_no_false_positives_on_the_course_correct_loops(name, build):
    """No warning and no note about the loop. The only note allowed is get-lr: it is about how you *log*
    the lr (get_lr() would give another number right now), true whatever the loop, and says so."""
    opt, scheds, steps_per_epoch, plan = build()
    for sched in scheds:
        for kwargs in ({}, {"steps_per_epoch": steps_per_epoch} if steps_per_epoch else {},
                       {"plan": plan} if plan else {}):
            found = diagnose(opt, sched, quiet=True, **kwargs)
            about_the_loop = [f for f in found if f.code != "get-lr" and not (
                f.code == "stepped-per-batch" and f.level == "note" and not kwargs)]
            assert about_the_loop == [], (name, kwargs, [str(f) for f in about_the_loop])
