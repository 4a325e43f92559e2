"""The torch twins (lrlessons.reference.torchlike) against torch.optim.lr_scheduler.

Every test drives a twin and torch's class of the same name with the same random
arguments, each on its own optimizer built from the same 1-3 param groups, and
compares what a user can observe after construction and after every step: every
param group's settings (lr, initial_lr, momentum/betas and the keys the scheduler
stores there), get_last_lr(), last_epoch and base_lrs (or that both lack them).

All comparisons are EXACT (==): every twin does the same float operations in the same
order as torch, so the results are bit-identical, and exactness is what lets the
lesson say "behaves exactly like torch". A tolerance would hide a reordered formula.
"""
from __future__ import annotations

import copy
import inspect
import io
import warnings

import pytest
import torch
import torch.optim.lr_scheduler as torch_lib
from hypothesis import given, settings
from hypothesis import strategies as st

import lrlessons.reference.torchlike as twin_lib
from lrlessons.reference import torchlike

ALL = [name for name in torchlike.__all__ if name != "LRScheduler"]
COMPOSITES = ["SequentialLR", "ChainedScheduler"]
PLATEAU = "ReduceLROnPlateau"
SIMPLE = [n for n in ALL if n not in COMPOSITES + [PLATEAU]]  # step() needs no argument
ENDLESS = [n for n in SIMPLE if n != "OneCycleLR"]  # can step any number of times
MISSING = "<no such attribute>"


def test_all_fifteen_are_there_written_from_scratch():
    assert len(ALL) == 15
    assert sorted(ALL) == sorted(set(torch_lib.__all__) - {"LRScheduler"})
    for name in ALL:
        twin = getattr(twin_lib, name)
        assert twin.__module__.startswith("lrlessons.reference.torchlike.")
        assert not issubclass(twin, torch_lib.LRScheduler)  # no torch scheduler inside
        assert "Lesson 04" in twin.__doc__


@pytest.mark.parametrize("name", ALL)
def test_same_constructor_signature_as_torch(name):
    """Same parameter names, order, kinds and defaults (annotations aside)."""
    def shape(cls):
        return [(p.name, p.kind, p.default)
                for p in inspect.signature(cls.__init__).parameters.values()]

    assert shape(getattr(twin_lib, name)) == shape(getattr(torch_lib, name))


# ---------------------------------------------------------------------------------------
# Functions passed to LambdaLR, MultiplicativeLR and CyclicLR (rebuilt per library from
# a plain description, so that twin and torch get equal but separate callables).


class Warmup:
    """A callable object: its attributes travel in state_dict (plain functions do not)."""

    def __init__(self, w: int) -> None:
        self.w = w

    def __call__(self, t: int) -> float:
        return min(1.0, (t + 1) / self.w)


def make_fn(spec):
    kind, *p = spec
    return {
        "pow": lambda: (lambda t: p[0] ** t),
        "inv": lambda: (lambda t: 1.0 / (1.0 + p[0] * t)),
        "warm": lambda: Warmup(p[0]),
        "const": lambda: (lambda t: p[0]),
        "every": lambda: (lambda t: p[0] if t % p[1] == 0 else 1.0),
        "scale": lambda: (lambda x: 1.0 / (1.0 + p[0] * x)),
    }[kind]()


def real_kwargs(name, args):
    """Turn function descriptions in ``args`` into callables."""
    kwargs = dict(args)
    if name in ("LambdaLR", "MultiplicativeLR"):
        spec = kwargs["lr_lambda"]
        kwargs["lr_lambda"] = ([make_fn(s) for s in spec] if isinstance(spec, list)
                               else make_fn(spec))
    if kwargs.get("scale_fn") is not None:
        kwargs["scale_fn"] = make_fn(kwargs["scale_fn"])
    return kwargs


# ---------------------------------------------------------------------------------------
# Random valid arguments for each class.

lr_values = st.floats(1e-4, 1.0)
small = st.floats(0.0, 1e-3)


def per_group_or_one(strategy, n):
    return st.one_of(strategy, st.lists(strategy, min_size=n, max_size=n))


