"""Check a learner's optimizer and scheduler for the mistakes the course teaches.

``diagnose(optimizer, scheduler)`` looks at the two objects as they are now and
prints (and returns) a list of findings in plain words; ``watch(optimizer,
scheduler)``, called before training, lets it also see the order and the rhythm of
the calls; ``plan=Plan(...)`` (``lrlessons.sizing``) lets it check the schedule's
length before training starts. ``lrlessons.diagnose`` is the function: its
docstring says what it checks and what it cannot know. Used in lessons 06 and 08.
"""
from __future__ import annotations

import copy
import functools
import math
import textwrap
import warnings
import weakref
from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch.optim import lr_scheduler as torch_sched

from lrlessons._checks import bad_value, positive_int
from lrlessons.recorder import _scheduler_steps
from lrlessons.sizing import Plan

__all__ = ["Finding", "Plan", "Watch", "diagnose", "watch"]

#: a LambdaLR whose factors all stay below this looks like it returns lrs
TINY_FACTOR = 0.1
#: the steps at which diagnose calls a user's function: at most len(PROBE_AT) calls each
PROBE_AT = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 20, 30, 50, 100, 200, 500, 1000)
#: printed findings wrap at this many characters
WIDTH = 100
#: schedulers whose numbers count optimizer steps by design
PER_STEP_KINDS = (torch_sched.OneCycleLR, torch_sched.CyclicLR)


@dataclass(frozen=True)
class Finding:
    """One thing ``diagnose`` noticed: ``level`` is "warning" or "note", ``code`` a short name."""

    level: str
    code: str
    message: str

    def __str__(self) -> str:
        """The finding in lines of at most 100 characters (notebook outputs stay narrow)."""
        return textwrap.fill(f"{self.level.upper()} [{self.code}] {self.message}", width=WIDTH,
                             subsequent_indent="    ", break_long_words=False, break_on_hyphens=False)


class Watch:
    """Records, at every real ``optimizer.step()``, how far the scheduler had gone and the lrs used.

    It uses the optimizer's step pre-hook, so neither object changes (their
    ``state_dict()`` stay as they were). ``remove()`` detaches it. An update that
    ``GradScaler`` skips never calls ``optimizer.step()`` and leaves no record.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, scheduler: Any) -> None:
        self.scheduler_ref = weakref.ref(scheduler)
        self.start_epoch = int(getattr(scheduler, "last_epoch", 0) or 0)
        self.start_calls = _scheduler_steps(scheduler)
        #: scheduler.last_epoch seen just before each optimizer step
        self.epochs_at_step: list[int] = []
        #: scheduler.step() calls (since it was built) seen just before each optimizer step
        self.calls_at_step: list[int | None] = []
        #: the lr of every param group used by each optimizer step
        self.lrs_at_step: list[tuple[float, ...]] = []
        self._handle = optimizer.register_step_pre_hook(self._before_step)

    def _before_step(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        sched = self.scheduler_ref()
        self.epochs_at_step.append(int(getattr(sched, "last_epoch", 0) or 0) if sched is not None else 0)
        self.calls_at_step.append(_scheduler_steps(sched) if sched is not None else None)
        self.lrs_at_step.append(tuple(float(g["lr"]) for g in optimizer.param_groups))

    @property
    def optimizer_steps(self) -> int:
        return len(self.epochs_at_step)

    def remove(self) -> None:
        self._handle.remove()


_WATCHES: "weakref.WeakKeyDictionary[Any, Watch]" = weakref.WeakKeyDictionary()


def watch(optimizer: torch.optim.Optimizer, scheduler: Any) -> Watch:
    """Start recording the order of ``optimizer.step()`` and ``scheduler.step()`` calls.

    Call it right after building both, before training; ``diagnose`` then uses what
    it saw. Returns the ``Watch`` (``.remove()`` stops it). Lessons 06 and 08.
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
                        "a torch or timm scheduler built on the optimizer (e.g. LambdaLR(optimizer, ...))",
                        TypeError)


def _children(scheduler: Any) -> list[Any]:
    """The scheduler and, for SequentialLR and ChainedScheduler, the ones inside it (recursively)."""
    out = [scheduler]
    for child in getattr(scheduler, "_schedulers", None) or []:
        out += _children(child)
    return out


