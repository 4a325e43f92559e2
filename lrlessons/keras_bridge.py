"""Move an epoch schedule between Keras and PyTorch without squaring the learning rate.

Keras and PyTorch disagree on what a schedule function returns:

- ``keras.callbacks.LearningRateScheduler(schedule)`` calls ``schedule(epoch)`` or
  ``schedule(epoch, lr)`` at the start of every epoch (``epoch`` counts from 0) and
  uses what it returns *as the learning rate*;
- ``torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)`` calls
  ``lr_lambda(epoch)`` once when it is built (epoch 0) and after every ``step()``,
  and multiplies the optimizer's base lr by what it returns: a *factor*.

Handing a Keras function to LambdaLR therefore gives ``lr = base_lr * schedule(epoch)``,
about ``1e-3 * 1e-3 = 1e-6`` for a typical schedule: the squaring trap. The two
functions here translate in both directions:

- ``to_lambda_lr(schedule, base_lr)``: ``lr_lambda(epoch) = schedule(epoch) / base_lr``,
  so ``LambdaLR`` gives the very lrs Keras uses. A two-argument schedule
  ``schedule(epoch, lr)`` is chained from ``base_lr`` the way Keras chains it (Keras
  keeps the lr in a float32 variable, so the ``lr`` it passes is rounded to float32;
  the bridge rounds the same way).
- ``from_lambda_lr(lr_lambda, base_lr)``: ``schedule(epoch) = base_lr * lr_lambda(epoch)``,
  ready for ``LearningRateScheduler``.

``fit_keras`` trains a small Keras model on the course's data with a
``LearningRateScheduler`` and records, from Keras itself, the lr each epoch used.

Keras must run on its PyTorch backend: import ``lrlessons`` before ``keras``
(it sets ``KERAS_BACKEND=torch``). Used in lesson 06.
"""
from __future__ import annotations

import inspect
import math
import numbers
import os
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from lrlessons._checks import bad_value, positive_int

__all__ = ["KerasRun", "fit_keras", "from_lambda_lr", "import_keras", "schedule_arity", "to_lambda_lr",
           "torch_scheduler_for", "keras_lrs"]


def import_keras() -> Any:
    """Import Keras on its PyTorch backend and return the module.

    Raises a RuntimeError that says what to do when Keras was already imported
    with another backend (or ``KERAS_BACKEND`` names another one).
    """
    loaded = sys.modules.get("keras")
    if loaded is None:
        chosen = os.environ.setdefault("KERAS_BACKEND", "torch")
        if chosen != "torch":
            raise RuntimeError(
                f"KERAS_BACKEND={chosen!r} is not allowed here: the course runs Keras on its PyTorch "
                "backend. Unset it or set KERAS_BACKEND=torch before starting Python.")
        import keras as loaded
    backend = loaded.backend.backend()
    if backend != "torch":
        raise RuntimeError(
            f"Keras is already running on the {backend!r} backend, and a backend cannot change once "
            "Keras is imported. Restart the kernel and import lrlessons before keras (it sets "
            "KERAS_BACKEND=torch).")
    return loaded


def _refuse_other_backend() -> None:
    loaded = sys.modules.get("keras")
    backend = getattr(getattr(loaded, "backend", None), "backend", None)
    if callable(backend) and backend() != "torch":
        import_keras()  # raises the explanation


_refuse_other_backend()


def _check_callable(name: str, fn: Any) -> Callable:
    if not callable(fn):
        raise bad_value(name, fn, "a function of the epoch (for example lambda epoch: 1e-3 * 0.9 ** epoch)",
                        TypeError)
    return fn


def _check_base_lr(base_lr: Any) -> float:
    if isinstance(base_lr, bool) or not isinstance(base_lr, numbers.Real):
        raise bad_value("base_lr", base_lr, "a number greater than 0 (the optimizer's lr)", TypeError)
    if not (math.isfinite(base_lr) and base_lr > 0):
        raise bad_value("base_lr", base_lr, "a finite number greater than 0 (the optimizer's lr)")
    return float(base_lr)


def _check_output(name: str, value: Any, epoch: int, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        try:  # a 0-d array or tensor is fine
            if getattr(value, "ndim", None) == 0 or getattr(value, "shape", None) == ():
                value = float(value)
        except (TypeError, ValueError):
            pass
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}({epoch}) returned {value!r} ({type(value).__name__}): it must return "
                        f"a number, {what}.")
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name}({epoch}) returned {value!r}: it must return a finite number of at "
                         f"least 0, {what}.")
    return value


