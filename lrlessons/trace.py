"""Record the learning rate a scheduler gives, step by step, without touching yours.

``trace`` builds a throwaway optimizer (one parameter per group), attaches the
scheduler to it, runs a training loop's skeleton (``optimizer.step()`` then the
scheduler) and records the lr every param group had for every optimizer step.

It drives four kinds of scheduler:

- torch's ``LRScheduler`` classes and anything shaped like them (``step()``);
- ``ReduceLROnPlateau`` and other metric-driven ones (``step(metric)``), fed from
  ``metrics``;
- timm's schedulers and their lrlessons twins: ``step_update(num_updates)`` after
  every optimizer step and ``step(epoch + 1)`` after every epoch, as timm's own
  training script does (``t_in_epochs`` decides which of the two moves the lr);
- a custom object with an ``optimizer`` attribute and a ``step`` method.

Used in every lesson; lesson 01 introduces it.
"""
from __future__ import annotations

import copy
import inspect
import math
import numbers
import re
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np
import torch

from lrlessons._checks import bad_value, one_of, positive_int

if TYPE_CHECKING:  # pandas loads when a table is asked for: every process that imports
    import pandas as pd  # lrlessons (lessons, launched workers) starts about 0.3 s sooner

INTERVALS = ("step", "epoch")


@dataclass
class Trace:
    """The lrs one schedule gave: ``lrs[i, g]`` is group ``g``'s lr at optimizer step ``i``.

    ``frame()`` gives the tidy table (step, epoch, group, lr[, label]) that pandas
    and seaborn take directly.
    """

    lrs: np.ndarray
    steps_per_epoch: int = 1
    label: str = ""
    momenta: np.ndarray | None = field(default=None, repr=False)

    @property
    def steps(self) -> np.ndarray:
        """Optimizer step index of each row: 0, 1, 2, ..."""
        return np.arange(self.lrs.shape[0])

    @property
    def epochs(self) -> np.ndarray:
        """Epoch of each row (0-based): ``step // steps_per_epoch``."""
        return self.steps // self.steps_per_epoch

    @property
    def lr(self) -> np.ndarray:
        """The first param group's lrs, the curve most lessons plot."""
        return self.lrs[:, 0]

    @property
    def per_epoch(self) -> np.ndarray:
        """Each group's lr at the first step of every epoch, shape (epochs, groups)."""
        return self.lrs[:: self.steps_per_epoch]

    def frame(self) -> pd.DataFrame:
        """Tidy table with one row per (step, group): step, epoch, group, lr, label."""
        import pandas as pd

        n, groups = self.lrs.shape
        return pd.DataFrame({
            "step": np.repeat(self.steps, groups),
            "epoch": np.repeat(self.epochs, groups),
            "group": np.tile(np.arange(groups), n),
            "lr": self.lrs.reshape(-1),
            "label": self.label,
        })

    def __len__(self) -> int:
        return self.lrs.shape[0]


def _is_scheduler(obj: Any) -> bool:
    return hasattr(obj, "optimizer") and callable(getattr(obj, "step", None))


def _is_timm_style(sched: Any) -> bool:
    return callable(getattr(sched, "step_update", None))


def _takes_metric(sched: Any) -> bool:
    """True for metric-driven schedulers such as ReduceLROnPlateau."""
    if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
        return True
    if _is_timm_style(sched):  # timm's plateau scheduler (and its twin) needs step(epoch, metric)
        return "Plateau" in type(sched).__name__
    try:
        params = inspect.signature(sched.step).parameters
    except (TypeError, ValueError):
        return False
    return "metrics" in params or "metric" in params


def _throwaway_optimizer(lrs: Sequence[float], optimizer: str | Callable) -> torch.optim.Optimizer:
    params = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": float(lr)} for lr in lrs]
    if callable(optimizer):
        return optimizer(params)
    one_of("optimizer", optimizer, ("sgd", "adam"))
    if optimizer == "sgd":
        return torch.optim.SGD(params, lr=float(lrs[0]), momentum=0.9)
    return torch.optim.Adam(params, lr=float(lrs[0]))


def _fake_step(opt: torch.optim.Optimizer) -> None:
    """A real ``optimizer.step()`` that moves nothing (all grads are zero)."""
    for group in opt.param_groups:
        for p in group["params"]:
            p.grad = torch.zeros_like(p)
    opt.step()


def _metric_source(metrics: Any, needed: int) -> Callable[[int], float]:
    if callable(metrics):
        return lambda i: float(metrics(i))
    if isinstance(metrics, (str, bytes)) or not hasattr(metrics, "__len__"):
        raise bad_value("metrics", metrics,
                        "a sequence of numbers (one per scheduler step) or a function of the step", TypeError)
    values = list(metrics)
    if len(values) < needed:
        raise bad_value("metrics", metrics,
                        f"at least {needed} values, one for each scheduler step (got {len(values)})")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise bad_value("metrics", metrics, "a sequence of real numbers", TypeError)
    return lambda i: float(values[i])


def _optimizer_lrs(opt: torch.optim.Optimizer) -> list[float]:
    return [float(g["lr"]) for g in opt.param_groups]


def _momenta(opt: torch.optim.Optimizer) -> list[float]:
    out = []
    for g in opt.param_groups:
        if "betas" in g:
            out.append(float(g["betas"][0]))
        else:
            out.append(float(g.get("momentum", math.nan)))
    return out


