"""Lesson 04's helpers and checkers: read a scheduler's source, verify its twin, check exercises.

- ``show_source(name)`` puts the installed torch's code for a scheduler class (the
  methods where its rule lives, docstrings left out) beside the course's twin from
  ``lrlessons.reference``.
- ``verify(name, ...)`` steps the real torch class, the twin and (where there is one)
  the formula from ``lrlessons.formulas`` on the same two param groups and reports
  whether they agree; the lesson asserts on the result.
- ``plot_grid(results)`` draws several ``verify`` results as a grid of small plots.
- ``composition_table()`` puts each class on an optimizer that another scheduler
  already drives and tells, by experiment, whether the two multiply or one overwrites.
- ``check_*`` are the exercise checkers (they print "Correct: ..." or "Not yet: ...").

Used by lessons 04a and 04b.
"""
from __future__ import annotations

import ast
import html
import inspect
import math
import re
import textwrap
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch
from torch.optim import lr_scheduler as torch_sched

import lrlessons
from lrlessons import formulas
from lrlessons import reference as twin_sched
from lrlessons._checks import bad_value, one_of
from lrlessons.exercises import is_empty as _empty
from lrlessons.exercises import as_number, show_pair
from lrlessons.exercises import fitted_verdict as verdict

__all__ = ["CLASSES", "FORMULA_TOL", "METHODS", "show_source", "source_of", "verify", "Verified", "plot_verified",
           "plot_grid",
           "composition_table",
           "check_step_rule", "check_rsqrt_factor", "check_cosine_rule", "check_composes"]

