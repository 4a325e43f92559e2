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

from lrlessons._checks import bad_value, one_of

#: Torch's thread count in the lessons. One thread makes results bit-identical run
#: to run for a fixed seed, and tiny models are no slower this way.
THREADS = 1

_REPORTED = ("torch", "torchvision", "timm", "keras", "numpy", "pandas", "matplotlib",
             "seaborn", "scikit-learn", "ipywidgets")


def device(prefer: str = "cpu") -> torch.device:
    """The device the course trains on: the CPU, unless you ask for a GPU.

    The course's models are tiny, so the CPU is as fast as a GPU for them, and CPU
    runs agree across machines to the digits the lessons print; a GPU's float32
    kernels round differently enough to change them, so stored outputs would change
    with the hardware (lesson 01).
    ``device("auto")`` picks CUDA when torch sees a GPU, ``device("cuda")`` insists.
    """
    one_of("prefer", prefer, ("cpu", "auto", "cuda"))
    if prefer == "cuda" and not torch.cuda.is_available():
        raise bad_value("prefer", prefer, "'cpu' or 'auto' on a machine where torch sees no GPU")
    use_gpu = prefer == "cuda" or (prefer == "auto" and torch.cuda.is_available())
    return torch.device("cuda" if use_gpu else "cpu")


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
    - sets the plot theme the course's figures use (seaborn's whitegrid look);
    - prints (unless ``quiet``) one line with the versions of the main libraries and
      the Keras backend. It names no Python patch version and no device, so it reads
      the same on every supported machine; ``report()`` adds those for lesson 00's
      look at your own machine.

    Every lesson calls this in its setup cell.
    """
    seed_everything(seed)
    _deterministic()
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    import matplotlib
    import matplotlib.pyplot as plt

    # seaborn's "whitegrid" look with its "deep" palette, from the copies matplotlib
    # ships: importing seaborn would also import SciPy, about 70 MB per open lesson
    plt.style.use(["seaborn-v0_8-whitegrid", "seaborn-v0_8-deep", "seaborn-v0_8-notebook"])
    # that style draws markers without edges, which hides "x" and "+": give them one
    matplotlib.rcParams.update({"figure.figsize": (7.5, 3.8), "figure.dpi": 110,
                                "lines.markeredgewidth": 1.0,
                                "axes.titleweight": "bold", "legend.frameon": True})
    if not quiet:
        shown = {k: v for k, v in versions().items() if k in _PRINTED}
        shown["keras backend"] = os.environ.get("KERAS_BACKEND", "unset")
        print(" | ".join(f"{k} {v}" for k, v in shown.items()))


#: What ``setup()`` prints: pinned versions, equal on every supported machine.
_PRINTED = ("torch", "timm", "keras", "numpy")


def report() -> dict[str, str]:
    """Your machine: Python and library versions, the device torch sees, the Keras backend.

    Unlike ``setup()``'s line this varies between machines; lesson 00 shows it in the
    one cell whose point is your own machine.
    """
    found = versions()
    found["gpu seen by torch"] = "yes" if torch.cuda.is_available() else "no"
    found["keras backend"] = os.environ.get("KERAS_BACKEND", "unset")
    return found
