"""An interactive explorer of every schedule: ``lrlessons.explorer.explore()`` in a notebook.

Pick a library (torch, timm, Keras) and a scheduler; every constructor argument gets a
control built from the real class's signature (same name, same default, a sensible
range). The curve is redrawn from the closed forms in ``lrlessons.formulas`` each time
a control moves, so a 10,000-step curve follows a slider smoothly. Below the plot:
the code that builds the shown schedule with the real library (ready to copy), a
"pin" button that keeps the current curve on the plot to compare with the next one,
and a button that steps the real scheduler and reports the largest difference from
the closed form.

Invalid combinations (a OneCycleLR shorter than the run, a pct_start that leaves a
phase without steps, a bad list of milestones...) show a plain message and the
previous curve stays on the plot: no traceback ever reaches the widget.

Headless use (tests, benchmarks) drives the same callbacks::

    ex = Explorer("timm", "CosineLRScheduler")
    ex.set("cycle_mul", 2.0)          # moves the control; the curve is recomputed
    ex.curve, ex.code, ex.message     # what the widget shows
    ex.check()                        # steps the real scheduler, returns the differences

Each menu entry is a small ``Entry``: the real class, the name of its closed form and
the ranges of its controls; an entry whose closed form is not in
``lrlessons.formulas`` is left out of the menu. Used in lesson 07.
"""
from __future__ import annotations

import html
import importlib
import inspect
import io
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from lrlessons._checks import bad_value, one_of

__all__ = ["Control", "Entry", "Explorer", "ENTRIES", "SKIP_ALWAYS", "entries", "explore", "real_class"]

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
# Horizon controls (named so that they never clash with a constructor argument).
RUN_CONTROLS = ("lr", "train_epochs", "batches_per_epoch", "interval", "log")


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
    """One (library, scheduler) of the menu."""

    library: str
    cls: str                      # the real class's name
    formula: str                  # its closed form in lrlessons.formulas
    controls: tuple[Control, ...]
    skipped: dict = field(default_factory=dict)   # argument -> why it has no control
    lr_arg: str | None = "lr"     # "lr": the optimizer's lr; else the constructor argument that is the lr
    lr_start: float = 0.1
    epochs: int = 20
    steps_per_epoch: int = 50
    interval: str = "epoch"       # torch only: when scheduler.step() is called
    validate: Callable[[dict, int], str | None] | None = None  # message for an impossible combination
    note: Callable[[dict, int], str | None] | None = None      # message for a legal but surprising one

    @property
    def key(self) -> tuple[str, str]:
        return (self.library, self.cls)


# ----------------------------------------------------------------------- the menu
def _f(name, low, high, step=None, start=None):
    return Control(name, "float", low, high, step, start=start)


def _log(name, low, high, start=None):
    return Control(name, "logfloat", low, high, start=start)


def _i(name, low, high, start=None):
    return Control(name, "int", low, high, 1, start=start)


def _b(name):
    return Control(name, "bool")


def _c(name, *options):
    return Control(name, "choice", options=options)


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


def _timm_common(cycles: bool = True, k_decay: bool = False, prefix: bool = False) -> tuple[Control, ...]:
    out = []
    if cycles:
        out += [_f("cycle_mul", 0.5, 4.0, 0.1), _f("cycle_decay", 0.0, 1.0, 0.05), _i("cycle_limit", 1, 10)]
    out += [_i("warmup_t", 0, 200), _f("warmup_lr_init", 0.0, 0.1, 0.0005), _b("warmup_prefix"),
            _b("t_in_epochs")]
    if k_decay:
        out.append(_f("k_decay", 0.1, 5.0, 0.1))
    return tuple(out)


TIMM_NOISE = {"noise_range_t": NOISE, "noise_pct": NOISE, "noise_std": NOISE, "noise_seed": NOISE}

