"""The learning-rate range test ("LR finder") and three rules for reading it.

``lr_find`` trains a model for ``num_iter`` optimizer steps while the learning rate
grows from ``start_lr`` to ``end_lr``, and records the training loss at each lr.
It follows torch-lr-finder (``LRFinder(model, optimizer, criterion).range_test(
train_loader, ...)``, version 0.2.2) step for step, so ``lrs`` and ``losses`` are
the very numbers torch-lr-finder records in its ``history`` for the same model,
data order and seed. What it does, in the order torch-lr-finder does it:

1. **Start.** ``start_lr=None`` (or 0, which torch-lr-finder also treats as "not
   given") keeps each parameter group's own lr as its starting point; a number
   sets every group's lr to it.
2. **The lr policy.** Iteration ``i = 0 .. num_iter - 1`` trains one step at

       r = i / (num_iter - 1)
       exp:    lr_i = start * (end_lr / start) ** r
       linear: lr_i = start + r * (end_lr - start)

   so the first step uses ``start`` itself and the last planned step ``end_lr``.
   ``lrs`` records group 0's lr.
3. **One step.** ``model.train()``, ``zero_grad()``, then ``accumulation_steps``
   batches, each loss divided by ``accumulation_steps`` and backpropagated, then
   one ``optimizer.step()``. The recorded raw loss is the float32 sum of the
   divided losses (their mean). When the loader runs out, it is started again
   (``iter(train_loader)``), as often as needed.
4. **Smoothing.** The first loss is kept as it is; after that

       smoothed_i = smooth_f * raw_i + (1 - smooth_f) * smoothed_{i-1}

   (no smoothing when ``smooth_f == 0``). ``losses`` holds the smoothed values.
5. **Early stop.** The best loss is the lowest smoothed loss so far (the first raw
   loss to begin with). The test records a loss, then stops if it is above
   ``diverge_th * best``; that last loss stays in ``losses``.

Differences from torch-lr-finder, none of which changes ``lrs`` or ``losses``:
the model and optimizer are restored at the end (torch-lr-finder needs a call to
``reset()``), including the model's train/eval mode and the parameters' ``.grad``;
nothing is printed; an optimizer that once had a scheduler is accepted (torch-lr-
finder refuses any group with an ``initial_lr``); bad arguments raise the course's
clear errors; only the training loss is used (no ``val_loader``).

``RangeTest.suggest`` reads an lr off the curve with one of three rules:

- ``"steepest"``: the lr where ``np.gradient(losses)`` is lowest, after dropping
  ``skip_start`` points at the start and ``skip_end`` at the end (torch-lr-finder's
  ``plot(skip_start=10, skip_end=5)`` suggestion, the same lr).
- ``"valley"``: fastai's default rule. Find the longest run of ever-lower losses
  (the longest strictly decreasing subsequence, not necessarily contiguous; the
  first one to reach that length). With ``L`` its length and ``e`` its last index,
  the valley is taken to span ``L`` points back from ``e`` (``s = e - L``, one
  before the first point of a contiguous run), and the suggestion sits a third
  of the way in plus a sixth: ``idx = s + L // 3 + L // 6``.
- ``"minimum"``: the lr of the lowest smoothed loss, divided by 10 (fastai's
  ``minimum``).

fastai reads its rules on ``losses[num_iter // 10 : -5]``, so ``"valley"`` and
``"minimum"`` skip ``num_iter // 10`` points at the start and 5 at the end by
default; ``"steepest"`` skips torch-lr-finder's 10 and 5 (the same at the default
``num_iter=100``). fastai smooths its losses differently (a debiased average with
weight 0.98 on the past) and starts at 1e-7: the rules here read torch-lr-finder's
curve.

Used in lesson 10.
"""
from __future__ import annotations

import copy
import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
import torch
from torch import nn

from lrlessons._checks import bad_value, one_of, positive_int

__all__ = ["METHODS", "STEP_MODES", "RangeTest", "digits_loader", "lr_find", "valley_index"]

STEP_MODES = ("exp", "linear")
METHODS = ("steepest", "valley", "minimum")


def _real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise bad_value(name, value, "a real number", TypeError)
    return float(value)