@st.composite
def arguments(draw, name, n_groups, n_steps, optimizer):
    """kwargs for ``name`` (functions as descriptions), valid for n_steps steps."""
    if name == "LambdaLR":
        one = st.one_of(st.tuples(st.just("pow"), st.floats(0.95, 1.0)),
                        st.tuples(st.just("inv"), st.floats(0.0, 0.5)),
                        st.tuples(st.just("warm"), st.integers(1, 30)))
        return {"lr_lambda": draw(per_group_or_one(one, n_groups))}
    if name == "MultiplicativeLR":
        one = st.one_of(st.tuples(st.just("const"), st.floats(0.97, 1.0)),
                        st.tuples(st.just("every"), st.floats(0.3, 1.0), st.integers(1, 20)))
        return {"lr_lambda": draw(per_group_or_one(one, n_groups))}
    if name == "StepLR":
        return {"step_size": draw(st.integers(1, 60)), "gamma": draw(st.floats(0.05, 1.0))}
    if name == "MultiStepLR":  # unsorted, with repeats
        return {"milestones": draw(st.lists(st.integers(0, n_steps + 5), max_size=6)),
                "gamma": draw(st.floats(0.05, 1.0))}
    if name == "ConstantLR":
        return {"factor": draw(st.floats(0.01, 1.0)), "total_iters": draw(st.integers(1, 60))}
    if name == "LinearLR":
        return {"start_factor": draw(st.floats(0.01, 1.0)), "end_factor": draw(st.floats(0.0, 1.0)),
                "total_iters": draw(st.integers(1, 100))}
    if name == "ExponentialLR":
        return {"gamma": draw(st.floats(0.9, 1.0))}
    if name == "PolynomialLR":
        return {"total_iters": draw(st.integers(1, 300)), "power": draw(st.floats(0.3, 3.0))}
    if name == "CosineAnnealingLR":  # also far past T_max
        return {"T_max": draw(st.integers(1, 80)), "eta_min": draw(small)}
    if name == "CosineAnnealingWarmRestarts":
        return {"T_0": draw(st.integers(1, 40)), "T_mult": draw(st.integers(1, 3)),
                "eta_min": draw(small)}
    if name == "CyclicLR":
        base = draw(per_group_or_one(st.floats(1e-4, 1e-2), n_groups))
        custom = draw(st.booleans())
        return {
            "base_lr": base, "max_lr": draw(per_group_or_one(st.floats(0.02, 1.0), n_groups)),
            "step_size_up": draw(st.integers(1, 40)),
            "step_size_down": draw(st.one_of(st.none(), st.integers(1, 40))),
            "mode": draw(st.sampled_from(["triangular", "triangular2", "exp_range"])),
            "gamma": draw(st.floats(0.98, 1.0)),
            "scale_fn": ("scale", draw(st.floats(0.0, 0.5))) if custom else None,
            "scale_mode": draw(st.sampled_from(["cycle", "iterations"])),
            "cycle_momentum": draw(st.booleans()),
            "base_momentum": draw(per_group_or_one(st.floats(0.5, 0.85), n_groups)),
            "max_momentum": draw(per_group_or_one(st.floats(0.85, 0.99), n_groups)),
        }
    if name == "OneCycleLR":  # n_steps is then total_steps
        kwargs = {
            "max_lr": draw(per_group_or_one(lr_values, n_groups)),
            "pct_start": draw(st.floats(0.1, 0.45)),
            "anneal_strategy": draw(st.sampled_from(["cos", "linear"])),
            "cycle_momentum": draw(st.booleans()),
            "base_momentum": draw(per_group_or_one(st.floats(0.5, 0.85), n_groups)),
            "max_momentum": draw(per_group_or_one(st.floats(0.85, 0.99), n_groups)),
            "div_factor": draw(st.floats(2.0, 100.0)),
            "final_div_factor": draw(st.floats(10.0, 1e5)),
            "three_phase": draw(st.booleans()),
        }
        if draw(st.booleans()):
            kwargs["total_steps"] = n_steps
        else:
            kwargs["epochs"], kwargs["steps_per_epoch"] = n_steps // 10, 10
        return kwargs
    if name == PLATEAU:
        return {
            "mode": draw(st.sampled_from(["min", "max"])), "factor": draw(st.floats(0.05, 0.9)),
            "patience": draw(st.integers(0, 6)), "threshold": draw(st.floats(0.0, 0.1)),
            "threshold_mode": draw(st.sampled_from(["rel", "abs"])),
            "cooldown": draw(st.integers(0, 4)),
            "min_lr": draw(per_group_or_one(st.floats(0.0, 1e-3), n_groups)),
            "eps": draw(st.sampled_from([1e-8, 1e-4, 1e-2])),
        }
    if name in COMPOSITES:
        kids = draw(st.lists(st.sampled_from(ENDLESS), min_size=1, max_size=3))
        children = [(kid, draw(arguments(kid, n_groups, n_steps, optimizer))) for kid in kids]
        if name == "ChainedScheduler":
            return {"children": children}
        milestones = sorted(draw(st.lists(st.integers(0, n_steps), min_size=len(kids) - 1,
                                          max_size=len(kids) - 1)))
        return {"children": children, "milestones": milestones}
    raise AssertionError(name)


