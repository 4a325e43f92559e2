"""How many optimizer updates a training run really makes: the number a schedule is sized in.

A schedule counts calls to its ``step()``. Stepped once per optimizer update, its
length (``T_max``, ``total_steps``, ``num_training_steps``, timm's ``t_initial`` with
``t_in_epochs=False``) must be the number of updates, which is not the number of
batches once gradients are accumulated or the data is split over several processes.

The rule, for one process (lesson 08)::

    samples_per_process = ceil(samples / processes)       # DistributedSampler pads
    batches             = ceil(samples_per_process / batch_size)     # floor with drop_last
    updates_per_epoch   = ceil(batches / accumulation)   # a partial last window still updates
                          floor(batches / accumulation)  # if the loop drops it
    total_updates       = epochs * updates_per_epoch

``Plan`` holds these numbers; ``lrlessons.diagnose(..., plan=Plan(...))`` compares
them with the schedule's length before training starts.
"""
from __future__ import annotations

from dataclasses import dataclass

from lrlessons._checks import bad_value, one_of, positive_int

__all__ = ["Plan", "batches_per_epoch", "updates_per_epoch"]

INTERVALS = ("update", "epoch")


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise bad_value(name, value, "True or False", TypeError)
    return value


def batches_per_epoch(samples: int, batch_size: int, *, processes: int = 1, drop_last: bool = False) -> int:
    """Batches one process sees per epoch (lesson 08).

    With several processes, ``DistributedSampler`` (its default ``drop_last=False``)
    gives each process ``ceil(samples / processes)`` samples, repeating a few to
    pad; the ``DataLoader`` then makes ``ceil(n / batch_size)`` batches of them, or
    ``floor(n / batch_size)`` with ``drop_last=True``.
    """
    positive_int("samples", samples)
    positive_int("batch_size", batch_size)
    positive_int("processes", processes)
    _flag("drop_last", drop_last)
    per_process = -(-samples // processes)
    if drop_last and per_process < batch_size:
        raise bad_value("batch_size", batch_size, f"at most the {per_process} samples each process "
                        "gets, or drop_last=False (drop_last would leave no batch at all)")
    return per_process // batch_size if drop_last else -(-per_process // batch_size)


def updates_per_epoch(batches: int, accumulation: int = 1, *, partial: str = "step") -> int:
    """Optimizer updates per epoch when gradients are summed over ``accumulation`` batches (lesson 08).

    ``partial="step"``: the loop also updates after a last, incomplete window
    (``if (i + 1) % accumulation == 0 or i + 1 == len(loader)``): ``ceil``.
    ``partial="drop"``: the loop updates only after full windows
    (``if (i + 1) % accumulation == 0``), so the last batches' gradients are
    carried into the next epoch or thrown away: ``floor``.
    """
    positive_int("batches", batches)
    positive_int("accumulation", accumulation)
    one_of("partial", partial, ("step", "drop"))
    if partial == "drop" and batches < accumulation:
        raise bad_value("accumulation", accumulation, f"at most batches={batches} with partial='drop' "
                        "(no window would ever be full)")
    return -(-batches // accumulation) if partial == "step" else batches // accumulation


@dataclass(frozen=True)
class Plan:
    """What a training run will do, known before it starts (lesson 08).

    Give either ``batches`` (the length of the loader one process iterates, i.e.
    ``len(train_loader)`` inside that process) or ``samples`` and ``batch_size``
    (then ``processes`` and ``drop_last`` size the loader as ``batches_per_epoch``
    does). ``interval`` says how often the loop calls ``scheduler.step()``: after
    every optimizer ``"update"`` or once per ``"epoch"``.
    """

    epochs: int
    batches: int | None = None
    samples: int | None = None
    batch_size: int | None = None
    accumulation: int = 1
    processes: int = 1
    drop_last: bool = False
    partial: str = "step"
    interval: str = "update"

    def __post_init__(self) -> None:
        positive_int("epochs", self.epochs)
        positive_int("accumulation", self.accumulation)
        positive_int("processes", self.processes)
        _flag("drop_last", self.drop_last)
        one_of("partial", self.partial, ("step", "drop"))
        one_of("interval", self.interval, INTERVALS)
        if self.batches is None:
            if self.samples is None or self.batch_size is None:
                raise bad_value("batches", None, "given, or else both samples= and batch_size= "
                                "(to size the loader)", TypeError)
            batches_per_epoch(self.samples, self.batch_size, processes=self.processes, drop_last=self.drop_last)
        else:
            positive_int("batches", self.batches)
            if self.samples is not None or self.batch_size is not None:
                raise bad_value("batches", self.batches, "left out when samples= and batch_size= are given "
                                "(one way to size the loader, not two)")
        updates_per_epoch(self.batches_per_epoch, self.accumulation, partial=self.partial)

    @property
    def batches_per_epoch(self) -> int:
        """Batches one process iterates per epoch."""
        if self.batches is not None:
            return self.batches
        return batches_per_epoch(self.samples, self.batch_size, processes=self.processes,  # type: ignore[arg-type]
                                 drop_last=self.drop_last)

    @property
    def updates_per_epoch(self) -> int:
        """Optimizer updates per epoch in each process."""
        return updates_per_epoch(self.batches_per_epoch, self.accumulation, partial=self.partial)

    @property
    def total_updates(self) -> int:
        """Optimizer updates over the whole run, in each process."""
        return self.epochs * self.updates_per_epoch

    @property
    def scheduler_steps(self) -> int:
        """How many times the loop will call ``scheduler.step()``: the length the schedule needs."""
        return self.total_updates if self.interval == "update" else self.epochs

    def __str__(self) -> str:
        size = (f"{self.batches} batches" if self.batches is not None
                else f"{self.samples} samples in batches of {self.batch_size}")
        extra = []
        if self.processes > 1:
            extra.append(f"{self.processes} processes")
        if self.drop_last:
            extra.append("drop_last")
        if self.accumulation > 1:
            extra.append(f"accumulation {self.accumulation}")
        tail = (", " + ", ".join(extra)) if extra else ""
        return (f"{self.epochs} epochs of {size}{tail}: {self.updates_per_epoch} updates per epoch, "
                f"{self.total_updates} in all")