def _factors(fn: Callable[[int], float], at: tuple[int, ...]) -> list[float] | None:
    """fn at the steps ``at`` (stopping at the first error): at most len(at) calls."""
    out = []
    try:
        for t in at:
            out.append(float(fn(t)))
    except Exception:  # a lambda that breaks for large t: use what we have
        pass
    return out or None


def _squaring_lambda(sched: Any, where: str) -> list[Finding]:
    found = []
    for g, (fn, base) in enumerate(zip(sched.lr_lambdas, sched.base_lrs)):
        facs = _factors(fn, PROBE_AT)
        base = float(base)
        if not facs or not all(math.isfinite(f) for f in facs) or base >= 1:
            continue  # with an lr of 1 or more, a function's small numbers are the lrs it wants
        top, first = max(facs), facs[0]
        constant = all(f == first for f in facs)
        at_base = math.isclose(first, base, rel_tol=1e-3) or math.isclose(top, base, rel_tol=1e-3)
        if not constant and at_base and top <= base * (1 + 1e-3):
            found.append(Finding("warning", "squared-lr", (
                f"{where}LambdaLR (group {g}): the function returns {first:.3g} at step 0 and never more "
                f"than {top:.3g}, exactly the optimizer's lr. LambdaLR multiplies base_lr={base:.3g} by it, "
                f"so the optimizer starts at {base * first:.3g}, not {first:.3g}. This is a Keras-style "
                "schedule that returns the lr itself. Return a factor instead (1.0 means base_lr), "
                "e.g. lambda e: schedule(e) / base_lr, or lrlessons.keras_bridge.to_lambda_lr.")))
        elif 0 < top < TINY_FACTOR or (constant and at_base):
            shape = f"is {first:.3g} at every step" if constant else f"never exceeds {top:.3g}"
            found.append(Finding("note", "squared-lr", (
                f"{where}LambdaLR (group {g}): the factor {shape} (checked at {len(facs)} steps up to "
                f"{PROBE_AT[len(facs) - 1]}), so the optimizer trains at {base * top:.3g} at most "
                f"(base_lr={base:.3g} times the factor). Ambiguous: a small factor may be meant; but if the "
                "function returns an lr (Keras style), the lr is multiplied twice. Return lr / base_lr.")))
    return found


def _squaring(scheduler: Any) -> list[Finding]:
    found = []
    for sched in _children(scheduler):
        where = "" if sched is scheduler else f"{type(scheduler).__name__} > "
        if isinstance(sched, torch_sched.LambdaLR):
            found += _squaring_lambda(sched, where)
        if isinstance(sched, torch_sched.MultiplicativeLR):
            for g, fn in enumerate(sched.lr_lambdas):
                facs = _factors(fn, (1, 2, 3))
                if facs and 0 < facs[0] < TINY_FACTOR:
                    found.append(Finding("warning", "squared-lr", (
                        f"{where}MultiplicativeLR (group {g}): every step multiplies the lr by {facs[0]:.3g}, "
                        f"so after {len(facs)} steps it is {math.prod(facs):.3g} times base_lr. A factor that "
                        "small looks like an lr. MultiplicativeLR wants the ratio between one epoch's lr "
                        "and the previous one (e.g. 0.95).")))
    return found


def _group_values(optimizer: torch.optim.Optimizer) -> list[dict]:
    return [{k: copy.copy(v) for k, v in g.items() if k != "params"} for g in optimizer.param_groups]


def _get_lr_vs_last(scheduler: Any) -> Finding | None:
    if not (isinstance(scheduler, torch_sched.LRScheduler) and hasattr(scheduler, "get_last_lr")):
        return None
    if not (_scheduler_steps(scheduler) or 0) > 0:  # never stepped: nobody has logged anything yet
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


def _is_timm(scheduler: Any) -> bool:
    return callable(getattr(scheduler, "step_update", None)) and hasattr(scheduler, "t_in_epochs")


