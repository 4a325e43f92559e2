"""The pinned environments: one source of truth, no drift, every pin installs on 3.11.5-3.13."""
from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s#]+)")
#: The Python versions the course promises: the lowest and highest of each minor.
SUPPORTED = ("3.11.5", "3.11.99", "3.12.0", "3.12.99", "3.13.0", "3.13.99")


def pins(lines) -> dict[str, str]:
    """name -> version of every pin that applies to this Python (environment markers
    such as ``; python_version < "3.12"`` are evaluated)."""
    from packaging.markers import Marker

    found = {}
    for line in lines:
        text, _, marker = line.split("#")[0].partition(";")
        m = PIN.match(text.strip().lstrip("- ").strip())
        if m and (not marker.strip() or Marker(marker.strip()).evaluate()):
            found[m.group(1).lower().replace("_", "-")] = m.group(2)
    return found


def read_pins(name: str) -> dict[str, str]:
    return pins((ROOT / name).read_text().splitlines())


def learner() -> dict[str, str]:
    return read_pins("requirements.txt")


def developer() -> dict[str, str]:
    return {**learner(), **read_pins("requirements-dev.txt")}


def lock() -> dict[str, str]:
    return read_pins("requirements-lock.txt")


def test_learner_pins_what_the_lessons_need_and_no_test_tools():
    req = learner()
    assert req["torch"] == "2.14.1" and req["torchvision"] == "0.29.1"
    for name in ("timm", "keras", "jupyterlab", "ipykernel", "ipywidgets", "matplotlib", "seaborn",
                 "pandas", "scikit-learn", "tqdm"):
        assert name in req, f"{name} is not pinned in requirements.txt"
    for tool in ("pytest", "nbval", "hypothesis", "pytest-xdist", "playwright", "sphinx"):
        assert tool not in req, f"{tool} is a developer's tool: it belongs in requirements-dev.txt"


def test_developer_environment_is_the_learners_plus_tools():
    text = (ROOT / "requirements-dev.txt").read_text()
    assert re.search(r"^-r requirements\.txt\s*$", text, re.M), "requirements-dev.txt must include the learner's"
    dev = read_pins("requirements-dev.txt")
    assert not set(dev) & set(learner()), "a pin in both files could drift apart"
    for tool in ("pytest", "pytest-xdist", "nbval", "hypothesis", "nbformat", "nbclient", "playwright"):
        assert tool in dev, f"{tool} is not pinned in requirements-dev.txt"


def test_environment_yml_has_exactly_the_learners_pins():
    env = pins((ROOT / "environment.yml").read_text().splitlines())
    assert env == learner()


def test_lock_agrees_with_both_environments():
    locked = lock()
    for name, version in developer().items():
        assert locked.get(name) == version, f"{name}: requirements {version}, lock {locked.get(name)}"


def test_installed_versions_are_the_pinned_ones():
    for name, version in lock().items():
        assert importlib.metadata.version(name) == version, name


def test_every_pin_installs_on_every_supported_python():
    """Each locked package's Requires-Python admits 3.11.5 up to 3.13 (installed metadata)."""
    too_strict = {}
    for name in lock():
        needs = importlib.metadata.metadata(name).get("Requires-Python")
        if needs:
            spec = SpecifierSet(needs)
            refused = [v for v in SUPPORTED if v not in spec]
            if refused:
                too_strict[name] = f"{needs} (refuses {', '.join(refused)})"
    assert not too_strict, f"pins that need more than the README states: {too_strict}"


def test_supported_range_is_stated_once_and_agrees():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11.5,<3.14"' in pyproject
    readme = (ROOT / "README.md").read_text()
    assert "3.11.5" in readme and "3.13" in readme
    from lrlessons.check import PYTHON_RANGE

    assert PYTHON_RANGE == ((3, 11, 5), (3, 14))
    assert SpecifierSet(">=3.11.5,<3.14").filter(SUPPORTED)


def test_preflight_pins_are_the_learners():
    from lrlessons.check import PINNED

    assert {name: pin for name, (pin, _) in PINNED.items()} == learner()


def test_keras_uses_torch_without_the_learner_exporting_anything():
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    code = "import lrlessons, keras; print(keras.backend.backend())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == "torch"


def _dry_make(target: str, *args: str) -> str:
    return subprocess.run(["make", "-n", target, *args], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.skipif(not (Path("/usr/bin/make").exists() or Path("/bin/make").exists()),
                    reason="make is not installed")
def test_make_targets_call_the_cross_platform_script():
    assert "tools/course.py lab" in _dry_make("lab")
    assert "tools/course.py test" in _dry_make("test")
    assert "--python python3.12" in _dry_make("test", "PYTHON=python3.12")
    assert "--platform windows_amd64" in _dry_make("wheelhouse", "PLATFORM=windows_amd64")
    assert "reset 07" in _dry_make("reset", "LESSON=07")


def test_ci_runs_make_test_and_nothing_else():
    lines = [l.strip() for l in (ROOT / ".ci" / "run").read_text().splitlines()
             if l.strip() and not l.startswith("#")]
    assert lines[-1] == "exec make test"
    assert all(l.startswith(("set ", "cd ", "exec make test")) for l in lines), lines


def test_readme_shows_the_commands_first_for_every_system():
    text = (ROOT / "README.md").read_text()
    first_block = text.split("```")[1]
    assert "tools/course.py lab" in first_block and "tools\\course.py lab" in first_block
    assert "make lab" in first_block and "make test" in first_block
    assert text.index("course.py lab") < text.index("Course map")
    for heading in ("Supported platforms", "No install", "What could not be tested here"):
        assert heading in text, f"README: no section {heading!r}"
