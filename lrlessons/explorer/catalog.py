"""The explorer's menu: every schedule it can show, and the controls of each.

One ``Entry`` per (library, class). For a plain class the controls are the real
constructor's arguments (same names, the class's own defaults, a range wide enough
for real use) and the curve is its closed form in ``lrlessons.formulas``. Four kinds
of class take more than numbers, so their entry fixes a small, stated *recipe*:

- ``LambdaLR`` / ``MultiplicativeLR`` take a Python function: the control picks one of
  a few written-out lambdas (``LAMBDAS``, ``RATIOS``), shown verbatim in the code;
- ``SequentialLR`` / ``ChainedScheduler`` take other schedulers: the recipe is a
  ``LinearLR`` warmup with a ``CosineAnnealingLR``, and the controls are theirs;
- ``ReduceLROnPlateau`` / timm's ``PlateauLRScheduler`` react to a metric: the control
  ``metric`` picks one of the fixed sequences in ``METRICS`` (stated in the code shown);
- timm's ``WSDLRScheduler`` has no closed form in ``lrlessons.formulas``: ``wsd_lr`` below.

Curves without a closed form (``ChainedScheduler``, the two plateaus) are drawn by
stepping the course's from-scratch twins (``lrlessons.reference``); the check button
always steps the real class. What the menu leaves out, and why, is ``LEFT_OUT``.
An entry whose closed form is missing is left out of the menu. Used in lesson 07.
"""
from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from lrlessons._checks import one_of

__all__ = ["Control", "Entry", "ENTRIES", "LAMBDAS", "LEFT_OUT", "LIBRARIES", "METRICS", "RATIOS",
           "SKIP_ALWAYS", "closed_form", "entries", "find", "initial_value", "real_class", "signature_defaults", "wsd_lr"]

LIBRARIES = ("torch", "timm", "keras")
LIBRARY_LABELS = {"torch": "torch", "timm": "timm", "keras": "Keras"}
# Constructor arguments that never get a control: the optimizer the schedule drives,
# the resume position (the explorer always starts fresh), timm's "set the lr now"
# switch and Keras's name for the schedule object.
SKIP_ALWAYS = ("optimizer", "last_epoch", "initialize", "name", "verbose")
# Reasons shared by several entries for leaving an argument without a control.
NOISE = "random noise on top of the schedule: the closed form draws the noise-free curve"
MOMENTUM = "moves the optimizer's momentum, not the lr"
FUNCTION = "a Python function: write your own in code"
# Run controls (named so that they never clash with a constructor argument).
#: Entries whose controls are a recipe's (its parts' arguments), not the class's own arguments.
COMPOSITE = ("SequentialLR", "ChainedScheduler")
RUN_CONTROLS = ("lr", "train_epochs", "batches_per_epoch", "interval", "x_axis", "log")

#: What the menu leaves out, and why (lesson 07 prints this).
LEFT_OUT = {
    "your own lr_lambda": "LambdaLR and MultiplicativeLR offer a few written-out functions; write your own in code",
    "other SequentialLR / ChainedScheduler mixes": "the recipe is a LinearLR warmup with a CosineAnnealingLR",
    "a plateau fed your own metric": "the plateaus react to one of three fixed metric sequences",
    "timm's noise options": "random; the explorer draws the noise-free curve",
    "Keras's LearningRateScheduler callback": "it takes your function of the epoch (lesson 06)",
}

#: LambdaLR's choices: the lambda's body, exactly as the code shown writes it.
LAMBDAS = ("0.95 ** epoch", "min(1.0, (epoch + 1) / 5)", "1 / (1 + 0.1 * epoch)",
           "0.1 * 0.95 ** epoch")
#: MultiplicativeLR's choices: the ratio from one epoch's lr to the next.
RATIOS = ("0.95", "0.5 if epoch % 10 == 0 else 1.0", "1.0 if epoch < 10 else 0.9")
#: The metric sequences the plateaus are fed, one value per scheduler step ``epoch``.
METRICS = ("loss: 0.9 ** min(epoch, 10)", "accuracy: 1 - 0.5 * 0.8 ** min(epoch, 10)", "flat: 1.0")


def lambda_from(body: str) -> Callable[[int], float]:
    """The function ``lambda epoch: <body>`` for one of the catalog's fixed choices."""
    one_of("lr_lambda", body, LAMBDAS + RATIOS)
    return eval(f"lambda epoch: {body}", {"min": min, "max": max})  # noqa: S307 - fixed catalog text only


