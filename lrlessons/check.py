"""Pre-flight check: will the lessons run on this machine, and print what is stored?

    python -m lrlessons.check          (or: python tools/course.py check)

Run it a week before a workshop. It checks, in about ten seconds:

1. Python is in the supported range (3.11.5 to 3.13);
2. every library the lessons use is installed at its pinned version;
3. the course's data set loads (it ships with scikit-learn: no network);
4. a 1-second training run on the CPU makes the loss fall;
5. the widgets (lesson 07's explorer) are installed.

A version different from the pin is a *warning*, not a failure: the lessons still
run, but some printed numbers may differ from the stored outputs in their last
digits, and ``make test`` would report those cells. A missing library, data that do
not load or a training run that fails are *problems*: the lessons that need them stop.

Lesson 00 calls :func:`preflight`; what it prints in the course's environment is the
same on every supported machine ("as pinned: yes"), so the stored output holds.
"""
from __future__ import annotations

import importlib.metadata
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

#: The learner's pins (requirements.txt; a test keeps the two equal) and the lessons
#: that need each library. The copy here lets the check run where the course's
#: requirement files are not at hand (Colab, a pip-installed lrlessons).
PINNED: dict[str, tuple[str, str]] = {
    "torch": ("2.14.1", "every lesson"),
    "torchvision": ("0.29.1", "01; timm needs it"),
    "timm": ("1.0.31", "05, 07, 09"),
    "keras": ("3.15.1", "06, 07, 09"),
    "transformers": ("5.24.0", "09, 11"),
    "accelerate": ("1.15.0", "09"),
    "lightning": ("2.6.6", "09"),
    "schedulefree": ("1.4.1", "11"),
    "torch-lr-finder": ("0.2.2", "10"),
    "numpy": ("2.4.6", "every lesson"),
    "pandas": ("2.3.3", "every lesson"),
    "matplotlib": ("3.10.9", "every lesson"),
    "seaborn": ("0.13.2", "every lesson"),
    "scikit-learn": ("1.8.0", "every lesson (its bundled digits data)"),
    "tqdm": ("4.70.1", "01, 05, 06"),
    "jupyterlab": ("4.6.6", "the course's JupyterLab"),
    "ipykernel": ("7.4.0", "every lesson"),
    "ipywidgets": ("8.1.9", "07 (the explorer)"),
}

#: Python versions the pins install on: from 3.11.5 up to, not including, 3.14.
PYTHON_RANGE = ((3, 11, 5), (3, 14))