#: The 15 scheduler classes the lesson walks through, in its order.
CLASSES = ("LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
           "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
           "CyclicLR", "OneCycleLR", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau")

#: Where each class keeps its rule: the methods the lesson shows.
METHODS = {
    "LRScheduler": ("_initial_step", "step", "_update_lr"),
    "LambdaLR": ("get_lr",), "MultiplicativeLR": ("get_lr",),
    "StepLR": ("get_lr", "_get_closed_form_lr"), "MultiStepLR": ("get_lr", "_get_closed_form_lr"),
    "ConstantLR": ("get_lr", "_get_closed_form_lr"), "LinearLR": ("get_lr", "_get_closed_form_lr"),
    "ExponentialLR": ("get_lr", "_get_closed_form_lr"), "PolynomialLR": ("get_lr", "_get_closed_form_lr"),
    "CosineAnnealingLR": ("get_lr", "_get_closed_form_lr"),
    "CosineAnnealingWarmRestarts": ("step", "get_lr"),
    "CyclicLR": ("get_lr",), "OneCycleLR": ("get_lr",),
    "SequentialLR": ("step",), "ChainedScheduler": ("step",), "ReduceLROnPlateau": ("step", "_reduce_lr"),
}

_SNAKE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _snake(name: str) -> str:
    return _SNAKE.sub("_", name).lower()


def _strip_docstring(source: str) -> str:
    """A method's source without its docstring (the lesson explains in its own words)."""
    source = textwrap.dedent(source)
    tree = ast.parse(source)
    fn = tree.body[0]
    first = fn.body[0] if fn.body else None
    if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
            and isinstance(first.value.value, str):
        lines = source.splitlines()
        del lines[first.lineno - 1:first.end_lineno]
        source = "\n".join(lines)
    return "\n".join(line for line in source.splitlines() if line.strip()) + "\n"


def source_of(cls: type, method: str) -> str:
    """The source of ``cls.method`` as defined on the class or its nearest base, without docstring."""
    for klass in cls.__mro__:
        if method in vars(klass):
            return _strip_docstring(inspect.getsource(vars(klass)[method]))
    raise bad_value("method", method, f"a method of {cls.__name__}")


def _check_name(name: str) -> str:
    return one_of("name", name, CLASSES + ("LRScheduler",))


def show_source(name: str, methods: tuple[str, ...] | None = None) -> Any:
    """Show torch's code for ``name`` beside the twin's (an HTML table of two columns).

    The torch column is read live from the installed package with ``inspect.getsource``;
    the twin column from ``lrlessons.reference``. Returns an ``IPython.display.HTML``.
    """
    from IPython.display import HTML

    _check_name(name)
    methods = METHODS[name] if methods is None else methods
    torch_cls = getattr(torch_sched, name)
    twin_cls = getattr(twin_sched, name)
    rows = []
    for method in methods:
        left = html.escape(source_of(torch_cls, method))
        right = html.escape(source_of(twin_cls, method)) if any(
            method in vars(k) for k in twin_cls.__mro__) else "(no such method)"
        rows.append(f"<tr><td style='vertical-align:top;text-align:left'><pre style='font-size:11px'>{left}</pre>"
                    f"</td><td style='vertical-align:top;text-align:left'><pre style='font-size:11px'>{right}"
                    "</pre></td></tr>")
    head = (f"<tr><th style='text-align:left'>torch {torch.__version__.split('+')[0]}: {name}</th>"
            f"<th style='text-align:left'>lrlessons.reference.{name}</th></tr>")
    # a wide method scrolls sideways inside the output instead of overflowing it
    return HTML(f"<div style='overflow-x:auto'><table>{head}{''.join(rows)}</table></div>")


# ----------------------------------------------------------------------------- verify
@dataclass
class Verified:
    """The outcome of ``verify``: the three curves and how far apart they are."""

    name: str
    torch: lrlessons.Trace
    twin: lrlessons.Trace
    formula: np.ndarray | None
    twin_gap: float
    formula_gap: float | None
    momentum_gap: float

    @property
    def steps(self) -> int:
        return len(self.torch)

    @property
    def ok(self) -> bool:
        """Twin and torch bit for bit, and the formula (if any) within ``FORMULA_TOL`` of torch."""
        twin = bool(lrlessons.agree(self.twin.lrs, self.torch.lrs, tol=0))
        formula = self.formula is None or bool(lrlessons.agree(self.formula, self.torch.lrs, tol=FORMULA_TOL))
        return twin and formula and self.momentum_gap == 0

    def __str__(self) -> str:
        # verdicts, never raw differences: a formula's last bit may differ from one CPU's
        # cos or power to another's, and the stored output must not (lrlessons.agree)
        groups = self.torch.lrs.shape[1]
        head = f"{self.name}, {self.steps} steps x {groups} param groups"
        twin = f"twin vs torch {lrlessons.agree(self.twin.lrs, self.torch.lrs, tol=0)}"
        if self.formula is None:
            return f"{head}\n  {twin} | no formula in lrlessons.formulas"
        formula = lrlessons.agree(self.formula, self.torch.lrs, tol=FORMULA_TOL)
        return f"{head}\n  {twin} | lrlessons.formulas vs torch {formula}"


#: How close the course's NumPy formulas must come to torch (absolute, in lr units).
FORMULA_TOL = 1e-12


def _formula_for(name: str, kwargs: dict, t: np.ndarray, base_lrs: tuple[float, ...]) -> np.ndarray | None:
    fn = getattr(formulas, _snake(name), None)
    if fn is None:
        return None
    if name in ("CyclicLR", "OneCycleLR"):  # their lr does not start from the group's lr;
        # a list argument gives one value per param group, as in the constructor
        return np.column_stack([fn(t, **{k: v[g] if isinstance(v, (list, tuple)) else v
                                         for k, v in kwargs.items()}) for g in range(len(base_lrs))])
    return np.column_stack([fn(t, base, **kwargs) for base in base_lrs])


def verify(name: str, steps: int = 60, *, build: Callable | None = None, metrics: Any = None,
           lrs: tuple[float, ...] = (0.1, 0.05), optimizer: str = "sgd", **kwargs: Any) -> Verified:
    """Step torch's ``name``, its twin and its closed form; return how far apart they are.

    Args:
        name: the class name, e.g. ``"StepLR"``.
        steps: how many scheduler steps to record.
        build: for wrappers, a function ``(module, optimizer) -> scheduler`` that builds it
            from ``module`` (torch's lr_scheduler or lrlessons.reference) so both sides
            get the same recipe; otherwise the class is built with ``**kwargs``.
        metrics: for ReduceLROnPlateau, one metric per step.
        lrs: the starting lr of each param group (two groups by default).
        optimizer: ``"sgd"`` (momentum 0.9) or ``"adam"``.
        kwargs: the constructor's arguments (also passed to the closed form).
    """
    _check_name(name)
    if name == "LRScheduler":
        raise bad_value("name", name, "a concrete scheduler class (LRScheduler is the base)")

    def maker(module):
        if build is not None:
            return lambda opt: build(module, opt)
        return lambda opt: getattr(module, name)(opt, **kwargs)

    real = lrlessons.trace(maker(torch_sched), steps, metrics=metrics, lrs=lrs, optimizer=optimizer,
                           label=f"torch {name}")
    ours = lrlessons.trace(maker(twin_sched), steps, metrics=metrics, lrs=lrs, optimizer=optimizer,
                           label=f"twin {name}")
    closed = None if build is not None or metrics is not None else \
        _formula_for(name, kwargs, np.arange(steps), tuple(lrs))
    twin_gap = float(np.abs(real.lrs - ours.lrs).max())
    formula_gap = None if closed is None else float(np.abs(real.lrs - closed).max())
    moms = np.nan_to_num(real.momenta) - np.nan_to_num(ours.momenta)
    return Verified(name, real, ours, closed, twin_gap, formula_gap, float(np.abs(moms).max()))


def plot_verified(result: Verified, ax: Any = None, *, log: bool = False, title: str | None = None) -> Any:
    """Draw a ``verify`` result: torch's lr per group (lines), the twin (dots), the closed form (dashes)."""
    import matplotlib.pyplot as plt

    if not isinstance(result, Verified):
        raise bad_value("result", result, "the Verified object verify() returns", TypeError)
    if ax is None:
        _, ax = plt.subplots()
    t = result.torch.steps
    for g in range(result.torch.lrs.shape[1]):
        line, = ax.plot(t, result.torch.lrs[:, g], lw=2, alpha=0.6, label=f"torch, group {g}")
        ax.plot(t, result.twin.lrs[:, g], "o", ms=2.5, color=line.get_color(), label=f"twin, group {g}")
        if result.formula is not None:
            ax.plot(t, result.formula[:, g], "--", lw=1, color="black", alpha=0.8,
                    label="closed form" if g == 0 else None)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("scheduler steps taken (t)")
    ax.set_ylabel("learning rate")
    ax.set_title(title or result.name)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))  # outside: never over a curve
    return ax


