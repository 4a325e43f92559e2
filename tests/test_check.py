"""lrlessons.check: the pre-flight check's verdicts, warnings and problems."""
from __future__ import annotations

import subprocess
import sys

import pytest

from lrlessons import check
from lrlessons.check import PINNED, Result


def pinned() -> dict[str, str]:
    return {name: pin for name, (pin, _) in PINNED.items()}


def test_as_pinned_gives_yes_and_no_warning():
    result = Result()
    check.check_versions(result, pinned())
    assert result.lines == [("libraries as pinned", f"yes (all {len(PINNED)})")]
    assert result.ready and not result.warnings


def test_a_different_version_is_a_warning_with_its_consequence():
    result = Result()
    check.check_versions(result, {**pinned(), "torch": "2.9.0"})
    assert result.ready and not result.problems
    assert result.lines[0][1] == f"no (1 different, 0 missing of {len(PINNED)})"
    (warning,) = result.warnings
    assert "torch 2.9.0 is installed" in warning and "2.14.1" in warning and "last digits" in warning
    assert result.verdict.startswith("READY, with warnings")


def test_a_missing_library_is_a_problem_naming_the_lessons():
    result = Result()
    check.check_versions(result, {**pinned(), "timm": None})
    assert not result.ready
    assert "timm is not installed: lessons 05, 07, 09 cannot run" in result.problems[0]
    text = result.text()
    assert "verdict: NOT READY" in text and "what to do:" in text and "course.py lab" in text


def test_python_outside_the_range_is_a_warning():
    for version, ok in (((3, 11, 2), False), ((3, 11, 5), True), ((3, 13, 0), True), ((3, 14, 0), False)):
        result = Result()
        check.check_python(result, version)
        assert result.lines == [("python version supported", "yes" if ok else "no")]
        assert bool(result.warnings) is not ok and result.ready


@pytest.mark.parametrize("installed, ok, words", [
    ({"ipywidgets": "8.1.9", "jupyterlab_widgets": "3.0.17"}, True, ""),
    ({"ipywidgets": "8.1.9", "widgetsnbextension": "4.0.16"}, True, ""),
    ({"ipywidgets": None, "jupyterlab_widgets": "3.0.17"}, False, "(ipywidgets)"),
    ({"ipywidgets": "8.1.9"}, False, "(jupyterlab_widgets)"),
])
def test_widgets(installed, ok, words):
    result = Result()
    check.check_widgets(result, installed)
    assert result.ready is ok
    assert (not result.problems) if ok else words in result.problems[0]


def test_the_course_environment_is_ready_and_prints_the_same_everywhere(capsys):
    result = check.preflight()
    assert result.ready and not result.warnings and not result.problems
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "verdict: READY: every lesson will run and print what is stored."
    assert [line.split(" .")[0] for line in out[:-1]] == [
        "python version supported", "libraries as pinned", "data loads", "1-second training run",
        "widgets installed"]
    assert all(line.endswith(("yes", ")")) for line in out[:-1])


def test_command_line_exit_status():
    out = subprocess.run([sys.executable, "-m", "lrlessons.check"], capture_output=True, text=True,
                         env={"LRLESSONS_PROGRESS": "0", "PATH": ""})
    assert out.returncode == 0 and "verdict: READY" in out.stdout


def test_a_failing_training_run_is_a_problem(monkeypatch):
    from lrlessons import training

    def broken(*a, **k):
        raise RuntimeError("no BLAS")

    monkeypatch.setattr(training, "train", broken)
    result = Result()
    check.check_training(result)
    assert result.lines == [("1-second training run", "no")]
    assert result.problems == ["training failed: RuntimeError: no BLAS"]