# Variants the issue names, each forced in its own test run (so coverage does not depend
# on what the random draws happen to reach): (class, variant) -> (optimizer, overrides).
VARIANTS = {
    ("CyclicLR", "triangular"): (None, {"mode": "triangular", "scale_fn": None}),
    ("CyclicLR", "triangular2"): (None, {"mode": "triangular2", "scale_fn": None}),
    ("CyclicLR", "exp_range"): (None, {"mode": "exp_range", "scale_fn": None}),
    ("CyclicLR", "scale_fn-cycle"): (None, {"scale_fn": ("scale", 0.3), "scale_mode": "cycle"}),
    ("CyclicLR", "scale_fn-iterations"): (None, {"scale_fn": ("scale", 0.01),
                                                 "scale_mode": "iterations"}),
    ("CyclicLR", "momentum-sgd"): ("sgd", {"cycle_momentum": True}),
    ("CyclicLR", "beta1-adam"): ("adam", {"cycle_momentum": True}),
    ("OneCycleLR", "cos"): (None, {"anneal_strategy": "cos", "three_phase": False}),
    ("OneCycleLR", "linear"): (None, {"anneal_strategy": "linear", "three_phase": False}),
    ("OneCycleLR", "three_phase"): (None, {"three_phase": True}),
    ("OneCycleLR", "momentum-sgd"): ("sgd", {"cycle_momentum": True}),
    ("OneCycleLR", "beta1-adam"): ("adam", {"cycle_momentum": True}),
    (PLATEAU, "min-rel"): (None, {"mode": "min", "threshold_mode": "rel"}),
    (PLATEAU, "min-abs"): (None, {"mode": "min", "threshold_mode": "abs"}),
    (PLATEAU, "max-rel"): (None, {"mode": "max", "threshold_mode": "rel"}),
    (PLATEAU, "max-abs"): (None, {"mode": "max", "threshold_mode": "abs"}),
}


@st.composite
def cases(draw, name, steps=(50, 300), variant=None):
    """(name, lrs, optimizer kind, arguments, number of steps, metrics)."""
    kind_forced, overrides = VARIANTS.get((name, variant), (None, {}))
    lrs = draw(st.lists(lr_values, min_size=1, max_size=3, unique=True))
    optimizer = kind_forced or draw(st.sampled_from(["sgd", "adam"]))
    n_steps = draw(st.integers(*steps))
    if name == "OneCycleLR":
        # a multiple of 10 (so epochs * steps_per_epoch can make it too), and at least 20:
        # torch divides by zero when pct_start * total_steps == 1
        n_steps = max(20, n_steps - n_steps % 10)
    args = {**draw(arguments(name, len(lrs), n_steps, optimizer)), **overrides}
    return name, lrs, optimizer, args, n_steps, draw(metric_values(n_steps))


@st.composite
def metric_values(draw, n_steps):
    """What ReduceLROnPlateau watches: a few short random walks, with repeats (plateaus)."""
    values, level = [], 1.0
    while len(values) < n_steps:
        level += draw(st.sampled_from([-0.1, 0.0, 0.0, 0.05]))
        values += [level] * draw(st.integers(1, 12))
    return values[:n_steps]


# ---------------------------------------------------------------------------------------
# Driving a scheduler and observing it.


