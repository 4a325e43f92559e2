"""Checkers for lesson 11 (schedules without a fixed end: WSD and schedule-free).

Each prints "Correct: ..." or "Not yet: ..." and returns a ``Verdict`` (true only for
a right answer); none raises on a wrong answer.

- ``check_wsd_plan(plan)``: the keyword arguments of transformers' ``get_wsd_schedule``
  for the plan described in the lesson's first exercise.
- ``check_schedule_free_eval(evaluate)``: a function that evaluates a model with
  BatchNorm trained by a schedule-free optimizer, the second exercise.
"""
from __future__ import annotations

import textwrap
import warnings
from typing import Any

import numpy as np

from lrlessons.exercises import EMPTY, Verdict, is_empty
from lrlessons.exercises import verdict as _verdict

WIDTH = 100  # a projector-friendly line length


def verdict(ok: bool, good: str, bad: str) -> Verdict:
    """The package's verdict line, wrapped at ``WIDTH`` characters."""
    prefix = "Correct: " if ok else "Not yet: "
    text = textwrap.fill(prefix + (good if ok else bad), WIDTH, subsequent_indent="  ")[len(prefix):]
    return _verdict(ok, text, text)

__all__ = ["PLAN", "check_schedule_free_eval", "check_wsd_plan", "reference_evaluate"]

#: Exercise 1's plan, in words in the lesson.
PLAN = dict(total=1000, warmup=100, decay=200, warmup_type="linear", decay_type="1-sqrt", min_lr_ratio=0.1)
_ALLOWED = {"num_warmup_steps", "num_decay_steps", "num_training_steps", "num_stable_steps", "warmup_type",
            "decay_type", "min_lr_ratio", "num_cycles"}


def _wsd_lrs(kwargs: dict[str, Any], steps: int) -> np.ndarray:
    import torch
    from transformers import get_wsd_schedule

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = get_wsd_schedule(opt, **kwargs)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(lrs)


def _expected() -> np.ndarray:
    p = PLAN
    return _wsd_lrs(dict(num_warmup_steps=p["warmup"], num_decay_steps=p["decay"], num_training_steps=p["total"],
                         warmup_type=p["warmup_type"], decay_type=p["decay_type"],
                         min_lr_ratio=p["min_lr_ratio"]), p["total"] + 50)


def _decay_start(lrs: np.ndarray, warmup: int) -> int | None:
    """The first step after the warm-up whose lr is below the peak, minus one (the decay's first step is 1)."""
    below = np.flatnonzero(lrs[warmup:] < 1.0 - 1e-12)
    return None if below.size == 0 else int(below[0]) + warmup - 1


def check_wsd_plan(plan: Any) -> Verdict:
    """Check keyword arguments for ``get_wsd_schedule(optimizer, **plan)`` against exercise 1's plan.

    The plan: 1,000 steps in all; a linear warm-up over the first 100 steps from 10% of
    the peak lr; then the peak; the last 200 steps decay along ``1-sqrt`` to 10% of the
    peak, where the lr stays if training goes on.
    """
    if is_empty(plan):
        return verdict(False, "", f"plan {EMPTY}")
    if not isinstance(plan, dict):
        return verdict(False, "", f"plan should be a dict of keyword arguments for get_wsd_schedule, "
                       f"got {type(plan).__name__}.")
    unknown = sorted(set(map(str, plan)) - _ALLOWED)
    if unknown:
        return verdict(False, "", f"get_wsd_schedule has no argument {unknown[0]!r}; its arguments are "
                       + ", ".join(sorted(_ALLOWED)) + ".")
    if any(v is Ellipsis for v in plan.values()):
        name = next(k for k, v in plan.items() if v is Ellipsis)
        return verdict(False, "", f"plan[{name!r}] {EMPTY}")
    for name in ("num_warmup_steps", "num_decay_steps"):
        if name not in plan:
            return verdict(False, "", f"{name} is required by get_wsd_schedule: give it in the plan.")
    if "num_training_steps" not in plan and "num_stable_steps" not in plan:
        return verdict(False, "", "give the length of the stable phase, either num_stable_steps or "
                       "num_training_steps (then stable = total - warm-up - decay).")
    want = _expected()
    try:
        got = _wsd_lrs(plan, len(want))
    except Exception as exc:  # a learner's arguments may be of any type
        return verdict(False, "", f"get_wsd_schedule(optimizer, **plan) failed: {type(exc).__name__}: {exc}")
    if np.allclose(got, want, rtol=1e-6, atol=1e-12):  # float32 arguments are fine
        return verdict(True, f"all {len(want)} lrs match the plan (warm-up from {want[0]:.3g}, decay ends at "
                       f"{want[-1]:.3g} times the peak).", "")
    p = PLAN
    hints = []
    if not np.isclose(got[0], want[0], rtol=1e-6):
        hints.append(f"step 0 trains at {got[0]:.3g} times the peak, the plan says {want[0]:.3g}: the warm-up "
                     "starts from min_lr_ratio")
    if not np.isclose(got[-1], want[-1], rtol=1e-6):
        hints.append(f"after the plan the lr stays at {got[-1]:.3g} times the peak, the plan says "
                     f"{want[-1]:.3g} (min_lr_ratio)")
    start, got_start = _decay_start(want, p["warmup"]), _decay_start(got, p["warmup"])
    if got_start != start:
        where = "never starts in the first 1050 steps" if got_start is None else f"starts at step {got_start}"
        why = ("num_stable_steps is the stable phase alone, not the total" if plan.get("num_stable_steps") is not None
               else "num_training_steps is the total, warm-up and decay included")
        hints.append(f"the decay {where}; the plan says at step {start} (the last {p['decay']} steps "
                     f"of {p['total']}): {why}")
    mid = start + p["decay"] // 4
    if got_start == start and not np.isclose(got[mid], want[mid]):
        hints.append(f"a quarter into the decay the lr is {got[mid]:.4g}, the plan's 1-sqrt shape gives "
                     f"{want[mid]:.4g}")
    if not np.isclose(got[p["warmup"] // 2], want[p["warmup"] // 2]) and np.isclose(got[0], want[0], rtol=1e-6):
        hints.append(f"half-way through the warm-up the lr is {got[p['warmup'] // 2]:.4g}, a linear warm-up "
                     f"gives {want[p['warmup'] // 2]:.4g}")
    if not hints:
        i = int(np.argmax(~np.isclose(got, want, rtol=1e-6)))
        phase = " (in the warm-up: check warmup_type)" if i < p["warmup"] else ""
        hints.append(f"the lr first differs at step {i}: {got[i]:.4g} instead of {want[i]:.4g}{phase}")
    return verdict(False, "", "; ".join(hints) + ".")


# --- exercise 2: evaluating a schedule-free model with BatchNorm ---------------------------

def _model_and_optimizer(seed: int = 0):
    """A small BatchNorm network trained 60 steps by AdamWScheduleFree (the optimizer left in train mode)."""
    import schedulefree
    import torch
    from torch import nn

    from lrlessons.anytime import batch_indices
    from lrlessons.data import load

    split = load("digits")
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 64, bias=False), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 10))
    opt = schedulefree.AdamWScheduleFree(model.parameters(), lr=3e-2, warmup_steps=10)
    model.train()
    opt.train()
    for k in range(60):
        idx = batch_indices(len(split.x_train), 32, seed, k)
        loss = nn.functional.cross_entropy(model(split.x_train[idx]), split.y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    train_batches = [split.x_train[batch_indices(len(split.x_train), 32, seed + 1, k)] for k in range(20)]
    return model, opt, train_batches, split.x_test, split.y_test


def reference_evaluate(model, optimizer, train_batches, x, y) -> float:
    """The right evaluation: weights at x, BatchNorm statistics recomputed there, then back to training."""
    import torch
    from torch import nn

    optimizer.eval()  # the weights become the averaged point x
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.reset_running_stats()
                m.momentum = None  # a plain average over the batches below
        model.train()
        for xb in train_batches:
            model(xb)
        model.eval()
        loss = nn.functional.cross_entropy(model(x), y).item()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm1d):
            m.momentum = 0.1
    model.train()
    optimizer.train()
    return loss