def trace(
    schedule: Any,
    steps: int | None = None,
    *,
    epochs: int | None = None,
    steps_per_epoch: int = 1,
    interval: str = "step",
    metrics: Any = None,
    lrs: Sequence[float] = (0.1,),
    optimizer: str | Callable = "sgd",
    label: str = "",
) -> Trace:
    """Record the lr of every param group at every optimizer step of a schedule.

    Args:
        schedule: a function ``optimizer -> scheduler`` (preferred: it is called on a
            throwaway optimizer), or an existing scheduler, which is deep-copied
            together with its optimizer so that yours is never stepped.
        steps: how many optimizer steps to record. Give this or ``epochs``.
        epochs: how many epochs to record (``epochs * steps_per_epoch`` steps).
        steps_per_epoch: optimizer steps in one epoch (batches per epoch).
        interval: ``"step"`` steps the scheduler after every optimizer step,
            ``"epoch"`` after every ``steps_per_epoch`` of them. timm-style
            schedulers ignore this: they get ``step_update`` every step and
            ``step(epoch + 1)`` every epoch, like timm's training script.
        metrics: for metric-driven schedulers (ReduceLROnPlateau, timm's plateau):
            one value per scheduler step (a sequence) or a function of its index.
        lrs: base lr of each param group of the throwaway optimizer (one group per
            value). Ignored when ``schedule`` is an existing scheduler.
        optimizer: ``"sgd"`` (momentum 0.9), ``"adam"``, or a function
            ``param_groups -> optimizer``.
        label: a name for the curve, used by ``lrlessons.plot`` for the legend.

    Returns:
        a ``Trace``: ``.lrs`` (steps x groups), ``.lr`` (group 0), ``.frame()``.

    Used from lesson 01 on.
    """
    positive_int("steps_per_epoch", steps_per_epoch)
    one_of("interval", interval, INTERVALS)
    if (steps is None) == (epochs is None):
        raise bad_value("steps", steps, "given when epochs is not (give exactly one of steps, epochs)")
    total = positive_int("steps", steps) if steps is not None else \
        positive_int("epochs", epochs) * steps_per_epoch
    if isinstance(lrs, (str, bytes)) or not hasattr(lrs, "__len__") or len(lrs) == 0:
        raise bad_value("lrs", lrs, "a non-empty sequence of learning rates, one per param group", TypeError)
    for lr in lrs:
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr >= 0:
            raise bad_value("lrs", lrs, "a sequence of numbers of at least 0")

    if _is_scheduler(schedule):
        try:
            sched = copy.deepcopy(schedule)
        except Exception as exc:  # pragma: no cover - depends on the scheduler's contents
            raise bad_value("schedule", schedule, "a scheduler that can be deep-copied, or a function "
                            f"optimizer -> scheduler (copying failed: {exc})", TypeError) from exc
        opt, copied = sched.optimizer, True
    elif callable(schedule):
        opt, copied = _throwaway_optimizer(lrs, optimizer), False
        sched = schedule(opt)
        if not _is_scheduler(sched):
            raise bad_value("schedule", schedule, "a function that returns a scheduler (an object with "
                            f"an optimizer and a step method), but it returned {type(sched).__name__}",
                            TypeError)
        if sched.optimizer is not opt:
            raise bad_value("schedule", schedule, "a function that builds its scheduler on the optimizer "
                            "it is given (it used another optimizer)")
    else:
        raise bad_value("schedule", schedule, "a scheduler (torch, timm, lrlessons or any object with an "
                        "optimizer and a step method) or a function optimizer -> scheduler", TypeError)

    timm_style = _is_timm_style(sched)
    wants_metric = _takes_metric(sched) or getattr(sched, "metric_driven", False)
    # timm-style schedulers take their metric once per epoch, in step(epoch, metric)
    per_epoch = timm_style or interval == "epoch"
    n_sched_steps = total // steps_per_epoch if per_epoch else total
    metric = None
    if wants_metric or (timm_style and metrics is not None):
        if metrics is None:
            raise bad_value("metrics", metrics, f"a sequence of {n_sched_steps} numbers or a function of "
                            f"the step: {type(sched).__name__} decides from a metric")
        metric = _metric_source(metrics, n_sched_steps)

    rows = np.empty((total, len(opt.param_groups)))
    moms = np.empty_like(rows)
    with warnings.catch_warnings():
        if copied:
            # deepcopy drops the marker torch puts on optimizer.step, so torch would
            # wrongly report that optimizer.step() was replaced; the loop below calls
            # optimizer.step() before the scheduler, as it should.
            warnings.filterwarnings("ignore", message=re.escape("Seems like `optimizer.step()` has been"))
        _drive(sched, opt, total, steps_per_epoch, interval, timm_style, metric, rows, moms)
    return Trace(lrs=rows, steps_per_epoch=steps_per_epoch, label=label, momenta=moms)


def _drive(sched, opt, total, steps_per_epoch, interval, timm_style, metric, rows, moms) -> None:
    k = 0  # scheduler steps taken so far
    for i in range(total):
        rows[i] = _optimizer_lrs(opt)
        moms[i] = _momenta(opt)
        _fake_step(opt)
        end_of_epoch = (i + 1) % steps_per_epoch == 0
        if timm_style:
            m = metric(k) if metric is not None and end_of_epoch else None
            sched.step_update(num_updates=i + 1, metric=None)
            if end_of_epoch:
                sched.step((i + 1) // steps_per_epoch, m)
                k += 1
        elif interval == "step" or end_of_epoch:
            if metric is not None:
                sched.step(metric(k))
            else:
                sched.step()
            k += 1
