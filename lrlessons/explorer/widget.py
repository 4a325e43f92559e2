"""The explorer's widget: controls, the plot, the code to copy, and the check.

``Explorer`` builds one ipywidgets panel for the menu in ``catalog``: the plot on top,
the controls under it (two columns that wrap into one when the notebook is narrow),
then the buttons, the check's verdict and the code. Every control change recomputes
the curve (closed form, or the course's twin for the plateaus and ChainedScheduler)
and redraws it by blitting onto a cached background, which keeps a slider smooth.

Invalid values never reach the plot: a value outside a control's range, a OneCycleLR
shorter than the run, a bad list of milestones... show a plain message and the
previous curve stays. No traceback ever reaches the widget. Used in lesson 07.
"""
from __future__ import annotations

import html
import inspect
import io
import math
import textwrap
import warnings
from typing import Any

import numpy as np

from lrlessons._checks import bad_value, one_of
from lrlessons.explorer.catalog import (COMPOSITE, LIBRARIES, LIBRARY_LABELS, METRICS, Control, Entry,
                                        closed_form, entries, find, initial_value, metric_from, real_module,
                                        twin_module)

__all__ = ["Explorer", "explore"]

#: Tolerance of the check, relative to the peak lr: torch and timm compute in float64,
#: Keras in float32 (about 7 significant digits).
CHECK_TOL = {"torch": 1e-12, "timm": 1e-12, "keras": 1e-6}
_X_LABELS = {"epoch": "epoch", "step": "optimizer step"}


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