def make_optimizer(lrs, kind):
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=0.5, momentum=0.9)
    return torch.optim.Adam(groups, lr=0.5)


def build(lib, name, optimizer, args, **extra):
    if name == "ChainedScheduler":
        kids = [build(lib, kid, optimizer, a) for kid, a in args["children"]]
        return lib.ChainedScheduler(kids, **extra)
    if name == "SequentialLR":
        kids = [build(lib, kid, optimizer, a) for kid, a in args["children"]]
        return lib.SequentialLR(optimizer, kids, list(args["milestones"]), **extra)
    return getattr(lib, name)(optimizer, **real_kwargs(name, args), **extra)


def advance(scheduler, metric):
    if type(scheduler).__name__ == PLATEAU:
        scheduler.step(metric)
    else:
        scheduler.step()


def observe(scheduler, optimizer):
    """Everything a user can read off a scheduler and its optimizer."""
    return {
        # each group's lr, initial_lr, momentum/betas and the keys CyclicLR and
        # OneCycleLR store there (max_lr, min_lr, max_momentum, base_momentum)
        "groups": [{k: v for k, v in g.items() if k != "params"}
                   for g in optimizer.param_groups],
        "get_last_lr": list(scheduler.get_last_lr()),
        "last_epoch": getattr(scheduler, "last_epoch", MISSING),
        "base_lrs": list(getattr(scheduler, "base_lrs", [MISSING])),
    }


class Pair:
    """The same schedule built twice: twin on one optimizer, torch on another."""

    def __init__(self, lrs, kind, build_all):
        self.opts = {lib: make_optimizer(lrs, kind) for lib in (twin_lib, torch_lib)}
        self.scheds = {lib: build_all(lib, opt) for lib, opt in self.opts.items()}
        for opt in self.opts.values():
            opt.step()  # torch warns if a scheduler steps before its optimizer ever did

    def observed(self, which=-1):
        out = []
        for lib in (twin_lib, torch_lib):
            scheds = self.scheds[lib]
            sched = scheds[which] if isinstance(scheds, list) else scheds
            out.append(observe(sched, self.opts[lib]))
        return out

    def assert_same(self, when):
        twin, real = self.observed()
        assert twin == real, f"{when}: twin {twin} != torch {real}"


def quiet():
    return warnings.catch_warnings(action="ignore")


# ---------------------------------------------------------------------------------------
# 1. Step by step, every scheduler, twin == torch.


STEP_CASES = [(name, None) for name in ALL] + list(VARIANTS)


@pytest.mark.parametrize("name,variant", STEP_CASES,
                         ids=[n + (f"-{v}" if v else "") for n, v in STEP_CASES])
@given(data=st.data())
@settings(max_examples=20)
def test_every_step_matches_torch(name, variant, data):
    name, lrs, kind, args, n_steps, metrics = data.draw(cases(name, variant=variant))
    pair = Pair(lrs, kind, lambda lib, opt: build(lib, name, opt, args))
    pair.assert_same("after construction")
    for t in range(n_steps):
        for sched in pair.scheds.values():
            advance(sched, metrics[t])
        pair.assert_same(f"after step {t + 1}")


def test_onecycle_total_steps_and_epochs_give_the_same_schedule():
    """Both ways of giving OneCycleLR its length, twin and torch, side by side."""
    runs = []
    for lib in (twin_lib, torch_lib):
        for length in ({"total_steps": 60}, {"epochs": 6, "steps_per_epoch": 10}):
            opt = make_optimizer([0.1, 0.02], "sgd")
            sched = lib.OneCycleLR(opt, max_lr=[1.0, 0.5], **length)
            lrs = [sched.get_last_lr()]
            for _ in range(60):
                opt.step()
                sched.step()
                lrs.append(sched.get_last_lr())
            runs.append(lrs)
    assert runs[0] == runs[1] == runs[2] == runs[3]


# ---------------------------------------------------------------------------------------
# 2. Two schedulers on one optimizer (composition without a wrapper).


