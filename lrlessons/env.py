"""Reproducible set-up for every lesson: seeds, determinism, plot theme, versions.

Used by the setup cell of every lesson (``lrlessons.setup()``).
"""
from __future__ import annotations

import importlib.metadata
import os
import platform
import random

import numpy as np
import torch

from lrlessons._checks import bad_value

#: The lessons run torch on one thread: results are bit-identical run to run
#: for a fixed seed and thread count, and tiny models are no slower this way.
THREADS = 1

_REPORTED = ("torch", "torchvision", "timm", "keras", "numpy", "pandas", "matplotlib",
             "seaborn", "scikit-learn", "ipywidgets")


def device() -> torch.device:
    """The device the course trains on: CUDA when torch sees a GPU, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int = 0) -> None:
    """Seed Python's, NumPy's and torch's random generators, and fix torch's threads."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise bad_value("seed", seed, "a whole number of at least 0", TypeError
                        if not isinstance(seed, int) or isinstance(seed, bool) else ValueError)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(THREADS)


def versions() -> dict[str, str]:
    """Versions of Python and of the libraries the course uses ("missing" if absent)."""
    found = {"python": platform.python_version()}
    for name in _REPORTED:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def _deterministic() -> None:
    """Turn on torch's deterministic algorithms, warning where an op has none.

    ``torch.use_deterministic_algorithms`` also imports the compiler's settings to
    make ``torch.compile`` deterministic, which costs seconds per lesson and which
    the course never uses; the flag itself is one call into torch's core, made
    directly when this torch has it.
    """
    core = getattr(torch._C, "_set_deterministic_algorithms", None)
    if core is None:  # another torch: take the public route
        torch.use_deterministic_algorithms(True, warn_only=True)
    else:
        core(True, warn_only=True)


def setup(seed: int = 0, *, quiet: bool = False) -> None:
    """Prepare a lesson: seeds, deterministic torch, the plot theme, a version report.

    - seeds Python, NumPy and torch with ``seed`` and fixes torch to one thread;
    - turns on torch's deterministic algorithms (``warn_only`` where an op has none);
    - sets the seaborn theme the course's figures use;
    - prints (unless ``quiet``) one line with the versions of the main libraries,
      the device and the Keras backend (``report()`` returns them as a dict).

    Every lesson calls this in its setup cell.
    """
    seed_everything(seed)
    _deterministic()
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    import matplotlib
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette="deep")
    matplotlib.rcParams.update({"figure.figsize": (7.0, 3.6), "figure.dpi": 80,
                                "axes.titleweight": "bold", "legend.frameon": True})
    if not quiet:
        print(" | ".join(f"{k} {v}" for k, v in report().items()))


def report() -> dict[str, str]:
    """What ``setup()`` prints: library versions, the device and the Keras backend."""
    found = versions()
    found["device"] = device().type
    found["keras backend"] = os.environ.get("KERAS_BACKEND", "unset")
    return found