@dataclass
class Result:
    """What the check found: one line per check, and the warnings and problems in words."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """True when nothing stops a lesson (warnings allowed)."""
        return not self.problems

    @property
    def verdict(self) -> str:
        if self.problems:
            return "NOT READY: fix the problems below, then run this check again."
        if self.warnings:
            return "READY, with warnings: every lesson runs; some numbers may differ from the stored ones."
        return "READY: every lesson will run and print what is stored."

    def text(self, details: bool = True) -> str:
        width = max(len(name) for name, _ in self.lines) + 2
        out = [f"{name + ' ':.<{width}} {answer}" for name, answer in self.lines]
        out.append(f"verdict: {self.verdict}")
        if details:
            out += [f"problem: {p}" for p in self.problems] + [f"warning: {w}" for w in self.warnings]
            if self.problems or self.warnings:
                out.append("what to do: " + advice(self))
        return "\n".join(out)

    def _ipython_display_(self) -> None:  # a cell ending with the result shows nothing more
        return None


def advice(result: Result) -> str:
    if result.problems:
        return ("from the course folder run `python tools/course.py lab` (or `make lab`): it builds "
                "the pinned environment. If installing is not possible, open the lessons on Colab "
                "or Binder (README.md, 'No install'). Still stuck? Send this output to the facilitator.")
    return ("nothing, to learn: the lessons run. For the exact stored numbers use the course's "
            "environment (`python tools/course.py lab` builds it).")


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_python(result: Result, version: tuple[int, ...] | None = None) -> None:
    version = tuple(version or sys.version_info[:3])
    low, high = PYTHON_RANGE
    ok = low <= version < high
    result.lines.append(("python version supported", "yes" if ok else "no"))
    if not ok:
        result.warnings.append(
            f"Python {'.'.join(map(str, version))} is outside 3.11.5-3.13: the pinned libraries "
            "may not install or behave the same; the course's set-up picks a supported Python.")


def check_versions(result: Result, installed: dict[str, str | None] | None = None) -> None:
    """Each pinned library against its pin: different is a warning, missing a problem."""
    if installed is None:
        installed = {name: _version(name) for name in PINNED}
    differ, missing = [], []
    for name, (pin, lessons) in PINNED.items():
        got = installed.get(name)
        if got is None:
            missing.append(name)
            result.problems.append(f"{name} is not installed: lessons {lessons} cannot run "
                                   f"(the course pins {name}=={pin}).")
        elif got != pin:
            differ.append(name)
            result.warnings.append(
                f"{name} {got} is installed, the lessons were stored with {pin} (used by: "
                f"{lessons}). They run, but numbers may differ in the last digits from the "
                "stored outputs, and `make test` would flag those cells.")
    if not differ and not missing:
        answer = f"yes (all {len(PINNED)})"
    else:
        answer = f"no ({len(differ)} different, {len(missing)} missing of {len(PINNED)})"
    result.lines.append(("libraries as pinned", answer))


def check_data(result: Result) -> None:
    try:
        from lrlessons import data

        split = data.load("digits")
        n = len(split.x_train) + len(split.x_test)
        ok = n == 1797
        result.lines.append(("data loads", f"yes ({n} handwritten digits)" if ok else "no"))
        if not ok:
            result.problems.append(f"the digits data set has {n} images, expected 1797.")
    except Exception as e:  # noqa: BLE001 - the check reports, it never stops
        result.lines.append(("data loads", "no"))
        result.problems.append(f"the data did not load: {type(e).__name__}: {e}")


def check_training(result: Result) -> None:
    """One short epoch on the CPU with a scheduler stepping every batch: the loss must fall."""
    try:
        import torch

        from lrlessons import training

        history = training.train(lambda p: torch.optim.SGD(p, lr=0.2, momentum=0.9),
                                 lambda o: torch.optim.lr_scheduler.LinearLR(o, 1.0, 0.1, 28),
                                 epochs=1, interval="step", progress=False, device="cpu")
        losses = history.steps["loss"]
        fell = float(losses.iloc[-5:].mean()) < 0.5 * float(losses.iloc[:5].mean())
        lrs_fell = float(history.steps["lr"].iloc[-1]) < float(history.steps["lr"].iloc[0])
        ok = fell and lrs_fell
        result.lines.append(("1-second training run", "yes (the loss fell)" if ok else "no"))
        if not ok:
            result.problems.append("a short training run did not learn: the loss or the "
                                   "scheduled lr did not fall as it does in the course's environment.")
    except Exception as e:  # noqa: BLE001
        result.lines.append(("1-second training run", "no"))
        result.problems.append(f"training failed: {type(e).__name__}: {e}")


def check_widgets(result: Result, installed: dict[str, str | None] | None = None) -> None:
    """ipywidgets (the kernel side) and the front end that draws them."""
    if installed is None:
        installed = {n: _version(n) for n in ("ipywidgets", "jupyterlab_widgets", "widgetsnbextension")}
    kernel = installed.get("ipywidgets") is not None
    front = any(installed.get(n) for n in ("jupyterlab_widgets", "widgetsnbextension"))
    ok = kernel and front
    result.lines.append(("widgets installed", "yes" if ok else "no"))
    if not ok:
        result.problems.append(
            "the widgets are not installed"
            + ("" if kernel else " (ipywidgets)") + ("" if front else " (jupyterlab_widgets)")
            + ": lesson 07's explorer shows no sliders; the other lessons run.")


def preflight(*, show: bool = True, details: bool = True, train: bool = True) -> Result:
    """Run every check; print the lines and the verdict (unless ``show=False``).

    Used by lesson 00 and by ``python -m lrlessons.check``.
    """
    result = Result()
    check_python(result)
    check_versions(result)
    check_data(result)
    if train:
        check_training(result)
    check_widgets(result)
    if show:
        print(result.text(details))
    return result


def main() -> int:
    os.environ.setdefault("LRLESSONS_PROGRESS", "0")
    print("lrlessons pre-flight check")
    result = preflight()
    return 0 if result.ready else 1


if __name__ == "__main__":
    sys.exit(main())