@pytest.mark.parametrize("first", SIMPLE + [PLATEAU])
@given(data=st.data())
@settings(max_examples=12)
def test_two_schedulers_on_one_optimizer(first, data):
    second = data.draw(st.sampled_from(ENDLESS + [PLATEAU]))
    _, lrs, kind, args1, n_steps, metrics = data.draw(cases(first))
    n_groups = len(lrs)
    args2 = data.draw(arguments(second, n_groups, n_steps, kind))

    def both(lib, opt):
        return [build(lib, first, opt, args1), build(lib, second, opt, args2)]

    pair = Pair(lrs, kind, both)
    for which in (0, 1):
        twin, real = pair.observed(which)
        assert twin == real
    for t in range(n_steps):
        for scheds in pair.scheds.values():
            for sched in scheds:
                advance(sched, metrics[t])
        for which in (0, 1):
            twin, real = pair.observed(which)
            assert twin == real, f"{first}+{second} step {t + 1} scheduler {which}"


# ---------------------------------------------------------------------------------------
# 3. state_dict() / load_state_dict() in the middle equals the uninterrupted run.


@pytest.mark.parametrize("name", ALL)
@given(data=st.data())
@settings(max_examples=15)
def test_save_and_load_in_the_middle(name, data):
    name, lrs, kind, args, n_steps, metrics = data.draw(cases(name, steps=(40, 150)))
    cut = data.draw(st.integers(0, n_steps))
    pair = Pair(lrs, kind, lambda lib, opt: build(lib, name, opt, args))
    for t in range(cut):
        for sched in pair.scheds.values():
            advance(sched, metrics[t])

    # Save the twin's run, then resume it in a fresh optimizer and scheduler.
    saved_sched = copy.deepcopy(pair.scheds[twin_lib].state_dict())
    saved_opt = copy.deepcopy(pair.opts[twin_lib].state_dict())
    opt = make_optimizer(lrs, kind)
    resumed = build(twin_lib, name, opt, args)
    opt.load_state_dict(saved_opt)
    resumed.load_state_dict(saved_sched)
    opt.step()  # as a training loop would, before the scheduler's next step
    assert observe(resumed, opt) == observe(pair.scheds[twin_lib], pair.opts[twin_lib])

    for t in range(cut, n_steps):
        advance(resumed, metrics[t])
        for sched in pair.scheds.values():
            advance(sched, metrics[t])
        assert observe(resumed, opt) == observe(pair.scheds[torch_lib], pair.opts[torch_lib])


def fixed_args(name):
    if name in COMPOSITES:
        args = {"children": [("StepLR", {"step_size": 3}), ("ExponentialLR", {"gamma": 0.9})]}
        return {**args, "milestones": [4]} if name == "SequentialLR" else args
    return FIXED_ARGS[name]


@pytest.mark.parametrize("name", ALL)
def test_checkpoint_through_torch_save_and_load(name):
    """A real checkpoint: torch.save, then torch.load with its default weights_only=True."""
    pair = Pair([0.1, 0.01], "sgd", lambda lib, opt: build(lib, name, opt, fixed_args(name)))
    metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8]
    for t in range(4):
        for sched in pair.scheds.values():
            advance(sched, metrics[t])
    buffer = io.BytesIO()
    torch.save({"optimizer": pair.opts[twin_lib].state_dict(),
                "scheduler": pair.scheds[twin_lib].state_dict()}, buffer)
    buffer.seek(0)
    checkpoint = torch.load(buffer)
    opt = make_optimizer([0.1, 0.01], "sgd")
    resumed = build(twin_lib, name, opt, fixed_args(name))
    opt.load_state_dict(checkpoint["optimizer"])
    resumed.load_state_dict(checkpoint["scheduler"])
    for t in range(4, 10):
        opt.step()
        advance(resumed, metrics[t])
        advance(pair.scheds[torch_lib], metrics[t])
        assert observe(resumed, opt) == observe(pair.scheds[torch_lib], pair.opts[torch_lib])


def test_state_dict_keeps_a_callable_objects_attributes():
    opt = make_optimizer([0.1], "sgd")
    fn = Warmup(10)
    sched = twin_lib.LambdaLR(opt, fn)
    fn.w = 3  # e.g. the warm-up was changed during the run
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"w": 3}]
    fresh = twin_lib.LambdaLR(make_optimizer([0.1], "sgd"), Warmup(10))
    fresh.load_state_dict(state)
    assert fresh.lr_lambdas[0].w == 3