ENTRIES: tuple[Entry, ...] = (
    # ---------------------------------------------------------------- torch
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
          (_log("max_lr", 1e-5, 1.0, start=0.1), _i("step_size_up", 1, 5000),
           Control("step_size_down", "optint", 0, 5000, 1), _c("mode", "triangular", "triangular2", "exp_range"),
           _f("gamma", 0.99, 1.0, 0.0001), _c("scale_mode", "cycle", "iterations")),
          skipped={"scale_fn": FUNCTION, "cycle_momentum": MOMENTUM, "base_momentum": MOMENTUM,
                   "max_momentum": MOMENTUM},
          lr_arg="base_lr", lr_start=0.001, epochs=10, steps_per_epoch=1000, interval="step"),
    Entry("torch", "OneCycleLR", "one_cycle_lr",
          (Control("total_steps", "optint", 0, 20000, 1, start=1000), Control("epochs", "optint", 0, 200, 1),
           Control("steps_per_epoch", "optint", 0, 1000, 1), _f("pct_start", 0.0, 1.0, 0.01),
           _c("anneal_strategy", "cos", "linear"), _f("div_factor", 1.0, 100.0, 1.0),
           _log("final_div_factor", 1.0, 1e6), _b("three_phase")),
          skipped={"cycle_momentum": MOMENTUM, "base_momentum": MOMENTUM, "max_momentum": MOMENTUM},
          lr_arg="max_lr", epochs=10, steps_per_epoch=100, interval="step",
          validate=_one_cycle_check, note=_one_cycle_note),
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
    # ---------------------------------------------------------------- Keras
    Entry("keras", "ExponentialDecay", "exponential_decay",
          (_i("decay_steps", 1, 5000, start=100), _f("decay_rate", 0.01, 1.0, 0.01, start=0.5), _b("staircase")),
          lr_arg="initial_learning_rate"),
    Entry("keras", "PiecewiseConstantDecay", "piecewise_constant_decay",
          (Control("boundaries", "ints", start=(300, 600)),
           Control("values", "floats", start=(0.1, 0.01, 0.001))), lr_arg=None),
    Entry("keras", "PolynomialDecay", "polynomial_decay",
          (_i("decay_steps", 1, 5000, start=800), _log("end_learning_rate", 1e-6, 1.0),
           _f("power", 0.0, 5.0, 0.1), _b("cycle")), lr_arg="initial_learning_rate"),
    Entry("keras", "InverseTimeDecay", "inverse_time_decay",
          (_i("decay_steps", 1, 5000, start=100), _f("decay_rate", 0.0, 5.0, 0.05, start=0.5), _b("staircase")),
          lr_arg="initial_learning_rate"),
    Entry("keras", "CosineDecay", "cosine_decay",
          (_i("decay_steps", 1, 5000, start=800), _f("alpha", 0.0, 1.0, 0.01),
           Control("warmup_target", "optfloat", 0.0, 1.0, 0.005), _i("warmup_steps", 0, 2000)),
          lr_arg="initial_learning_rate"),
    Entry("keras", "CosineDecayRestarts", "cosine_decay_restarts",
          (_i("first_decay_steps", 1, 5000, start=100), _f("t_mul", 1.0, 4.0, 0.1), _f("m_mul", 0.0, 1.0, 0.05),
           _f("alpha", 0.0, 1.0, 0.01)), lr_arg="initial_learning_rate"),
)


def real_class(entry: Entry) -> type:
    """The real library's class an entry mirrors."""
    if entry.library == "torch":
        return getattr(importlib.import_module("torch.optim.lr_scheduler"), entry.cls)
    if entry.library == "timm":
        return getattr(importlib.import_module("timm.scheduler"), entry.cls)
    import lrlessons  # noqa: F401  (Keras on its PyTorch backend)
    return getattr(importlib.import_module("keras").optimizers.schedules, entry.cls)


def _formula(entry: Entry) -> Callable | None:
    formulas = importlib.import_module("lrlessons.formulas")
    return getattr(formulas, entry.formula, None)


def entries(library: str | None = None) -> list[Entry]:
    """The entries whose closed form exists, in menu order (of one library if given)."""
    if library is not None:
        one_of("library", library, LIBRARIES)
    return [e for e in ENTRIES if (library is None or e.library == library) and _formula(e) is not None]


def _find(library: str, scheduler: str) -> Entry:
    one_of("library", library, LIBRARIES)
    names = [e.cls for e in entries(library)]
    one_of("scheduler", scheduler, names)
    return next(e for e in entries(library) if e.cls == scheduler)


def signature_defaults(entry: Entry) -> dict[str, Any]:
    """The real constructor's arguments (without SKIP_ALWAYS) and their defaults (None when required)."""
    sig = inspect.signature(real_class(entry))
    return {name: (None if p.default is inspect.Parameter.empty else p.default)
            for name, p in sig.parameters.items()
            if name not in SKIP_ALWAYS and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}