def plot_grid(results: dict[str, Verified], *, ncols: int = 2, log: tuple[str, ...] = ()) -> Any:
    """Small multiples: one panel per ``verify`` result, torch's lr per group as lines.

    The twin is drawn as dots on every third step (it coincides with torch; ``print(result)``
    says how closely). Panels named in ``log`` get a log scale. At most 7.5 in wide.
    Returns the figure. Used by lessons 04a and 04b.
    """
    import matplotlib.pyplot as plt

    if not isinstance(results, dict) or not results or not all(isinstance(r, Verified) for r in results.values()):
        raise bad_value("results", results, "a non-empty dict {title: the Verified object verify() returns}",
                        TypeError)
    nrows = -(-len(results) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.5, 1.9 * nrows + 0.6), squeeze=False)
    for ax, (title, r) in zip(axes.flat, results.items()):
        t = r.torch.steps
        for g in range(r.torch.lrs.shape[1]):
            line, = ax.plot(t, r.torch.lrs[:, g], lw=1.6, label=f"torch, group {g}")
            ax.plot(t[::3], r.twin.lrs[::3, g], "o", ms=2.2, color=line.get_color(),
                    label=f"twin, group {g}")
        if title in log:
            ax.set_yscale("log")
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(results):]:
        ax.axis("off")
    for ax in axes[:, 0]:
        ax.set_ylabel("lr", fontsize=8)
    for ax in axes[-1, :]:
        ax.set_xlabel("steps taken (t)", fontsize=8)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=4, fontsize=7, frameon=False, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / (1.9 * nrows + 0.6)))
    return fig


# ----------------------------------------------------------------------------- composition
_PARTNER = "ExponentialLR(gamma=0.9)"


def _compose_case(name: str) -> Callable:
    cases = {
        "LambdaLR": lambda m, o: m.LambdaLR(o, lambda t: 1 / (1 + 0.1 * t)),
        "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lambda t: 0.95),
        "StepLR": lambda m, o: m.StepLR(o, step_size=4, gamma=0.5),
        "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[3, 7], gamma=0.5),
        "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=4),
        "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.25, total_iters=8),
        "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.8),
        "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=20, power=2.0),
        "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=20),
        "CosineAnnealingLR, eta_min=0.01": lambda m, o: m.CosineAnnealingLR(o, T_max=20, eta_min=0.01),
        "CosineAnnealingLR, past T_max=4": lambda m, o: m.CosineAnnealingLR(o, T_max=4),
        "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5),
        "CyclicLR": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3),
        "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=12),
        "ReduceLROnPlateau": lambda m, o: m.ReduceLROnPlateau(o, factor=0.5, patience=1),
    }
    return cases[name]


