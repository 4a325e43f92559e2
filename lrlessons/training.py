"""A small model and a training loop that records loss, accuracy and lr.

``train`` runs the same loop a learner would write (forward, loss, backward,
``optimizer.step()``, then the scheduler) on real data from ``lrlessons.data``,
and returns a ``History`` with one row per optimizer step and one per epoch. It is
deterministic on the CPU for a given seed: the model's initial weights and the
order of the batches depend only on ``seed`` (and the epoch), so a run that
stops, saves its state and resumes gives the very same numbers.

Used in lessons 01, 05 and 06.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator

import torch
from torch import nn

from lrlessons._checks import bad_value, one_of, positive_int
from lrlessons.data import Split, load
from lrlessons.env import THREADS, device as default_device
from lrlessons.trace import _is_timm_style, _takes_metric

if TYPE_CHECKING:
    import pandas as pd

INTERVALS = ("epoch", "step")
CHECKPOINT_KEYS = frozenset({"epoch", "step", "model", "optimizer", "scheduler", "step_rows", "epoch_rows"})


def make_model(features: int = 64, hidden: int = 128, classes: int = 10, seed: int = 0) -> nn.Module:
    """A two-layer perceptron (features -> hidden -> classes), initialised from ``seed``."""
    positive_int("features", features)
    positive_int("hidden", hidden)
    positive_int("classes", classes)
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, classes))


def batches(split: Split, batch_size: int, epoch: int, seed: int = 0) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The training batches of one epoch, shuffled by a generator seeded from (seed, epoch)."""
    positive_int("batch_size", batch_size)
    gen = torch.Generator().manual_seed(seed * 100_003 + epoch)
    order = torch.randperm(len(split.x_train), generator=gen)
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        yield split.x_train[idx], split.y_train[idx]


