"""Run a schedule inside accelerate and Lightning, for real, and record what the optimizer used.

Lesson 09 uses these to measure, not quote, how often each framework steps a scheduler:

- ``accelerate_run(...)`` trains a tiny model with a real ``accelerate.Accelerator``
  (gradient accumulation, a prepared scheduler) on this process and returns what
  ``lrlessons.recorder.Recorder`` saw at every real optimizer update;
- ``accelerate_launch(configs, processes=2)`` runs the same configurations on several
  CPU processes started for real by ``python -m torch.distributed.run`` (gloo backend,
  127.0.0.1, a free port, one thread each). Each process writes its records as JSON
  into a temporary directory; they are read back and the directory is removed;
- ``lightning_fit(...)`` fits a tiny ``LightningModule`` with a real ``Trainer`` on the
  CPU for a few batches, in a temporary directory, with no logger files, checkpoints or
  progress bar, catching Lightning's messages and warnings so a lesson can print them.

Every run trains ``nn.Linear(4, 1)`` on fixed random data with SGD: the model does not
matter here, only when the scheduler steps.
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import os
import re
import sys
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from lrlessons import _launch
from lrlessons._checks import bad_value, one_of, positive_int

__all__ = ["AccelerateRun", "LightningRun", "accelerate_launch", "accelerate_run", "cut_epochs",
           "keras_plateau_lrs", "lightning_fit", "scheduler_steps_per_epoch", "timm_plateau_lrs",
           "torch_plateau_lrs"]

#: The schedules ``accelerate_run`` can build, by name (all sized in scheduler steps).
SCHEDULES = ("linear", "count")


@dataclass
class AccelerateRun:
    """What one process saw: its counts and, per real optimizer update, the lr and scheduler steps."""

    processes: int
    rank: int
    k: int
    split_batches: bool
    step_scheduler_with_optimizer: bool
    batches: int            # batches this process iterated over (all epochs)
    batch_size: int         # samples in each of this process's batches
    updates: int            # real optimizer updates on this process
    scheduler_steps: int    # how often the inner scheduler really stepped (last_epoch)
    lrs: list[float] = field(default_factory=list)             # lr used by each update
    steps_before: list[int] = field(default_factory=list)      # scheduler steps before each update
    warnings: list[str] = field(default_factory=list)          # first line of each warning raised


def _make_schedule(name: str, optimizer: torch.optim.Optimizer, total: int) -> Any:
    if name == "linear":
        from transformers import get_linear_schedule_with_warmup

        return get_linear_schedule_with_warmup(optimizer, num_warmup_steps=0, num_training_steps=total)
    # "count": the lr is base_lr times (1 + the number of scheduler steps), easy to read back
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0 + s)


def _reset_accelerate() -> None:
    """Forget the previous Accelerator's settings (accelerate keeps them in process-wide singletons)."""
    from accelerate.state import AcceleratorState, GradientState

    AcceleratorState._reset_state(False)
    GradientState._reset_state()