def _refuse_per_step(name: str, schedule: Any) -> None:
    """A Keras ``LearningRateSchedule`` counts updates, not epochs: point to the per-step path."""
    loaded = sys.modules.get("keras")
    base = getattr(getattr(getattr(loaded, "optimizers", None), "schedules", None), "LearningRateSchedule", None)
    if base is not None and isinstance(schedule, base):
        raise bad_value(name, schedule, "a function of the epoch (for keras.callbacks.LearningRateScheduler); "
                        f"a {type(schedule).__name__} counts optimizer updates, not epochs: use "
                        "keras_bridge.torch_scheduler_for(schedule, optimizer) and step it after every batch",
                        TypeError)


def _needs_two_arguments(fn: Callable) -> bool:
    """True when ``fn(epoch)`` cannot be called: its signature needs a second argument."""
    try:
        inspect.signature(fn).bind(0)
        return False
    except TypeError:
        return True
    except ValueError:  # no signature to read (some builtins): let the call decide
        return False


def schedule_arity(schedule: Callable) -> int:
    """1 for ``schedule(epoch)``, 2 for ``schedule(epoch, lr)``, as Keras would call it.

    Keras tries ``schedule(epoch, lr)`` and falls back to ``schedule(epoch)`` on a
    TypeError; reading the signature gives the same answer without running it
    (and without hiding a TypeError raised inside the function).
    """
    _check_callable("schedule", schedule)
    try:
        sig = inspect.signature(schedule)
    except (TypeError, ValueError):
        return 1
    try:
        sig.bind(0, 0.0)
        return 2
    except TypeError:
        return 1


def to_lambda_lr(schedule: Callable, base_lr: float) -> Callable[[int], float]:
    """A Keras-style schedule (returns the lr) as an ``lr_lambda`` for ``LambdaLR`` (returns a factor).

    ``LambdaLR(torch.optim.X(params, lr=base_lr), to_lambda_lr(schedule, base_lr))``,
    stepped once per epoch after the epoch's optimizer steps, uses ``schedule(epoch)``
    during epoch ``epoch``: the lrs Keras's ``LearningRateScheduler`` uses.

    Args:
        schedule: ``schedule(epoch) -> lr`` or ``schedule(epoch, lr) -> lr`` (Keras's
            two forms; the second gets the lr of the previous epoch, ``base_lr`` at epoch 0).
        base_lr: the lr the torch optimizer is built with (and, for a two-argument
            schedule, the lr Keras's optimizer starts from).

    Returns:
        ``lr_lambda(epoch) = lr(epoch) / base_lr``.
    """
    _check_callable("schedule", schedule)
    _refuse_per_step("schedule", schedule)
    base = _check_base_lr(base_lr)
    what = "the learning rate itself, as for keras.callbacks.LearningRateScheduler"
    if schedule_arity(schedule) == 1:
        def lr_lambda(epoch: int) -> float:
            return _check_output("schedule", schedule(epoch), epoch, what) / base
    else:
        chain: list[float] = []  # chain[e] = lr Keras would use in epoch e

        def lr_lambda(epoch: int) -> float:
            while len(chain) <= epoch:
                e = len(chain)
                # Keras reads the previous lr back from its float32 variable
                previous = float(np.float32(chain[-1] if chain else base))
                chain.append(_check_output("schedule", schedule(e, previous), e, what))
            return chain[epoch] / base
    lr_lambda.__doc__ = f"Factor for LambdaLR: the Keras schedule's lr divided by base_lr={base:g}."
    _check_output("schedule", lr_lambda(0) * base, 0, what)  # fail now, not inside LambdaLR
    return lr_lambda


def from_lambda_lr(lr_lambda: Callable[[int], float], base_lr: float) -> Callable[[int], float]:
    """A torch ``lr_lambda`` (returns a factor) as a Keras schedule (returns the lr).

    ``keras.callbacks.LearningRateScheduler(from_lambda_lr(lr_lambda, base_lr))`` uses
    ``base_lr * lr_lambda(epoch)`` in epoch ``epoch``, the lr ``LambdaLR`` gives.
    """
    _check_callable("lr_lambda", lr_lambda)
    if _needs_two_arguments(lr_lambda):
        raise bad_value("lr_lambda", lr_lambda, "a function of the epoch alone, lambda epoch: factor, as "
                        "LambdaLR calls it (a Keras schedule(epoch, lr) goes the other way: to_lambda_lr)",
                        TypeError)
    base = _check_base_lr(base_lr)
    what = "a factor that multiplies base_lr, as for torch.optim.lr_scheduler.LambdaLR"

    def schedule(epoch: int) -> float:
        return base * _check_output("lr_lambda", lr_lambda(epoch), epoch, what)
    schedule.__doc__ = f"Keras schedule: base_lr={base:g} times the LambdaLR factor."
    schedule(0)
    return schedule


