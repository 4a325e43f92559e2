"""Real data that needs no network.

- ``"digits"`` (the default): scikit-learn's bundled handwritten digits, 1,797
  images of 8x8 pixels, split once into 1,347 training and 450 test images with a
  fixed seed (stratified, so every digit is in both parts).
- ``"mnist"`` and ``"fashion_mnist"``: the real 28x28 data sets through torchvision,
  for learners who have the files in ``root`` (or internet and ``download=True``).

Every split comes back as float tensors scaled to [0, 1] and flattened, with
integer labels. Used by lrlessons.training (lessons 01, 05, 06).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from lrlessons._checks import bad_value, one_of

DATASETS = ("digits", "mnist", "fashion_mnist")
SPLIT_SEED = 0
TEST_SIZE = 450


@dataclass
class Split:
    """Training and test tensors of one data set."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    image_shape: tuple[int, int]
    classes: int = 10

    @property
    def features(self) -> int:
        return int(self.x_train.shape[1])

    def __repr__(self) -> str:
        return (f"Split({self.name!r}: {len(self.x_train)} train / {len(self.x_test)} test images "
                f"of {self.image_shape[0]}x{self.image_shape[1]}, {self.classes} classes)")


#: The fixed split: ``train_test_split(range(1797), test_size=450, random_state=0,
#: stratify=labels)`` from scikit-learn, stored as index arrays so that loading the
#: data imports neither scikit-learn nor SciPy (about 90 MB less in every lesson's
#: kernel). tests/test_data.py checks that it is still exactly scikit-learn's split.
SPLIT_FILE = Path(__file__).with_name("datafiles") / "digits_split.npz"


def digits_csv() -> Path:
    """The digits file scikit-learn ships (found without importing scikit-learn)."""
    import importlib.util

    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("name='digits' needs scikit-learn installed: it ships the data "
                                "(pip install scikit-learn)")
    return Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"


@functools.lru_cache(maxsize=1)
def _digits_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The file read and parsed once per process (a lesson's seed sweep loads it often)."""
    import gzip

    with gzip.open(digits_csv(), "rt") as f:
        table = np.loadtxt(f, delimiter=",")  # what sklearn's load_digits reads
    x = (table[:, :-1] / 16.0).astype(np.float32)
    y = table[:, -1].astype(np.int64)
    split = np.load(SPLIT_FILE)
    tr, te = split["train"].astype(np.int64), split["test"].astype(np.int64)
    for a in (x, y, tr, te):
        a.flags.writeable = False
    return x, y, tr, te


def _digits() -> Split:
    x, y, tr, te = _digits_arrays()
    # indexing copies: every Split has tensors of its own, which its user may change
    return Split("digits", torch.from_numpy(x[tr]), torch.from_numpy(y[tr]),
                 torch.from_numpy(x[te]), torch.from_numpy(y[te]), (8, 8))


def _torchvision(name: str, root: str | Path, download: bool, limit: int | None) -> Split:
    from torchvision import datasets

    cls = datasets.MNIST if name == "mnist" else datasets.FashionMNIST
    parts = []
    for train in (True, False):
        try:
            ds = cls(root=str(root), train=train, download=download)
        except RuntimeError as exc:
            raise FileNotFoundError(
                f"root={str(root)!r}: no {name} files found there ({exc}). Put the four "
                f"*-ubyte files in {Path(root) / cls.__name__ / 'raw'}, or pass download=True "
                "on a machine with internet access, or use name='digits', which ships with "
                "scikit-learn.") from exc
        x = ds.data[:limit] if limit else ds.data
        y = ds.targets[:limit] if limit else ds.targets
        parts += [x.reshape(len(x), -1).float() / 255.0, y.long()]
    return Split(name, *parts, image_shape=(28, 28))


def load(name: str = "digits", *, root: str | Path = "data", download: bool = False,
         limit: int | None = None) -> Split:
    """Load a data set by name: ``"digits"`` (default, offline), ``"mnist"`` or ``"fashion_mnist"``.

    Args:
        name: which data set.
        root: folder holding torchvision's files (MNIST and Fashion-MNIST only).
        download: let torchvision fetch the files (needs internet).
        limit: keep only the first ``limit`` images of each split (MNIST/Fashion-MNIST).
    """
    one_of("name", name, DATASETS)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise bad_value("limit", limit, "None or a whole number of at least 1")
    if name == "digits":
        return _digits()
    return _torchvision(name, root, download, limit)