def metric_from(choice: str) -> Callable[[int], float]:
    """The metric sequence ``epoch -> value`` named by one of ``METRICS``."""
    one_of("metric", choice, METRICS)
    return eval(f"lambda epoch: {choice.split(': ', 1)[1]}", {"min": min})  # noqa: S307 - fixed text


@dataclass(frozen=True)
class Control:
    """One control: an argument's name, its kind and its range.

    kinds: ``float`` (slider), ``logfloat`` (slider on a log scale), ``int``,
    ``optint`` / ``optfloat`` (0 on the slider means None), ``bool``, ``choice``,
    ``ints`` / ``floats`` (comma-separated list in a text box).
    ``start`` is the value shown first when the signature has no default (or None).
    """

    name: str
    kind: str
    low: float = 0.0
    high: float = 1.0
    step: float | None = None
    options: tuple = ()
    start: Any = None


@dataclass(frozen=True)
class Entry:
    """One (library, scheduler) of the menu.

    ``formula`` names the closed form in ``lrlessons.formulas``, or is a function
    ``(t, lr, **controls)``. A *recipe* entry (``build`` given) builds the scheduler
    itself: ``build(module, optimizer, controls)`` with the real module or the twins'
    one; ``code(controls)`` is the constructor call shown; ``metric`` says the
    schedule is fed the ``metric`` control's sequence.
    """

    library: str
    cls: str                      # the real class's name
    formula: str | Callable | None
    controls: tuple[Control, ...]
    skipped: dict = field(default_factory=dict)   # argument -> why it has no control
    lr_arg: str | None = "lr"     # "lr": the optimizer's lr; else the constructor argument that is the lr
    lr_start: float = 0.1
    epochs: int = 20
    steps_per_epoch: int = 50
    interval: str = "epoch"       # torch only: when scheduler.step() is called
    validate: Callable[[dict, int], str | None] | None = None  # message for an impossible combination
    note: Callable[[dict, int], str | None] | None = None      # message for a legal but surprising one
    build: Callable[[Any, Any, dict], Any] | None = None       # recipe entries: (module, optimizer, kw)
    code: Callable[[dict], str] | None = None                  # recipe entries: the constructor call
    recipe: str = ""                                           # what a recipe entry fixes, in words
    metric: bool = False                                       # fed the "metric" control's sequence
    x_axis: str = "epoch"                                      # the x-axis unit it starts with

    @property
    def key(self) -> tuple[str, str]:
        return (self.library, self.cls)


# ----------------------------------------------------------------------- helpers
def _f(name, low, high, step=None, start=None):
    return Control(name, "float", low, high, step, start=start)


def _log(name, low, high, start=None):
    return Control(name, "logfloat", low, high, start=start)


def _i(name, low, high, start=None):
    return Control(name, "int", low, high, 1, start=start)


def _b(name):
    return Control(name, "bool")


def _c(name, *options, start=None):
    return Control(name, "choice", options=options, start=start)


def _one_cycle_total(kw: dict) -> int | None:
    if kw.get("total_steps") is not None:
        return kw["total_steps"]
    if kw.get("epochs") is not None and kw.get("steps_per_epoch") is not None:
        return kw["epochs"] * kw["steps_per_epoch"]
    return None


def _one_cycle_check(kw: dict, n_steps: int) -> str | None:
    total = _one_cycle_total(kw)
    if total is None:
        return ("OneCycleLR needs total_steps, or both epochs and steps_per_epoch: "
                "set total_steps above 0.")
    if n_steps > total:
        return (f"OneCycleLR is too short for this run: the run calls scheduler.step() {n_steps} times "
                f"but the cycle lasts {total} steps (torch raises ValueError at step {total + 1}). "
                "Raise total_steps or shorten the run.")
    return None


def _one_cycle_note(kw: dict, n_steps: int) -> str | None:
    total = _one_cycle_total(kw)
    if total is not None and kw["pct_start"] * total < 1:
        return (f"Note: pct_start x total_steps = {kw['pct_start'] * total:.3g} steps: the warmup is "
                "shorter than one step, so the curve starts near max_lr.")
    return None