def _one_run(k: int = 3, samples: int = 48, batch_size: int = 4, epochs: int = 1,
             split_batches: bool = False, step_scheduler_with_optimizer: bool = True,
             schedule: str = "count", total: int = 0, lr: float = 0.1) -> AccelerateRun:
    from accelerate import Accelerator
    from accelerate.utils import DataLoaderConfiguration
    from torch.utils.data import DataLoader, TensorDataset

    from lrlessons.recorder import Recorder

    _reset_accelerate()
    acc = Accelerator(cpu=True, gradient_accumulation_steps=k,
                      step_scheduler_with_optimizer=step_scheduler_with_optimizer,
                      dataloader_config=DataLoaderConfiguration(split_batches=split_batches))
    gen = torch.Generator().manual_seed(0)
    data = TensorDataset(torch.randn(samples, 4, generator=gen), torch.randn(samples, 1, generator=gen))
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    sched = _make_schedule(schedule, opt, total)
    loader = DataLoader(data, batch_size=batch_size)
    model, opt, loader, sched = acc.prepare(model, opt, loader, sched)
    batches, size = 0, 0
    with Recorder(opt.optimizer) as rec, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(epochs):
            for x, y in loader:
                with acc.accumulate(model):
                    loss = torch.nn.functional.mse_loss(model(x), y)
                    acc.backward(loss)
                    opt.step()
                    sched.step()
                    opt.zero_grad()
                batches += 1
                size = len(x)
    frame = rec.frame()
    inner = sched.scheduler
    run = AccelerateRun(processes=acc.num_processes, rank=acc.process_index, k=k, split_batches=split_batches,
                        step_scheduler_with_optimizer=step_scheduler_with_optimizer, batches=batches,
                        batch_size=size, updates=rec.updates, scheduler_steps=int(inner.last_epoch),
                        lrs=[float(v) for v in frame["lr"]], steps_before=[],
                        warnings=sorted({re.split(r"\.\s", str(w.message))[0] + "." for w in caught}))
    run.steps_before = _steps_from_lrs(run.lrs, lr) if schedule == "count" else []
    # no acc.free_memory(): its full garbage collection costs longer than the run, and
    # the next run resets accelerate's shared state itself (above)
    return run


def _steps_from_lrs(lrs: list[float], lr: float) -> list[int]:
    """For the "count" schedule, lr = base_lr * (1 + steps): read the steps back."""
    return [int(round(v / lr - 1.0)) for v in lrs]


def _check_config(cfg: dict) -> dict:
    allowed = {"k", "samples", "batch_size", "epochs", "split_batches", "step_scheduler_with_optimizer",
               "schedule", "total", "lr"}
    for key in cfg:
        if key not in allowed:
            raise bad_value("config key", key, "one of " + ", ".join(sorted(allowed)))
    for key in ("k", "samples", "batch_size", "epochs"):
        if key in cfg:
            positive_int(key, cfg[key])
    if "schedule" in cfg:
        one_of("schedule", cfg["schedule"], SCHEDULES)
    if cfg.get("schedule") == "linear":
        positive_int("total", cfg.get("total"))
    return cfg


def accelerate_run(**config: Any) -> AccelerateRun:
    """Train with a real ``Accelerator`` on this one process and record every real update (lesson 09).

    Keyword arguments (all optional): ``k`` (gradient_accumulation_steps, 3), ``samples``
    (48), ``batch_size`` (4), ``epochs`` (1), ``split_batches`` (False),
    ``step_scheduler_with_optimizer`` (True), ``schedule`` ("count": lr = 0.1 x (1 + scheduler
    steps), so the lr shows how often the scheduler stepped; or "linear": transformers'
    linear decay to 0 over ``total`` scheduler steps), ``lr`` (0.1).

    The loop is accelerate's documented one: ``with accelerator.accumulate(model):``
    backward, ``optimizer.step()``, ``scheduler.step()``, ``optimizer.zero_grad()`` on
    every batch; accelerate turns the calls off between synchronisations.
    """
    return _one_run(**_check_config(dict(config)))


def accelerate_launch(configs: list[dict], processes: int = 2, timeout: float = 120.0) -> list[list[AccelerateRun]]:
    """Run each configuration on ``processes`` CPU processes, launched for real (lesson 09).

    Starts ``python -m torch.distributed.run --nproc_per_node N`` on 127.0.0.1 with a
    free port; every process runs the configurations one after the other (accelerate's
    default CPU backend, gloo) and writes its records to a temporary directory, which
    is read back and removed. Returns, per configuration, one ``AccelerateRun`` per rank.
    If the launch fails, raises ``RuntimeError`` with the end of the processes' output.
    """
    processes = positive_int("processes", processes)
    if not isinstance(configs, (list, tuple)) or not configs:
        raise bad_value("configs", configs, "a non-empty list of dicts of accelerate_run's keyword arguments")
    configs = [_check_config(dict(c)) for c in configs]
    with tempfile.TemporaryDirectory(prefix="lrlessons09_") as tmp:
        with open(os.path.join(tmp, "configs.json"), "w") as f:
            json.dump(configs, f)
        _launch.launch(["lrlessons.frameworks", tmp], processes, cwd=tmp, timeout=timeout, what="launch")
        out = []
        for i in range(len(configs)):
            ranks = []
            for r in range(processes):
                with open(os.path.join(tmp, f"config{i}_rank{r}.json")) as f:
                    ranks.append(AccelerateRun(**json.load(f)))
            out.append(ranks)
    return out


