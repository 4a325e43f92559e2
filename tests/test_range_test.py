"""lrlessons.range_test against the real torch-lr-finder (pinned); the valley rule; errors."""
from __future__ import annotations

import contextlib
import copy
import io
import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torch_lr_finder import LRFinder

from lrlessons.range_test import METHODS, RangeTest, digits_loader, lr_find, valley_index


# ---------------------------------------------------------------- random set-ups
@st.composite
def setups(draw):
    """A random small model, optimizer, data set and range-test arguments."""
    seed = draw(st.integers(0, 10_000))
    features = draw(st.integers(2, 12))
    classes = draw(st.integers(2, 5))
    hidden = draw(st.integers(1, 16))
    n = draw(st.integers(4, 60))
    batch_size = draw(st.integers(1, 24))
    kind = draw(st.sampled_from(["sgd", "sgd-nesterov", "adam", "adamw"]))
    lr = draw(st.floats(1e-6, 1e-2))
    groups = draw(st.integers(1, 2))
    kwargs = {
        "start_lr": draw(st.one_of(st.none(), st.floats(1e-6, 1e-2))),
        "num_iter": draw(st.integers(2, 60)),
        "step_mode": draw(st.sampled_from(["exp", "linear"])),
        "smooth_f": draw(st.sampled_from([0.0, 0.05, 0.3, 0.9])),
        "diverge_th": draw(st.sampled_from([1.05, 1.5, 2, 5, 50])),
        "accumulation_steps": draw(st.integers(1, 3)),
    }
    kwargs["end_lr"] = draw(st.sampled_from([0.5, 3.0, 10.0, 100.0]))
    return seed, features, classes, hidden, n, batch_size, kind, lr, groups, kwargs


def _build(seed, features, classes, hidden, n, batch_size, kind, lr, groups):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(features, hidden), nn.Tanh(), nn.Linear(hidden, classes))
    params = ([{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": lr * 3}]
              if groups == 2 else model.parameters())
    if kind == "sgd":
        opt = torch.optim.SGD(params, lr=lr, momentum=0.9)
    elif kind == "sgd-nesterov":
        opt = torch.optim.SGD(params, lr=lr, momentum=0.5, nesterov=True, weight_decay=1e-3)
    elif kind == "adam":
        opt = torch.optim.Adam(params, lr=lr)
    else:
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.1)
    g = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(n, features, generator=g)
    y = torch.randint(0, classes, (n,), generator=g)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed + 2))
    return model, opt, loader


def _reference(setup):
    """torch-lr-finder's history on a fresh copy of the set-up (its prints swallowed)."""
    *build, kwargs = setup
    model, opt, loader = _build(*build)
    finder = LRFinder(model, opt, nn.CrossEntropyLoss())
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        finder.range_test(loader, **kwargs)
    finder.said_stop = "Stopping early" in out.getvalue()
    return finder


def _ours(setup):
    *build, kwargs = setup
    model, opt, loader = _build(*build)
    return lr_find(model, opt, nn.CrossEntropyLoss(), loader, **kwargs)


def _valid(setup):
    *build, kwargs = setup
    lr, groups = build[7], build[8]
    start = kwargs["start_lr"] or max(lr, lr * 3 if groups == 2 else lr)
    return kwargs["end_lr"] > start


@settings(max_examples=60)
@given(setups())
def test_same_lrs_and_losses_as_torch_lr_finder(setup):
    if not _valid(setup):
        return
    ref, ours = _reference(setup), _ours(setup)
    assert ours.lrs == ref.history["lr"]  # the same Python floats, bit for bit
    assert ours.losses == ref.history["loss"]
    assert ours.stopped_early == ref.said_stop


def test_the_random_set_ups_cover_early_stops_and_full_runs():
    """The strategy above reaches both endings (otherwise the test would miss one)."""
    endings = set()
    for seed, (th, end) in itertools.product(range(3), ((1.05, 100.0), (50, 0.01))):
        kwargs = dict(start_lr=None, num_iter=60, step_mode="exp", smooth_f=0.05, diverge_th=th,
                      accumulation_steps=1, end_lr=end)
        setup = (seed, 4, 3, 8, 30, 7, "sgd", 1e-3, 1, kwargs)
        ours, ref = _ours(setup), _reference(setup)
        assert ours.losses == ref.history["loss"] and ours.stopped_early == ref.said_stop
        endings.add(len(ours.lrs) < 60)
    assert endings == {True, False}