def _restarts_note(kw: dict, n_steps: int) -> str | None:
    if float(kw.get("t_mul", 1.0)) != int(kw.get("t_mul", 1.0)):
        return ("Note: Keras finds the period with a float32 logarithm; at the first step of a period it "
                "can land just below the whole number and give the floor there instead of the restart "
                "(lesson 07, section 6).")
    return None


def _timm_common(cycles: bool = True, k_decay: bool = False) -> tuple[Control, ...]:
    out = []
    if cycles:
        out += [_f("cycle_mul", 0.5, 4.0, 0.1), _f("cycle_decay", 0.0, 1.0, 0.05), _i("cycle_limit", 1, 10)]
    out += [_i("warmup_t", 0, 200), _f("warmup_lr_init", 0.0, 0.1, 0.0005), _b("warmup_prefix"),
            _b("t_in_epochs")]
    if k_decay:
        out.append(_f("k_decay", 0.1, 5.0, 0.1))
    return tuple(out)


TIMM_NOISE = {"noise_range_t": NOISE, "noise_pct": NOISE, "noise_std": NOISE, "noise_seed": NOISE}
TIMM_PLATEAU_SKIP = dict(TIMM_NOISE, noise_type=NOISE)


# ----------------------------------------------------------------------- recipes
def _lambda_curve(t, lr, lr_lambda):
    from lrlessons.formulas import lambda_lr
    return lambda_lr(t, lr, lambda_from(lr_lambda))


def _ratio_curve(t, lr, lr_lambda):
    from lrlessons.formulas import multiplicative_lr
    return multiplicative_lr(t, lr, lambda_from(lr_lambda))


def _function_build(module, opt, kw, cls):
    return getattr(module, cls)(opt, lr_lambda=lambda_from(kw["lr_lambda"]))


def _sequential_curve(t, lr, start_factor, milestone, T_max, eta_min):
    from lrlessons.formulas import cosine_annealing_lr, linear_lr
    t = np.asarray(t)
    warm = linear_lr(t, lr, start_factor=start_factor, end_factor=1.0, total_iters=milestone)
    cosine = cosine_annealing_lr(np.maximum(t - milestone, 0), lr, T_max=T_max, eta_min=eta_min)
    return np.where(t < milestone, warm, cosine)


def _sequential_build(module, opt, kw):
    warm = module.LinearLR(opt, start_factor=kw["start_factor"], end_factor=1.0, total_iters=kw["milestone"])
    cosine = module.CosineAnnealingLR(opt, T_max=kw["T_max"], eta_min=kw["eta_min"])
    return module.SequentialLR(opt, [warm, cosine], milestones=[kw["milestone"]])


def _sequential_code(kw):
    return ("SequentialLR(optimizer, [\n"
            f"        LinearLR(optimizer, start_factor={kw['start_factor']!r}, end_factor=1.0, "
            f"total_iters={kw['milestone']}),\n"
            f"        CosineAnnealingLR(optimizer, T_max={kw['T_max']}, eta_min={kw['eta_min']!r}),\n"
            f"    ], milestones=[{kw['milestone']}])")


def _chained_build(module, opt, kw):
    warm = module.LinearLR(opt, start_factor=kw["start_factor"], end_factor=1.0, total_iters=kw["total_iters"])
    cosine = module.CosineAnnealingLR(opt, T_max=kw["T_max"], eta_min=kw["eta_min"])
    return module.ChainedScheduler([warm, cosine])


def _chained_code(kw):
    return ("ChainedScheduler([\n"
            f"        LinearLR(optimizer, start_factor={kw['start_factor']!r}, end_factor=1.0, "
            f"total_iters={kw['total_iters']}),\n"
            f"        CosineAnnealingLR(optimizer, T_max={kw['T_max']}, eta_min={kw['eta_min']!r}),\n"
            "    ])")


def _plain_args(kw: dict, leave: tuple[str, ...]) -> dict:
    return {k: v for k, v in kw.items() if k not in leave}


def _plateau_build(module, opt, kw):
    return module.ReduceLROnPlateau(opt, **_plain_args(kw, ("metric",)))


def _timm_plateau_build(module, opt, kw):
    return module.PlateauLRScheduler(opt, **_plain_args(kw, ("metric",)))


def _call_code(cls: str, kw: dict, leave: tuple[str, ...] = ("metric",)) -> str:
    pairs = ", ".join(f"{k}={v!r}" for k, v in _plain_args(kw, leave).items())
    return f"{cls}(optimizer, {pairs})"


