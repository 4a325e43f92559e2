"""lrlessons.setup: seeds, determinism, plot theme, version report; exercise checkers."""
import random

import matplotlib
import numpy as np
import pytest
import torch

import lrlessons
from lrlessons.exercises import compare_curves, verdict


def test_setup_seeds_everything_and_reports(capsys):
    assert lrlessons.setup(7) is None  # it prints; the cell shows no dict after the line
    report = lrlessons.report()
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    lrlessons.setup(7, quiet=True)
    b = (random.random(), np.random.rand(), torch.rand(1).item())
    assert a == b
    assert torch.are_deterministic_algorithms_enabled() and torch.get_num_threads() == 1
    assert report["torch"] == "2.14.1" and report["gpu seen by torch"] in ("yes", "no")
    printed = capsys.readouterr().out
    assert "torch 2.14.1" in printed and "keras backend torch" in printed
    # the set-up line is the same on every supported machine: no Python version, no device
    assert "python" not in printed.lower() and "device" not in printed and "cuda" not in printed
    assert matplotlib.rcParams["axes.grid"]  # seaborn's whitegrid look


def test_setup_bad_seed():
    with pytest.raises(ValueError, match="^seed=-1 .*must be"):
        lrlessons.setup(-1)
    with pytest.raises(TypeError, match="^seed="):
        lrlessons.setup("0")


def test_checkers_explain(capsys):
    assert compare_curves([0.1, 0.05], [0.1, 0.05])
    assert not compare_curves([0.1, 0.04], [0.1, 0.05])
    assert not compare_curves(..., [0.1])
    assert not compare_curves([0.1], [0.1, 0.05])
    result = verdict(True, "yes", "no")
    assert result and result == True and repr(result) == "Verdict(True)"  # noqa: E712
    assert result._ipython_display_() is None  # shows nothing beyond the printed line
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Correct: all 2 values match."
    assert out[1] == "Not yet: your curve first differs at index 1: got 0.04, expected 0.05."
    assert out[2].startswith("Not yet: your curve is still empty")
    assert out[3] == "Not yet: your curve has 1 value, expected 2."


def test_the_course_trains_on_the_cpu_unless_asked():
    assert lrlessons.device().type == "cpu"
    assert lrlessons.device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="^prefer='cuda' .*must be"):
            lrlessons.device("cuda")
    with pytest.raises(ValueError, match="^prefer='gpu' .*must be one of"):
        lrlessons.device("gpu")


def test_setup_and_the_core_helpers_leave_out_seaborn_scipy_and_pandas():
    """The plot theme comes from matplotlib's own copy of seaborn's style (memory, issue 17),
    and pandas loads only when a table is asked for: lessons and launched workers that never
    ask for one start about 0.3 s sooner."""
    import subprocess
    import sys
    code = ("import lrlessons, sys, torch\n"
            "from lrlessons import data, diagnose, ddp_demo, recorder, training\n"
            "lrlessons.setup(quiet=True)\n"
            "trace = lrlessons.trace(lambda opt: torch.optim.lr_scheduler.StepLR(opt, 1), steps=3)\n"
            "print(*[name in sys.modules for name in ('seaborn', 'scipy', 'pandas')])\n"
            "print(type(trace.frame()).__name__, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False", "DataFrame", "True"]