# ---------------------------------------------------------------------------------------
# 4. Resuming with last_epoch (the optimizer already carries initial_lr).

RESUMABLE = SIMPLE  # composites and ReduceLROnPlateau take no last_epoch to resume


@pytest.mark.parametrize("name", RESUMABLE)
@given(data=st.data())
@settings(max_examples=15)
def test_resume_with_last_epoch(name, data):
    name, lrs, kind, args, n_steps, _ = data.draw(cases(name, steps=(40, 150)))
    cut = data.draw(st.integers(1, n_steps // 2))
    pair = Pair(lrs, kind, lambda lib, opt: build(lib, name, opt, args))
    with quiet():
        for t in range(cut):
            for sched in pair.scheds.values():
                sched.step()
        # A new scheduler object takes over the same optimizer at last_epoch = cut.
        for lib, opt in pair.opts.items():
            pair.scheds[lib] = build(lib, name, opt, args, last_epoch=cut)
        pair.assert_same("after resuming")
        for t in range(cut + 1, n_steps):
            for sched in pair.scheds.values():
                sched.step()
            pair.assert_same(f"resumed, step {t}")


@pytest.mark.parametrize("name", RESUMABLE)
def test_resume_without_initial_lr_is_a_key_error(name):
    args = FIXED_ARGS[name]
    for lib in (torch_lib, twin_lib):
        opt = make_optimizer([0.1, 0.01], "sgd")
        with pytest.raises(KeyError):
            build(lib, name, opt, args, last_epoch=3)


FIXED_ARGS = {
    "LambdaLR": {"lr_lambda": ("pow", 0.9)},
    "MultiplicativeLR": {"lr_lambda": ("const", 0.9)},
    "StepLR": {"step_size": 3},
    "MultiStepLR": {"milestones": [2, 5]},
    "ConstantLR": {},
    "LinearLR": {},
    "ExponentialLR": {"gamma": 0.9},
    "PolynomialLR": {},
    "CosineAnnealingLR": {"T_max": 10},
    "CosineAnnealingWarmRestarts": {"T_0": 5},
    "CyclicLR": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4},
    "OneCycleLR": {"max_lr": 0.1, "total_steps": 20},
    PLATEAU: {},
}


# ---------------------------------------------------------------------------------------
# 5. The deprecated step(epoch) path: closed form where torch has one, same warnings.


@pytest.mark.parametrize("name", SIMPLE + [PLATEAU])
@given(data=st.data())
@settings(max_examples=15)
def test_step_with_an_epoch(name, data):
    name, lrs, kind, args, n_steps, metrics = data.draw(cases(name, steps=(20, 80)))
    high = n_steps if name == "OneCycleLR" else 2 * n_steps
    epoch = st.integers(0, high)
    if name == "CosineAnnealingWarmRestarts":  # fractional epochs are its normal use
        epoch = st.one_of(epoch, st.floats(0.0, float(high)))
    calls = data.draw(st.lists(st.one_of(st.none(), epoch), min_size=1, max_size=40))
    pair = Pair(lrs, kind, lambda lib, opt: build(lib, name, opt, args))
    for i, e in enumerate(calls):
        caught = {}
        for lib, sched in pair.scheds.items():
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                try:
                    if name == PLATEAU:
                        sched.step(metrics[i], e)
                    else:
                        sched.step(e)
                    error = None
                except ValueError as exc:  # OneCycleLR past total_steps
                    error = ValueError
            caught[lib] = ([x.category for x in w], error)
        assert caught[twin_lib] == caught[torch_lib], f"call {i} step({e})"
        if caught[torch_lib][1] is not None:
            break
        pair.assert_same(f"after step({e})")


# ---------------------------------------------------------------------------------------
# 6. get_lr() called outside step(): applies the rule once more and warns.


@pytest.mark.parametrize("name", SIMPLE)
@given(data=st.data())
@settings(max_examples=10)
def test_get_lr_outside_step(name, data):
    name, lrs, kind, args, n_steps, _ = data.draw(cases(name, steps=(10, 60)))
    pair = Pair(lrs, kind, lambda lib, opt: build(lib, name, opt, args))
    for t in range(data.draw(st.integers(0, n_steps - 1))):
        for sched in pair.scheds.values():
            sched.step()
    results = {}
    for lib, sched in pair.scheds.items():
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            values = sched.get_lr()
        results[lib] = (values, [x.category for x in w])
    assert results[twin_lib] == results[torch_lib]
    assert results[twin_lib][1] == [UserWarning]
    pair.assert_same("after get_lr()")


@pytest.mark.parametrize("name", SIMPLE)
@pytest.mark.parametrize("optimizer_first", [True, False])
def test_warning_when_the_scheduler_steps_before_the_optimizer(name, optimizer_first):
    caught = {}
    for lib in (twin_lib, torch_lib):
        opt = make_optimizer([0.1, 0.01], "sgd")
        sched = build(lib, name, opt, FIXED_ARGS[name])
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            for _ in range(3):
                if optimizer_first:
                    opt.step()
                sched.step()
        caught[lib] = [x.category for x in w]
    assert caught[twin_lib] == caught[torch_lib]
    # CosineAnnealingWarmRestarts has its own step() without the check
    expected = optimizer_first or name == "CosineAnnealingWarmRestarts"
    assert caught[twin_lib] == ([] if expected else [UserWarning])


# ---------------------------------------------------------------------------------------
# 7. Invalid arguments: the same exception type as torch, and a message naming the
#    argument.


def opt_sgd():
    return make_optimizer([0.1, 0.01], "sgd")


INVALID = [
    # (class, arguments, optimizer kind, argument the message must name)
    ("LambdaLR", {"lr_lambda": [lambda t: 1.0] * 3}, "sgd", "lr_lambda"),
    ("MultiplicativeLR", {"lr_lambda": [lambda t: 1.0]}, "sgd", "lr_lambda"),
    ("MultiplicativeLR", {"lr_lambda": 0.9}, "sgd", "lr_lambda"),
    ("ConstantLR", {"factor": 1.5}, "sgd", "factor"),
    ("ConstantLR", {"factor": -0.1}, "sgd", "factor"),
    ("LinearLR", {"start_factor": 0.0}, "sgd", "start_factor"),
    ("LinearLR", {"start_factor": 1.2}, "sgd", "start_factor"),
    ("LinearLR", {"end_factor": 1.5}, "sgd", "end_factor"),
    ("LinearLR", {"end_factor": -0.5}, "sgd", "end_factor"),
    ("CosineAnnealingWarmRestarts", {"T_0": 0}, "sgd", "T_0"),
    ("CosineAnnealingWarmRestarts", {"T_0": 2.5}, "sgd", "T_0"),
    ("CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 0}, "sgd", "T_mult"),
    ("CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 1.5}, "sgd", "T_mult"),
    ("CosineAnnealingWarmRestarts", {"T_0": 5, "eta_min": "0"}, "sgd", "eta_min"),
    ("CyclicLR", {"base_lr": [0.1] * 3, "max_lr": 1.0}, "sgd", "base_lr"),
    ("CyclicLR", {"base_lr": 0.1, "max_lr": [1.0]}, "sgd", "max_lr"),
    ("CyclicLR", {"base_lr": 0.1, "max_lr": 1.0, "mode": "square"}, "sgd", "mode"),
    ("CyclicLR", {"base_lr": 0.1, "max_lr": 1.0}, "adagrad", "cycle_momentum"),
    ("CyclicLR", {"base_lr": 0.1, "max_lr": 1.0, "base_momentum": [0.8]}, "sgd",
     "base_momentum"),
    ("OneCycleLR", {"max_lr": 0.1}, "sgd", "total_steps"),
    ("OneCycleLR", {"max_lr": 0.1, "epochs": 3}, "sgd", "total_steps"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 0}, "sgd", "total_steps"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10.0}, "sgd", "total_steps"),
    ("OneCycleLR", {"max_lr": 0.1, "epochs": 0, "steps_per_epoch": 5}, "sgd", "epochs"),
    ("OneCycleLR", {"max_lr": 0.1, "epochs": 2, "steps_per_epoch": 2.5}, "sgd",
     "steps_per_epoch"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 100, "pct_start": 1.5}, "sgd", "pct_start"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 100, "pct_start": 1}, "sgd", "pct_start"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 100, "anneal_strategy": "cosine"}, "sgd",
     "anneal_strategy"),
    ("OneCycleLR", {"max_lr": [0.1] * 3, "total_steps": 100}, "sgd", "max_lr"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 100}, "adagrad", "cycle_momentum"),
    (PLATEAU, {"factor": 1.0}, "sgd", "factor"),
    (PLATEAU, {"mode": "best"}, "sgd", "mode"),
    (PLATEAU, {"threshold_mode": "percent"}, "sgd", "threshold_mode"),
    (PLATEAU, {"min_lr": [0.0]}, "sgd", "min_lr"),
]