def _function_code(cls):
    return lambda kw: f"{cls}(optimizer, lr_lambda=lambda epoch: {kw['lr_lambda']})"


def _wsd_check(kw: dict, n_steps: int) -> str | None:
    if not 0 < kw["decay_t"] <= kw["t_initial"]:
        return f"decay_t={kw['decay_t']} must be at least 1 and at most t_initial={kw['t_initial']}."
    if kw["stable_fn"] != "constant" and not (kw.get("stable_timescale") or kw["warmup_t"]):
        return (f"stable_fn={kw['stable_fn']!r} needs a timescale: set stable_timescale, or warmup_t "
                "(its default) above 0.")
    return None


def wsd_lr(t: Any, base_lr: float, t_initial: int, decay_t: int, lr_min: float = 0.0,
           stable_fn: str = "constant", stable_timescale: float | None = None, stable_power: float = 0.5,
           decay_fn: str = "1-sqrt", decay_power: float = 0.5, decay_ratio: float = 0.1,
           warmup_t: int = 0, warmup_lr_init: float = 0.0, **_: Any) -> np.ndarray:
    """timm's warmup-stable-decay schedule (``WSDLRScheduler``) at the counts ``t``.

    A linear warmup over ``warmup_t`` from ``warmup_lr_init``, then with ``t_s = t - warmup_t``
    and ``frac = (t_s - (t_initial - decay_t)) / decay_t`` clipped to [0, 1]::

        stable(t_s) = 1 (constant), (1 + t_s / timescale) ** -0.5 (rsqrt), ** -stable_power (power)
        lr = lr_min + (max(base_lr * stable(t_s), lr_min) - lr_min) * decay(frac)

    with ``decay`` 1 - frac (linear), 1 - sqrt(frac) (1-sqrt), (1 + cos(pi frac)) / 2
    (cosine), 1 - frac ** decay_power (power) or (r ** frac - r) / (1 - r), r = decay_ratio
    (exp); ``decay = 1`` before the decay phase. Used by the explorer (lesson 07).
    """
    t = np.asarray(t, dtype=float)
    timescale = stable_timescale if stable_timescale is not None else warmup_t
    t_s = t - warmup_t
    if stable_fn == "constant":
        stable = np.ones_like(t)
    else:
        power = 0.5 if stable_fn == "rsqrt" else stable_power
        stable = (1.0 + np.maximum(t_s, 0) / timescale) ** -power
    stable_lr = np.maximum(base_lr * stable, lr_min)
    frac = np.clip((t_s - (t_initial - decay_t)) / decay_t, 0.0, 1.0)
    decay = {"linear": lambda f: 1.0 - f, "1-sqrt": lambda f: 1.0 - np.sqrt(f),
             "cosine": lambda f: 0.5 * (1.0 + np.cos(np.pi * f)), "power": lambda f: 1.0 - f ** decay_power,
             "exp": lambda f: (decay_ratio ** f - decay_ratio) / (1.0 - decay_ratio)}[decay_fn](frac)
    decay = np.where(t_s - (t_initial - decay_t) > 0, decay, 1.0)
    after = lr_min + (stable_lr - lr_min) * decay
    if warmup_t:
        warm = warmup_lr_init + t * (base_lr - warmup_lr_init) / warmup_t
        return np.where(t < warmup_t, warm, after)
    return after


def _wsd_curve(t, lr, **kw):
    return wsd_lr(t, lr, **kw)