def _worker(tmp: str) -> None:
    """One launched process: run every configuration, write one JSON per configuration."""
    with open(os.path.join(tmp, "configs.json")) as f:
        configs = json.load(f)
    for i, cfg in enumerate(configs):
        run = _one_run(**cfg)
        with open(os.path.join(tmp, f"config{i}_rank{run.rank}.json"), "w") as f:
            json.dump(asdict(run), f)
    from accelerate.state import PartialState

    PartialState().destroy_process_group()


def scheduler_steps_per_epoch(samples: int, batch_size: int, k: int, processes: int = 1,
                              split_batches: bool = False, step_scheduler_with_optimizer: bool = True) -> int:
    """How many times accelerate steps a prepared scheduler in one epoch: the sizing rule (lesson 09).

    Without ``split_batches`` each process iterates over ``ceil(samples / (batch_size x
    processes))`` batches (accelerate pads the last round so every process gets as many);
    with it, over ``ceil(samples / batch_size)`` batches of ``batch_size / processes``.
    A process makes ``ceil(batches / k)`` real updates (the last, short group of batches
    also updates, at the end of the data). Stepped with the optimizer, the scheduler steps
    ``processes`` times per update without ``split_batches`` and once with it; stepped on
    its own (``step_scheduler_with_optimizer=False``) it steps once per batch.
    """
    for name, value in (("samples", samples), ("batch_size", batch_size), ("k", k), ("processes", processes)):
        positive_int(name, value)
    per_process = math.ceil(samples / batch_size) if split_batches else math.ceil(samples / (batch_size * processes))
    if not step_scheduler_with_optimizer:
        return per_process
    updates = math.ceil(per_process / k)
    return updates if split_batches else updates * processes


# ----------------------------------------------------------------------------------------- Lightning


@dataclass
class LightningRun:
    """A Lightning fit: lrs per real update (Recorder), what LearningRateMonitor logged, messages."""

    lrs: np.ndarray                 # lr of each real optimizer update (Recorder)
    monitored: np.ndarray           # LearningRateMonitor's logged lrs, in logging order
    monitored_steps: np.ndarray     # the trainer step each of those was logged at
    estimated_stepping_batches: int
    messages: list[str]             # Lightning's info lines and warnings, as text
    scheduler_steps: int            # how often the scheduler stepped (last_epoch)