@dataclass
class KerasRun:
    """What ``fit_keras`` recorded: per epoch, the lr Keras used (``lrs``) and the mean training loss."""

    lrs: np.ndarray
    loss: np.ndarray
    logged_lrs: np.ndarray


def fit_keras(schedule: Callable | None, *, epochs: int = 10, lr: float = 1e-3, batch_size: int = 64,
              hidden: int = 128, seed: int = 0, data: Any = "digits", optimizer: str = "adam") -> KerasRun:
    """Train a small Keras model (features -> hidden ReLU -> 10) on the course's data.

    ``schedule`` goes to ``keras.callbacks.LearningRateScheduler`` (None: constant lr).
    The lr of every epoch is read from ``model.optimizer.learning_rate`` just before
    the epoch's first update (``KerasRun.lrs``); ``KerasRun.logged_lrs`` is what
    Keras wrote into its ``History`` (``"learning_rate"``, NaN without a schedule).
    """
    from lrlessons.data import Split, load

    k = import_keras()
    positive_int("epochs", epochs)
    positive_int("batch_size", batch_size)
    positive_int("hidden", hidden)
    _check_base_lr(lr)
    if schedule is not None:
        _check_callable("schedule", schedule)
    if optimizer not in ("adam", "sgd"):
        raise bad_value("optimizer", optimizer, "'adam' or 'sgd'")
    split = data if isinstance(data, Split) else load(data)
    x, y = split.x_train.numpy(), split.y_train.numpy()

    seen: list[float] = []

    class _ReadLr(k.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 0:
                seen.append(float(k.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    k.utils.set_random_seed(seed)
    model = k.Sequential([k.Input((split.features,)), k.layers.Dense(hidden, activation="relu"),
                          k.layers.Dense(split.classes)])
    opt = k.optimizers.Adam(lr) if optimizer == "adam" else k.optimizers.SGD(lr)
    model.compile(optimizer=opt, loss=k.losses.SparseCategoricalCrossentropy(from_logits=True))
    callbacks = [] if schedule is None else [k.callbacks.LearningRateScheduler(schedule)]
    with warnings.catch_warnings():
        # Keras 3.15 reads its torch-backed lr variable through NumPy's old __array__
        # protocol, which NumPy 2 flags once per read; nothing is wrong with the values.
        warnings.filterwarnings("ignore", message="__array__ implementation doesn't accept a copy",
                                category=DeprecationWarning)
        history = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0,
                            callbacks=callbacks + [_ReadLr()])
    logged = history.history.get("learning_rate", [math.nan] * epochs)
    return KerasRun(np.array(seen), np.array(history.history["loss"]), np.array(logged, dtype=float))


def torch_scheduler_for(schedule: Any, optimizer: Any) -> Any:
    """The torch scheduler, stepped once per optimizer step, that follows a Keras ``LearningRateSchedule``.

    Sets every param group's lr to the schedule's starting lr (torch schedulers scale
    the optimizer's lr), then returns:

    - ``ExponentialDecay`` (``staircase=False``): ``ExponentialLR(gamma=decay_rate ** (1 / decay_steps))``
    - ``ExponentialDecay`` (``staircase=True``): ``StepLR(step_size=decay_steps, gamma=decay_rate)``
    - ``PiecewiseConstantDecay`` (values shrink by one ratio): ``MultiStepLR(milestones=[b + 1 ...], gamma)``
    - ``PolynomialDecay`` (``end_learning_rate=0``, no ``cycle``): ``PolynomialLR(total_iters=decay_steps, power)``
    - ``InverseTimeDecay``: ``LambdaLR(lambda t: 1 / (1 + decay_rate * t / decay_steps))``
    - ``CosineDecay`` (no warm-up): ``CosineAnnealingLR(T_max=decay_steps, eta_min=alpha * lr0)``
    - ``CosineDecay`` (warm-up from lr0 > 0): ``SequentialLR([LinearLR(lr0 / target, 1, warmup_steps),
      CosineAnnealingLR(decay_steps, alpha * target)])``
    - ``CosineDecayRestarts`` (``m_mul=1``, whole ``t_mul``):
      ``CosineAnnealingWarmRestarts(T_0=first_decay_steps, T_mult=t_mul, eta_min=alpha * lr0)``

    They agree while the Keras schedule is still moving; after its end Keras holds
    the last lr, while CosineAnnealingLR climbs back up and ExponentialLR keeps falling.
    Other settings have no torch class and raise a ValueError naming the setting.
    """
    from torch.optim import lr_scheduler as ts

    k = import_keras()
    if not isinstance(schedule, k.optimizers.schedules.LearningRateSchedule):
        raise bad_value("schedule", schedule, "a keras.optimizers.schedules.LearningRateSchedule", TypeError)
    cfg = schedule.get_config()
    kind = type(schedule).__name__

    def start(lr: float) -> None:
        for group in optimizer.param_groups:
            group["lr"] = float(lr)
            group.pop("initial_lr", None)

    def unsupported(setting: str) -> Exception:
        return bad_value("schedule", schedule, f"a setting torch has a scheduler class for ({kind} with {setting} "
                         "has none; use LambdaLR with lrlessons.formulas instead)")

    if kind == "ExponentialDecay":
        start(cfg["initial_learning_rate"])
        if cfg["staircase"]:
            if float(cfg["decay_steps"]) != int(cfg["decay_steps"]):
                raise unsupported("staircase and a fractional decay_steps")
            return ts.StepLR(optimizer, step_size=int(cfg["decay_steps"]), gamma=cfg["decay_rate"])
        return ts.ExponentialLR(optimizer, gamma=cfg["decay_rate"] ** (1.0 / cfg["decay_steps"]))
    if kind == "PiecewiseConstantDecay":
        values = [float(v) for v in cfg["values"]]
        ratios = [b / a for a, b in zip(values, values[1:])] if all(values) else [math.nan]
        if not all(math.isclose(r, ratios[0], rel_tol=1e-9) for r in ratios):
            raise unsupported("values that do not shrink by one common ratio")
        start(values[0])
        return ts.MultiStepLR(optimizer, milestones=[int(b) + 1 for b in cfg["boundaries"]], gamma=ratios[0])
    if kind == "PolynomialDecay":
        if cfg["end_learning_rate"] != 0 or cfg["cycle"]:
            raise unsupported("end_learning_rate != 0 or cycle=True")
        start(cfg["initial_learning_rate"])
        return ts.PolynomialLR(optimizer, total_iters=int(cfg["decay_steps"]), power=cfg["power"])
    if kind == "InverseTimeDecay":
        if cfg["staircase"]:
            raise unsupported("staircase=True")
        rate, steps = float(cfg["decay_rate"]), float(cfg["decay_steps"])
        start(cfg["initial_learning_rate"])
        return ts.LambdaLR(optimizer, lambda t: 1.0 / (1.0 + rate * t / steps))
    if kind == "CosineDecay":
        lr0, steps, alpha = float(cfg["initial_learning_rate"]), int(cfg["decay_steps"]), float(cfg["alpha"])
        target, warm = cfg["warmup_target"], int(cfg["warmup_steps"])
        if target is None or warm == 0:
            peak = lr0 if target is None else float(target)
            start(peak)
            return ts.CosineAnnealingLR(optimizer, T_max=steps, eta_min=alpha * peak)
        if not 0 < lr0 <= target:
            raise unsupported("a warm-up that does not climb from initial_learning_rate > 0")
        start(target)
        warmup = ts.LinearLR(optimizer, start_factor=lr0 / target, end_factor=1.0, total_iters=warm)
        decay = ts.CosineAnnealingLR(optimizer, T_max=steps, eta_min=alpha * target)
        return ts.SequentialLR(optimizer, [warmup, decay], milestones=[warm])
    if kind == "CosineDecayRestarts":
        t_mul = float(cfg["t_mul"])
        if cfg["m_mul"] != 1.0 or t_mul != int(t_mul) or t_mul < 1:
            raise unsupported("m_mul != 1 or a t_mul that is not a whole number")
        start(cfg["initial_learning_rate"])
        return ts.CosineAnnealingWarmRestarts(optimizer, T_0=int(cfg["first_decay_steps"]), T_mult=int(t_mul),
                                              eta_min=float(cfg["alpha"]) * float(cfg["initial_learning_rate"]))
    raise bad_value("schedule", schedule, "one of Keras's built-in schedules (ExponentialDecay, "
                    "PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay, CosineDecayRestarts)",
                    TypeError)


def keras_lrs(schedule: Any, steps: int) -> np.ndarray:
    """The lr a Keras optimizer uses at each of its first ``steps`` updates: ``schedule(0)``, ``schedule(1)``...

    A Keras optimizer built with a ``LearningRateSchedule`` evaluates it at its update
    counter (``optimizer.iterations``, 0 for the first update) before each update.
    Schedules that accept an array of steps are evaluated in one call (the same float32
    values as one call per step, which the tests check); the others step by step.
    """
    k = import_keras()
    positive_int("steps", steps)
    if not callable(schedule):
        raise bad_value("schedule", schedule, "a keras.optimizers.schedules.LearningRateSchedule", TypeError)
    try:  # one call for all steps: the same float32 arithmetic, element by element
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.asarray(k.ops.convert_to_numpy(schedule(np.arange(steps))), dtype=float)
        if values.shape == (steps,):
            return values
    except Exception:  # schedules that branch on the step (warm-up) or do not broadcast
        pass
    return np.array([float(schedule(t)) for t in range(steps)])