def _run_pair(module, name: str, partner_first: bool, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(alone, partner alone, both) lr curves for one class next to ExponentialLR(0.9)."""
    make = _compose_case(name)
    plateau = name == "ReduceLROnPlateau"

    def run(use_self: bool, use_partner: bool) -> np.ndarray:
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
        partner = module.ExponentialLR(opt, gamma=0.9) if use_partner else None
        me = make(module, opt) if use_self else None
        order = [partner, me] if partner_first else [me, partner]
        out = []
        for i in range(steps):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            for s in order:
                if s is None:
                    continue
                if s is me and plateau:
                    s.step(1.0)  # a metric that never improves: reduce every other step
                else:
                    s.step()
        return np.array(out)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(True, False), run(False, True), run(True, True)


ONE_FACTOR = "own curve x 0.9"


def _verdict(alone: np.ndarray, partner: np.ndarray, both: np.ndarray) -> str:
    """Compare from step 1 on (step 0 is what the constructors wrote)."""
    alone, partner, both = alone[1:], partner[1:], both[1:]
    if np.allclose(both, alone * partner / 0.1, rtol=1e-9, atol=1e-15):
        return "multiplies"
    if np.allclose(both, alone, rtol=1e-9, atol=1e-15):
        return "overwrites"
    if np.allclose(both, alone * 0.9, rtol=1e-9, atol=1e-15):
        return ONE_FACTOR
    return "neither"


def composition_table(steps: int = 12, module: Any = torch_sched) -> pd.DataFrame:
    """Which classes multiply with another scheduler on the same optimizer, and which overwrite it.

    For each class, an optimizer with lr 0.1 is driven by ``ExponentialLR(gamma=0.9)``
    and the class together, both stepped once per step, in both orders. The run is
    compared with the two schedulers alone, from step 1 on: "multiplies" when the lr is
    the product of the two factors, "overwrites" when it is the class's own curve (the
    partner's effect is lost), "own curve x 0.9" when the partner's last step is all
    that survives, "neither" otherwise. Used by lesson 04b.
    """
    rows = []
    names = [n for n in CLASSES if n not in ("SequentialLR", "ChainedScheduler")]
    at = names.index("CosineAnnealingLR") + 1
    names[at:at] = ["CosineAnnealingLR, eta_min=0.01", "CosineAnnealingLR, past T_max=4"]
    for name in names:
        row = {"class": name}
        for first, col in ((True, "stepped after the partner"), (False, "stepped before the partner")):
            row[col] = _verdict(*_run_pair(module, name, first, steps))
        rows.append(row)
    return pd.DataFrame(rows).set_index("class")


# ----------------------------------------------------------------------------- checkers
_EMPTY_RULE = "returned None: replace the ... with code that returns the new lr, then run the cell."

#: How close a recursion answered in float32 must come (float32 rounds each of its steps by up to 6e-8,
#: and a rule's rounding piles up over tens of steps); float64 answers must match to 1e-9.
_LOOSE_RTOL = 1e-5


class _BadAnswer(Exception):
    """A learner's function failed or returned something unusable; the message says how."""


def _is_float32(x: float) -> bool:
    """True when ``x`` is exactly a float32 number (a float32 answer carries float32 rounding)."""
    with np.errstate(over="ignore"):
        return float(np.float32(x)) == x


def _curve_from_rule(rule: Callable, start: float, steps: int, *, nudge: dict[int, float] | None = None,
                     **kw) -> list[float]:
    """Run a learner's update rule from lr ``start`` for ``steps`` entries (t = 0 is ``start``).

    ``nudge`` multiplies the lr right after step t (what another scheduler on the same
    optimizer would do). The rule may return an int, a float, a NumPy scalar or 0-d array,
    or a 0-d tensor. Raises ``_BadAnswer`` with a plain message when the rule fails.
    """
    lrs, lr = [], start
    for t in range(steps):
        if t > 0:
            try:
                with np.errstate(all="ignore"):  # a NumPy 0/0 becomes nan, which the checker explains
                    value = rule(lr, t, **kw)
            except ZeroDivisionError:
                raise
            except Exception as exc:  # the learner's code may fail in any way
                raise _BadAnswer(f"your rule raised {type(exc).__name__} at t={t}: {exc}") from None
            if _empty(value):
                raise _BadAnswer("your rule " + _EMPTY_RULE)
            number = as_number(value)
            if number is None:
                raise _BadAnswer(f"your rule must return the new lr as one number; at t={t} it returned "
                                 f"{type(value).__name__}.")
            lr = number * (nudge or {}).get(t, 1.0)
        lrs.append(float(lr))
    return lrs


def _rtol_for(got: Any) -> float:
    """1e-9, or ``_LOOSE_RTOL`` when every value after the first is a float32 number."""
    values = np.asarray(got, dtype=float).reshape(-1)[1:]
    return _LOOSE_RTOL if values.size and all(_is_float32(v) for v in values) else 1e-9


def _same(a: Any, b: Any, rtol: float = 1e-9) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=rtol * 1e-3))


