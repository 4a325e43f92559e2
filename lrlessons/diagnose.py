"""Check a learner's optimizer and scheduler for the mistakes the course teaches.

``diagnose(optimizer, scheduler)`` looks at the two objects as they are now and
prints (and returns) a list of findings in plain words. ``watch(optimizer, scheduler)``,
called before training, lets it also see the order and the rhythm of the calls.

What it can see, and how:

- **The squaring trap** (lesson 06): a ``LambdaLR`` whose factors all stay tiny (the
  largest of its first 1,000 factors below 0.1), or that starts at exactly the
  optimizer's lr (below 1) and never goes above it, is almost surely returning an lr
  where a factor is expected, so the optimizer runs at ``base_lr * lr``. A warm-up that
  starts at a small factor is not flagged, because it climbs towards 1. A
  ``MultiplicativeLR`` whose factor is below 0.1 is flagged too (it divides the lr
  by ten or more every step).
- **get_lr() for logging**: ``get_lr()`` is the scheduler's internal update rule,
  meant to run inside ``step()``; called from outside it can give a different number
  from the lr in use. ``diagnose`` cannot read your logging code, so it calls
  ``get_lr()`` itself (quietly, restoring anything it touches) and reports when the
  answer differs from ``get_last_lr()`` right now, as a note: then a log made with
  ``get_lr()`` would be wrong (for chainable schedulers such as StepLR or ExponentialLR
  this is true almost all the time).
- **Scheduler stepped before the optimizer**: without ``watch``, only the case where
  the scheduler has been stepped and ``optimizer.step()`` never ran (torch marks an
  optimizer once it steps). With ``watch``, any ``scheduler.step()`` before the first
  ``optimizer.step()`` (the schedule's first lrs are then skipped).
- **A per-epoch schedule stepped per batch**: needs a count of optimizer steps, from
  ``watch`` or from the optimizer's own state (Adam, AdamW, RMSprop... keep one;
  plain SGD does not). Given ``steps_per_epoch`` it compares scheduler steps with
  epochs; without it, it reports a scheduler stepped after every batch as a note, and
  a ``CosineAnnealingLR`` that has run past ``T_max`` (its lr climbs back up) as a warning.
- **Wrong optimizer**: a scheduler attached to another optimizer than the one you train.

What it cannot know: what your numbers mean (``step_size=30``: epochs or batches?),
whether a line in your code logs ``get_lr()``, or the order of calls made before
``watch``. Findings say "looks like" where they guess. Used in lesson 06.
"""
from __future__ import annotations

import copy
import math
import warnings
import weakref
from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch.optim import lr_scheduler as torch_sched

from lrlessons._checks import bad_value, positive_int

__all__ = ["Finding", "Watch", "diagnose", "watch"]

#: factors below this, all the way through the first PROBE steps, look like lrs
TINY_FACTOR = 0.1
PROBE = 1000
#: schedulers whose numbers count optimizer steps by design
PER_STEP_KINDS = (torch_sched.OneCycleLR, torch_sched.CyclicLR)


@dataclass(frozen=True)
class Finding:
    """One thing ``diagnose`` noticed: ``level`` is "warning" or "note", ``code`` a short name."""

    level: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.level.upper()} [{self.code}] {self.message}"


