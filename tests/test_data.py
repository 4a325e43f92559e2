"""lrlessons.data: the bundled digits by default, the real MNIST path tested offline."""
import gzip
import struct

import numpy as np
import pytest
import torch

from lrlessons import data


def test_digits_fixed_split():
    a, b = data.load(), data.load("digits")
    assert (len(a.x_train), len(a.x_test)) == (1347, 450)
    assert a.x_train.shape[1] == 64 and a.image_shape == (8, 8)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_test, b.y_test)
    assert float(a.x_train.min()) == 0.0 and float(a.x_train.max()) == 1.0
    assert sorted(a.y_test.unique().tolist()) == list(range(10))  # stratified
    assert "1347 train / 450 test" in repr(a)
    # the file is parsed once per process, but every load has tensors of its own
    a.x_train.zero_()
    a.y_test.fill_(-1)
    c = data.load()
    assert torch.equal(c.x_train, b.x_train) and torch.equal(c.y_test, b.y_test)
    assert data._digits_arrays.cache_info().misses <= 1


def write_idx(path, array, gz=False):
    """Write ``array`` in the IDX format MNIST ships in (big-endian header, raw uint8)."""
    kind = 0x0803 if array.ndim == 3 else 0x0801
    header = struct.pack(">I", kind) + b"".join(struct.pack(">I", d) for d in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if gz else raw)


@pytest.mark.parametrize("name, folder", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
def test_torchvision_path_reads_real_file_format_offline(tmp_path, name, folder):
    raw = tmp_path / folder / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    images = {p: rng.integers(0, 256, size=(n, 28, 28)) for p, n in (("train", 6), ("t10k", 4))}
    labels = {p: rng.integers(0, 10, size=len(images[p])) for p in images}
    for p in images:
        write_idx(raw / f"{p}-images-idx3-ubyte", images[p])
        write_idx(raw / f"{p}-labels-idx1-ubyte", labels[p])
    split = data.load(name, root=tmp_path)
    assert split.x_train.shape == (6, 784) and split.x_test.shape == (4, 784)
    np.testing.assert_allclose(split.x_train[2].numpy(), images["train"][2].reshape(-1) / 255.0,
                               rtol=1e-6)
    assert split.y_test.tolist() == labels["t10k"].tolist()
    assert data.load(name, root=tmp_path, limit=3).x_train.shape == (3, 784)


def test_missing_files_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"root=.*no mnist files.*digits"):
        data.load("mnist", root=tmp_path)


@pytest.mark.parametrize("kwargs, name", [
    (dict(name="cifar10"), "name"),
    (dict(name="mnist", limit=0), "limit"),
])
def test_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}=.*must be"):
        data.load(**kwargs)


def test_digits_split_is_exactly_scikit_learns():
    """The stored split indices give the same tensors as scikit-learn's own loader and split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    x = (bunch.data / 16.0).astype(np.float32)
    x_tr, x_te, y_tr, y_te = train_test_split(x, bunch.target.astype(np.int64), test_size=450,
                                              random_state=0, stratify=bunch.target)
    ours = data.load("digits")
    assert torch.equal(ours.x_train, torch.from_numpy(x_tr)) and torch.equal(ours.y_train, torch.from_numpy(y_tr))
    assert torch.equal(ours.x_test, torch.from_numpy(x_te)) and torch.equal(ours.y_test, torch.from_numpy(y_te))


def test_loading_digits_imports_neither_scikit_learn_nor_scipy():
    import subprocess
    import sys

    code = ("import sys; from lrlessons import data; data.load('digits'); "
            "print('sklearn' in sys.modules, 'scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