def _first_diff(got: Any, want: Any, what: str, rtol: float = 1e-9) -> str:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    i = int(np.argmin(np.isclose(got, want, rtol=rtol, atol=rtol * 1e-3)))
    a, b = show_pair(got[i], want[i])
    return f"{what} first differs from torch at t={i}: got {a}, expected {b}."


def _diagnose(got: list[float], wrong: dict[str, Callable], start: float, steps: int, *,
              nudge: dict[int, float] | None = None, rtol: float = 1e-9, **kw) -> str | None:
    """The hint of the first known wrong rule whose curve ``got`` reproduces, if any."""
    for hint, bad_rule in wrong.items():
        try:
            if _same(got, _curve_from_rule(bad_rule, start, steps, nudge=nudge, **kw), rtol):
                return hint
        except ZeroDivisionError:
            continue
    return None


_NUDGE = {5: 0.5}  # what another scheduler on the optimizer might do: halve the lr after step 5


def _torch_with_nudge(make: Callable, steps: int, nudge: dict[int, float]) -> np.ndarray:
    """torch's lrs from lr 0.1, multiplying the lr by ``nudge[t]`` right after step t."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = make(opt)
    out = [opt.param_groups[0]["lr"]]
    for t in range(1, steps):
        opt.step()
        sched.step()
        opt.param_groups[0]["lr"] *= nudge.get(t, 1.0)
        out.append(opt.param_groups[0]["lr"])
    return np.array(out)


_STEP = dict(step_size=7, gamma=0.5)
_STEP_WRONG = {
    "your rule multiplies at every step: StepLR multiplies only when t is a multiple of step_size.":
        lambda lr, t, step_size, gamma: lr * gamma,
    "your rule never changes the lr: the staircase drops by gamma every step_size steps.":
        lambda lr, t, step_size, gamma: lr,
    "your rule decays one step too early: t is the number of steps taken, and the closed form first "
    "drops at t = step_size.":
        lambda lr, t, step_size, gamma: lr * gamma if (t + 1) % step_size == 0 else lr,
    "your rule decays one step too late: t is the number of steps taken, and the closed form first "
    "drops at t = step_size.":
        lambda lr, t, step_size, gamma: lr * gamma if t > 1 and (t - 1) % step_size == 0 else lr,
    "your rule multiplies the lr it is given by gamma ** (t // step_size), the closed form's factor, so the "
    "decays pile up: starting from the current lr, a step needs at most one gamma.":
        lambda lr, t, step_size, gamma: lr * gamma ** (t // step_size),
    "your rule keeps decaying at every step once t reaches step_size: the staircase drops only when a "
    "new stair starts.":
        lambda lr, t, step_size, gamma: lr * gamma if t >= step_size else lr,
}


def check_step_rule(rule: Callable | None) -> Any:
    """Exercise 1 (04a): ``rule(lr, t, step_size, gamma)`` -> next lr, StepLR's update rule.

    Runs it for 50 steps from lr 0.1 with step_size=7, gamma=0.5 and compares with torch,
    on a clean run and on one where something else halves the lr after step 5 (which
    only a rule that starts from the lr it is given follows); recognises the usual slips
    (every step, off by one, the closed form's factor). A rule answering in float32
    (``np.float32``, a float32 tensor) is compared to float32 precision.
    """
    if _empty(rule) or not callable(rule):
        return verdict(False, "", "define rule(lr, t, step_size, gamma) returning the lr after step t.")
    try:
        got = _curve_from_rule(rule, 0.1, 50, **_STEP)
        nudged = _curve_from_rule(rule, 0.1, 50, nudge=_NUDGE, **_STEP)
    except ZeroDivisionError as exc:
        return verdict(False, "", f"your rule raised ZeroDivisionError: {exc}")
    except _BadAnswer as exc:
        return verdict(False, "", str(exc))
    rtol = _rtol_for(got)
    want = _torch_with_nudge(lambda o: torch_sched.StepLR(o, **_STEP), 50, {})
    if not _same(got, want, rtol):
        hint = _diagnose(got, _STEP_WRONG, 0.1, 50, rtol=rtol, **_STEP)
        return verdict(False, "", hint or _first_diff(got, want, "the lr your rule gives", rtol))
    want = _torch_with_nudge(lambda o: torch_sched.StepLR(o, **_STEP), 50, _NUDGE)
    if not _same(nudged, want, rtol):
        return verdict(False, "", "your rule follows torch on a clean run but ignores the lr it is given: when "
                       "something else halves the lr after step 5, torch's StepLR keeps the halved lr. Compute "
                       "the new lr from lr, never from base_lr.")
    return verdict(True, "all 50 lrs match torch's StepLR(step_size=7, gamma=0.5), also when something "
                   "else halves the lr midway.", "")


_HOLDS = (4, 10)  # the exercise's settings of hold
_RSQRT_STEPS = 60


def _rsqrt(t: int, hold: int) -> float:
    return math.sqrt(hold / max(t, hold))


_RSQRT_WRONG = {
    "your function returns the schedule's value at t, sqrt(hold / max(t, hold)): that is what LambdaLR "
    "wants. MultiplicativeLR multiplies the current lr by your number at every step, so those values pile "
    "up. Return how much the lr changes from step t - 1 to step t.":
        lambda t, hold: _rsqrt(t, hold),
    "your factor is upside down: it takes the lr at t to the lr at t - 1, so the lr rises.":
        lambda t, hold: _rsqrt(t - 1, hold) / _rsqrt(t, hold),
    "your decay starts at t = 1 (where it gives 0): the lr must stay at base_lr until t = hold, "
    "and max(t, hold) is what holds it.":
        lambda t, hold: math.sqrt((t - 1) / t),
    "off by one step: at step t the lr goes from its value at t - 1 to its value at t.":
        lambda t, hold: _rsqrt(t + 1, hold) / _rsqrt(t, hold),
}


def _multiplicative_curve(factors: dict[int, float]) -> np.ndarray:
    """torch's MultiplicativeLR from lr 1.0 with the factor ``factors[t]`` at step t (60 lrs)."""
    return lrlessons.trace(lambda o: torch_sched.MultiplicativeLR(o, lambda t: factors.get(t, 1.0)), _RSQRT_STEPS,
                           lrs=(1.0,)).lr


def check_rsqrt_factor(factor: Callable | None) -> Any:
    """Exercise 2 (04a): ``factor(t, hold)`` for MultiplicativeLR, so that it follows
    ``lr(t) = base_lr * sqrt(hold / max(t, hold))`` (hold, then an inverse square root).

    The factors are fed to torch's MultiplicativeLR for hold = 4 and 10 over 60 steps and the
    lr is compared with the formula. Answers may be ints, floats, NumPy scalars or 0-d
    tensors; float32 answers are compared to float32 precision.
    """
    if _empty(factor) or not callable(factor):
        return verdict(False, "", "define factor(t, hold) returning the number MultiplicativeLR multiplies "
                       "the lr by at step t.")
    for hold in _HOLDS:
        factors = {}
        for t in range(1, _RSQRT_STEPS):
            try:
                with np.errstate(all="ignore"):
                    value = factor(t, hold)
            except Exception as exc:  # the learner's code may fail in any way
                return verdict(False, "", f"your factor raised {type(exc).__name__} at t={t} (hold={hold}): "
                               f"{exc}")
            if _empty(value):
                return verdict(False, "", "your factor returned None: replace the ... with code that returns "
                               "a number, and run the cell again.")
            number = as_number(value)
            if number is None:
                return verdict(False, "", f"your factor should return one number; at t={t} it returned "
                               f"{type(value).__name__}.")
            factors[t] = number
        got = _multiplicative_curve(factors)
        want = np.array([_rsqrt(t, hold) for t in range(_RSQRT_STEPS)])
        rtol = _LOOSE_RTOL if all(_is_float32(v) for v in factors.values()) else 1e-9
        if not _same(got, want, rtol):
            for hint, bad in _RSQRT_WRONG.items():
                bad_curve = np.cumprod([1.0] + [bad(t, hold) for t in range(1, _RSQRT_STEPS)])
                if _same(got, bad_curve, rtol):
                    return verdict(False, "", hint)
            i = int(np.argmin(np.isclose(got, want, rtol=rtol, atol=rtol * 1e-3)))
            a, b = show_pair(got[i], want[i])
            return verdict(False, "", f"with hold={hold}, MultiplicativeLR with your factor first leaves the "
                           f"curve at t={i}: lr = {a} x base_lr, the curve wants {b} x base_lr.")
    return verdict(True, "MultiplicativeLR with your factor follows base_lr * sqrt(hold / max(t, hold)) "
                   f"for hold = {' and '.join(map(str, _HOLDS))}, over {_RSQRT_STEPS} steps.", "")


_COS = dict(base_lr=0.1, T_max=10, eta_min=0.001)
_COS_STEPS = 32  # t = 0..31: includes the steps just after the minima at t = 10 and t = 30
#: halve the lr after step 5 and again after step 10, the first minimum: a rule that sets the
#: closed form's value on the step after a minimum forgets the second halving
_COS_NUDGE = {5: 0.5, 10: 0.5}


def _cos(t: float, base_lr: float, T_max: int, eta_min: float) -> float:
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2


def _cos_ratio(t: int, T_max: int) -> float:
    return (1 + math.cos(math.pi * t / T_max)) / (1 + math.cos(math.pi * (t - 1) / T_max))


def _after_minimum(t: int, T_max: int) -> bool:
    return (t - 1 - T_max) % (2 * T_max) == 0


def _cos_closed(lr: float, t: int, base_lr: float, T_max: int, eta_min: float) -> float:
    return _cos(t, base_lr, T_max, eta_min)


_COS_WRONG = {
    "your rule scales the whole lr; the cosine sits on eta_min: scale lr - eta_min and add eta_min back.":
        lambda lr, t, base_lr, T_max, eta_min:
            lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T_max)) / 2 if _after_minimum(t, T_max)
            else lr * _cos_ratio(t, T_max),
    "your rule restarts at base_lr after the minimum; the cosine climbs back gradually: on that step, add "
    "the closed form's rise over the step to lr.":
        lambda lr, t, base_lr, T_max, eta_min:
            base_lr if _after_minimum(t, T_max) else eta_min + (lr - eta_min) * _cos_ratio(t, T_max),
    "your rule stays at eta_min after the minimum; the cosine climbs back: on that step, add the closed "
    "form's rise over the step to lr.":
        lambda lr, t, base_lr, T_max, eta_min:
            lr if _after_minimum(t, T_max) else eta_min + (lr - eta_min) * _cos_ratio(t, T_max),
}