# ----------------------------------------------------------------------- the menu
ENTRIES: tuple[Entry, ...] = (
    # ---------------------------------------------------------------- torch
    Entry("torch", "LambdaLR", _lambda_curve, (_c("lr_lambda", *LAMBDAS),),
          build=lambda m, o, kw: _function_build(m, o, kw, "LambdaLR"), code=_function_code("LambdaLR"),
          recipe="lr_lambda is one of a few written-out functions of the epoch"),
    Entry("torch", "MultiplicativeLR", _ratio_curve, (_c("lr_lambda", *RATIOS),),
          build=lambda m, o, kw: _function_build(m, o, kw, "MultiplicativeLR"),
          code=_function_code("MultiplicativeLR"),
          recipe="lr_lambda is one of a few written-out ratios from one epoch's lr to the next"),
    Entry("torch", "StepLR", "step_lr", (_i("step_size", 1, 200, start=5), _f("gamma", 0.05, 1.0, 0.05))),
    Entry("torch", "MultiStepLR", "multi_step_lr",
          (Control("milestones", "ints", start=(5, 10, 15)), _f("gamma", 0.05, 1.0, 0.05))),
    Entry("torch", "ConstantLR", "constant_lr", (_f("factor", 0.0, 1.0, 0.01), _i("total_iters", 0, 200))),
    Entry("torch", "LinearLR", "linear_lr",
          (_f("start_factor", 0.01, 1.0, 0.01), _f("end_factor", 0.0, 1.0, 0.01), _i("total_iters", 0, 200))),
    Entry("torch", "ExponentialLR", "exponential_lr", (_f("gamma", 0.5, 1.0, 0.005, start=0.9),)),
    Entry("torch", "PolynomialLR", "polynomial_lr", (_i("total_iters", 0, 200), _f("power", 0.0, 5.0, 0.1))),
    Entry("torch", "CosineAnnealingLR", "cosine_annealing_lr",
          (_i("T_max", 1, 5000, start=20), _f("eta_min", 0.0, 0.1, 0.001))),
    Entry("torch", "CosineAnnealingWarmRestarts", "cosine_annealing_warm_restarts",
          (_i("T_0", 1, 5000, start=3), _i("T_mult", 1, 4), _f("eta_min", 0.0, 0.1, 0.001))),
    Entry("torch", "CyclicLR", "cyclic_lr",
          (_log("max_lr", 1e-5, 10.0, start=0.1), _i("step_size_up", 1, 5000),
           Control("step_size_down", "optint", 0, 5000, 1), _c("mode", "triangular", "triangular2", "exp_range"),
           _f("gamma", 0.99, 1.0, 0.0001), _c("scale_mode", "cycle", "iterations")),
          skipped={"scale_fn": FUNCTION, "cycle_momentum": MOMENTUM, "base_momentum": MOMENTUM,
                   "max_momentum": MOMENTUM},
          lr_arg="base_lr", lr_start=0.001, epochs=10, steps_per_epoch=1000, interval="step", x_axis="step"),
    Entry("torch", "OneCycleLR", "one_cycle_lr",
          (Control("total_steps", "optint", 0, 20000, 1, start=1000), Control("epochs", "optint", 0, 200, 1),
           Control("steps_per_epoch", "optint", 0, 1000, 1), _f("pct_start", 0.0, 1.0, 0.01),
           _c("anneal_strategy", "cos", "linear"), _f("div_factor", 1.0, 100.0, 1.0),
           _log("final_div_factor", 1.0, 1e6), _b("three_phase")),
          skipped={"cycle_momentum": MOMENTUM, "base_momentum": MOMENTUM, "max_momentum": MOMENTUM},
          lr_arg="max_lr", epochs=10, steps_per_epoch=100, interval="step", x_axis="step",
          validate=_one_cycle_check, note=_one_cycle_note),
    Entry("torch", "SequentialLR", _sequential_curve,
          (_f("start_factor", 0.01, 1.0, 0.01, start=0.01), _i("milestone", 1, 200, start=5),
           _i("T_max", 1, 5000, start=45), _f("eta_min", 0.0, 0.1, 0.001, start=0.0)),
          build=_sequential_build, code=_sequential_code, epochs=50, steps_per_epoch=1,
          recipe="LinearLR(start_factor, total_iters=milestone), then CosineAnnealingLR(T_max, eta_min) "
                 "from its own step 0 at the milestone"),
    Entry("torch", "ChainedScheduler", None,
          (_f("start_factor", 0.01, 1.0, 0.01, start=0.01), _i("total_iters", 0, 1000, start=5),
           _i("T_max", 1, 20000, start=50), _f("eta_min", 0.0, 0.1, 0.001, start=0.0)),
          build=_chained_build, code=_chained_code, epochs=50, steps_per_epoch=1,
          recipe="LinearLR(start_factor, total_iters) and CosineAnnealingLR(T_max, eta_min), both stepped "
                 "from the start"),
    Entry("torch", "ReduceLROnPlateau", None,
          (_c("metric", *METRICS), _c("mode", "min", "max"), _f("factor", 0.0, 0.95, 0.05),
           _i("patience", 0, 100), _log("threshold", 1e-6, 1.0), _c("threshold_mode", "rel", "abs"),
           _i("cooldown", 0, 100), _f("min_lr", 0.0, 0.1, 0.0005), _log("eps", 1e-12, 1e-2)),
          build=_plateau_build, code=lambda kw: _call_code("ReduceLROnPlateau", kw), metric=True,
          epochs=60, steps_per_epoch=1, recipe="scheduler.step(metric) with the metric sequence chosen"),
    # ---------------------------------------------------------------- timm
    Entry("timm", "CosineLRScheduler", "cosine_lr_scheduler",
          (_i("t_initial", 1, 1000, start=20), _f("lr_min", 0.0, 0.1, 0.0005))
          + _timm_common(k_decay=True), skipped=TIMM_NOISE),
    Entry("timm", "TanhLRScheduler", "tanh_lr_scheduler",
          (_i("t_initial", 1, 1000, start=20), _f("lb", -10.0, 0.0, 0.5), _f("ub", 0.0, 10.0, 0.5),
           _f("lr_min", 0.0, 0.1, 0.0005)) + _timm_common(), skipped=TIMM_NOISE),
    Entry("timm", "PolyLRScheduler", "poly_lr_scheduler",
          (_i("t_initial", 1, 1000, start=20), _f("power", 0.0, 5.0, 0.1), _f("lr_min", 0.0, 0.1, 0.0005))
          + _timm_common(k_decay=True), skipped=TIMM_NOISE),
    Entry("timm", "StepLRScheduler", "step_lr_scheduler",
          (_f("decay_t", 1.0, 100.0, 1.0, start=5.0), _f("decay_rate", 0.0, 1.0, 0.05))
          + _timm_common(cycles=False), skipped=TIMM_NOISE),
    Entry("timm", "MultiStepLRScheduler", "multi_step_lr_scheduler",
          (Control("decay_t", "ints", start=(5, 10, 15)), _f("decay_rate", 0.0, 1.0, 0.05))
          + _timm_common(cycles=False), skipped=TIMM_NOISE),
    Entry("timm", "WSDLRScheduler", _wsd_curve,
          (_i("t_initial", 1, 1000, start=40), _i("decay_t", 1, 1000, start=10), _f("lr_min", 0.0, 0.1, 0.0005),
           _c("stable_fn", "constant", "rsqrt", "power"), Control("stable_timescale", "optfloat", 0.0, 1000.0, 1.0),
           _f("stable_power", 0.05, 2.0, 0.05), _c("decay_fn", "linear", "1-sqrt", "cosine", "power", "exp",
                                                   start="1-sqrt"),
           _f("decay_power", 0.05, 5.0, 0.05), _f("decay_ratio", 0.01, 0.99, 0.01),
           _i("warmup_t", 0, 200, start=5), _f("warmup_lr_init", 0.0, 0.1, 0.0005), _b("t_in_epochs")),
          skipped=TIMM_NOISE, epochs=60, steps_per_epoch=20,
          validate=_wsd_check),
    Entry("timm", "PlateauLRScheduler", None,
          (_c("metric", *METRICS, start=METRICS[1]), _f("decay_rate", 0.0, 0.95, 0.05), _i("patience_t", 0, 100),
           _log("threshold", 1e-6, 1.0), _i("cooldown_t", 0, 100), _i("warmup_t", 0, 200),
           _f("warmup_lr_init", 0.0, 0.1, 0.0005), _f("lr_min", 0.0, 0.1, 0.0005), _c("mode", "min", "max")),
          skipped=TIMM_PLATEAU_SKIP, build=_timm_plateau_build,
          code=lambda kw: _call_code("PlateauLRScheduler", kw), metric=True, epochs=60, steps_per_epoch=1,
          note=lambda kw, n: ("Note: the installed timm marks PlateauLRScheduler deprecated (a FutureWarning): "
                              "its plateau state is not saved in checkpoints."),
          recipe="scheduler.step(epoch + 1, metric) with the metric sequence chosen"),
    # ---------------------------------------------------------------- Keras
    Entry("keras", "ExponentialDecay", "exponential_decay",
          (_i("decay_steps", 1, 5000, start=100), _f("decay_rate", 0.01, 1.0, 0.01, start=0.5), _b("staircase")),
          lr_arg="initial_learning_rate", x_axis="step"),
    Entry("keras", "PiecewiseConstantDecay", "piecewise_constant_decay",
          (Control("boundaries", "ints", start=(300, 600)),
           Control("values", "floats", start=(0.1, 0.01, 0.001))), lr_arg=None, x_axis="step"),
    Entry("keras", "PolynomialDecay", "polynomial_decay",
          (_i("decay_steps", 1, 5000, start=800), _log("end_learning_rate", 1e-6, 1.0),
           _f("power", 0.0, 5.0, 0.1), _b("cycle")), lr_arg="initial_learning_rate", x_axis="step"),
    Entry("keras", "InverseTimeDecay", "inverse_time_decay",
          (_i("decay_steps", 1, 5000, start=100), _f("decay_rate", 0.0, 5.0, 0.05, start=0.5), _b("staircase")),
          lr_arg="initial_learning_rate", x_axis="step"),
    Entry("keras", "CosineDecay", "cosine_decay",
          (_i("decay_steps", 1, 5000, start=800), _f("alpha", 0.0, 1.0, 0.01),
           Control("warmup_target", "optfloat", 0.0, 1.0, 0.005), _i("warmup_steps", 0, 2000)),
          lr_arg="initial_learning_rate", x_axis="step"),
    Entry("keras", "CosineDecayRestarts", "cosine_decay_restarts",
          (_i("first_decay_steps", 1, 5000, start=100), _f("t_mul", 1.0, 4.0, 0.1), _f("m_mul", 0.0, 1.0, 0.05),
           _f("alpha", 0.0, 1.0, 0.01)), lr_arg="initial_learning_rate", x_axis="step", note=_restarts_note),
)


