"""lrlessons: helpers for the course on learning-rate schedulers.

Import this package before Keras: it makes Keras 3 use its PyTorch backend
(``KERAS_BACKEND=torch``) unless you chose a backend yourself.
"""
from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

from lrlessons.env import device, report, setup, versions  # noqa: E402
from lrlessons.trace import Trace, trace  # noqa: E402
from lrlessons.plotting import panels, plot  # noqa: E402
from lrlessons import data, training  # noqa: E402
from lrlessons.diagnose import diagnose  # noqa: E402

__all__ = ["Trace", "data", "device", "training", "diagnose", "panels", "plot", "report", "setup", "trace", "versions"]
__version__ = "0.1.0"
