"""SequentialLR and ChainedScheduler: schedulers made of schedulers (lesson 04)."""
from __future__ import annotations

from bisect import bisect_right
from typing import Any, Sequence

from torch.optim import Optimizer

from lrlessons._checks import bad_value
from lrlessons.reference.torchlike.base import LRScheduler, current_lrs
from lrlessons.reference.torchlike.plateau import ReduceLROnPlateau

__all__ = ["SequentialLR", "ChainedScheduler"]


def _check_children(owner: str, schedulers: Sequence, optimizer: Optimizer) -> None:
    if len(schedulers) < 1:
        raise bad_value("schedulers", schedulers, f"a non-empty list for {owner}")
    for i, child in enumerate(schedulers):
        if not hasattr(child, "optimizer"):
            raise bad_value(f"schedulers[{i}]", child, "a scheduler (with an optimizer)",
                            TypeError)
        if isinstance(child, ReduceLROnPlateau):
            raise bad_value(f"schedulers[{i}]", child, f"any scheduler but ReduceLROnPlateau "
                            f"(its step needs a metric, {owner} passes none)")
        if child.optimizer != optimizer:
            raise bad_value(f"schedulers[{i}]", child, "a scheduler of the same optimizer "
                            "as the others")


class _Children:
    """Save/load for a scheduler that owns others: each child saves its own state."""

    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [child.state_dict() for child in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        children = state.pop("_schedulers")
        self.__dict__.update(state)
        for child, child_state in zip(self._schedulers, children):
            child.load_state_dict(child_state)


class SequentialLR(_Children, LRScheduler):
    """Run one scheduler after another, switching at the milestones.

    At step t the active child is schedulers[bisect_right(milestones, t)]. Stepping
    steps only the active child, except at a milestone, where the new child restarts
    with ``step(0)`` semantics: its last_epoch becomes 0 and it sets its closed-form lr
    for t = 0 (its get_lr() if it has no closed form). It has no get_lr() of its own.

    The constructor undoes what building the children did: it puts every group back
    at initial_lr, moves every child's last_epoch back by one (they all made their
    initial step), then redoes only the first active child's initial step.

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        optimizer: the optimizer all children drive.
        schedulers: the children, in order.
        milestones: the step counts where the next child takes over (one fewer).
        last_epoch: where the sequence starts (default -1).
    """

    def __init__(self, optimizer: Optimizer, schedulers: list[LRScheduler],
                 milestones: list[int], last_epoch: int = -1) -> None:
        _check_children("SequentialLR", schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise bad_value("milestones", milestones, f"a list of {len(schedulers) - 1} "
                            f"step counts, one fewer than schedulers ({len(schedulers)})")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self.recursive_undo()
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def recursive_undo(self, sched: Any = None) -> None:
        """Move back by one step every scheduler inside this one (nested ones too)."""
        sched = self if sched is None else sched
        if hasattr(sched, "_schedulers"):
            for child in sched._schedulers:
                self.recursive_undo(child)
        elif hasattr(sched, "last_epoch"):
            sched.last_epoch -= 1

    def step(self) -> None:
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        child = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            child._update_lr(0)  # restart the child at t = 0
        else:
            child.step()
        self._last_lr = child.get_last_lr()


class ChainedScheduler(_Children, LRScheduler):
    """Step several schedulers together, in order, at every step.

    Each child's chainable rule multiplies the lr the previous child left, so their
    factors multiply; a child with a closed form (LambdaLR, CyclicLR, OneCycleLR, ...)
    overwrites what came before it. The chain itself has no last_epoch and no base_lrs.

    Lesson 04 reads it beside torch's source and checks them equal.

    Args:
        schedulers: the children, stepped in this order.
        optimizer: their optimizer (default: the first child's).
    """

    def __init__(self, schedulers: Sequence[LRScheduler],
                 optimizer: Optimizer | None = None) -> None:
        if len(schedulers) < 1:
            raise bad_value("schedulers", schedulers, "a non-empty list for ChainedScheduler")
        optimizer = optimizer or schedulers[0].optimizer
        _check_children("ChainedScheduler", schedulers, optimizer)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = current_lrs(self._schedulers[-1].optimizer)

    def step(self) -> None:
        for child in self._schedulers:
            child.step()
        self._last_lr = current_lrs(self._schedulers[-1].optimizer)