@settings(max_examples=30)
@given(setups(), st.integers(0, 12), st.integers(0, 8))
def test_steepest_is_torch_lr_finders_plot_suggestion(setup, skip_start, skip_end):
    if not _valid(setup):
        return
    ref, ours = _reference(setup), _ours(setup)
    if len(ours.lrs) < skip_start + skip_end + 2:
        with pytest.raises(ValueError, match="skip_start"):
            ours.suggest("steepest", skip_start=skip_start, skip_end=skip_end)
        return
    fig, ax = plt.subplots()
    with contextlib.redirect_stdout(io.StringIO()):
        _, want = ref.plot(skip_start=skip_start, skip_end=skip_end, ax=ax)
    plt.close(fig)
    assert ours.suggest("steepest", skip_start=skip_start, skip_end=skip_end) == want


def test_default_steepest_matches_on_the_course_data():
    from lrlessons.training import make_model

    def build():
        model = make_model(seed=3)
        opt = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
        return model, opt, digits_loader(64, seed=5)

    model, opt, loader = build()
    finder = LRFinder(model, opt, nn.CrossEntropyLoss())
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        finder.range_test(loader)
        fig, ax = plt.subplots()
        _, want = finder.plot(ax=ax)
    plt.close(fig)
    model, opt, loader = build()
    ours = lr_find(model, opt, nn.CrossEntropyLoss(), loader)
    assert ours.lrs == finder.history["lr"] and ours.losses == finder.history["loss"]
    assert ours.suggest("steepest") == want
    assert len(ours.lrs) > 20  # a real curve, not an immediate stop


# ---------------------------------------------------------------- restoring the model and optimizer
@settings(max_examples=15)
@given(setups(), st.integers(0, 3))
def test_model_and_optimizer_are_restored(setup, warm_steps):
    if not _valid(setup):
        return
    *build, kwargs = setup
    model, opt, loader = _build(*build)
    for xb, yb in itertools.islice(itertools.cycle(loader), warm_steps):  # optimizer state
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
    model.eval()
    params = copy.deepcopy(model.state_dict())
    grads = [None if p.grad is None else p.grad.clone() for p in model.parameters()]
    state = copy.deepcopy(opt.state_dict())
    lr_find(model, opt, nn.CrossEntropyLoss(), loader, **kwargs)
    assert not model.training
    assert all(torch.equal(params[k], v) for k, v in model.state_dict().items())
    for p, g in zip(model.parameters(), grads):
        assert (p.grad is None) == (g is None) and (g is None or torch.equal(p.grad, g))
    after = opt.state_dict()
    assert after["param_groups"] == state["param_groups"]
    assert after["state"].keys() == state["state"].keys()
    for k in state["state"]:
        for name, v in state["state"][k].items():
            assert torch.equal(torch.as_tensor(after["state"][k][name]), torch.as_tensor(v))
    assert all("initial_lr" not in g for g in opt.param_groups)


# ---------------------------------------------------------------- lr policy, restarts, accumulation
def test_first_lr_is_start_and_last_is_end():
    model = nn.Linear(3, 2)
    x, y = torch.randn(8, 3), torch.randint(0, 2, (8,))
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    for mode in ("exp", "linear"):
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
        r = lr_find(model, opt, nn.CrossEntropyLoss(), loader, start_lr=1e-4, end_lr=1e-2,
                    num_iter=11, step_mode=mode, diverge_th=1e9)
        assert r.lrs[0] == 1e-4 and r.lrs[-1] == pytest.approx(1e-2, rel=1e-12)
        steps = np.diff(np.log(r.lrs) if mode == "exp" else r.lrs)
        assert np.allclose(steps, steps[0], rtol=1e-9)
    r = lr_find(model, torch.optim.SGD(model.parameters(), lr=0.002), nn.CrossEntropyLoss(), loader,
                end_lr=1e-2, num_iter=5, diverge_th=1e9)
    assert r.lrs[0] == 0.002  # start_lr=None: the optimizer's own lr


