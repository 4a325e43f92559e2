"""Record the learning rate the optimizer really used, at every real update.

A schedule is sized in one unit (batches, epochs, processes) and stepped in
another (optimizer updates, scheduler calls). What the optimizer receives is only
visible at its own ``step()``: under gradient accumulation it steps once per k
batches, and under mixed precision ``GradScaler`` skips a step whose gradients
overflowed. ``Recorder`` attaches to torch's optimizer step hooks, so it works
with any training loop, and logs at each real update:

- ``update``: how many real updates came before this one (0, 1, 2, ...);
- ``group`` and ``lr``: the lr each param group used for this update;
- ``scheduler_steps``: how many times the scheduler had been stepped by then.

Used in lessons 08 (accumulation, mixed precision, several processes) and 09
(accelerate and Lightning checked against it).

    rec = Recorder(optimizer, scheduler)
    for batch in loader: ...            # your loop, unchanged
    rec.frame()                         # one row per (update, group)
    rec.lrs()                           # the lrs of group 0, one per update
    rec.close()                         # or use ``with Recorder(...) as rec:``
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from lrlessons._checks import bad_value

__all__ = ["Recorder"]


def _scheduler_steps(scheduler: Any) -> int | None:
    """How often ``scheduler.step()`` has run since it was built (None if it cannot be told).

    torch's schedulers count in ``_step_count`` (1 right after ``__init__``);
    ``SequentialLR`` counts in ``last_epoch``; ``ChainedScheduler`` steps all its
    children at once, so its first child's count is its own; wrappers such as
    accelerate's ``AcceleratedScheduler`` hold the real one in ``.scheduler``.
    timm's schedulers keep no count (the loop passes it in), so they give None.
    """
    if scheduler is None:
        return None
    if isinstance(scheduler, torch.optim.lr_scheduler.ChainedScheduler):
        children = getattr(scheduler, "_schedulers", [])
        return _scheduler_steps(children[0]) if children else None
    inner = getattr(scheduler, "scheduler", None)  # accelerate's AcceleratedScheduler, wrappers
    for obj in (scheduler, inner):
        if obj is None:
            continue
        count = getattr(obj, "_step_count", None)  # torch LRScheduler: 1 after __init__
        if isinstance(count, int):
            return count - 1
        last = getattr(obj, "last_epoch", None)
        if isinstance(last, int):
            return last
    return None


class Recorder:
    """Log the lr of every param group at every real ``optimizer.step()`` (lessons 08, 09).

    Args:
        optimizer: a ``torch.optim.Optimizer`` (the real one, not a wrapper: pass
            ``accelerator_optimizer.optimizer`` for accelerate).
        scheduler: optional; when given, each row also records how many times it
            had been stepped (torch's ``_step_count - 1``, or ``last_epoch``).

    The hook runs before the update, so ``lr`` is the value the update used.
    An update that ``GradScaler`` skips never calls ``optimizer.step()`` and so
    leaves no row: ``updates`` counts only real updates.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, scheduler: Any = None) -> None:
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise bad_value("optimizer", optimizer,
                            "a torch.optim.Optimizer (for a wrapper, pass the optimizer inside it)",
                            TypeError)
        if scheduler is not None and not hasattr(scheduler, "step"):
            raise bad_value("scheduler", scheduler, "None or an object with a step() method", TypeError)
        self.optimizer = optimizer
        self.scheduler = scheduler
        self._rows: list[tuple[int, int, float, int | None]] = []
        self.updates = 0
        self._handle = optimizer.register_step_pre_hook(self._before_step)

    def _before_step(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        steps = _scheduler_steps(self.scheduler)
        for g, group in enumerate(optimizer.param_groups):
            self._rows.append((self.updates, g, float(group["lr"]), steps))
        self.updates += 1

    def lrs(self, group: int = 0) -> np.ndarray:
        """The lr that param group ``group`` used at each real update, in order."""
        groups = len(self.optimizer.param_groups)
        if isinstance(group, bool) or not isinstance(group, int) or not 0 <= group < groups:
            raise bad_value("group", group, f"a param group index from 0 to {groups - 1}")
        return np.array([lr for _, g, lr, _ in self._rows if g == group], dtype=float)

    def scheduler_steps(self) -> np.ndarray:
        """How often the scheduler had been stepped at each real update (group 0's rows)."""
        if self.scheduler is None:
            raise bad_value("scheduler", None, "given to Recorder(...) to count its steps")
        return np.array([s for _, g, _, s in self._rows if g == 0], dtype=float)

    def frame(self):
        """One row per (update, group): update, group, lr, scheduler_steps."""
        import pandas as pd

        return pd.DataFrame(self._rows, columns=["update", "group", "lr", "scheduler_steps"])

    def close(self) -> None:
        """Detach from the optimizer (the rows stay)."""
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Recorder({self.updates} updates, {len(self.optimizer.param_groups)} param groups)"