def make_any_optimizer(kind):
    if kind == "adagrad":
        groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in (0.1, 0.01)]
        return torch.optim.Adagrad(groups)
    return make_optimizer([0.1, 0.01], kind)


@pytest.mark.parametrize("name,kwargs,kind,argument", INVALID,
                         ids=[f"{c[0]}-{c[3]}-{i}" for i, c in enumerate(INVALID)])
def test_invalid_arguments_raise_like_torch(name, kwargs, kind, argument):
    with pytest.raises(Exception) as real:
        getattr(torch_lib, name)(make_any_optimizer(kind), **kwargs)
    with pytest.raises(Exception) as twin:
        getattr(twin_lib, name)(make_any_optimizer(kind), **kwargs)
    assert type(twin.value) is type(real.value)
    assert argument in str(twin.value)


@pytest.mark.parametrize("name", ALL)
def test_no_optimizer_or_bad_children_raise_like_torch(name):
    if name in COMPOSITES:
        return _composite_errors(name)
    with pytest.raises(Exception) as real:
        build(torch_lib, name, "sgd", FIXED_ARGS[name])
    with pytest.raises(Exception) as twin:
        build(twin_lib, name, "sgd", FIXED_ARGS[name])
    # TypeError for most; LambdaLR and MultiplicativeLR read optimizer.param_groups
    # before torch's type check, so torch raises AttributeError there (the twin too).
    assert type(twin.value) is type(real.value)
    assert "optimizer" in str(twin.value)