#: wrong rules that follow torch on a clean run and part ways only when something else changes the lr
_COS_NUDGED_WRONG = {
    "your rule follows torch on a clean run but ignores the lr it is given (it is the closed form): when "
    "something else halves the lr, torch keeps scaling the halved lr. Compute the new lr from lr, not "
    "from base_lr alone.": _cos_closed,
    "your rule ignores the lr it is given on the step after a minimum (it sets the closed form's value "
    "there), so the halving after step 10 is lost. A chainable rule adds the closed form's rise over "
    "that step to lr instead.":
        lambda lr, t, base_lr, T_max, eta_min:
            _cos(t, base_lr, T_max, eta_min) if _after_minimum(t, T_max)
            else eta_min + (lr - eta_min) * _cos_ratio(t, T_max),
}


def check_cosine_rule(rule: Callable | None) -> Any:
    """Exercise (04b): ``rule(lr, t, base_lr, T_max, eta_min)`` -> CosineAnnealingLR's next lr.

    Two runs against torch, T_max=10, eta_min=0.001, t = 0..31 (through the step after
    each of the first two minima, t = 11 and t = 31): a clean one, and one where something
    else halves the lr after step 5 and again after step 10 (as another scheduler would),
    which only a rule that starts from the current lr at every step follows.
    """
    if _empty(rule) or not callable(rule):
        return verdict(False, "", "define rule(lr, t, base_lr, T_max, eta_min).")
    zero = ("your rule divides by zero: one step of each period needs its own case (find where the "
            "ratio's denominator is 0).")
    try:
        got = _curve_from_rule(rule, 0.1, _COS_STEPS, **_COS)
        nudged = _curve_from_rule(rule, 0.1, _COS_STEPS, nudge=_COS_NUDGE, **_COS)
    except ZeroDivisionError:
        return verdict(False, "", zero)
    except _BadAnswer as exc:
        return verdict(False, "", str(exc))
    if not np.all(np.isfinite(got)) or not np.all(np.isfinite(nudged)):
        return verdict(False, "", zero.replace("divides by zero", "gives inf or nan"))
    rtol = _rtol_for(got)

    def real(nudge: dict[int, float]) -> np.ndarray:
        return _torch_with_nudge(lambda o: torch_sched.CosineAnnealingLR(o, T_max=10, eta_min=0.001), _COS_STEPS,
                                 nudge)

    want = real({})
    if not _same(got, want, rtol):
        hint = _diagnose(got, _COS_WRONG, 0.1, _COS_STEPS, rtol=rtol, **_COS)
        return verdict(False, "", hint or _first_diff(got, want, "the lr your rule gives", rtol))
    if not _same(nudged, real(_COS_NUDGE), rtol):
        hint = _diagnose(nudged, _COS_NUDGED_WRONG, 0.1, _COS_STEPS, nudge=_COS_NUDGE, rtol=rtol, **_COS)
        return verdict(False, "", hint or _first_diff(nudged, real(_COS_NUDGE),
                                                      "with the lr halved after steps 5 and 10, your rule", rtol))
    return verdict(True, f"all {_COS_STEPS} lrs match torch, also when something else halves the lr "
                   "(after steps 5 and 10).", "")


