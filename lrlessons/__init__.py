"""lrlessons: helpers for the course on learning-rate schedulers.

Import this package before Keras: it makes Keras 3 use its PyTorch backend
(``KERAS_BACKEND=torch``) unless you chose a backend yourself.

The helpers load on first use (``lrlessons.trace``, ``lrlessons.plot``, ...), so a
lesson pays in time and memory only for what it calls: a lesson that never touches
Keras or timm never imports them.
"""
from __future__ import annotations

import importlib
import os
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

# Two helpers share their module's name (``lrlessons.trace``, ``lrlessons.diagnose``):
# they are imported now, so the package attribute is the function, whichever way
# the module is imported later.
from lrlessons.trace import Trace, trace  # noqa: E402
from lrlessons.diagnose import diagnose  # noqa: E402

#: public name -> (module, attribute or None for the module itself)
_LAZY: dict[str, tuple[str, str | None]] = {
    "setup": ("lrlessons.env", "setup"),
    "device": ("lrlessons.env", "device"),
    "report": ("lrlessons.env", "report"),
    "versions": ("lrlessons.env", "versions"),
    "plot": ("lrlessons.plotting", "plot"),
    "panels": ("lrlessons.plotting", "panels"),
    "agree": ("lrlessons.tolerance", "agree"),
    "gap": ("lrlessons.tolerance", "gap"),
    "data": ("lrlessons.data", None),
    "training": ("lrlessons.training", None),
    "formulas": ("lrlessons.formulas", None),
    "reference": ("lrlessons.reference", None),
    "legacy": ("lrlessons.legacy", None),
    "keras_bridge": ("lrlessons.keras_bridge", None),
    "exercises": ("lrlessons.exercises", None),
    "Recorder": ("lrlessons.recorder", "Recorder"),
    "sizing": ("lrlessons.sizing", None),
    "Plan": ("lrlessons.sizing", "Plan"),
    "ddp_demo": ("lrlessons.ddp_demo", None),
    "lr_find": ("lrlessons.range_test", "lr_find"),
    "range_test": ("lrlessons.range_test", None),
    "frameworks": ("lrlessons.frameworks", None),
}

__all__ = sorted([*_LAZY, "Trace", "trace", "diagnose"])
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'lrlessons' has no attribute {name!r}") from None
    value = importlib.import_module(module)
    if attr is not None:
        value = getattr(value, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