def _length(scheduler: Any) -> tuple[int, str, str] | None:
    """(steps to the schedule's end, what it is called, how it ends) where it can be read."""
    s = scheduler
    if isinstance(s, torch_sched.SequentialLR):
        last = _length(s._schedulers[-1])
        if last is None:
            return None
        return s._milestones[-1] + last[0], f"milestones[-1] + {last[1]}", last[2]
    if isinstance(s, torch_sched.CosineAnnealingLR):
        return s.T_max, f"T_max={s.T_max}", "climbs back"
    if isinstance(s, torch_sched.OneCycleLR):
        return s.total_steps, f"total_steps={s.total_steps}", "raises"
    if isinstance(s, torch_sched.PolynomialLR):
        return s.total_iters, f"total_iters={s.total_iters}", "stays"
    if isinstance(s, torch_sched.LinearLR) and s.end_factor < s.start_factor:  # a decay, not a warm-up
        return s.total_iters, f"total_iters={s.total_iters}", "stays"
    if isinstance(s, torch_sched.LambdaLR) and len(s.lr_lambdas) >= 1:
        fn = s.lr_lambdas[0]  # transformers' get_*_schedule_with_warmup: a partial with its sizes
        kw = getattr(fn, "keywords", None) if isinstance(fn, functools.partial) else None
        if kw and isinstance(kw.get("num_training_steps"), int):
            n = kw["num_training_steps"]
            return n, f"num_training_steps={n}", "climbs back" if "cosine" in fn.func.__name__ else "stays"
    if _is_timm(s) and getattr(s, "cycle_limit", None) == 1 and hasattr(s, "t_initial"):
        n = int(s.t_initial) + (int(s.warmup_t) if getattr(s, "warmup_prefix", False) else 0)
        return n, f"t_initial={s.t_initial}", "stays"
    return None


def _plan_checks(scheduler: Any, plan: Plan) -> list[Finding]:
    found = []
    name = type(scheduler).__name__
    if _is_timm(scheduler):
        unit = "epoch" if scheduler.t_in_epochs else "update"
        need = plan.epochs if scheduler.t_in_epochs else plan.total_updates
        if plan.interval != unit:
            found.append(Finding("warning", "timm-unit", (
                f"{name}(t_in_epochs={scheduler.t_in_epochs}) counts "
                f"{'epochs: it moves only in step(epoch)' if unit == 'epoch' else 'updates: it moves only in step_update(num_updates)'}"
                f", but the plan steps it once per {plan.interval}. Call "
                f"{'step(epoch + 1) after each epoch' if unit == 'epoch' else 'step_update(num_updates) after every optimizer update'}"
                f", or build it with `t_in_epochs={unit != 'epoch'}` and size it in "
                f"{'updates' if unit == 'epoch' else 'epochs'}.")))
    else:
        unit, need = plan.interval, plan.scheduler_steps
    got = _length(scheduler)
    if got is None:
        return found
    length, what, end = got
    units = f"{unit}s"
    if isinstance(scheduler, torch_sched.OneCycleLR) and length < need:
        found.append(Finding("warning", "onecycle-overflow", (
            f"OneCycleLR has {what}, but the plan ({plan}) calls step() {need} times: call {length + 1} "
            f"raises ValueError (\"Tried to step {length + 1} times. The specified number of total steps "
            f"is {length}\"), one {unit} after the schedule ran out. Size it as total_steps={need} "
            "(optimizer updates, per process).")))
    elif length > need + 1:
        found.append(Finding("warning", "schedule-too-long", (
            f"{name} has {what} {units}, but the plan ({plan}) steps it only {need} times: training ends "
            f"{need / length:.0%} of the way through the schedule, before its lr reaches its end. "
            f"Size it in {units}: {need}.")))
    elif length < need - 1 and end != "stays" or length < need - 1 and isinstance(scheduler, torch_sched.LambdaLR):
        tail = {"climbs back": "after that the lr climbs back up",
                "stays": "after that the lr stays at its end value"}.get(end, "")
        found.append(Finding("warning", "schedule-too-short", (
            f"{name} has {what} {units}, but the plan ({plan}) steps it {need} times: the schedule ends "
            f"after {length} and {tail} for the last {need - length} {units}. Size it in {units}: {need}.")))
    return found