def steps_per_epoch(split: Split, batch_size: int) -> int:
    """How many optimizer steps (batches) one epoch has."""
    return -(-len(split.x_train) // positive_int("batch_size", batch_size))


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy of ``model`` on (x, y)."""
    model.eval()
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, y).item()
    acc = (logits.argmax(1) == y).float().mean().item()
    model.train()
    return loss, acc


@dataclass
class History:
    """What one training run recorded.

    ``steps``: step, epoch, loss (of the batch), lr (used for that step).
    ``epochs``: epoch, lr (at the epoch's first step), train_loss (mean over the
    epoch's batches), test_loss, test_acc.
    ``checkpoint``: the saved state when ``train(save_at=...)`` was asked for one.
    """

    steps: pd.DataFrame
    epochs: pd.DataFrame
    label: str = ""
    checkpoint: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def final_accuracy(self) -> float:
        return float(self.epochs["test_acc"].iloc[-1])


def _progress_enabled(progress: bool | None) -> bool:
    if progress is not None:
        return bool(progress)
    return os.environ.get("LRLESSONS_PROGRESS", "1") != "0"


def train(
    optimizer: Callable[[Any], torch.optim.Optimizer],
    scheduler: Callable[[torch.optim.Optimizer], Any] | None = None,
    *,
    epochs: int = 10,
    batch_size: int = 64,
    interval: str = "epoch",
    data: str | Split = "digits",
    hidden: int = 128,
    seed: int = 0,
    label: str = "",
    save_at: int | None = None,
    resume: dict[str, Any] | None = None,
    progress: bool | None = None,
    device: str = "cpu",
) -> History:
    """Train the small model and record loss, accuracy and lr.

    Args:
        optimizer: a function ``parameters -> optimizer``, e.g.
            ``lambda p: torch.optim.SGD(p, lr=0.1)``.
        scheduler: a function ``optimizer -> scheduler`` (torch, timm, lrlessons),
            or None for a constant lr.
        epochs: epochs to train (in all, counting those before ``resume``).
        batch_size: images per optimizer step.
        interval: ``"epoch"`` steps the scheduler after each epoch, ``"step"`` after
            each batch. Plateau schedulers get the epoch's test loss (``"epoch"``) or
            the batch loss (``"step"``). timm schedulers get ``step_update`` after
            every batch and ``step(epoch + 1, test_loss)`` after every epoch.
        data: a data set name for ``lrlessons.data.load`` or a loaded ``Split``.
        hidden: width of the hidden layer.
        seed: seeds the initial weights and the batch order.
        label: a name for this run in plots and tables.
        save_at: after this many epochs, store model, optimizer and scheduler
            ``state_dict()``s in ``History.checkpoint``.
        resume: a checkpoint from ``save_at``: continue that run from there.
        progress: show a progress bar (default: on, unless the environment variable
            ``LRLESSONS_PROGRESS`` is ``"0"``, as in tests and stored notebooks). It
            is a plain text bar, so a saved notebook reopens without widget errors.
        device: ``"cpu"`` (the default: the same numbers on every machine), ``"auto"``
            (a GPU if torch sees one) or ``"cuda"``; see ``lrlessons.device``.
    """
    positive_int("epochs", epochs)
    one_of("interval", interval, INTERVALS)
    if not callable(optimizer):
        raise bad_value("optimizer", optimizer, "a function parameters -> optimizer, e.g. "
                        "lambda p: torch.optim.SGD(p, lr=0.1)", TypeError)
    if scheduler is not None and not callable(scheduler):
        raise bad_value("scheduler", scheduler, "None or a function optimizer -> scheduler", TypeError)
    if save_at is not None and not (isinstance(save_at, int) and 1 <= save_at <= epochs):
        raise bad_value("save_at", save_at, f"None or a whole number from 1 to epochs={epochs}")
    if resume is not None and not (isinstance(resume, dict) and CHECKPOINT_KEYS <= set(resume)):
        raise bad_value("resume", resume, "None or the checkpoint a run made with save_at "
                        "(History.checkpoint), a dict with the keys " + ", ".join(sorted(CHECKPOINT_KEYS)),
                        TypeError if not isinstance(resume, dict) else ValueError)
    dev = default_device(device)
    split = data if isinstance(data, Split) else load(data)
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        return _run(optimizer, scheduler, split, epochs, batch_size, interval, hidden, seed, label,
                    save_at, resume, _progress_enabled(progress), dev)
    finally:
        torch.set_num_threads(threads)


def _run(make_opt, make_sched, split, epochs, batch_size, interval, hidden, seed, label,
         save_at, resume, progress, dev) -> History:
    model = make_model(split.features, hidden, split.classes, seed).to(dev)
    opt = make_opt(model.parameters())
    sched = make_sched(opt) if make_sched is not None else None
    timm_style = sched is not None and _is_timm_style(sched)
    wants_metric = sched is not None and not timm_style and _takes_metric(sched)
    x_test, y_test = split.x_test.to(dev), split.y_test.to(dev)
    step_rows: list[tuple] = []
    epoch_rows: list[tuple] = []
    first_epoch, step = 0, 0
    if resume is not None:
        model.load_state_dict(resume["model"])
        opt.load_state_dict(resume["optimizer"])
        if sched is not None:
            sched.load_state_dict(resume["scheduler"])
        first_epoch, step = resume["epoch"], resume["step"]
        step_rows, epoch_rows = list(resume["step_rows"]), list(resume["epoch_rows"])
    checkpoint = None

    bar = None
    if progress:
        from tqdm.std import tqdm  # text, not a widget: saved notebooks reopen cleanly

        bar = tqdm(total=epochs, initial=first_epoch, desc=label or "training", leave=False)
    for epoch in range(first_epoch, epochs):
        losses = []
        lr_at_start = opt.param_groups[0]["lr"]
        for xb, yb in batches(split, batch_size, epoch, seed):
            xb, yb = xb.to(dev), yb.to(dev)
            lr = opt.param_groups[0]["lr"]
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            losses.append(loss.item())
            step_rows.append((step - 1, epoch, losses[-1], lr))
            if timm_style:
                sched.step_update(num_updates=step)
            elif sched is not None and interval == "step":
                sched.step(losses[-1]) if wants_metric else sched.step()
        test_loss, test_acc = evaluate(model, x_test, y_test)
        epoch_rows.append((epoch, lr_at_start, sum(losses) / len(losses), test_loss, test_acc))
        if timm_style:
            sched.step(epoch + 1, test_loss)
        elif sched is not None and interval == "epoch":
            sched.step(test_loss) if wants_metric else sched.step()
        if bar is not None:
            bar.set_postfix(test_loss=f"{test_loss:.3f}", test_acc=f"{test_acc:.3f}", refresh=False)
            bar.update(1)
        if save_at is not None and epoch + 1 == save_at:
            checkpoint = {
                "epoch": epoch + 1, "step": step,
                "model": {k: v.clone() for k, v in model.state_dict().items()},
                "optimizer": _copy_state(opt.state_dict()),
                "scheduler": _copy_state(sched.state_dict()) if sched is not None else None,
                "step_rows": list(step_rows), "epoch_rows": list(epoch_rows),
            }
    if bar is not None:
        bar.close()
    import pandas as pd  # only here: importing lrlessons.training stays light

    steps_df = pd.DataFrame(step_rows, columns=["step", "epoch", "loss", "lr"])
    epochs_df = pd.DataFrame(epoch_rows, columns=["epoch", "lr", "train_loss", "test_loss", "test_acc"])
    return History(steps_df, epochs_df, label, checkpoint)


def _copy_state(state: Any) -> Any:
    import copy
    return copy.deepcopy(state)