class _Counting:
    """A loader of 3 batches that counts how often it is started and how many batches it gave."""

    def __init__(self):
        self.starts, self.given = 0, 0
        g = torch.Generator().manual_seed(0)
        self.data = [(torch.randn(2, 3, generator=g), torch.tensor([0, 1])) for _ in range(3)]

    def __iter__(self):
        self.starts += 1
        for b in self.data:
            self.given += 1
            yield b


@pytest.mark.parametrize("acc", [1, 2, 3])
def test_loader_restarts_and_accumulation_use_num_iter_times_acc_batches(acc):
    loader = _Counting()
    model = nn.Linear(3, 2)
    r = lr_find(model, torch.optim.SGD(model.parameters(), lr=1e-4), nn.CrossEntropyLoss(), loader,
                end_lr=1e-3, num_iter=10, accumulation_steps=acc, diverge_th=1e9)
    assert len(r.lrs) == 10 and not r.stopped_early
    assert loader.given == 10 * acc
    assert loader.starts == -(-10 * acc // 3)


def test_smoothing_and_early_stop_rule():
    still = torch.optim.SGD(nn.Linear(3, 2).parameters(), lr=1e-3)  # does not move the model
    r = lr_find(nn.Linear(3, 2), still, nn.CrossEntropyLoss(), _Counting(), end_lr=1, num_iter=5,
                diverge_th=1e9)
    raw = r.raw_losses
    want = [raw[0]]
    for v in raw[1:]:
        want.append(0.05 * v + 0.95 * want[-1])
    assert r.losses == want


# ---------------------------------------------------------------- the valley and minimum rules
@pytest.mark.parametrize("losses, want", [
    ([9, 8, 7, 6, 5, 4, 3, 2, 1], 3),            # all downhill: L=9, e=8, s=-1, -1+3+1
    ([3, 3, 3, 3, 2.5, 2, 1.5, 1, 0.5, 0.6, 2, 9], 5),  # flat, then a valley of 6 ending at 8
    ([5, 6, 4, 7, 3, 8, 2, 9, 1, 10], 4),         # not contiguous: 5,4,3,2,1 ends at 8; 3+1+0
    ([1, 2, 3, 4], 0),                            # never down: stays at the start
    ([2, 1, 3, 4, 5], 0),                         # L=2 from index 0: fastai gives -1 (last point)
    ([4, 3, 2, 1, 5, 4.5, 4, 3.5, 3, 2.5, 2.2, 0.9], 6),  # the longer valley (8 from 4): 3+2+1
])
def test_valley_on_hand_made_curves(losses, want):
    assert valley_index(losses) == want


def _brute_valley(losses):
    """Longest strictly decreasing subsequence by trying every subset (small n only)."""
    n = len(losses)
    best_len, best_end = 1, 0
    for size in range(n, 0, -1):
        ends = [c[-1] for c in itertools.combinations(range(n), size)
                if all(losses[a] > losses[b] for a, b in zip(c, c[1:]))]
        if ends:
            best_len, best_end = size, min(ends)
            break
    if best_len == 1:
        return 0
    return max(best_end - best_len + best_len // 3 + best_len // 6, 0)


@given(st.lists(st.integers(0, 6), min_size=1, max_size=11))
def test_valley_against_brute_force(losses):
    assert valley_index(losses) == _brute_valley(losses)


def test_valley_and_minimum_on_a_result():
    lrs = list(np.logspace(-4, 0, 30))
    losses = [2.0] * 10 + [2.0 - 0.1 * k for k in range(1, 13)] + [1.0, 1.5, 3, 6, 9, 12, 15, 20]
    r = RangeTest(lrs, losses, num_iter=30, step_mode="exp", stopped_early=False)
    # window: skip 30 // 10 = 3 at the start, 5 at the end -> losses[3:25]
    win = losses[3:25]
    assert r.suggest("valley") == lrs[3 + valley_index(win)]
    assert r.suggest("minimum") == lrs[3 + int(np.argmin(win))] / 10
    assert r.suggest("minimum") == lrs[21] / 10  # the lowest loss, 0.8, is at index 21
    assert set(r.suggestions()) == set(METHODS)


def test_nan_cuts_the_fastai_rules():
    lrs = list(np.logspace(-3, 0, 20))
    losses = [3 - 0.1 * k for k in range(12)] + [float("nan")] * 8
    r = RangeTest(lrs, losses, num_iter=20, step_mode="exp", stopped_early=False)
    assert r.suggest("minimum", skip_start=0, skip_end=0) == lrs[11] / 10


def test_plot_returns_axes_with_the_suggestions():
    model = nn.Sequential(nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))
    opt = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    r = lr_find(model, opt, nn.CrossEntropyLoss(), digits_loader(64, 0), num_iter=60)
    ax = r.plot()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [lab.split(":")[0] for lab in labels[1:]] == ["steepest", "valley", "minimum/10"]
    assert ax.get_xscale() == "log"
    plt.close(ax.figure)


# ---------------------------------------------------------------- clear errors
def _args():
    model = nn.Linear(3, 2)
    loader = DataLoader(TensorDataset(torch.randn(4, 3), torch.tensor([0, 1, 0, 1])), batch_size=2)
    return model, torch.optim.SGD(model.parameters(), lr=1e-3), nn.CrossEntropyLoss(), loader


@pytest.mark.parametrize("kwargs, name", [
    ({"num_iter": 1}, "num_iter"),
    ({"num_iter": 0}, "num_iter"),
    ({"num_iter": 2.5}, "num_iter"),
    ({"end_lr": 1e-3}, "end_lr"),               # equal to the optimizer's lr
    ({"end_lr": 1e-4}, "end_lr"),               # below it
    ({"start_lr": 0.1, "end_lr": 0.05}, "end_lr"),
    ({"start_lr": -1.0}, "start_lr"),
    ({"end_lr": float("inf")}, "end_lr"),
    ({"smooth_f": 1.0}, "smooth_f"),
    ({"smooth_f": -0.1}, "smooth_f"),
    ({"smooth_f": float("nan")}, "smooth_f"),
    ({"step_mode": "cosine"}, "step_mode"),
    ({"diverge_th": 0}, "diverge_th"),
    ({"accumulation_steps": 0}, "accumulation_steps"),
])
def test_bad_arguments_name_themselves(kwargs, name):
    pattern = rf"^{name}=.* is not allowed: {name} must be"
    with pytest.raises((ValueError, TypeError), match=pattern):
        lr_find(*_args(), **kwargs)


def test_empty_loaders():
    model, opt, crit, _ = _args()
    nothing = TensorDataset(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long))
    empty = DataLoader(nothing, batch_size=2)
    with pytest.raises(ValueError, match="^train_loader=.* at least one batch"):
        lr_find(model, opt, crit, empty)

    class NoLen:
        def __iter__(self):
            return iter(())

    with pytest.raises(ValueError, match="^train_loader=.* at least one batch"):
        lr_find(model, opt, crit, NoLen())
    before = copy.deepcopy(model.state_dict())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_not_a_loader_and_bad_batches():
    model, opt, crit, _ = _args()
    with pytest.raises(TypeError, match="^train_loader="):
        lr_find(model, opt, crit, 5)
    with pytest.raises(TypeError, match="(?s)^train_loader=.*tuples or lists"):
        lr_find(model, opt, crit, [torch.randn(2, 3)])


def test_unknown_method_and_too_short_curves():
    model, opt, crit, loader = _args()
    r = lr_find(model, opt, crit, loader, num_iter=30, diverge_th=1e9)
    with pytest.raises(ValueError, match="^method='best' is not allowed: method must be one of"):
        r.suggest("best")
    with pytest.raises(ValueError, match="^skip_start=20 is not allowed"):
        r.suggest("steepest", skip_start=20, skip_end=9)
    with pytest.raises(ValueError, match="^skip_end=-1 is not allowed"):
        r.suggest("valley", skip_end=-1)


def test_digits_loader_gives_the_plain_loaders_batches():
    from lrlessons.data import load

    split = load("digits")
    plain = DataLoader(TensorDataset(split.x_train, split.y_train), batch_size=50, shuffle=True,
                       generator=torch.Generator().manual_seed(7))
    fast = digits_loader(50, seed=7)
    for _ in range(3):  # three epochs: the order is drawn afresh each time, the same way
        pairs = list(zip(plain, fast, strict=True))
        assert len(pairs) == 27
        assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in pairs)
