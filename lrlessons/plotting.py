"""One call to draw schedules: ``plot`` for one Axes, ``panels`` for several side by side.

Both take ``Trace`` objects (from ``lrlessons.trace``) or plain arrays, label the
axes, add a legend, and return the Axes so a lesson can add to them. They need no
screen. Used in every lesson from 01 on.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np

from lrlessons._checks import bad_value, positive_int
from lrlessons.trace import Trace


def _is_pair(item: Any) -> bool:
    return isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)


def _as_curves(curves: Any) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """Normalise the inputs to a list of (x, y, label)."""
    if isinstance(curves, dict):
        curves = list(curves.items())
    elif isinstance(curves, (Trace, np.ndarray)) or _is_pair(curves) or (
            isinstance(curves, (list, tuple)) and curves and all(np.isscalar(v) for v in curves)):
        curves = [curves]
    out = []
    for item in curves:
        label = ""
        if _is_pair(item):
            label, item = item
        if isinstance(item, Trace):
            name = label or item.label
            groups = item.lrs.shape[1]
            for g in range(groups):
                out.append((item.steps, item.lrs[:, g],
                            name if groups == 1 else f"{name or 'lr'} (group {g})"))
            continue
        try:
            y = np.asarray(item, dtype=float)
        except (TypeError, ValueError):
            y = np.empty((0, 0))
        if y.ndim != 1 or y.size == 0:
            raise bad_value("curves", item, "a Trace, a non-empty 1-D array of lrs, a (label, curve) "
                            "pair, a dict label -> curve, or a list of these", TypeError)
        out.append((np.arange(y.size), y, label))
    if not out:
        raise bad_value("curves", curves, "at least one curve")
    return out


def plot(
    curves: Any,
    ax: plt.Axes | None = None,
    *,
    log: bool = False,
    milestones: Iterable[float] = (),
    title: str = "",
    xlabel: str = "optimizer step",
    ylabel: str = "learning rate",
    markers: bool = False,
    **line_kwargs: Any,
) -> plt.Axes:
    """Draw one or many lr curves on one Axes and return it.

    Args:
        curves: a ``Trace``, an array, a ``(label, curve)`` pair, a dict
            ``{label: curve}``, or a list of any of these.
        ax: the Axes to draw on (a new figure when None).
        log: log scale on the lr axis.
        milestones: x positions to mark with dotted vertical lines.
        title, xlabel, ylabel: the labels.
        markers: draw a dot at every point (useful for short per-epoch curves).
        line_kwargs: passed to ``Axes.plot`` (for example ``linestyle="--"``).
    """
    if ax is None:
        _, ax = plt.subplots()
    labelled = False
    for x, y, label in _as_curves(curves):
        kwargs = dict(line_kwargs)
        if markers:
            kwargs.setdefault("marker", "o")
            kwargs.setdefault("markersize", 3)
        ax.plot(x, y, label=label or None, **kwargs)
        labelled |= bool(label)
    for m in milestones:
        ax.axvline(m, color="0.4", linestyle=":", linewidth=1)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if labelled:
        ax.legend(fontsize="small")
    return ax


def panels(
    groups: Sequence[tuple[str, Any]] | dict[str, Any],
    *,
    ncols: int = 3,
    sharey: bool = False,
    width: float = 4.2,
    height: float = 3.0,
    **plot_kwargs: Any,
) -> np.ndarray:
    """Side-by-side panels, one per ``(title, curves)``; returns the array of Axes.

    ``plot_kwargs`` (``log``, ``xlabel``, ``milestones``...) apply to every panel.
    """
    items = list(groups.items()) if isinstance(groups, dict) else list(groups)
    if not items:
        raise bad_value("groups", groups, "at least one (title, curves) pair")
    positive_int("ncols", ncols)
    ncols = min(ncols, len(items))
    nrows = -(-len(items) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows),
                             sharey=sharey, squeeze=False)
    for ax, (title, curves) in zip(axes.flat, items):
        plot(curves, ax, title=title, **plot_kwargs)
    for ax in axes.flat[len(items):]:
        ax.set_visible(False)
    fig.tight_layout()
    return axes