def _composite_errors(name):
    """Composites: empty list, a ReduceLROnPlateau child, children of two optimizers,
    a child without an optimizer, the wrong number of milestones."""
    for lib in (torch_lib, twin_lib):
        a, b = opt_sgd(), opt_sgd()
        if name == "ChainedScheduler":
            def make(kids, opt=a):
                return lib.ChainedScheduler(kids, opt)
        else:
            def make(kids, opt=a, milestones=None):
                ms = [5] * (len(kids) - 1) if milestones is None else milestones
                return lib.SequentialLR(opt, kids, ms)
            with pytest.raises(ValueError, match="milestones" if lib is twin_lib else None):
                make([lib.StepLR(a, 3), lib.StepLR(a, 4)], milestones=[])
        with pytest.raises(ValueError):
            make([])
        with pytest.raises(ValueError):
            make([lib.StepLR(a, 3), lib.ReduceLROnPlateau(a)])
        with pytest.raises(ValueError):
            make([lib.StepLR(a, 3), lib.StepLR(b, 3)])
        with pytest.raises(TypeError):
            make([lib.StepLR(a, 3), object()])


# ---------------------------------------------------------------------------------------
# 8. Composites over twins also work inside torch's composites, and the other way round
#    (the twins keep torch's private protocol: _initial_step, _update_lr, last_epoch).


@pytest.mark.parametrize("name", COMPOSITES)
@given(data=st.data())
@settings(max_examples=15)
def test_torch_composites_accept_twins(name, data):
    name, lrs, kind, args, n_steps, _ = data.draw(cases(name, steps=(30, 120)))

    def mixed(lib, opt):
        # torch's composite over twin children vs the twin composite over torch children
        other = twin_lib if lib is torch_lib else torch_lib
        kids = [build(other, kid, opt, a) for kid, a in args["children"]]
        if name == "ChainedScheduler":
            return lib.ChainedScheduler(kids)
        return lib.SequentialLR(opt, kids, list(args["milestones"]))

    pair = Pair(lrs, kind, mixed)
    pair.assert_same("after construction")
    for t in range(n_steps):
        for sched in pair.scheds.values():
            sched.step()
        pair.assert_same(f"after step {t + 1}")