#: the cases exercise 2 (04b) asks about: rows of ``composition_table``
_COMPOSE_NAMES = ("CyclicLR", "ReduceLROnPlateau", "CosineAnnealingLR", "CosineAnnealingLR, eta_min=0.01",
                  "CosineAnnealingLR, past T_max=4")
_COMPOSE_CHOICES = ("multiplies", "overwrites", "neither")


def check_composes(answer: dict | None) -> Any:
    """Exercise (04b): predict, for five cases stepped after ExponentialLR(0.9) on the same optimizer,
    "multiplies", "overwrites" or "neither".

    The truth is the experiment of ``composition_table`` run on torch now, not a stored answer.
    """
    choices = "'multiplies', 'overwrites' or 'neither'"
    if _empty(answer) or not isinstance(answer, dict):
        return verdict(False, "", f"give a dict {{case: {choices}}} for " + "; ".join(_COMPOSE_NAMES) + ".")
    empty = [n for n in _COMPOSE_NAMES if _empty(answer.get(n))]
    if empty:
        return verdict(False, "", "your prediction is still empty for " + "; ".join(empty)
                       + f": replace each ... with {choices}.")
    given = {n: answer[n].strip().lower() if isinstance(answer[n], str) else answer[n] for n in _COMPOSE_NAMES}
    odd = [n for n in _COMPOSE_NAMES if given[n] not in _COMPOSE_CHOICES]
    if odd:
        return verdict(False, "", f"use {choices}; got {answer[odd[0]]!r} for {odd[0]}.")
    wrong = [n for n in _COMPOSE_NAMES if given[n] != _verdict(*_run_pair(torch_sched, n, True, 12))]
    if wrong:
        return verdict(False, "", f"{len(wrong)} of {len(_COMPOSE_NAMES)} wrong ({'; '.join(wrong)}): ask whether "
                       "each get_lr() only multiplies the current lr (multiplies), ignores it (overwrites), "
                       "or also adds or subtracts an amount that does not scale with it (neither).")
    return verdict(True, f"all {len(_COMPOSE_NAMES)} predictions match the experiment on torch.", "")
