"""lrlessons.plot and lrlessons.panels: labelled curves, headless, clear errors."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
from torch.optim import lr_scheduler as L

import lrlessons


def test_plot_draws_each_curve_with_its_label_and_returns_the_axes():
    a = lrlessons.trace(lambda o: L.StepLR(o, 3, 0.5), 12, label="step")
    b = lrlessons.trace(lambda o: L.ExponentialLR(o, 0.9), 12, label="exp")
    ax = lrlessons.plot([a, b], log=True, milestones=[3, 6], title="two")
    lines = ax.get_lines()
    curves = [l for l in lines if len(l.get_xdata()) == 12]
    assert [l.get_label() for l in curves] == ["step", "exp"]
    np.testing.assert_array_equal(curves[0].get_ydata(), a.lr)
    assert len(lines) - len(curves) == 2  # the two milestone lines
    assert ax.get_yscale() == "log" and ax.get_title() == "two"
    assert ax.get_xlabel() == "optimizer step" and ax.get_ylabel() == "learning rate"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["step", "exp"]
    plt.close("all")


def test_plot_takes_arrays_dicts_pairs_and_groups():
    ax = lrlessons.plot({"a": [1, 2, 3], "b": np.array([3.0, 2, 1])}, markers=True)
    assert [l.get_label() for l in ax.get_lines()] == ["a", "b"]
    assert ax.get_lines()[0].get_marker() == "o"
    two = lrlessons.trace(lambda o: L.StepLR(o, 2), 4, lrs=(0.1, 0.01), label="s")
    ax = lrlessons.plot(("named", two))
    assert [l.get_label() for l in ax.get_lines()] == ["named (group 0)", "named (group 1)"]
    ax = lrlessons.plot([0.1, 0.05])
    assert ax.get_legend() is None
    plt.close("all")


def test_panels_side_by_side():
    axes = lrlessons.panels([("one", [1, 2]), ("two", [2, 1]), ("three", [1, 1]), ("four", [0, 1])],
                            ncols=3, log=True)
    assert axes.shape == (2, 3)
    assert [ax.get_title() for ax in axes.flat[:4]] == ["one", "two", "three", "four"]
    assert all(ax.get_yscale() == "log" for ax in axes.flat[:4])
    assert not axes.flat[5].get_visible()
    plt.close("all")


@pytest.mark.parametrize("call, name", [
    (lambda: lrlessons.plot([]), "curves"),
    (lambda: lrlessons.plot([np.zeros((2, 2))]), "curves"),
    (lambda: lrlessons.panels([]), "groups"),
    (lambda: lrlessons.panels([("a", [1])], ncols=0), "ncols"),
])
def test_bad_input(call, name):
    with pytest.raises((ValueError, TypeError), match=f"^{name}="):
        call()
    plt.close("all")