class Watch:
    """Records, at every ``optimizer.step()``, how far the scheduler had gone.

    It uses the optimizer's step pre-hook, so neither object changes (their
    ``state_dict()`` stay as they were). ``remove()`` detaches it.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, scheduler: Any) -> None:
        self.scheduler_ref = weakref.ref(scheduler)
        self.start_epoch = int(getattr(scheduler, "last_epoch", 0))
        #: scheduler.last_epoch seen just before each optimizer step
        self.epochs_at_step: list[int] = []
        self._handle = optimizer.register_step_pre_hook(self._before_step)

    def _before_step(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        sched = self.scheduler_ref()
        self.epochs_at_step.append(int(getattr(sched, "last_epoch", 0)) if sched is not None else 0)

    @property
    def optimizer_steps(self) -> int:
        return len(self.epochs_at_step)

    def remove(self) -> None:
        self._handle.remove()


_WATCHES: "weakref.WeakKeyDictionary[Any, Watch]" = weakref.WeakKeyDictionary()


def watch(optimizer: torch.optim.Optimizer, scheduler: Any) -> Watch:
    """Start recording the order of ``optimizer.step()`` and ``scheduler.step()`` calls.

    Call it right after building both, before training; ``diagnose`` then uses what
    it saw. Returns the ``Watch`` (``.remove()`` stops it).
    """
    _check(optimizer, scheduler)
    old = _WATCHES.get(scheduler)
    if old is not None:
        old.remove()
    _WATCHES[scheduler] = w = Watch(optimizer, scheduler)
    return w


def _check(optimizer: Any, scheduler: Any) -> None:
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise bad_value("optimizer", optimizer, "a torch.optim optimizer (e.g. torch.optim.SGD(...))", TypeError)
    if not (hasattr(scheduler, "optimizer") and callable(getattr(scheduler, "step", None))):
        raise bad_value("scheduler", scheduler,
                        "a torch scheduler built on the optimizer (e.g. LambdaLR(optimizer, ...))", TypeError)


def _factors(fn: Callable[[int], float], start: int, stop: int) -> list[float] | None:
    out = []
    try:
        for t in range(start, stop):
            out.append(float(fn(t)))
    except Exception:  # a lambda that breaks for large t: use what we have
        pass
    return out or None


def _squaring(optimizer: torch.optim.Optimizer, scheduler: Any) -> list[Finding]:
    found = []
    if isinstance(scheduler, torch_sched.LambdaLR):
        for g, (fn, base) in enumerate(zip(scheduler.lr_lambdas, scheduler.base_lrs)):
            facs = _factors(fn, 0, PROBE)
            if not facs or not all(math.isfinite(f) for f in facs):
                continue
            top, base = max(facs), float(base)
            # tiny all along, or starting at exactly base_lr and never above it
            looks_like_lr = 0 < top < TINY_FACTOR or (
                base < 1 and math.isclose(facs[0], base, rel_tol=1e-3) and top <= facs[0])
            if looks_like_lr:
                found.append(Finding("warning", "squared-lr", (
                    f"LambdaLR (group {g}): the function returns {facs[0]:.3g} at epoch 0 and never more "
                    f"than {top:.3g}. LambdaLR multiplies base_lr={base:.3g} by it, so the optimizer "
                    f"starts at {base * facs[0]:.3g}, not {facs[0]:.3g}. This looks like a Keras-style "
                    "schedule that returns the lr itself. Return a factor instead (1.0 means base_lr), "
                    "e.g. lambda e: schedule(e) / base_lr, or lrlessons.keras_bridge.to_lambda_lr.")))
    if isinstance(scheduler, torch_sched.MultiplicativeLR):
        for g, fn in enumerate(scheduler.lr_lambdas):
            facs = _factors(fn, 1, 4)
            if facs and 0 < facs[0] < TINY_FACTOR:
                found.append(Finding("warning", "squared-lr", (
                    f"MultiplicativeLR (group {g}): every step multiplies the lr by {facs[0]:.3g}, so "
                    f"after three steps it is {math.prod(facs):.3g} times base_lr. A factor that small "
                    "looks like an lr. MultiplicativeLR wants the ratio between one epoch's lr and the "
                    "previous one (e.g. 0.95).")))
    return found


def _group_values(optimizer: torch.optim.Optimizer) -> list[dict]:
    return [{k: copy.copy(v) for k, v in g.items() if k != "params"} for g in optimizer.param_groups]


def _get_lr_vs_last(scheduler: Any) -> Finding | None:
    if not (isinstance(scheduler, torch_sched.LRScheduler) and hasattr(scheduler, "get_last_lr")):
        return None
    saved = _group_values(scheduler.optimizer)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            formula = [float(v) for v in scheduler.get_lr()]
        last = [float(v) for v in scheduler.get_last_lr()]
    except Exception:  # schedulers without get_lr (SequentialLR...), or past their end
        return None
    finally:  # get_lr() of some schedulers also sets momentum: put everything back
        for group, values in zip(scheduler.optimizer.param_groups, saved):
            group.update(values)
    if len(formula) != len(last):
        return None
    for g, (f, l) in enumerate(zip(formula, last)):
        if not math.isclose(f, l, rel_tol=1e-9, abs_tol=1e-15):
            return Finding("note", "get-lr", (
                f"{type(scheduler).__name__}.get_lr() would give {f:.6g} right now (group {g}), but the "
                f"optimizer is using {l:.6g}: get_lr() is the scheduler's update rule, meant to run "
                "inside step(). If you log the lr, log scheduler.get_last_lr() or "
                "optimizer.param_groups[i]['lr'], never get_lr()."))
    return None


def _optimizer_steps(optimizer: torch.optim.Optimizer, w: Watch | None) -> int | None:
    if w is not None:
        return w.optimizer_steps
    counts = []
    for state in optimizer.state.values():
        step = state.get("step") if isinstance(state, dict) else None
        if step is not None:
            counts.append(int(float(step)))
    return max(counts) if counts else None


def diagnose(optimizer: torch.optim.Optimizer, scheduler: Any, *, steps_per_epoch: int | None = None,
             quiet: bool = False) -> list[Finding]:
    """Look for the course's scheduler mistakes; print the findings and return them.

    Args:
        optimizer: the optimizer you train with.
        scheduler: the scheduler you built on it (torch's, or anything with
            ``optimizer`` and ``step``).
        steps_per_epoch: batches per epoch, if you know it: lets ``diagnose`` tell a
            scheduler stepped once per epoch from one stepped once per batch.
        quiet: return the findings without printing them.

    Returns:
        A list of ``Finding`` (empty when nothing looks wrong).
    """
    _check(optimizer, scheduler)
    if steps_per_epoch is not None:
        positive_int("steps_per_epoch", steps_per_epoch)
    w = _WATCHES.get(scheduler)
    found: list[Finding] = []

    if scheduler.optimizer is not optimizer:
        found.append(Finding("warning", "wrong-optimizer", (
            "the scheduler is attached to a different optimizer from the one given: it changes the "
            "lr of an optimizer that does not train your model. Build it with this optimizer.")))

    found += _squaring(optimizer, scheduler)
    get_lr = _get_lr_vs_last(scheduler)
    if get_lr is not None:
        found.append(get_lr)

    sched_steps = getattr(scheduler, "_step_count", 1) - 1  # calls to step() after construction
    opt_steps = _optimizer_steps(optimizer, w)
    early = None
    if w is not None and w.epochs_at_step:
        early = w.epochs_at_step[0] - w.start_epoch
    elif w is not None:
        early = (int(getattr(scheduler, "last_epoch", 0)) - w.start_epoch) or None
    elif sched_steps > 0 and not getattr(scheduler.optimizer, "_opt_called", False):
        early = sched_steps
    if early:
        found.append(Finding("warning", "scheduler-before-optimizer", (
            f"scheduler.step() ran {early} time(s) before the first optimizer.step(), so the first "
            f"{early} lr(s) of the schedule were skipped: training never used them. Call "
            "optimizer.step() first, then scheduler.step().")))

    per_step_kind = isinstance(scheduler, PER_STEP_KINDS)
    if opt_steps and sched_steps > 0 and not per_step_kind:
        if steps_per_epoch is not None:
            epochs_done = opt_steps / steps_per_epoch
            if opt_steps > steps_per_epoch and sched_steps > math.ceil(epochs_done) + 1:
                found.append(Finding("warning", "stepped-per-batch", (
                    f"{type(scheduler).__name__} was stepped {sched_steps} times in {epochs_done:.3g} "
                    f"epochs of {steps_per_epoch} batches: about once per batch. If its numbers count "
                    f"epochs, the schedule runs {steps_per_epoch} times too fast; step it once per epoch "
                    "(after the epoch's batches), or give it numbers that count batches.")))
        elif opt_steps > 1 and sched_steps >= opt_steps - 1:
            found.append(Finding("note", "stepped-per-batch", (
                f"{type(scheduler).__name__} was stepped after every optimizer step ({sched_steps} "
                f"scheduler steps, {opt_steps} optimizer steps). That is right if its numbers count "
                "batches, wrong if they count epochs; pass steps_per_epoch= to check.")))
    if isinstance(scheduler, torch_sched.CosineAnnealingLR) and scheduler.last_epoch > scheduler.T_max:
        found.append(Finding("warning", "past-the-end", (
            f"CosineAnnealingLR has been stepped {scheduler.last_epoch} times but T_max={scheduler.T_max}: "
            "past T_max the lr climbs back up. Usually T_max was counted in epochs and the scheduler "
            "is stepped per batch (or training runs longer than planned).")))

    if not quiet:
        if found:
            for f in found:
                print(f)
        else:
            seen = "order and rhythm of calls watched" if w is not None else "call order not watched"
            print(f"No problems found ({type(scheduler).__name__}; {seen}).")
    return found


# ``lrlessons.diagnose`` is this function (the package exports it under the module's
# name), so let ``lrlessons.diagnose.watch`` and ``lrlessons.diagnose.Finding`` work too.
diagnose.watch = watch  # type: ignore[attr-defined]
diagnose.Finding = Finding  # type: ignore[attr-defined]
diagnose.Watch = Watch  # type: ignore[attr-defined]