def _module_class() -> type:
    import lightning.pytorch as pl

    class Tiny(pl.LightningModule):
        def __init__(self, configure: Callable, log_metric: str | None, metric_values: list[float] | None):
            super().__init__()
            self.layer = torch.nn.Linear(4, 1)
            self._configure = configure
            self._log_metric = log_metric
            self._metric_values = metric_values

        def training_step(self, batch, batch_idx):
            x, y = batch
            return torch.nn.functional.mse_loss(self.layer(x), y)

        def on_train_epoch_end(self):
            if self._log_metric is not None:
                values = self._metric_values
                value = values[min(self.current_epoch, len(values) - 1)] if values else 1.0
                self.log(self._log_metric, float(value))

        def configure_optimizers(self):
            return self._configure(self)

    return Tiny


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def lightning_fit(configure: Callable, *, epochs: int = 3, batches: int = 5, batch_size: int = 4,
                  log_metric: str | None = None, metric_values: list[float] | None = None,
                  lr_monitor: str | None = "step") -> LightningRun:
    """Fit a tiny model with a real Lightning ``Trainer`` on the CPU and record the lrs (lesson 09).

    ``configure(module)`` is the body of ``configure_optimizers``: it receives the
    LightningModule (so ``module.parameters()`` and ``module.trainer`` are there) and
    returns what ``configure_optimizers`` returns. ``batches`` batches of ``batch_size``
    per epoch; ``log_metric`` names a metric logged at the end of each epoch, with value
    ``metric_values[epoch]``; ``lr_monitor`` is ``LearningRateMonitor``'s
    ``logging_interval`` ("step", "epoch" or None for no monitor).

    Runs in a temporary directory (removed afterwards) with ``logger`` a CSV logger there,
    no checkpoints, no progress bar, no model summary; Lightning's info messages and
    warnings are collected in ``messages`` instead of printed. An error Lightning raises
    (a misconfiguration) propagates unchanged.
    """
    import lightning.pytorch as pl
    from lightning.pytorch.callbacks import LearningRateMonitor
    from lightning.pytorch.loggers import CSVLogger
    from torch.utils.data import DataLoader, TensorDataset

    from lrlessons.recorder import Recorder

    positive_int("epochs", epochs)
    positive_int("batches", batches)
    positive_int("batch_size", batch_size)
    if not callable(configure):
        raise bad_value("configure", configure, "a function module -> what configure_optimizers returns", TypeError)
    if lr_monitor is not None:
        one_of("lr_monitor", lr_monitor, ("step", "epoch", None))

    gen = torch.Generator().manual_seed(0)
    n = batches * batch_size
    data = TensorDataset(torch.randn(n, 4, generator=gen), torch.randn(n, 1, generator=gen))
    torch.manual_seed(0)
    module = _module_class()(configure, log_metric, metric_values)
    recorders: list[Recorder] = []

    class _Attach(pl.Callback):
        def on_train_start(self, trainer, pl_module):
            opt = trainer.optimizers[0]
            sched = trainer.lr_scheduler_configs[0].scheduler if trainer.lr_scheduler_configs else None
            recorders.append(Recorder(opt, sched))

    capture = _Capture()
    loggers = [logging.getLogger(name) for name in ("lightning.pytorch", "lightning.fabric", "lightning")]
    saved = [(lg, lg.level, lg.propagate, list(lg.handlers)) for lg in loggers]
    with tempfile.TemporaryDirectory(prefix="lrlessons09_pl_") as tmp, \
            warnings.catch_warnings(record=True) as caught, \
            contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("always")
        for lg in loggers:
            lg.handlers = [capture]
            lg.setLevel(logging.INFO)
            lg.propagate = False
        monitor = LearningRateMonitor(logging_interval=lr_monitor) if lr_monitor else None
        try:
            trainer = pl.Trainer(accelerator="cpu", devices=1, max_epochs=epochs, default_root_dir=tmp,
                                 logger=CSVLogger(tmp, name="logs"), enable_checkpointing=False,
                                 enable_progress_bar=False, enable_model_summary=False, log_every_n_steps=1,
                                 callbacks=[_Attach()] + ([monitor] if monitor else []), num_sanity_val_steps=0)
            trainer.fit(module, DataLoader(data, batch_size=batch_size))
            csv = os.path.join(trainer.logger.log_dir, "metrics.csv")
            monitored, at = _read_lr_log(csv)
        finally:
            for lg, level, propagate, handlers in saved:
                lg.handlers, lg.propagate = handlers, propagate
                lg.setLevel(level)
            for rec in recorders:
                rec.close()
    messages = capture.lines + [str(w.message) for w in caught]
    rec = recorders[0]
    sched = trainer.lr_scheduler_configs[0].scheduler if trainer.lr_scheduler_configs else None
    return LightningRun(lrs=rec.lrs(), monitored=monitored, monitored_steps=at,
                        estimated_stepping_batches=int(trainer.estimated_stepping_batches), messages=messages,
                        scheduler_steps=int(getattr(sched, "last_epoch", 0)) if sched is not None else 0)