def _timm_observed(scheduler: Any, w: Watch | None, optimizer: torch.optim.Optimizer,
                   updates_per_epoch: int | None) -> Finding | None:
    """Compare the lrs a timm scheduler should have given with those the optimizer used."""
    if getattr(scheduler, "noise_range_t", None) is not None:
        return None
    n = _optimizer_steps(optimizer, w)
    if not n or n < 2:
        return None
    if scheduler.t_in_epochs:
        if not updates_per_epoch:
            return None
        when = [u // updates_per_epoch for u in range(n)]
        how = "step(epoch + 1) after each epoch"
    else:
        when = list(range(n))
        how = "step_update(num_updates) after every optimizer update"
    try:
        if w is not None:
            used = [lrs[0] for lrs in w.lrs_at_step]
            pairs = list(zip(range(n), when, used))
        else:  # not watched: the lr about to be used by the next update
            nxt = n // updates_per_epoch if scheduler.t_in_epochs else n  # type: ignore[operator]
            pairs = [(n, nxt, float(optimizer.param_groups[0]["lr"]))]
        for u, t, lr in pairs:
            want = float(scheduler._get_lr(t)[0])
            if not math.isclose(lr, want, rel_tol=1e-6, abs_tol=1e-12):
                unit = "epoch" if scheduler.t_in_epochs else "update"
                return Finding("warning", "timm-unit", (
                    f"{type(scheduler).__name__}(t_in_epochs={scheduler.t_in_epochs}) counts {unit}s, so "
                    f"update {u} should use its lr at {unit} {t}, {want:.4g}; it used {lr:.4g}. Call {how}."))
    except Exception:  # a scheduler without _get_lr, or that breaks outside its range
        return None
    return None


def _calls_vs_updates(scheduler: Any, w: Watch | None, optimizer: torch.optim.Optimizer,
                      early: int) -> Finding | None:
    """A scheduler stepped more often than the optimizer really updated."""
    calls = _scheduler_steps(scheduler)
    if calls is None or _is_timm(scheduler):
        return None
    if w is not None:
        start = w.start_calls or 0
        calls -= start
        updates = w.optimizer_steps
    else:
        updates = _optimizer_steps(optimizer, None)
    if updates is None or updates == 0 or calls - early <= updates:
        return None
    extra = calls - early - updates
    name = type(scheduler).__name__
    if w is not None and len(w.calls_at_step) >= 2 and all(c is not None for c in w.calls_at_step):
        gaps = [b - a for a, b in zip(w.calls_at_step, w.calls_at_step[1:])]  # type: ignore[operator]
        if min(gaps) == max(gaps) > 1:
            return Finding("warning", "steps-not-updates", (
                f"{name} was stepped {gaps[0]} times between consecutive optimizer updates ({calls} calls "
                f"for {updates} updates): it counts batches, not updates, as when gradients are "
                f"accumulated over {gaps[0]} batches. Step it right after optimizer.step(), and size it "
                "in updates (lrlessons.sizing.updates_per_epoch)."))
        if max(gaps) > 1:
            return Finding("warning", "steps-not-updates", (
                f"{name} was stepped {calls} times but the optimizer updated only {updates} times: "
                f"{extra} update(s) were skipped (GradScaler skips optimizer.step() when the gradients "
                "hold inf or NaN) while the scheduler still stepped, so it runs ahead of training. Step it "
                "only when the optimizer really stepped (count optimizer steps with a step hook, or "
                "compare the scaler's scale before and after update())."))
    return Finding("warning", "steps-not-updates", (
        f"{name} was stepped {calls} times but the optimizer updated only {updates} times ({extra} more "
        "scheduler steps than updates): updates were skipped (gradient accumulation, or GradScaler "
        "skipping steps with inf/NaN gradients) while the scheduler kept stepping. Step the scheduler "
        "only after a real optimizer.step()."))


def diagnose(optimizer: torch.optim.Optimizer, scheduler: Any, *, steps_per_epoch: int | None = None,
             plan: Plan | None = None, quiet: bool = False) -> list[Finding]:
    """Look for the course's scheduler mistakes; print the findings and return them (lessons 06, 08).

    Args:
        optimizer: the optimizer you train with.
        scheduler: the scheduler you built on it (torch's, timm's, or anything with
            ``optimizer`` and ``step``). The schedulers inside a ``SequentialLR`` or
            ``ChainedScheduler`` are checked too.
        steps_per_epoch: optimizer updates per epoch, if you know it: lets ``diagnose``
            tell a scheduler stepped once per epoch from one stepped once per batch.
        plan: a ``lrlessons.sizing.Plan`` (epochs, batches or samples and batch size,
            accumulation, processes, drop_last, and whether you step the scheduler per
            update or per epoch). With it, the schedule's length is checked before
            training starts.
        quiet: return the findings without printing them.

    Returns:
        A list of ``Finding`` (empty when nothing looks wrong). A "warning" is a
        mistake; a "note" is something that may be one, and says why it may not.

    What it checks, and how:

    - **squared-lr** (lesson 06): a ``LambdaLR`` whose function returns the optimizer's
      lr (it starts or peaks at exactly ``base_lr``, below 1, and never goes above
      it) is a Keras-style schedule: warning. One whose factors all stay below 0.1
      is reported as a note, because a small factor may be meant (a constant
      ``lambda e: 0.01`` is legal). An optimizer lr of 1 or more is never flagged
      (then the function's numbers are the lrs, as in a Noam schedule on
      ``Adam(lr=1.0)``). A ``MultiplicativeLR`` factor below 0.1 is a warning. The
      function is called at most 18 times, at steps 0-9, 15, 20, 30, 50, 100,
      200, 500 and 1000 (``PROBE_AT``), and not after the first call that raises.
    - **get-lr** (note): ``get_lr()`` is the update rule ``step()`` runs inside;
      called from outside it can give another number than the lr in use.
      Once the scheduler has stepped, ``diagnose`` calls it (quietly, restoring
      anything it touches) and says when it differs from ``get_last_lr()`` right now. For a chainable scheduler this
      happens only at the steps where it changes the lr: ``StepLR(step_size=30)``
      differs at 3 of 90 epochs (30, 60, 90).
    - **scheduler-before-optimizer**: without ``watch``, only when the scheduler
      stepped and the optimizer never did; with ``watch``, any
      ``scheduler.step()`` before the first ``optimizer.step()``.
    - **stepped-per-batch**: a per-epoch schedule stepped once per batch (needs a
      count of updates: ``watch``, or an optimizer that keeps one, as Adam does).
      Not reported for OneCycleLR and CyclicLR, nor for a schedule whose length
      (see below) covers the steps it got: those count batches by design.
    - **steps-not-updates**: more scheduler steps than real optimizer updates, from
      gradient accumulation (the scheduler stepped every batch) or from updates
      that ``GradScaler`` skipped. Counted by ``watch`` or Adam-style state.
    - **schedule-too-long / schedule-too-short / onecycle-overflow** (with
      ``plan``): the schedule's length (``T_max``, ``total_steps``,
      ``total_iters`` of a decay, transformers' ``num_training_steps``, timm's
      ``t_initial``, a ``SequentialLR``'s last milestone plus its last child)
      against the number of ``step()`` calls the plan makes, allowing one either
      way; a ``OneCycleLR`` shorter than that will raise "Tried to step ...".
    - **timm-unit**: a timm scheduler with ``t_in_epochs=False`` moves only in
      ``step_update(num_updates)``, one with ``True`` only in ``step(epoch)``. With
      a plan, the unit is compared with the plan's; with ``watch``, the lr of
      every update is compared with the scheduler's own value for that update (or
      epoch, given ``steps_per_epoch`` or a plan).
    - **past-the-end**: a ``CosineAnnealingLR`` stepped past ``T_max`` (its lr climbs).
    - **wrong-optimizer**: the scheduler drives another optimizer.

    What it cannot know: what your numbers mean (``step_size=30``: epochs or
    batches?) unless you give a ``plan``; whether a line of your code logs
    ``get_lr()``; the order of calls made before ``watch``; how many updates a
    plain ``SGD`` made without ``watch`` (it keeps no count); the length of a
    schedule hidden in your own function (a ``LambdaLR`` of your own, timm's
    cycles); and what your function does beyond the 18 steps it calls.
    Findings say "looks like" or "may" where they guess.
    """
    _check(optimizer, scheduler)
    if steps_per_epoch is not None:
        positive_int("steps_per_epoch", steps_per_epoch)
    if plan is not None and not isinstance(plan, Plan):
        raise bad_value("plan", plan, "None or a lrlessons.sizing.Plan(epochs=..., batches=..., ...)", TypeError)
    w = _WATCHES.get(scheduler)
    found: list[Finding] = []
    updates_per_epoch = steps_per_epoch or (plan.updates_per_epoch if plan is not None else None)

    if scheduler.optimizer is not optimizer:
        found.append(Finding("warning", "wrong-optimizer", (
            "the scheduler is attached to a different optimizer from the one given: it changes the "
            "lr of an optimizer that does not train your model. Build it with this optimizer.")))

    found += _squaring(scheduler)
    get_lr = _get_lr_vs_last(scheduler)
    if get_lr is not None:
        found.append(get_lr)
    if plan is not None:
        found += _plan_checks(scheduler, plan)

    sched_steps = _scheduler_steps(scheduler) or 0  # calls to step() after construction
    opt_steps = _optimizer_steps(optimizer, w)
    early = None
    if w is not None and w.epochs_at_step:
        early = w.epochs_at_step[0] - w.start_epoch
    elif w is not None:
        early = (int(getattr(scheduler, "last_epoch", 0) or 0) - w.start_epoch) or None
    elif sched_steps > 0 and not getattr(scheduler.optimizer, "_opt_called", False) and not _is_timm(scheduler):
        early = sched_steps
    if early:
        found.append(Finding("warning", "scheduler-before-optimizer", (
            f"scheduler.step() ran {early} time(s) before the first optimizer.step(), so the first "
            f"{early} lr(s) of the schedule were skipped: training never used them. Call "
            "optimizer.step() first, then scheduler.step().")))

    ahead = _calls_vs_updates(scheduler, w, optimizer, early or 0)
    if ahead is not None:
        found.append(ahead)
    if _is_timm(scheduler) and not any(f.code == "timm-unit" for f in found):
        timm = _timm_observed(scheduler, w, optimizer, updates_per_epoch)
        if timm is not None:
            found.append(timm)

    per_step_kind = isinstance(scheduler, PER_STEP_KINDS)
    length = _length(scheduler)
    if length is not None and length[0] + 1 >= sched_steps:
        per_step_kind = True  # its length counts the steps it gets: sized in batches on purpose
    by_plan = plan is not None and plan.interval == "update"
    if w is not None:  # watched: compare with the calls made since watch() (a resumed run loads older ones)
        sched_steps -= w.start_calls or 0
    if opt_steps and sched_steps > 0 and not per_step_kind and not by_plan and ahead is None:
        if updates_per_epoch is not None:
            epochs_done = opt_steps / updates_per_epoch
            if opt_steps > updates_per_epoch and sched_steps > math.ceil(epochs_done) + 1:
                found.append(Finding("warning", "stepped-per-batch", (
                    f"{type(scheduler).__name__} was stepped {sched_steps} times in {epochs_done:.3g} "
                    f"epochs of {updates_per_epoch} batches: about once per batch. If its numbers count "
                    f"epochs, the schedule runs {updates_per_epoch} times too fast; step it once per epoch "
                    "(after the epoch's batches), or give it numbers that count batches.")))
        elif opt_steps > 1 and sched_steps >= opt_steps - 1:
            found.append(Finding("note", "stepped-per-batch", (
                f"{type(scheduler).__name__} was stepped after every optimizer step ({sched_steps} "
                f"scheduler steps, {opt_steps} optimizer steps). That is right if its numbers count "
                "batches, wrong if they count epochs; pass steps_per_epoch= or plan= to check.")))
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
# name), so let ``lrlessons.diagnose.watch``, ``.Plan`` and ``.Finding`` work too.
diagnose.watch = watch  # type: ignore[attr-defined]
diagnose.Finding = Finding  # type: ignore[attr-defined]
diagnose.Watch = Watch  # type: ignore[attr-defined]
diagnose.Plan = Plan  # type: ignore[attr-defined]