def check_schedule_free_eval(evaluate: Any) -> Verdict:
    """Check a learner's ``evaluate(model, optimizer, train_batches, x, y) -> test loss``.

    The model has BatchNorm and was trained by ``AdamWScheduleFree``. Right means: the
    loss of the averaged weights ``x`` with BatchNorm statistics recomputed from
    ``train_batches`` (within 1e-4 relative), and model and optimizer back in training
    mode afterwards, so that training can go on.
    """
    import torch

    if is_empty(evaluate):
        return verdict(False, "", f"evaluate {EMPTY}")
    if not callable(evaluate):
        return verdict(False, "", f"evaluate should be a function (model, optimizer, train_batches, x, y) -> "
                       f"loss, got {type(evaluate).__name__}.")
    model, opt, batches, x, y = _model_and_optimizer()
    ref_model, ref_opt, *_ = _model_and_optimizer()
    want = reference_evaluate(ref_model, ref_opt, batches, x, y)
    try:
        with torch.no_grad():
            got = evaluate(model, opt, batches, x, y)
        got = float(got.item() if hasattr(got, "item") else got)
    except Exception as exc:  # the learner's code may fail in any way
        return verdict(False, "", f"evaluate(...) failed: {type(exc).__name__}: {exc}")
    problems = []
    if not np.isclose(got, want, rtol=1e-4, atol=0):
        ways = _wrong_ways(batches, x, y)
        named = [name for name, value in ways.items() if np.isclose(got, value, rtol=1e-4, atol=0)]
        if named:
            problems.append(f"your loss {got:.4f} is the loss {named[0]}; the right one is {want:.4f}")
        else:
            problems.append(f"your loss is {got:.4f}, the right one is {want:.4f}")
    if not opt.param_groups[0]["train_mode"]:
        problems.append("the optimizer is still in eval mode afterwards, so its next step() raises: "
                        "call optimizer.train() at the end")
    if not model.training:
        problems.append("the model is still in eval mode afterwards: call model.train() at the end")
    if problems:
        return verdict(False, "", "; ".join(problems) + ".")
    return verdict(True, f"loss {got:.4f} at the averaged weights with fresh BatchNorm statistics, and "
                   "training can go on.", "")


def _wrong_ways(batches, x, y) -> dict[str, float]:
    """The losses the usual mistakes give, to name them in the verdict."""
    import torch
    from torch import nn

    out = {}
    model, opt, *_ = _model_and_optimizer()
    with torch.no_grad():
        model.eval()
        out["without optimizer.eval() (the weights y it trains with)"] = \
            nn.functional.cross_entropy(model(x), y).item()
    model, opt, *_ = _model_and_optimizer()
    opt.eval()
    with torch.no_grad():
        model.eval()
        out["with the BatchNorm statistics gathered during training (not recomputed at x)"] = \
            nn.functional.cross_entropy(model(x), y).item()
    model, opt, *_ = _model_and_optimizer()
    opt.eval()
    with torch.no_grad():
        model.train()
        out["in model.train() mode (BatchNorm uses the test batch's own statistics)"] = \
            nn.functional.cross_entropy(model(x), y).item()
    return out