def real_class(entry: Entry) -> type:
    """The real library's class an entry mirrors."""
    return getattr(real_module(entry), entry.cls)


def real_module(entry: Entry) -> Any:
    """The real library's module that holds the entry's class (and, for recipes, its parts)."""
    if entry.library == "torch":
        return importlib.import_module("torch.optim.lr_scheduler")
    if entry.library == "timm":
        return importlib.import_module("timm.scheduler")
    import lrlessons  # noqa: F401  (Keras on its PyTorch backend)
    return importlib.import_module("keras").optimizers.schedules


def twin_module(entry: Entry) -> Any:
    """The course's from-scratch twins of the entry's library (lesson 04, lesson 05)."""
    return importlib.import_module("lrlessons.reference")


def closed_form(entry: Entry) -> Callable | None:
    """The function that draws the entry: its closed form, or None when the twins step it."""
    if callable(entry.formula):
        return entry.formula
    if entry.formula is None:
        return None
    formulas = importlib.import_module("lrlessons.formulas")
    return getattr(formulas, entry.formula, None)


def _available(entry: Entry) -> bool:
    if entry.formula is None:  # drawn by a twin
        return hasattr(twin_module(entry), entry.cls)
    if entry.library == "timm" and entry.cls == "WSDLRScheduler":
        return hasattr(importlib.import_module("timm.scheduler"), "WSDLRScheduler")
    return closed_form(entry) is not None