def _count(n: int, word: str) -> str:
    """``1 epoch``, ``20 epochs``: the title's counts."""
    return f"{n} {word}" + ("" if n == 1 else "s")


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
    ``"lr"``, ``"train_epochs"``, ``"batches_per_epoch"``, ``"interval"``, ``"x_axis"``,
    ``"log"`` or a constructor argument) and redraws; ``curve`` (the lrs drawn, one per
    optimizer step), ``code``, ``message`` and ``png`` are what the widget shows;
    ``pin()`` keeps the current curve for comparison; ``check()`` steps the real
    scheduler. ``set``, ``set_many``, ``pin`` and ``clear_pin`` return the explorer, so
    calls chain. A value outside a control's range is refused with a message (the
    control and the curve stay as they were), never clamped.
    """

    def __init__(self, library: str = "torch", scheduler: str | None = None, *, width: float = 8.0,
                 height: float = 3.2, dpi: int = 90, **values: Any) -> None:
        import ipywidgets as W
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        one_of("library", library, LIBRARIES)
        menu = entries(library)
        if not menu:
            raise bad_value("library", library, "a library with at least one closed form in lrlessons.formulas")
        scheduler = scheduler or menu[0].cls
        self.entry = find(library, scheduler)
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
        self._fig.subplots_adjust(left=0.1, right=0.98, bottom=0.15, top=0.84)
        self._canvas = FigureCanvasAgg(self._fig)
        self._ax = self._fig.add_subplot()
        (self._pin_line,) = self._ax.plot([], [], color="0.55", linestyle="--", linewidth=1.5, label="pinned",
                                          animated=True)
        (self._line,) = self._ax.plot([], [], color="C0", linewidth=1.8, label="shown", animated=True)
        self._legend = None
        self._background = None
        self._background_key = None
        self._ax.set_ylabel("learning rate")
        self._ax.grid(True, alpha=0.3)

        style = {"description_width": "150px"}
        wide = W.Layout(width="420px")
        self.library_w = W.Dropdown(options=[(LIBRARY_LABELS[k], k) for k in LIBRARIES if entries(k)],
                                    value=library, description="library", style=style, layout=wide)
        self.scheduler_w = W.Dropdown(options=[e.cls for e in menu], value=scheduler,
                                      description="scheduler", style=style, layout=wide)
        self.lr_w = W.FloatLogSlider(value=self.entry.lr_start, base=10, min=-6, max=1, step=0.05,
                                     description="lr", style=style, layout=wide, readout_format=".3g",
                                     continuous_update=True)
        self.epochs_w = W.IntSlider(value=self.entry.epochs, min=1, max=200, description="train_epochs",
                                    style=style, layout=wide)
        self.spe_w = W.IntSlider(value=self.entry.steps_per_epoch, min=1, max=1000,
                                 description="batches_per_epoch", style=style, layout=wide)
        self.interval_w = W.ToggleButtons(options=["epoch", "step"], value=self.entry.interval,
                                          description="step() every", style=style)
        self.x_axis_w = W.ToggleButtons(options=[("epochs", "epoch"), ("optimizer steps", "step")],
                                        value=self.entry.x_axis, description="x axis in", style=style)
        self.log_w = W.Checkbox(value=False, description="log scale", indent=False,
                                layout=W.Layout(width="420px", margin="0 0 0 154px"))
        self.pin_w = W.Button(description="Pin for comparison", icon="thumb-tack",
                              layout=W.Layout(width="170px"))
        self.unpin_w = W.Button(description="Clear pinned", layout=W.Layout(width="120px"))
        self.check_w = W.Button(description="Check against the real library", button_style="info",
                                layout=W.Layout(width="260px"))
        self.message_w = W.HTML(value="")
        self.check_out_w = W.HTML(value="")
        self.label_w = W.HTML(value="")
        # its own pixel size at most (no blurry upscaling), narrower when the notebook is
        self.image_w = W.Image(format="png", layout=W.Layout(width="100%", max_width=f"{round(width * dpi)}px",
                                                             height="auto", object_fit="contain"))
        self.code_w = W.Textarea(value="", layout=W.Layout(width="100%", height="210px"),
                                 description="", continuous_update=False)
        self.params_box = W.VBox()
        for w, cls in [(self.library_w, "lrx-library"), (self.scheduler_w, "lrx-scheduler"),
                       (self.lr_w, "lrx-run-lr"), (self.epochs_w, "lrx-run-train_epochs"),
                       (self.spe_w, "lrx-run-batches_per_epoch"), (self.interval_w, "lrx-run-interval"),
                       (self.x_axis_w, "lrx-run-x_axis"), (self.unpin_w, "lrx-unpin"),
                       (self.log_w, "lrx-run-log"), (self.image_w, "lrx-plot"), (self.code_w, "lrx-code"),
                       (self.message_w, "lrx-message"), (self.label_w, "lrx-label"), (self.check_w, "lrx-check"),
                       (self.check_out_w, "lrx-check-result"), (self.pin_w, "lrx-pin")]:
            w.add_class(cls)
        self.controls: dict[str, Any] = {}
        self._build_params()

        self.library_w.observe(self._on_library, names="value")
        self.scheduler_w.observe(self._on_scheduler, names="value")
        for w in (self.lr_w, self.epochs_w, self.spe_w, self.interval_w, self.x_axis_w, self.log_w):
            w.observe(self._on_change, names="value")
        self.pin_w.on_click(lambda _: self.pin())
        self.unpin_w.on_click(lambda _: self.clear_pin())
        self.check_w.on_click(lambda _: self.check())

        # the plot first, so that it and the first sliders fit one laptop screen; the two
        # columns of controls wrap into one when the notebook is narrower than both
        column = W.Layout(width="440px", max_width="100%", margin="0 12px 4px 0")
        left = W.VBox([self.library_w, self.scheduler_w, self.lr_w, self.params_box], layout=column)
        right = W.VBox([self.epochs_w, self.spe_w, self.interval_w, self.x_axis_w, self.log_w], layout=column)
        controls = W.Box([left, right], layout=W.Layout(display="flex", flex_flow="row wrap",
                                                        align_items="flex-start", width="100%"))
        buttons = W.Box([self.pin_w, self.unpin_w, self.check_w],
                        layout=W.Layout(display="flex", flex_flow="row wrap", width="100%"))
        self.widget = W.VBox([self.message_w, self.image_w, self.label_w, controls, buttons, self.check_out_w,
                              W.HTML("<b>Code that builds this schedule</b> (copy it):"), self.code_w],
                             layout=W.Layout(width="100%", max_width="900px"))
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
            w = W.Checkbox(value=bool(value), description=c.name, indent=False,
                           layout=W.Layout(width="420px", margin="0 0 0 154px"))
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
        self.x_axis_w.value = self.entry.x_axis

    def _widget_for(self, name: str):
        run = {"library": self.library_w, "scheduler": self.scheduler_w, "lr": self.lr_w,
               "train_epochs": self.epochs_w, "batches_per_epoch": self.spe_w, "interval": self.interval_w,
               "x_axis": self.x_axis_w, "log": self.log_w}
        if name in run:
            return run[name]
        if self.entry.lr_arg is not None and name == self.entry.lr_arg:
            return self.lr_w
        if name in self.controls:
            return self.controls[name]
        raise bad_value("name", name, "one of " + ", ".join(repr(n) for n in list(run) + list(self.controls)),
                        KeyError)

    def _refusal(self, name: str, w: Any, value: Any) -> str | None:
        """Why ``value`` cannot go into control ``name`` (outside its range, not an option), or None."""
        W = self._W
        if isinstance(w, W.FloatLogSlider):
            low, high = w.base ** w.min, w.base ** w.max
        elif isinstance(w, (W.FloatSlider, W.IntSlider)):
            low, high = w.min, w.max
        elif isinstance(w, (W.Dropdown, W.ToggleButtons)):
            allowed = [o[1] if isinstance(o, tuple) else o for o in w.options]
            if value not in allowed:
                return (f"{name}={value!r} is not allowed: {name} must be one of "
                        + ", ".join(repr(a) for a in allowed) + ".")
            return None
        elif isinstance(w, W.Checkbox):
            if not isinstance(value, (bool, np.bool_)):
                return f"{name}={value!r} is not allowed: {name} must be True or False."
            return None
        else:
            return None
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            return f"{name}={value!r} is not allowed: {name} must be a number from {low:g} to {high:g}."
        if not math.isfinite(float(value)):
            return f"{name}={value!r} is not allowed: {name} must be a number from {low:g} to {high:g}."
        if isinstance(w, W.IntSlider) and float(value) != int(value):
            return f"{name}={value!r} is not allowed: {name} must be a whole number from {low:g} to {high:g}."
        if not low * (1 - 1e-9) <= float(value) <= high * (1 + 1e-9):
            return (f"{name}={value!r} is not allowed: {name} must be from {low:g} to {high:g} "
                    "(the explorer never clamps a value to its slider).")
        return None

    def _assign(self, name: str, value: Any) -> str | None:
        """Put ``value`` into control ``name``, or return why not (the control is left as it was)."""
        w = self._widget_for(name)
        if isinstance(value, (list, tuple)) and isinstance(w, self._W.Text):
            value = ", ".join(str(v) for v in value)
        problem = self._refusal(name, w, value)
        if problem is None:
            w.value = value
        return problem

    def _refuse(self, problems: list[str]) -> None:
        self._show_message("Refused: " + " ".join(problems) + " The control keeps its value and the curve "
                           "is unchanged.", error=True)

    def set(self, name: str, value: Any) -> "Explorer":
        """Move one control as a learner would (the widget's observers redraw); returns self.

        A value outside the control's range is refused with the explorer's message
        (``message``): the control and the curve stay as they were.
        """
        problem = self._assign(name, value)
        if problem is not None:
            self._refuse([problem])
        return self

    def set_many(self, **values: Any) -> "Explorer":
        """Set several constructor arguments or run controls, then redraw once; returns self."""
        problems = []
        self._busy = True
        try:
            for name, value in values.items():
                if name in ("library", "scheduler"):
                    raise bad_value("name", name, "a control of the current scheduler (use set() to switch)",
                                    KeyError)
                problem = self._assign(name, value)
                if problem is not None:
                    problems.append(problem)
        finally:
            self._busy = False
        self.redraw()
        if problems:
            self._refuse(problems)
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
        self.entry = find(library, scheduler)
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

    def _metrics(self, kw: dict) -> Any:
        return metric_from(kw["metric"]) if self.entry.metric else None

    def _build_with(self, module: Any, kw: dict):
        """``optimizer -> scheduler`` for this entry from ``module`` (the real library or the twins)."""
        e = self.entry
        if e.build is not None:
            return lambda opt: e.build(module, opt, kw)
        args = dict(kw)
        if e.lr_arg not in (None, "lr"):
            args = {e.lr_arg: self.lr, **args}
        cls = getattr(module, e.cls)
        return lambda opt: cls(opt, **args)

    def _stepped(self, module: Any, kw: dict, per_scheduler_step: bool) -> np.ndarray:
        """The lr per optimizer step (or per scheduler step) from stepping ``module``'s class."""
        from lrlessons.trace import trace

        e = self.entry
        epochs, spe = int(self.epochs_w.value), int(self.spe_w.value)
        interval = self.interval_w.value if e.library == "torch" else "step"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if per_scheduler_step and self._per_epoch(kw):  # one optimizer step per epoch is enough
                return trace(self._build_with(module, kw), epochs=epochs, steps_per_epoch=1,
                             interval=interval, metrics=self._metrics(kw), lrs=(self.lr,)).lr
            return trace(self._build_with(module, kw), epochs=epochs, steps_per_epoch=spe, interval=interval,
                         metrics=self._metrics(kw), lrs=(self.lr,)).lr

    def compute(self) -> np.ndarray:
        """The lr at every optimizer step, from the closed form or the course's twin (raises on bad input)."""
        entry, kw = self.entry, self.kwargs()
        if entry.validate is not None:
            problem = entry.validate(kw, self.scheduler_steps())
            if problem:
                raise ValueError(problem)
        epochs, spe = int(self.epochs_w.value), int(self.spe_w.value)
        per_epoch = self._per_epoch(kw)
        fn = closed_form(entry)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if fn is None:  # no closed form: step the course's from-scratch twin
                if self.scheduler_steps() > 20000:
                    raise ValueError(f"{entry.cls} is drawn by stepping it, at most 20,000 times; this run "
                                     f"steps it {self.scheduler_steps():,} times. Shorten the run.")
                y = self._stepped(twin_module(entry), kw, per_scheduler_step=True)
                t = np.arange(y.size)
            else:
                params = inspect.signature(fn).parameters
                accepts_all = any(p.kind is p.VAR_KEYWORD for p in params.values())
                kw = {k: v for k, v in kw.items() if accepts_all or k in params}
                t = np.arange(epochs if per_epoch else epochs * spe)
                args = (t,) if entry.lr_arg is None else (t, self.lr)
                y = np.asarray(fn(*args, **kw), dtype=float)
        self._warnings = [str(w.message) for w in caught]
        if y.shape != t.shape:
            raise ValueError(f"the closed form of {entry.cls} returned {y.size} values for {t.size} steps")
        if not np.isfinite(y).all():
            i = int(np.argmin(np.isfinite(y)))
            raise ValueError(f"the lr is not a finite number at step {i} ({y[i]}) with these arguments")
        if fn is None and not per_epoch:
            return y
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
        names = [e.cls] + (["CosineAnnealingLR", "LinearLR"] if e.cls in COMPOSITE else [])
        call = e.code(kw) if e.code is not None else self._call(e.cls, ["optimizer"] + pairs, "    ")
        lr = self.lr
        metric_lines, metric_arg = [], ""
        if e.metric:
            expression = kw["metric"].split(": ", 1)[1]
            n = int(self.epochs_w.value) if self._per_epoch(kw) else self.n_steps
            metric_lines = [f"# the metric the plateau sees (a {kw['metric'].split(':')[0]}), one value per step():",
                            f"metrics = [{expression} for epoch in range({n})]"]
            metric_arg = "metrics=metrics, "
        if e.library == "torch":
            when = "scheduler.step() after every optimizer.step()" if self.interval_w.value == "step" \
                else "scheduler.step() once at the end of every epoch"
            if e.metric:
                when = when.replace("step()", "step(metric)", 1)
            trace_args = f'interval="{self.interval_w.value}", '
        else:
            when = "scheduler.step_update(num_updates) after every update and scheduler.step(epoch + 1) " \
                   "after every epoch"
            if e.metric:
                when = "scheduler.step(epoch + 1, metric) after every epoch"
            trace_args = ""
        return "\n".join([
            "import torch",
            f"from {module} import {', '.join(sorted(names))}",
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
            *metric_lines,
            f"curve = lrlessons.trace(make_scheduler, epochs={epochs}, steps_per_epoch={spe}, {trace_args}"
            f"{metric_arg}lrs=({lr!r},)).lr",
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
        in_epochs = self.x_axis_w.value == "epoch"
        spe = int(self.spe_w.value)

        def xs(curve: np.ndarray, per: int) -> np.ndarray:
            # in epochs, optimizer step i of an epoch of `per` steps sits at i / per
            return np.arange(curve.size) / per if in_epochs else np.arange(curve.size)

        self._line.set_data(xs(self.curve, spe), self.curve)
        ys = [self.curve]
        ends = [xs(self.curve, spe)[-1] if self.curve.size else 1]
        if self.pinned is not None:
            px = xs(self.pinned[0], self.pinned[2])
            self._pin_line.set_data(px, self.pinned[0])
            ys.append(self.pinned[0])
            ends.append(px[-1])
        else:
            self._pin_line.set_data([], [])
        log = bool(self.log_w.value)
        right = max(max(ends), 1) if not in_epochs else max(max(ends) + 1 / spe, 1)
        key = (log, right, self._limits(ys, log), self.pinned is not None, in_epochs,
               self.entry.library, self.entry.cls, int(self.epochs_w.value), spe)
        if key != self._background_key:
            ax = self._ax
            ax.set_yscale("log" if log else "linear")
            ax.set_xlim(0, key[1])
            ax.set_ylim(*key[2])
            ax.set_xlabel("epoch" if in_epochs else "optimizer step (update)")
            self._pin_line.set_label("pinned" if self.pinned is not None else "_nolegend_")
            epochs = int(self.epochs_w.value)
            ax.set_title(f"{LIBRARY_LABELS[self.entry.library]} {self.entry.cls}: "
                         f"{_count(epochs, 'epoch')} x {_count(spe, 'optimizer step')} per epoch",
                         fontsize=11, loc="left")
            if self._legend is not None:
                self._legend.remove()
            handles = [self._line] + ([self._pin_line] if self.pinned is not None else [])
            self._legend = self._fig.legend(handles, [h.get_label() for h in handles], loc="upper right",
                                            ncols=2, fontsize=10, frameon=False)
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
    def pin(self) -> "Explorer":
        """Keep the current curve on the plot (dashed) to compare with the next ones; returns self.

        ``pinned`` is then ``(lrs, label, batches_per_epoch)`` of the curve kept.
        """
        self.pinned = (self.curve.copy(), self.label, int(self.spe_w.value))
        self._draw()
        return self

    def clear_pin(self) -> "Explorer":
        """Remove the pinned curve; returns self."""
        self.pinned = None
        self._draw()
        return self

    # ------------------------------------------------------------------ check
    def real_curve(self) -> np.ndarray:
        """Step the real scheduler with the shown arguments (float64 for torch/timm, float32 for Keras)."""
        e, kw = self.entry, self.kwargs()
        epochs, spe = int(self.epochs_w.value), int(self.spe_w.value)
        if e.library == "keras":
            args = dict(kw)
            if e.lr_arg not in (None, "lr"):
                args = {e.lr_arg: self.lr, **args}
            schedule = getattr(real_module(e), e.cls)(**args)
            return np.array([float(schedule(step)) for step in range(epochs * spe)])
        return self._stepped(real_module(e), kw, per_scheduler_step=False)

    def _period_starts(self, steps: np.ndarray) -> bool:
        """Keras CosineDecayRestarts only: are ``steps`` all first steps of a period, where Keras gave the floor?"""
        kw = self.kwargs()
        if self.entry.cls != "CosineDecayRestarts" or kw["t_mul"] == 1.0 or steps.size == 0:
            return False
        first, tm = kw["first_decay_steps"], kw["t_mul"]
        starts = first * (tm ** np.arange(1, 64) - 1) / (tm - 1)  # where period 1, 2, ... start
        return bool(np.all(np.min(np.abs(steps[:, None] - starts[None, :]), axis=1) < 1e-6))

    def check(self) -> dict:
        """Step the real scheduler and show how far it is from the drawn curve.

        Returns ``{"ok": bool, "tol": ..., "max_abs": ..., "max_rel": ..., "steps": n,
        "at_step": i}`` where ``max_rel`` is the largest difference divided by the peak
        lr and ``ok`` says whether it is within ``tol`` (1e-12 for torch and timm, which
        compute in float64; 1e-6 for Keras, which computes in float32). For Keras's
        ``CosineDecayRestarts`` with ``t_mul != 1`` it also returns ``"period_starts"``:
        the steps where Keras's float32 period count put the first step of a period
        in the previous one (lesson 07, section 6). ``{"error": ..., "ok": False}``
        when the closed form or the real library refuses the arguments.
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
        tol = CHECK_TOL[self.entry.library]
        result = {"max_abs": max_abs, "max_rel": max_rel, "steps": int(real.size), "tol": tol,
                  "at_step": int(diff.argmax()), "ok": bool(max_rel <= tol)}
        if not result["ok"] and self.entry.library == "keras":
            far = np.flatnonzero(diff > tol * max(peak, 1e-300))
            if self._period_starts(far):
                result["period_starts"] = [int(i) for i in far]
        self._show_check(result)
        return result

    def _show_check(self, r: dict) -> None:
        self.last_check = r
        lib = LIBRARY_LABELS[self.entry.library]
        if "error" in r:
            text, color = html.escape(r["error"]), "#b00020"
        else:
            text = (f"Real {lib} {self.entry.cls} stepped {r['steps']} times: largest difference "
                    f"{r['max_abs']:.3g} at step {r['at_step']} ({r['max_rel']:.3g} of the peak lr). "
                    f"Within {r['tol']:g} of the peak lr: {'yes' if r['ok'] else 'no'}")
            if self.entry.library == "keras":
                text += " (Keras computes in float32, about 7 significant digits)"
            text += "."
            if r.get("period_starts"):
                text += (f" The differences are at the first step of a period ({', '.join(map(str, r['period_starts'][:5]))}): "
                         "Keras counts periods with a float32 logarithm, which there fell just below a whole "
                         "number, so Keras gave the floor instead of the restart (lesson 07, section 6).")
            color = "#1b5e20" if r["ok"] else "#b00020"
        self.check_out_w.value = f'<div style="color:{color};max-width:860px">{text}</div>'

    # ------------------------------------------------------------------ display
    def summary(self) -> str:
        """The plain-text face of the explorer (what a viewer without live widgets shows)."""
        text = (f"lrlessons explorer: {LIBRARY_LABELS[self.entry.library]} {self.describe()}, "
                f"{_count(int(self.epochs_w.value), 'epoch')} x "
                f"{_count(int(self.spe_w.value), 'optimizer step')} per epoch (run the notebook for live controls)")
        return textwrap.fill(text, 100, subsequent_indent="    ", break_long_words=False)

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