def valley_index(losses: Iterable[float]) -> int:
    """Index that fastai's "valley" rule picks on a loss curve (see the module docstring).

    ``lds[i]`` is the length of the longest strictly decreasing subsequence that
    ends at ``i``; ``e`` is the first index where the longest one ends and ``L`` its
    length; the answer is ``e - L + L // 3 + L // 6``. fastai indexes with that
    number as it is: when no three points of the curve go down in a row (``L <= 2``)
    and the run starts at index 0 it comes out as -1, which picks the *last* point.
    Here it is kept at 0 instead, the start of the valley.
    """
    values = [float(v) for v in losses]
    n = len(values)
    if n == 0:
        raise bad_value("losses", values, "a non-empty sequence of numbers")
    lds = [1] * n
    for i in range(1, n):
        for j in range(i):
            if values[i] < values[j] and lds[j] + 1 > lds[i]:
                lds[i] = lds[j] + 1
    end = int(np.argmax(lds))  # the first index reaching the longest length
    length = lds[end]
    if length == 1:  # nothing ever goes down: fastai never moves off index 0
        return 0
    return max(end - length + length // 3 + length // 6, 0)


@dataclass
class RangeTest:
    """What ``lr_find`` recorded: one lr and one smoothed training loss per step.

    ``lrs``/``losses`` equal torch-lr-finder's ``history["lr"]``/``history["loss"]``.
    ``stopped_early`` says whether the loss passed ``diverge_th`` times the best loss
    before ``num_iter`` steps.
    """

    lrs: list[float]
    losses: list[float]
    num_iter: int
    step_mode: str
    stopped_early: bool
    raw_losses: list[float] = field(default_factory=list, repr=False)

    def _window(self, method: str, skip_start: int | None,
                skip_end: int) -> tuple[int, np.ndarray, np.ndarray]:
        if skip_start is None:
            skip_start = 10 if method == "steepest" else self.num_iter // 10
        for name, value in (("skip_start", skip_start), ("skip_end", skip_end)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise bad_value(name, value, "a whole number of at least 0")
        n = len(self.lrs)
        if n < skip_start + skip_end + 2:
            raise bad_value("skip_start", skip_start,
                            f"small enough to leave at least 2 points: the test recorded {n}, so "
                            f"skip_start + skip_end (= {skip_end}) must be at most {n - 2}")
        stop = n - skip_end
        lrs = np.asarray(self.lrs[skip_start:stop], dtype=float)
        losses = np.asarray(self.losses[skip_start:stop], dtype=float)
        return skip_start, lrs, losses

    def suggest(self, method: str, *, skip_start: int | None = None, skip_end: int = 5) -> float:
        """An lr read off the curve by ``method``: ``"steepest"``, ``"valley"`` or ``"minimum"``.

        ``skip_start`` points at the start and ``skip_end`` at the end are left out
        first (default start: 10 for ``"steepest"``, ``num_iter // 10`` for the
        fastai rules). ``"valley"`` and ``"minimum"`` also cut the curve at its first
        NaN, as fastai does; ``"steepest"`` keeps torch-lr-finder's plain
        ``np.gradient(...).argmin()``.
        """
        return self._suggest_point(method, skip_start, skip_end)[0]

    def _suggest_point(self, method: str, skip_start: int | None,
                       skip_end: int) -> tuple[float, int]:
        """The suggested lr and the index (into ``lrs``) of the point the rule chose."""
        one_of("method", method, METHODS)
        first, lrs, losses = self._window(method, skip_start, skip_end)
        if method == "steepest":
            i = int(np.gradient(losses).argmin())
            return float(lrs[i]), first + i
        nan = np.flatnonzero(np.isnan(losses))
        if nan.size:
            lrs, losses = lrs[:nan[0]], losses[:nan[0]]
            if losses.size == 0:
                raise bad_value("losses", "NaN from the first point read",
                                "a curve with numbers before its first NaN")
        if method == "valley":
            i = valley_index(losses)
            return float(lrs[i]), first + i
        i = int(losses.argmin())
        return float(lrs[i]) / 10, first + i

    def suggestions(self, *, skip_end: int = 5) -> dict[str, float]:
        """All three rules' lrs, with their default skips."""
        return {m: self.suggest(m, skip_end=skip_end) for m in METHODS}

    def plot(self, ax: Any = None, *, methods: Iterable[str] = METHODS,
             skip_start: int | None = None, skip_end: int = 5,
             label: str = "smoothed training loss") -> Any:
        """Draw loss against lr (log scale) and mark each rule's suggestion; return the Axes.

        The curve is drawn whole (the skipped points in a lighter line) so you can
        see what each rule left out; the y axis spans the part the rules read, so the
        final blow-up may run off the top. A rule that cannot read a curve this short
        is left out of the legend rather than raising.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        line, = ax.plot(self.lrs, self.losses, lw=1, alpha=0.35)
        # some rule reads the curve from here (the defaults differ: see suggest)
        first = min(10, self.num_iter // 10) if skip_start is None else skip_start
        stop = len(self.lrs) - skip_end
        ax.plot(self.lrs[first:stop], self.losses[first:stop], color=line.get_color(), label=label)
        markers = {"steepest": "v", "valley": "o", "minimum": "s"}
        for k, method in enumerate(methods):
            one_of("method", method, METHODS)
            try:
                lr, i = self._suggest_point(method, skip_start, skip_end)
            except ValueError:
                continue
            color = f"C{k + 1}"
            ax.axvline(lr, color=color, lw=1, ls="--")
            y = self.losses[i]
            if method == "minimum":  # the mark sits on the curve at lr / 10
                y = float(np.interp(np.log(lr), np.log(self.lrs), self.losses))
            name = "minimum/10" if method == "minimum" else method
            ax.plot([lr], [y], marker=markers[method], color=color, ls="none", ms=7,
                    label=f"{name}: {lr:.2g}")
        shown = [v for v in self.losses[first:stop] if math.isfinite(v)]
        if shown:  # the y range the rules read; the blow-up at the end may leave the frame
            low, high = min(shown), max(shown)
            pad = 0.08 * (high - low) or 0.1 * abs(high) or 0.1
            ax.set_ylim(low - pad, high + 3 * pad)
        ax.set_xscale("log")
        ax.set_xlabel("learning rate (log scale)")
        ax.set_ylabel("training loss")
        ax.legend()
        return ax


def _check_args(optimizer, start_lr, end_lr, num_iter, step_mode, smooth_f, diverge_th,
                accumulation_steps):
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise bad_value("optimizer", optimizer, "a torch.optim.Optimizer", TypeError)
    num_iter = positive_int("num_iter", num_iter)
    if num_iter < 2:
        raise bad_value("num_iter", num_iter,
                        "a whole number of at least 2 (the lr goes from start to end)")
    mode = step_mode.lower() if isinstance(step_mode, str) else step_mode
    one_of("step_mode", mode, STEP_MODES)
    if start_lr is not None:
        s = _real("start_lr", start_lr)
        if not (s >= 0 and math.isfinite(s)):
            raise bad_value("start_lr", start_lr,
                            "None (the optimizer's lr) or a positive, finite number")
    end = _real("end_lr", end_lr)
    starts = [float(start_lr)] if start_lr else [float(g["lr"]) for g in optimizer.param_groups]
    if not (math.isfinite(end) and all(end > s > 0 for s in starts)):
        where = "start_lr" if start_lr else "the optimizer's lr"
        raise bad_value("end_lr", end_lr, f"a finite number above the start ({where}: "
                        f"{', '.join(f'{s:g}' for s in starts)}), and the start must be above 0")
    f = _real("smooth_f", smooth_f)
    if not 0 <= f < 1:
        raise bad_value("smooth_f", smooth_f, "a number in [0, 1): 0 turns smoothing off")
    th = _real("diverge_th", diverge_th)
    if not (th > 0 and math.isfinite(th)):
        raise bad_value("diverge_th", diverge_th,
                        "a positive, finite number (5 stops at 5x the best loss)")
    positive_int("accumulation_steps", accumulation_steps)
    return mode


def _batch(loader_iter: list, train_loader: Any) -> tuple[Any, Any]:
    """Next (inputs, labels) from the loader, starting it again when it runs out."""
    try:
        batch = next(loader_iter[0])
    except StopIteration:
        loader_iter[0] = iter(train_loader)
        try:
            batch = next(loader_iter[0])
        except StopIteration:
            raise bad_value("train_loader", train_loader,
                            "a loader that yields at least one batch") from None
    if not isinstance(batch, (list, tuple)) or len(batch) < 2:
        raise bad_value("train_loader", train_loader,
                        f"a loader whose batches are (inputs, labels, ...) tuples or lists, got "
                        f"a {type(batch).__name__}", TypeError)
    return batch[0], batch[1]


def _to(obj: Any, device: torch.device) -> Any:
    if hasattr(obj, "to"):
        return obj.to(device)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: _to(v, device) for k, v in obj.items()}
    return obj


def _set_lrs(optimizer: torch.optim.Optimizer, lrs: list[float]) -> None:
    for group, lr in zip(optimizer.param_groups, lrs):
        if isinstance(group["lr"], torch.Tensor):
            group["lr"].fill_(lr)
        else:
            group["lr"] = lr


def lr_find(model: nn.Module, optimizer: torch.optim.Optimizer,
            criterion: Callable[[Any, Any], torch.Tensor], train_loader: Iterable, *,
            start_lr: float | None = None, end_lr: float = 10, num_iter: int = 100,
            step_mode: str = "exp", smooth_f: float = 0.05, diverge_th: float = 5,
            accumulation_steps: int = 1) -> RangeTest:
    """Run the learning-rate range test and return a ``RangeTest`` (lrs, losses, suggest, plot).

    The same test as torch-lr-finder's ``LRFinder(model, optimizer, criterion)
    .range_test(train_loader, start_lr=..., end_lr=..., num_iter=..., step_mode=...,
    smooth_f=..., diverge_th=..., accumulation_steps=...)``; the steps are listed
    in the module docstring. Afterwards the model (parameters, buffers, ``.grad``,
    train/eval mode) and the optimizer (state and param groups, lrs included) are
    as they were before.

    Args:
        model: the network; the test runs on the device of its first parameter.
        optimizer: an optimizer over ``model``'s parameters.
        criterion: ``criterion(outputs, labels)`` returns a scalar loss.
        train_loader: anything ``iter()`` restarts, yielding (inputs, labels, ...),
            e.g. a ``DataLoader`` (see ``digits_loader``).
        start_lr: the first lr; None keeps each group's lr.
        end_lr: the lr of the last planned step; above the start.
        num_iter: planned steps, at least 2.
        step_mode: ``"exp"`` (evenly spaced on a log scale) or ``"linear"``.
        smooth_f: weight of the newest loss in the running average, in [0, 1).
        diverge_th: stop once the smoothed loss exceeds ``diverge_th`` times the best.
        accumulation_steps: batches whose gradients add up to one optimizer step.
    """
    if not isinstance(model, nn.Module):
        raise bad_value("model", model, "a torch.nn.Module", TypeError)
    if not callable(criterion):
        raise bad_value("criterion", criterion, "a function (outputs, labels) -> loss", TypeError)
    mode = _check_args(optimizer, start_lr, end_lr, num_iter, step_mode, smooth_f, diverge_th,
                       accumulation_steps)
    if hasattr(train_loader, "__len__") and len(train_loader) == 0:
        raise bad_value("train_loader", train_loader, "a loader that yields at least one batch")
    try:
        loader_iter = [iter(train_loader)]
    except TypeError:
        raise bad_value("train_loader", train_loader, "an iterable of (inputs, labels) batches, "
                        "e.g. a torch DataLoader", TypeError) from None

    saved_model = copy.deepcopy(model.state_dict())
    saved_opt = copy.deepcopy(optimizer.state_dict())
    saved_grads = [None if p.grad is None else p.grad.detach().clone() for p in model.parameters()]
    was_training = model.training
    device = next(model.parameters()).device
    try:
        if start_lr:
            _set_lrs(optimizer, [float(start_lr)] * len(optimizer.param_groups))
        base = [float(g["lr"]) for g in optimizer.param_groups]
        end = float(end_lr)
        lrs: list[float] = []
        raw: list[float] = []
        losses: list[float] = []
        best = None
        stopped = False
        for i in range(num_iter):
            r = i / (num_iter - 1)
            if mode == "exp":
                now = [b * (end / b) ** r for b in base]
            else:
                now = [b + r * (end - b) for b in base]
            _set_lrs(optimizer, now)
            model.train()
            optimizer.zero_grad()
            total = None
            for _ in range(accumulation_steps):
                inputs, labels = _batch(loader_iter, train_loader)
                inputs, labels = _to(inputs, device), _to(labels, device)
                loss = criterion(model(inputs), labels) / accumulation_steps
                loss.backward()
                total = loss.detach() if total is None else total + loss.detach()
            optimizer.step()
            value = total.item()
            lrs.append(now[0])
            raw.append(value)
            if i == 0:
                best = value
            else:
                if smooth_f > 0:
                    value = smooth_f * value + (1 - smooth_f) * losses[-1]
                if value < best:
                    best = value
            losses.append(value)
            if value > diverge_th * best:
                stopped = True
                break
    finally:
        model.load_state_dict(saved_model)
        optimizer.load_state_dict(saved_opt)
        for p, g in zip(model.parameters(), saved_grads):
            p.grad = g
        model.train(was_training)
    return RangeTest(lrs, losses, num_iter, mode, stopped, raw)


def digits_loader(batch_size: int = 64, seed: int = 0,
                  data: Any = "digits") -> torch.utils.data.DataLoader:
    """A shuffling ``DataLoader`` over the course's training images, its order fixed by ``seed``.

    It yields the same batches, in the same order, as ``DataLoader(TensorDataset(x, y),
    batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed))``, but
    indexes each batch in one go instead of image by image (four times faster).
    """
    from torch.utils.data import BatchSampler, DataLoader, RandomSampler, TensorDataset

    from lrlessons.data import Split, load

    positive_int("batch_size", batch_size)
    split = data if isinstance(data, Split) else load(data)
    dataset = TensorDataset(split.x_train, split.y_train)
    gen = torch.Generator().manual_seed(seed)  # shared: drawn from as the plain loader draws
    batches = BatchSampler(RandomSampler(dataset, generator=gen), batch_size, drop_last=False)
    return DataLoader(dataset, sampler=batches, batch_size=None, generator=gen)