def initial_value(entry: Entry, control: Control) -> Any:
    """The value a control starts at: the signature's default, or the entry's start value."""
    default = signature_defaults(entry).get(control.name)
    if control.kind in ("optint", "optfloat"):
        return control.start if control.start is not None else (default if default is not None else 0)
    if default is None:
        return control.start
    return default


# ----------------------------------------------------------------------- values
def _parse_list(text: str, kind: str, name: str) -> list:
    parts = [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
    convert = int if kind == "ints" else float
    try:
        values = [convert(p) for p in parts]
    except ValueError:
        raise bad_value(name, text, "a comma-separated list of " +
                        ("whole numbers" if kind == "ints" else "numbers")) from None
    return values


def _format_value(v: Any) -> str:
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_format_value(x) for x in v) + "]"
    return repr(v)


def _short(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_short(x) for x in v) + "]"
    return str(v)


# ----------------------------------------------------------------------- the explorer
class Explorer:
    """The explorer's state and widgets; ``explore()`` builds one and shows it.

    Headless: ``set(name, value)`` moves a control (``"library"``, ``"scheduler"``,
    ``"lr"``, ``"train_epochs"``, ``"batches_per_epoch"``, ``"interval"``, ``"log"`` or
    a constructor argument) and redraws; ``curve`` (the lrs drawn), ``code``,
    ``message`` and ``png`` are what the widget shows; ``pin()`` keeps the current
    curve for comparison; ``check()`` steps the real scheduler.
    """

    def __init__(self, library: str = "torch", scheduler: str | None = None, *, width: float = 9.0,
                 height: float = 3.6, dpi: int = 90, **values: Any) -> None:
        import ipywidgets as W
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        one_of("library", library, LIBRARIES)
        menu = entries(library)
        if not menu:
            raise bad_value("library", library, "a library with at least one closed form in lrlessons.formulas")
        scheduler = scheduler or menu[0].cls
        self.entry = _find(library, scheduler)
        self._W = W
        self._busy = False
        self.curve: np.ndarray = np.zeros(0)
        self.label = ""
        self.pinned: tuple[np.ndarray, str] | None = None
        self.last_check: dict | None = None
        self.png = b""
        self.code = ""
        self.message = ""

        # the figure lives outside pyplot: nothing is shown by the inline backend
        self._fig = Figure(figsize=(width, height), dpi=dpi)
        self._fig.subplots_adjust(left=0.1, right=0.98, bottom=0.14, top=0.9)
        self._canvas = FigureCanvasAgg(self._fig)
        self._ax = self._fig.add_subplot()
        (self._pin_line,) = self._ax.plot([], [], color="0.55", linestyle="--", linewidth=1.5, label="pinned",
                                          animated=True)
        (self._line,) = self._ax.plot([], [], color="C0", linewidth=1.8, label="shown", animated=True)
        self._legend = None
        self._background = None
        self._background_key = None
        self._ax.set_xlabel("optimizer step")
        self._ax.set_ylabel("learning rate")
        self._ax.grid(True, alpha=0.3)

        style = {"description_width": "150px"}
        wide = W.Layout(width="420px")
        self.library_w = W.Dropdown(options=[(LIBRARY_LABELS[k], k) for k in LIBRARIES if entries(k)],
                                    value=library, description="library", style=style, layout=wide)
        self.scheduler_w = W.Dropdown(options=[e.cls for e in menu], value=scheduler,
                                      description="scheduler", style=style, layout=wide)
        self.lr_w = W.FloatLogSlider(value=self.entry.lr_start, base=10, min=-6, max=0, step=0.05,
                                     description="lr", style=style, layout=wide, readout_format=".3g",
                                     continuous_update=True)
        self.epochs_w = W.IntSlider(value=self.entry.epochs, min=1, max=200, description="train_epochs",
                                    style=style, layout=wide)
        self.spe_w = W.IntSlider(value=self.entry.steps_per_epoch, min=1, max=1000,
                                 description="batches_per_epoch", style=style, layout=wide)
        self.interval_w = W.ToggleButtons(options=["epoch", "step"], value=self.entry.interval,
                                          description="step() every", style=style)
        self.log_w = W.Checkbox(value=False, description="log scale", indent=False)
        self.pin_w = W.Button(description="Pin for comparison", icon="thumb-tack",
                              layout=W.Layout(width="170px"))
        self.unpin_w = W.Button(description="Clear pinned", layout=W.Layout(width="120px"))
        self.check_w = W.Button(description="Check against the real library", button_style="info",
                                layout=W.Layout(width="260px"))
        self.message_w = W.HTML(value="")
        self.check_out_w = W.HTML(value="")
        self.label_w = W.HTML(value="")
        # shown at its own pixel size: no blurry rescaling in the browser
        self.image_w = W.Image(format="png", layout=W.Layout(width=f"{round(width * dpi)}px",
                                                             height=f"{round(height * dpi)}px"))
        self.code_w = W.Textarea(value="", layout=W.Layout(width="100%", height="210px"),
                                 description="", continuous_update=False)
        self.params_box = W.VBox()
        for w, cls in [(self.library_w, "lrx-library"), (self.scheduler_w, "lrx-scheduler"),
                       (self.lr_w, "lrx-run-lr"), (self.epochs_w, "lrx-run-train_epochs"),
                       (self.spe_w, "lrx-run-batches_per_epoch"), (self.interval_w, "lrx-run-interval"),
                       (self.log_w, "lrx-run-log"), (self.image_w, "lrx-plot"), (self.code_w, "lrx-code"),
                       (self.message_w, "lrx-message"), (self.label_w, "lrx-label"), (self.check_w, "lrx-check"),
                       (self.check_out_w, "lrx-check-result"), (self.pin_w, "lrx-pin")]:
            w.add_class(cls)
        self.controls: dict[str, Any] = {}
        self._build_params()

        self.library_w.observe(self._on_library, names="value")
        self.scheduler_w.observe(self._on_scheduler, names="value")
        for w in (self.lr_w, self.epochs_w, self.spe_w, self.interval_w, self.log_w):
            w.observe(self._on_change, names="value")
        self.pin_w.on_click(lambda _: self.pin())
        self.unpin_w.on_click(lambda _: self.clear_pin())
        self.check_w.on_click(lambda _: self.check())

        left = W.VBox([self.library_w, self.scheduler_w, self.lr_w, self.params_box],
                      layout=W.Layout(width="440px"))
        right = W.VBox([self.epochs_w, self.spe_w, self.interval_w, self.log_w,
                        W.HBox([self.pin_w, self.unpin_w]), self.check_w, self.check_out_w])
        self.widget = W.VBox([W.HBox([left, right]), self.message_w, self.image_w, self.label_w,
                              W.HTML("<b>Code that builds this schedule</b> (copy it):"), self.code_w])
        self.widget.add_class("lrx-explorer")
        self.set_many(**values)

    # ------------------------------------------------------------------ controls
    def _make_control(self, c: Control):
        W = self._W
        style = {"description_width": "150px"}
        wide = W.Layout(width="420px")
        value = initial_value(self.entry, c)
        if c.kind == "float":
            w = W.FloatSlider(value=float(value), min=c.low, max=c.high, step=c.step, description=c.name,
                              style=style, layout=wide, readout_format=".4g")
        elif c.kind == "logfloat":
            w = W.FloatLogSlider(value=float(value), base=10, min=math.log10(c.low), max=math.log10(c.high),
                                 step=0.05, description=c.name, style=style, layout=wide, readout_format=".3g")
        elif c.kind in ("int", "optint"):
            w = W.IntSlider(value=int(value), min=int(c.low), max=int(c.high), step=1, style=style, layout=wide,
                            description=c.name + (" (0 = None)" if c.kind == "optint" else ""))
        elif c.kind == "optfloat":
            w = W.FloatSlider(value=float(value), min=c.low, max=c.high, step=c.step, style=style, layout=wide,
                              description=c.name + " (0 = None)", readout_format=".4g")
        elif c.kind == "bool":
            w = W.Checkbox(value=bool(value), description=c.name, indent=False)
        elif c.kind == "choice":
            w = W.Dropdown(options=list(c.options), value=value, description=c.name, style=style, layout=wide)
        elif c.kind in ("ints", "floats"):
            w = W.Text(value=", ".join(str(v) for v in value), description=c.name, style=style, layout=wide,
                       continuous_update=False)
        else:  # pragma: no cover - the menu above uses only these kinds
            raise bad_value("kind", c.kind, "a known control kind")
        w.add_class(f"lrx-param-{c.name}")
        return w

    def _build_params(self) -> None:
        for w in self.controls.values():
            w.unobserve_all()
            w.close()
        self.controls = {c.name: self._make_control(c) for c in self.entry.controls}
        for w in self.controls.values():
            w.observe(self._on_change, names="value")
        self.params_box.children = tuple(self.controls.values())
        lr_name = self.entry.lr_arg
        self.lr_w.layout.display = "none" if lr_name is None else None
        self.lr_w.description = {"lr": "lr (optimizer)", None: "lr"}.get(lr_name, lr_name)
        self.interval_w.layout.display = None if self.entry.library == "torch" else "none"

    def _widget_for(self, name: str):
        run = {"library": self.library_w, "scheduler": self.scheduler_w, "lr": self.lr_w,
               "train_epochs": self.epochs_w, "batches_per_epoch": self.spe_w, "interval": self.interval_w,
               "log": self.log_w}
        if name in run:
            return run[name]
        if self.entry.lr_arg is not None and name == self.entry.lr_arg:
            return self.lr_w
        if name in self.controls:
            return self.controls[name]
        raise bad_value("name", name, "one of " + ", ".join(repr(n) for n in list(run) + list(self.controls)),
                        KeyError)

    def set(self, name: str, value: Any) -> "Explorer":
        """Move one control as a learner would (the widget's observers redraw); returns self."""
        w = self._widget_for(name)
        if isinstance(value, (list, tuple)) and isinstance(w, self._W.Text):
            value = ", ".join(str(v) for v in value)
        w.value = value
        return self

    def set_many(self, **values: Any) -> "Explorer":
        """Set several constructor arguments or run controls, then redraw once; returns self."""
        self._busy = True
        try:
            for name, value in values.items():
                if name in ("library", "scheduler"):
                    raise bad_value("name", name, "a control of the current scheduler (use set() to switch)",
                                    KeyError)
                w = self._widget_for(name)
                if isinstance(value, (list, tuple)) and isinstance(w, self._W.Text):
                    value = ", ".join(str(v) for v in value)
                w.value = value
        finally:
            self._busy = False
        self.redraw()
        return self

    # ------------------------------------------------------------------ callbacks
    def _on_library(self, change) -> None:
        menu = entries(change["new"])
        self._busy = True
        try:
            self.scheduler_w.options = [e.cls for e in menu]
            self.scheduler_w.value = menu[0].cls
        finally:
            self._busy = False
        self._switch(change["new"], menu[0].cls)

    def _on_scheduler(self, change) -> None:
        if self._busy or change["new"] is None:
            return
        self._switch(self.library_w.value, change["new"])

    def _switch(self, library: str, scheduler: str) -> None:
        self.entry = _find(library, scheduler)
        self._busy = True
        try:
            self.lr_w.value = self.entry.lr_start
            self.epochs_w.value = self.entry.epochs
            self.spe_w.value = self.entry.steps_per_epoch
            self.interval_w.value = self.entry.interval
            self._build_params()
        finally:
            self._busy = False
        self.check_out_w.value = ""
        self.redraw()

    def _on_change(self, change) -> None:
        if not self._busy:
            self.redraw()

    # ------------------------------------------------------------------ values
    def kwargs(self) -> dict[str, Any]:
        """The constructor arguments the controls give (without the lr)."""
        out = {}
        for c in self.entry.controls:
            v = self.controls[c.name].value
            if c.kind in ("ints", "floats"):
                v = _parse_list(v, c.kind, c.name)
            elif c.kind == "optint":
                v = int(v) or None
            elif c.kind == "optfloat":
                v = float(v) or None
            elif c.kind == "int":
                v = int(v)
            elif c.kind in ("float", "logfloat"):
                v = float(v)
            elif c.kind == "bool":
                v = bool(v)
            out[c.name] = v
        return out

    @property
    def lr(self) -> float:
        return float(self.lr_w.value)

    @property
    def n_steps(self) -> int:
        """Optimizer steps drawn: train_epochs x batches_per_epoch."""
        return int(self.epochs_w.value) * int(self.spe_w.value)

    def _per_epoch(self, kw: dict) -> bool:
        """True when the schedule moves once per epoch (else once per optimizer step)."""
        if self.entry.library == "torch":
            return self.interval_w.value == "epoch"
        if self.entry.library == "timm":
            return bool(kw.get("t_in_epochs", True))
        return False

    def scheduler_steps(self) -> int:
        """How many times the run calls the schedule's step (what a OneCycleLR must last)."""
        kw = self.kwargs()
        return int(self.epochs_w.value) if self._per_epoch(kw) else self.n_steps

    def compute(self) -> np.ndarray:
        """The lr at every optimizer step, from the closed form (raises on bad input)."""
        entry, kw = self.entry, self.kwargs()
        fn = _formula(entry)
        if fn is None:
            raise bad_value("scheduler", entry.cls, "a scheduler whose closed form exists in lrlessons.formulas")
        if entry.validate is not None:
            problem = entry.validate(kw, self.scheduler_steps())
            if problem:
                raise ValueError(problem)
        params = inspect.signature(fn).parameters
        accepts_all = any(p.kind is p.VAR_KEYWORD for p in params.values())
        kw = {k: v for k, v in kw.items() if accepts_all or k in params}
        epochs, spe = int(self.epochs_w.value), int(self.spe_w.value)
        per_epoch = self._per_epoch(self.kwargs())
        t = np.arange(epochs if per_epoch else epochs * spe)
        args = (t,) if entry.lr_arg is None else (t, self.lr)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = np.asarray(fn(*args, **kw), dtype=float)
        self._warnings = [str(w.message) for w in caught]
        if y.shape != t.shape:
            raise ValueError(f"the closed form {entry.formula} returned {y.size} values for {t.size} steps")
        if not np.isfinite(y).all():
            i = int(np.argmin(np.isfinite(y)))
            raise ValueError(f"the lr is not a finite number at step {i} ({y[i]}) with these arguments")
        return np.repeat(y, spe) if per_epoch else y

    def describe(self) -> str:
        """A one-line description: class and arguments."""
        kw = self.kwargs()
        parts = [] if self.entry.lr_arg in (None, "lr") else [f"{self.entry.lr_arg}={_short(self.lr)}"]
        parts += [f"{k}={_short(v)}" for k, v in kw.items()]
        return f"{self.entry.cls}({', '.join(parts)})"

    # ------------------------------------------------------------------ code
    def make_code(self) -> str:
        """Code that builds the shown schedule with the real library and traces it into ``curve``."""
        e, kw = self.entry, self.kwargs()
        epochs, spe = int(self.epochs_w.value), int(self.spe_w.value)
        args = dict(kw)
        if e.lr_arg not in (None, "lr"):
            args = {e.lr_arg: self.lr, **args}
        pairs = [f"{k}={_format_value(v)}" for k, v in args.items()]
        if e.library == "keras":
            call = self._call(f"keras.optimizers.schedules.{e.cls}", pairs, "")
            return "\n".join([
                "import lrlessons  # first: it puts Keras on its PyTorch backend",
                "import keras",
                "import numpy as np",
                "",
                f"schedule = {call}",
                "# give it to an optimizer: keras.optimizers.SGD(learning_rate=schedule);",
                "# the lr of update i is schedule(i)",
                f"curve = np.array([float(schedule(step)) for step in range({epochs * spe})])",
            ])
        module = "torch.optim.lr_scheduler" if e.library == "torch" else "timm.scheduler"
        call = self._call(e.cls, ["optimizer"] + pairs, "    ")
        lr = self.lr
        if e.library == "torch":
            when = "scheduler.step() after every optimizer.step()" if self.interval_w.value == "step" \
                else "scheduler.step() once at the end of every epoch"
            trace_args = f'interval="{self.interval_w.value}", '
        else:
            when = "scheduler.step_update(num_updates) after every update and scheduler.step(epoch + 1) " \
                   "after every epoch"
            trace_args = ""
        return "\n".join([
            "import torch",
            f"from {module} import {e.cls}",
            "import lrlessons",
            "",
            "",
            "def make_scheduler(optimizer):",
            f"    return {call}",
            "",
            "",
            f"# in training: optimizer = torch.optim.SGD(model.parameters(), lr={lr!r})",
            "#              scheduler = make_scheduler(optimizer)",
            f"#              {when}",
            f"curve = lrlessons.trace(make_scheduler, epochs={epochs}, steps_per_epoch={spe}, {trace_args}"
            f"lrs=({lr!r},)).lr",
        ])

    @staticmethod
    def _call(name: str, pairs: list[str], indent: str) -> str:
        one_line = f"{name}({', '.join(pairs)})"
        if len(one_line) + len(indent) + 11 <= 100:
            return one_line
        inner = indent + "    "
        return f"{name}(\n" + "".join(f"{inner}{p},\n" for p in pairs) + f"{indent})"

    # ------------------------------------------------------------------ drawing
    def redraw(self) -> bool:
        """Recompute the curve and redraw; on bad input show a message and keep the old curve."""
        try:
            y = self.compute()
            code = self.make_code()
        except Exception as exc:  # every failure becomes a message, never a traceback
            self._show_message(f"Cannot draw {self.entry.cls} with these values: {exc} "
                               "The previous curve is kept.", error=True)
            return False
        self.curve, self.code, self.label = y, code, self.describe()
        self.code_w.value = code
        self.last_check = None
        self.check_out_w.value = ""
        notes = list(getattr(self, "_warnings", []))
        if self.entry.note is not None:
            note = self.entry.note(self.kwargs(), self.scheduler_steps())
            if note:
                notes.append(note)
        self._show_message(" ".join(notes), error=False)
        self._draw()
        return True

    def _show_message(self, text: str, error: bool) -> None:
        self.message = text
        color = "#b00020" if error else "#555"
        self.message_w.value = f'<div style="color:{color};max-width:860px">{html.escape(text)}</div>' \
            if text else ""

    def _limits(self, ys: list[np.ndarray], log: bool) -> tuple[float, float]:
        """Round y-limits (so that most slider moves keep them and the background is reused)."""
        allv = np.concatenate(ys)
        if log:
            pos = allv[allv > 0]
            if pos.size == 0:
                return 1e-6, 1.0
            lo, hi = math.floor(math.log10(pos.min())), math.ceil(math.log10(pos.max() * 1.5))
            return 10.0 ** lo, 10.0 ** max(hi, lo + 1)
        lo, hi = float(allv.min()), float(allv.max())
        top = max(hi, 0.0) * 1.04 or 1.0
        unit = 10.0 ** math.floor(math.log10(top))
        top = math.ceil(top / unit * 5) / 5 * unit
        bottom = 0.0 if lo >= 0 else -math.ceil(-lo / unit * 5) / 5 * unit
        return bottom, top

    def _draw(self) -> None:
        """Update the lines on the persistent figure and render it.

        The axes, ticks, labels and legend are drawn only when they change (new
        limits, scale or title); otherwise the cached background is restored and only
        the two lines are drawn on it, which is what keeps a slider move fast.
        """
        self._line.set_data(np.arange(self.curve.size), self.curve)
        ys = [self.curve]
        if self.pinned is not None:
            self._pin_line.set_data(np.arange(self.pinned[0].size), self.pinned[0])
            ys.append(self.pinned[0])
        else:
            self._pin_line.set_data([], [])
        log = bool(self.log_w.value)
        n = max(len(y) for y in ys)
        key = (log, max(n - 1, 1), self._limits(ys, log), self.pinned is not None,
               self.entry.library, self.entry.cls, int(self.epochs_w.value), int(self.spe_w.value))
        if key != self._background_key:
            ax = self._ax
            ax.set_yscale("log" if log else "linear")
            ax.set_xlim(0, key[1])
            ax.set_ylim(*key[2])
            self._pin_line.set_label("pinned" if self.pinned is not None else "_nolegend_")
            self._ax.set_title(f"{LIBRARY_LABELS[self.entry.library]} {self.entry.cls}: "
                               f"{int(self.epochs_w.value)} epochs x {int(self.spe_w.value)} "
                               "steps per epoch",
                               fontsize=11, loc="left")
            if self._legend is not None:
                self._legend.remove()
            handles = [self._line] + ([self._pin_line] if self.pinned is not None else [])
            self._legend = self._fig.legend(handles, [h.get_label() for h in handles], loc="upper right",
                                            ncols=2, fontsize=8, frameon=False)
            self._canvas.draw()  # lines are "animated": the full draw leaves them out
            self._background = self._canvas.copy_from_bbox(self._fig.bbox)
            self._background_key = key
        else:
            self._canvas.restore_region(self._background)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._ax.draw_artist(self._pin_line)
            self._ax.draw_artist(self._line)
        self.label_w.value = self._label_html()
        self._render()

    def _label_html(self) -> str:
        now = f'<span style="color:#1f77b4">&#9473;</span> {html.escape(self.label)}'
        if self.pinned is None:
            return now
        return now + f'<br><span style="color:#888">&#9476;</span> pinned: {html.escape(self.pinned[1])}'

    def _render(self) -> None:
        from PIL import Image

        rgba = np.asarray(self._canvas.buffer_rgba())
        buf = io.BytesIO()
        # fast compression: the image is redrawn on every slider move
        Image.fromarray(rgba[..., :3]).save(buf, format="png", compress_level=1)
        self.png = buf.getvalue()
        self.image_w.value = self.png

    # ------------------------------------------------------------------ comparison
    def pin(self) -> None:
        """Keep the current curve on the plot (dashed) to compare with the next ones."""
        self.pinned = (self.curve.copy(), self.label)
        self._draw()

    def clear_pin(self) -> None:
        self.pinned = None
        self._draw()

    # ------------------------------------------------------------------ check
    def real_curve(self) -> np.ndarray:
        """Step the real scheduler with the shown arguments (float64 for torch/timm, float32 for Keras)."""
        e, kw = self.entry, self.kwargs()
        cls = real_class(e)
        epochs, spe = int(self.epochs_w.value), int(self.spe_w.value)
        args = dict(kw)
        if e.lr_arg not in (None, "lr"):
            args = {e.lr_arg: self.lr, **args}
        if e.library == "keras":
            schedule = cls(**args)
            return np.array([float(schedule(step)) for step in range(epochs * spe)])
        from lrlessons.trace import trace

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return trace(lambda opt: cls(opt, **args), epochs=epochs, steps_per_epoch=spe,
                         interval=self.interval_w.value if e.library == "torch" else "step",
                         lrs=(self.lr,)).lr

    def check(self) -> dict:
        """Step the real scheduler and show the largest difference from the drawn curve.

        Returns ``{"max_abs": ..., "max_rel": ..., "steps": n, "ok": bool}`` where
        ``max_rel`` is the largest difference divided by the peak lr (or with
        ``"error"`` when the real library refuses the arguments).
        """
        try:
            self.compute()
        except Exception as exc:
            result = {"error": f"the closed form refuses these values: {exc}", "ok": False}
            self._show_check(result)
            return result
        try:
            real = self.real_curve()
        except Exception as exc:
            result = {"error": f"{LIBRARY_LABELS[self.entry.library]} refuses these values: "
                               f"{type(exc).__name__}: {exc}", "ok": False}
            self._show_check(result)
            return result
        diff = np.abs(real - self.curve)
        peak = float(np.abs(real).max())
        max_abs = float(diff.max())
        max_rel = max_abs / peak if peak > 0 else max_abs
        # Keras computes in float32 (about 7 significant digits), torch and timm in float64
        tol = 1e-6 if self.entry.library == "keras" else 1e-12
        result = {"max_abs": max_abs, "max_rel": max_rel, "steps": int(real.size),
                  "at_step": int(diff.argmax()), "ok": bool(max_rel <= tol)}
        self._show_check(result)
        return result

    def _show_check(self, r: dict) -> None:
        self.last_check = r
        lib = LIBRARY_LABELS[self.entry.library]
        if "error" in r:
            text, color = html.escape(r["error"]), "#b00020"
        else:
            verdict = "the closed form matches" if r["ok"] else "they differ"
            text = (f"Real {lib} {self.entry.cls} stepped {r['steps']} times: largest difference "
                    f"{r['max_abs']:.3g} at step {r['at_step']} ({r['max_rel']:.3g} of the peak lr): {verdict}.")
            color = "#1b5e20" if r["ok"] else "#b00020"
        self.check_out_w.value = f'<div style="color:{color};max-width:400px">{text}</div>'

    # ------------------------------------------------------------------ display
    def summary(self) -> str:
        """The plain-text face of the explorer (what a viewer without live widgets shows)."""
        return (f"lrlessons explorer: {LIBRARY_LABELS[self.entry.library]} {self.describe()}, "
                f"{int(self.epochs_w.value)} epochs x {int(self.spe_w.value)} steps per epoch "
                f"(run the notebook for live controls)")

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle or {})
        bundle["text/plain"] = self.summary()
        return bundle

    def __repr__(self) -> str:
        return self.summary()


def explore(library: str = "torch", scheduler: str | None = None, **values: Any) -> Explorer:
    """Open the explorer (lesson 07): ``explore("timm", "CosineLRScheduler", cycle_mul=2.0)``.

    ``values`` set controls by name before the first draw (``train_epochs``,
    ``batches_per_epoch``, ``interval``, ``lr``, ``log`` or any constructor argument).
    Returns the ``Explorer``; as the last expression of a cell it shows itself.
    """
    return Explorer(library, scheduler, **values)