def _read_lr_log(path: str) -> tuple[np.ndarray, np.ndarray]:
    """The lr-... column LearningRateMonitor wrote into the CSV logger's metrics file."""
    import pandas as pd

    if not os.path.exists(path):
        return np.array([]), np.array([])
    frame = pd.read_csv(path)
    cols = [c for c in frame.columns if c.startswith("lr-")]
    if not cols:
        return np.array([]), np.array([])
    rows = frame.dropna(subset=[cols[0]])
    return rows[cols[0]].to_numpy(dtype=float), rows["step"].to_numpy(dtype=int)


if __name__ == "__main__":  # one process of accelerate_launch
    _worker(sys.argv[1])


# ------------------------------------------------------------------------- plateau, three libraries


def _metric_list(metric: Any) -> list[float]:
    try:
        values = [float(v) for v in metric]
    except (TypeError, ValueError):
        raise bad_value("metric", metric, "a sequence of numbers, one per epoch", TypeError) from None
    if not values:
        raise bad_value("metric", metric, "a non-empty sequence of numbers, one per epoch")
    return values


def torch_plateau_lrs(metric: Any, lr: float = 0.1, **kwargs: Any) -> np.ndarray:
    """The lr after each epoch's ``ReduceLROnPlateau.step(metric[epoch])`` (torch; lesson 09).

    ``kwargs`` go to ``torch.optim.lr_scheduler.ReduceLROnPlateau`` (mode, factor,
    patience, threshold, threshold_mode, cooldown, min_lr, eps).
    """
    values = _metric_list(metric)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    out = []
    for v in values:
        sched.step(v)
        out.append(opt.param_groups[0]["lr"])
    return np.array(out)


def timm_plateau_lrs(metric: Any, lr: float = 0.1, **kwargs: Any) -> np.ndarray:
    """The lr after each epoch's ``PlateauLRScheduler.step(epoch + 1, metric[epoch])`` (timm; lesson 09).

    timm's own training script steps with ``epoch + 1`` after each epoch, as here.
    ``kwargs`` go to ``timm.scheduler.PlateauLRScheduler`` (mode defaults to "max"
    there!); its deprecation warning is silenced.
    """
    from timm.scheduler import PlateauLRScheduler

    values = _metric_list(metric)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        sched = PlateauLRScheduler(opt, **kwargs)
    out = []
    for epoch, v in enumerate(values):
        sched.step(epoch + 1, v)
        out.append(opt.param_groups[0]["lr"])
    return np.array(out)


def keras_plateau_lrs(metric: Any, lr: float = 0.1, **kwargs: Any) -> np.ndarray:
    """The lr after each epoch's ``on_epoch_end`` of Keras's ``ReduceLROnPlateau`` callback (lesson 09).

    A real Keras model with a real ``SGD(lr)`` optimizer; the callback is called as
    ``fit`` calls it, with ``logs={"val_loss": metric[epoch]}``. ``kwargs`` go to
    ``keras.callbacks.ReduceLROnPlateau`` (monitor defaults to "val_loss"). Keras keeps
    the lr in float32, so the values are float32 numbers.
    """
    from lrlessons.keras_bridge import import_keras

    keras = import_keras()
    values = _metric_list(metric)
    monitor = kwargs.pop("monitor", "val_loss")
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(lr), loss="mse")
    cb = keras.callbacks.ReduceLROnPlateau(monitor=monitor, **kwargs)
    cb.set_model(model)
    cb.on_train_begin()
    out = []
    for epoch, v in enumerate(values):
        cb.on_epoch_end(epoch, {"val_loss": v})
        out.append(float(model.optimizer.learning_rate))
    return np.array(out)


def cut_epochs(lrs: Any) -> list[int]:
    """The epochs (from 0) whose lr is lower than the epoch before: where a plateau rule cut."""
    lrs = np.asarray(lrs, dtype=float)
    return [int(e) for e in np.nonzero(lrs[1:] < lrs[:-1])[0] + 1]
