"""The pinned environment: one source of truth, no drift, the two commands as promised."""
from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s#]+)")


def pins(lines) -> dict[str, str]:
    found = {}
    for line in lines:
        m = PIN.match(line.split("#")[0].strip().lstrip("- ").strip())
        if m:
            found[m.group(1).lower().replace("_", "-")] = m.group(2)
    return found


def requirements() -> dict[str, str]:
    return pins((ROOT / "requirements.txt").read_text().splitlines())


def test_requirements_pin_what_the_course_needs():
    req = requirements()
    assert req["torch"] == "2.14.1" and req["torchvision"] == "0.29.1"
    for name in ("timm", "keras", "jupyterlab", "ipywidgets", "matplotlib", "seaborn", "pandas",
                 "nbval", "pytest", "hypothesis", "scikit-learn", "tqdm"):
        assert name in req, f"{name} is not pinned in requirements.txt"


def test_environment_yml_has_exactly_the_same_pins():
    env = pins((ROOT / "environment.yml").read_text().splitlines())
    assert env == requirements()


def test_lock_agrees_with_requirements():
    lock = pins((ROOT / "requirements-lock.txt").read_text().splitlines())
    for name, version in requirements().items():
        assert lock.get(name) == version, f"{name}: requirements.txt {version}, lock {lock.get(name)}"


def test_installed_versions_are_the_pinned_ones():
    lock = pins((ROOT / "requirements-lock.txt").read_text().splitlines())
    for name, version in lock.items():
        assert importlib.metadata.version(name) == version, name


def test_keras_uses_torch_without_the_learner_exporting_anything():
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    code = "import lrlessons, keras; print(keras.backend.backend())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == "torch"


def _dry_make(tmp_path: Path, target: str) -> str:
    return subprocess.run(["make", "-n", target], cwd=tmp_path, capture_output=True, text=True,
                          check=True).stdout


def test_venv_is_rebuilt_exactly_when_the_pins_change(tmp_path):
    for name in ("Makefile", "requirements.txt", "requirements-lock.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    assert "python3 -m venv" in _dry_make(tmp_path, "venv")  # no .venv yet: build it
    digest = subprocess.run("cat requirements.txt requirements-lock.txt | sha256sum | cut -c1-16",
                            shell=True, cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / f".installed-{digest}").touch()
    assert "Nothing to be done" in _dry_make(tmp_path, "venv")  # built from these pins
    with open(tmp_path / "requirements.txt", "a") as f:
        f.write("\nsix==1.16.0\n")
    assert "rm -rf .venv" in _dry_make(tmp_path, "venv").replace("$(VENV)", ".venv")


def test_lab_serves_on_localhost_with_a_token_and_lesson_00():
    cmd = _dry_make(ROOT, "lab")
    assert "--ServerApp.ip=127.0.0.1" in cmd
    assert "0.0.0.0" not in cmd and "token=''" not in cmd and 'token=""' not in cmd
    assert "00_start_here.ipynb" in cmd
    if os.geteuid() == 0:
        assert "--allow-root" in cmd


def test_ci_runs_make_test_and_nothing_else():
    lines = [l.strip() for l in (ROOT / ".ci" / "run").read_text().splitlines()
             if l.strip() and not l.startswith("#")]
    assert lines[-1] == "exec make test"
    assert all(l.startswith(("set ", "cd ", "exec make test")) for l in lines), lines


def test_readme_shows_the_two_commands_first():
    text = (ROOT / "README.md").read_text()
    first_block = text.split("```")[1]
    assert "make lab" in first_block and "make test" in first_block
    assert text.index("make lab") < text.index("Course map")