def entries(library: str | None = None) -> list[Entry]:
    """The entries the explorer can draw, in menu order (of one library if given)."""
    if library is not None:
        one_of("library", library, LIBRARIES)
    return [e for e in ENTRIES if (library is None or e.library == library) and _available(e)]


def find(library: str, scheduler: str) -> Entry:
    """The menu entry of one (library, scheduler), or a clear error naming what exists."""
    one_of("library", library, LIBRARIES)
    menu = entries(library)
    one_of("scheduler", scheduler, [e.cls for e in menu])
    return next(e for e in menu if e.cls == scheduler)


def signature_defaults(entry: Entry) -> dict[str, Any]:
    """The real constructor's arguments (without SKIP_ALWAYS) and their defaults (None when required)."""
    sig = inspect.signature(real_class(entry))
    return {name: (None if p.default is inspect.Parameter.empty else p.default)
            for name, p in sig.parameters.items()
            if name not in SKIP_ALWAYS and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}


def initial_value(entry: Entry, control: Control) -> Any:
    """The value a control starts at: the signature's default, or the entry's start value."""
    own = {} if entry.cls in COMPOSITE else signature_defaults(entry)
    default = own.get(control.name)
    if control.kind in ("optint", "optfloat"):
        return control.start if control.start is not None else (default if default is not None else 0)
    if control.kind == "choice" and default not in control.options:
        return control.start if control.start is not None else control.options[0]
    if default is None:
        return control.start
    return default


