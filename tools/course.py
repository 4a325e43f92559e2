#!/usr/bin/env python3
"""The course's set-up on Linux, macOS and Windows, with Python's standard library only.

    python tools/course.py lab            # set up (first time: minutes), open JupyterLab at lesson 00
    python tools/course.py check          # the pre-flight check: will the lessons run here?
    python tools/course.py reset 07       # your copy of lesson 07 back to the shipped version
    python tools/course.py reset --all    # every copy back (the old ones are kept aside)
    python tools/course.py test           # the developer's set-up, then every test
    python tools/course.py setup [--dev]  # the environment only (learner's, or developer's)
    python tools/course.py find-python    # which Python the set-up would use, and why
    python tools/course.py wheelhouse --platform windows_amd64   # offline kit for a USB stick
    python tools/course.py editions       # student and instructor editions of the lessons
    python tools/course.py cheatsheet     # docs/cheatsheet.md and .html from the lessons
    python tools/course.py guide          # the generated tables of docs/facilitator.md

On Windows type ``py tools\\course.py lab`` (or ``python``); on macOS and Linux
``python3 tools/course.py lab``. Any Python 3.8 or newer can start this script: it
then looks for the newest Python 3.11.5-3.13 on the machine (``PATH``, and the ``py``
launcher on Windows) and builds the course's environment with it.

Options of the set-up commands:
    --python PATH     use this interpreter (also the environment variable PYTHON)
    --venv DIR        where the environment lives (default .venv; or LRLESSONS_VENV)
    --wheelhouse DIR  install from a folder made by ``wheelhouse``, with no network

Two environments, one folder: the learner's (``requirements.txt``: the course's
libraries and JupyterLab) and the developer's, which is the learner's plus the test
and docs tools (``requirements-dev.txt``). ``lab`` installs only the first; ``test``
adds the tools to the same ``.venv``. Each is pinned (``requirements-lock.txt`` is the
constraint for both) and stamped with a hash of its requirement files, so a change of
pins rebuilds the environment.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WORKING_COPY = ROOT / "my-notebooks"
FIRST_LESSON = "00_start_here.ipynb"
LEARNER_FILES = ("requirements.txt", "requirements-lock.txt")
DEV_FILES = ("requirements.txt", "requirements-dev.txt", "requirements-lock.txt")
#: The build backend lrlessons' own ``pip install -e .`` needs; the wheelhouse carries it.
BUILD_REQUIREMENTS = ("setuptools==80.9.0",)


def say(msg: str) -> None:
    print(f"== {msg}", flush=True)


class SetupError(SystemExit):
    """A problem the learner can fix: printed as it is, no traceback, exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message

    def __str__(self) -> str:
        return self.message


# ----------------------------------------------------------------- supported Pythons
def supported_range(root: Path = ROOT) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(lowest, first unsupported) from pyproject's ``requires-python = ">=A,<B"``."""
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    m = re.search(r'requires-python\s*=\s*">=\s*([\d.]+)\s*,\s*<\s*([\d.]+)\s*"', text)
    if not m:
        raise SetupError("pyproject.toml: requires-python must read \">=X.Y.Z,<X.Y\"")
    return tuple(map(int, m.group(1).split("."))), tuple(map(int, m.group(2).split(".")))


def describe_range(low: tuple[int, ...], high: tuple[int, ...]) -> str:
    last = f"{high[0]}.{high[1] - 1}" if len(high) >= 2 and high[1] > 0 else "?"
    return f"Python {'.'.join(map(str, low))} to {last}"


#: What runs in each candidate interpreter (any Python 3): its version, whether it can
#: make a venv with pip, and the platform facts that decide whether torch installs.
PROBE = r"""
import json, platform, struct, sys
try:
    import venv, ensurepip
    has_venv = True
except Exception:
    has_venv = False
import os
print(json.dumps({"executable": os.path.realpath(sys.executable), "version": list(sys.version_info[:3]),
                  "has_venv": has_venv, "bits": struct.calcsize("P") * 8,
                  "system": platform.system(), "machine": platform.machine(),
                  "mac_ver": platform.mac_ver()[0]}))
"""


def probe(command: list[str], timeout: float = 30) -> dict | str:
    """Run ``PROBE`` in ``command`` (e.g. ``["python3.12"]``, ``["py", "-3.12"]``).

    Returns the facts as a dict, or a short reason why the command does not run.
    ``-I`` keeps the current folder and PYTHON* variables out of the probe.
    """
    try:
        out = subprocess.run([*command, "-I", "-c", PROBE], capture_output=True, text=True,
                             timeout=timeout, cwd=tempfile.gettempdir())
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"does not start ({type(e).__name__})"
    if out.returncode != 0:
        first = (out.stderr.strip().splitlines() or ["no message"])[0].strip()
        return f"does not run (exit status {out.returncode}: {first[:70]})"
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return "does not run (unexpected output)"


def platform_problem(info: dict) -> str | None:
    """Why torch's pinned wheels cannot install for this interpreter, or None.

    torch 2.14.1 has wheels for Linux x86_64 and aarch64, macOS 14 or newer on Apple
    silicon (arm64), and Windows x86_64, all 64-bit.
    """
    system, machine = info.get("system", ""), (info.get("machine") or "").lower()
    if info.get("bits") != 64:
        return "32-bit Python: torch needs a 64-bit Python"
    if system == "Linux":
        return None if machine in ("x86_64", "amd64", "aarch64", "arm64") else \
            f"Linux on {machine}: torch has wheels for x86_64 and aarch64 only"
    if system == "Darwin":
        if machine != "arm64":
            return ("an Intel (x86_64) Python on macOS: torch has macOS wheels for Apple "
                    "silicon only (on an M-series Mac, use an arm64 Python, not one under Rosetta)")
        major = int((info.get("mac_ver") or "0").split(".")[0] or 0)
        if major < 14:
            return f"macOS {info.get('mac_ver') or '?'}: torch's wheels need macOS 14 or newer"
        return None
    if system == "Windows":
        return None if machine in ("amd64", "x86_64") else \
            f"Windows on {machine}: torch has Windows wheels for x86_64 only"
    return f"{system or 'this system'}: torch has no wheels for it"


def judge(info: dict | str, root: Path = ROOT) -> str | None:
    """None when the interpreter suits the course, else why not (in plain words)."""
    if isinstance(info, str):
        return info
    low, high = supported_range(root)
    version = tuple(info["version"])
    if version < low:
        return f"too old (needs {'.'.join(map(str, low))} or newer)"
    if version >= high:
        return f"too new (the pinned libraries support up to {high[0]}.{high[1] - 1})"
    if not info.get("has_venv"):
        return ("has no venv/ensurepip (on Debian or Ubuntu: "
                f"sudo apt install python{version[0]}.{version[1]}-venv)")
    return platform_problem(info)


def candidate_commands(path_env: str | None = None, system: str | None = None,
                       pathext: str | None = None) -> list[list[str]]:
    """Every Python command worth probing, in the order they were found.

    Each directory of ``PATH`` is searched for python3.13 ... python3.11, python3 and
    python (all matches, not only the first: a version manager's shim may shadow a
    working interpreter); on Windows also the ``py`` launcher for each minor version.
    The interpreter running this script comes last.
    """
    system = system or _system()
    windows = system == "Windows"
    path_env = os.environ.get("PATH", "") if path_env is None else path_env
    exts = [""]
    if windows:
        exts = [e.lower() for e in (pathext or os.environ.get("PATHEXT", ".EXE")).split(";") if e]
    names = ["python3.13", "python3.12", "python3.11", "python3", "python"]
    found: list[list[str]] = []
    seen: set[str] = set()
    for folder in path_env.split(os.pathsep if not windows else ";"):
        if not folder:
            continue
        for name in names:
            for ext in exts:
                p = os.path.join(folder, name + ext)
                if windows and "windowsapps" in p.lower():
                    continue  # the Microsoft Store's stand-in: opens the Store, runs nothing
                key = os.path.normcase(p)
                if key not in seen and os.path.isfile(p) and (windows or os.access(p, os.X_OK)):
                    seen.add(key)
                    found.append([p])
    if windows:
        launchers = [os.path.join(folder, "py" + ext) for folder in path_env.split(";") if folder
                     for ext in exts if os.path.isfile(os.path.join(folder, "py" + ext))]
        if launchers:
            found += [[launchers[0], f"-3.{minor}"] for minor in (13, 12, 11)]
    found.append([sys.executable])
    return found


def find_python(explicit: str | None = None, root: Path = ROOT,
                candidates: list[list[str]] | None = None, prober=None) -> tuple[list[str], dict]:
    """The newest suitable interpreter: (command, facts). Raises SetupError when none."""
    prober = prober or probe
    low, high = supported_range(root)
    if explicit:
        command = [shutil.which(explicit) or explicit]
        info = prober(command)
        problem = judge(info, root)
        if problem:
            raise SetupError(no_python_message([(command, info, problem)], low, high, explicit))
        return command, info
    tried = survey(candidates if candidates is not None else candidate_commands(), root, prober)
    best: tuple[list[str], dict] | None = None
    for command, info, problem in tried:
        if problem is None and (best is None or tuple(info["version"]) > tuple(best[1]["version"])):
            best = (command, info)
    if best is None:
        raise SetupError(no_python_message(tried, low, high))
    return best


def survey(candidates: list[list[str]], root: Path = ROOT, prober=None) -> list[tuple]:
    """(command, facts or reason, problem or None) for each distinct interpreter found."""
    prober = prober or probe
    tried: list[tuple] = []
    seen: set[str] = set()
    for command in candidates:
        info = prober(command)
        if isinstance(info, dict):
            key = os.path.normcase(info["executable"] or " ".join(command))
            if key in seen:
                continue
            seen.add(key)
        tried.append((command, info, judge(info, root)))
    return tried


def no_python_message(tried, low, high, explicit: str | None = None) -> str:
    need = describe_range(low, high)
    lines = [f"No suitable Python for the course{' (asked for ' + explicit + ')' if explicit else ''}.",
             f"Needed: {need}, 64-bit, with venv, on Linux (x86_64 or aarch64), macOS 14+ on",
             "Apple silicon, or Windows x86_64 (torch 2.14.1 has wheels for these only).",
             "Found:"]
    for command, info, problem in tried or [([], "nothing", "no Python on PATH")]:
        shown = info["executable"] if isinstance(info, dict) else " ".join(command)
        version = ".".join(map(str, info["version"])) if isinstance(info, dict) else "-"
        lines.append(f"  {shown}  {version}  {problem}")
    lines += ["How to get one:",
              "  Windows: install Python 3.12 from python.org (tick 'Add python.exe to PATH'),",
              "           or: winget install Python.Python.3.12; then: py tools\\course.py lab",
              "  macOS:   install Python 3.12 from python.org, or: brew install python@3.12",
              "  Linux:   your distribution's python3.12 (Debian 12's 3.11.2 is too old), or",
              "           uv python install 3.12, or pyenv install 3.12",
              "  Then run the same command again, or name the interpreter: --python PATH.",
              "No install possible? The lessons run on Colab or Binder: see README.md, 'No install'."]
    return "\n".join(lines)


def _system() -> str:
    import platform
    return platform.system()


# ----------------------------------------------------------------- the environment
def venv_python(venv: Path, system: str | None = None) -> Path:
    """The venv's interpreter: Scripts\\python.exe on Windows, bin/python elsewhere."""
    if (system or _system()) == "Windows":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def req_hash(files: tuple[str, ...], root: Path = ROOT) -> str:
    """First 16 hex digits of sha256 over the files' bytes, in order
    (the same as ``cat FILES | sha256sum | cut -c1-16``)."""
    h = hashlib.sha256()
    for name in files:
        h.update((root / name).read_bytes())
    return h.hexdigest()[:16]


def stamps(root: Path = ROOT) -> dict[str, str]:
    """The stamp file names a current environment carries, by kind."""
    return {"dev": f".installed-{req_hash(DEV_FILES, root)}",
            "learner": f".installed-learner-{req_hash(LEARNER_FILES, root)}"}


def env_state(venv: Path, root: Path = ROOT, system: str | None = None) -> str:
    """"dev", "learner" (current pins), "stale" (a venv, other pins), or "absent"."""
    if not venv.exists():
        return "absent"
    if not venv_python(venv, system).exists():
        return "stale"
    names = stamps(root)
    if (venv / names["dev"]).exists():
        return "dev"
    if (venv / names["learner"]).exists():
        return "learner"
    return "stale"


def pip_install(python: Path, args: list[str], wheelhouse: Path | None) -> None:
    cmd = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if wheelhouse is not None:
        cmd += ["--no-index", "--find-links", str(wheelhouse)]
    run(cmd + args)


def run(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> None:
    result = subprocess.run(cmd, env=env, cwd=cwd)
    if result.returncode != 0:
        raise SetupError(f"failed (exit status {result.returncode}): {' '.join(map(str, cmd))}")


def ensure_env(kind: str, venv: Path, python: str | None = None, wheelhouse: Path | None = None,
               root: Path = ROOT) -> Path:
    """Make ``venv`` hold the ``kind`` ("learner" or "dev") environment; return its python.

    Nothing is done when it is current. The developer's environment is the learner's
    plus the tools, so a current learner's venv gets the tools added, and a current
    developer's venv serves a learner too. Any other venv (pins changed, or a broken
    one) is deleted and built again.
    """
    state = env_state(venv, root)
    py = venv_python(venv)
    names = stamps(root)
    if state == "dev" or (state == "learner" and kind == "learner"):
        return py
    started = time.monotonic()
    if wheelhouse is not None and not wheelhouse.is_dir():
        raise SetupError(f"--wheelhouse {wheelhouse}: no such folder")
    lock = ["-c", str(root / "requirements-lock.txt")]
    if state == "learner":  # kind == "dev": add the tools
        say(f"adding the developer's tools to {venv}")
        pip_install(py, ["-r", str(root / "requirements-dev.txt"), *lock], wheelhouse)
    else:
        if state == "stale":
            say(f"the pinned requirements changed: rebuilding {venv}")
            shutil.rmtree(venv)
        command, info = find_python(python, root)
        say(f"building {venv} ({kind}'s environment) with Python "
            f"{'.'.join(map(str, info['version']))} at {info['executable']}: a few minutes")
        run([*command, "-m", "venv", str(venv)])
        req = "requirements.txt" if kind == "learner" else "requirements-dev.txt"
        pip_install(py, ["-r", str(root / req), *lock], wheelhouse)
        pip_install(py, ["--no-deps", "-e", str(root)], wheelhouse)
    for old in venv.glob(".installed-*"):
        old.unlink()
    (venv / names[kind]).touch()
    if kind == "dev":  # a developer's environment is a learner's too
        (venv / names["learner"]).touch()
    say(f"set-up took {time.monotonic() - started:.0f} s")
    return py


def lab_settings(venv: Path, root: Path = ROOT) -> None:
    """JupyterLab without the news and update pop-ups (they would reach for the internet)."""
    target = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root / "tools" / "jupyterlab-overrides.json", target)


# ----------------------------------------------------------------- the working copy
def _shipped_files(src: Path) -> list[Path]:
    return sorted(p for p in src.rglob("*") if p.is_file()
                  and not any(part.startswith(".") or part == "__pycache__"
                              for part in p.relative_to(src).parts))


def copy_lesson(src: Path, target: Path, kernel_version: str | None = None) -> None:
    """Copy a shipped file; a notebook gets ``kernel_version`` as its Python version.

    JupyterLab writes the kernel's Python version into a notebook's metadata when the
    kernel connects; a copy that already carries it opens unmodified (no "unsaved"
    mark, nothing for autosave to write). The rest of the file is kept byte for byte,
    in the layout JupyterLab saves (nbformat's JSON: indent 1, sorted keys).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if src.suffix == ".ipynb" and kernel_version:
        nb = json.loads(src.read_text(encoding="utf-8"))
        info = nb.get("metadata", {}).get("language_info")
        if isinstance(info, dict) and "version" in info and info["version"] != kernel_version:
            info["version"] = kernel_version
            target.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False,
                                         separators=(",", ": ")) + "\n", encoding="utf-8")
            return
    shutil.copy2(src, target)


def kernel_version(venv: Path) -> str | None:
    """The Python version of the venv's kernel (``platform.python_version()``)."""
    try:
        return subprocess.run([str(venv_python(venv)), "-c", "import platform; print(platform.python_version())"],
                              capture_output=True, text=True, check=True).stdout.strip() or None
    except (OSError, subprocess.CalledProcessError):
        return None


def sync_working_copy(src: Path = NOTEBOOKS, dst: Path = WORKING_COPY,
                      version: str | None = None) -> list[Path]:
    """Copy every shipped file that the learner's copy lacks; never overwrite one.

    The first run copies the whole course (appendix included); later runs add only
    lessons that are new in the shipped set. Returns the files copied.
    """
    copied = []
    for p in _shipped_files(src):
        target = dst / p.relative_to(src)
        if not target.exists():
            copy_lesson(p, target, version)
            copied.append(target)
    return copied


def reset(which: list[str], all_: bool, src: Path = NOTEBOOKS, dst: Path = WORKING_COPY,
          version: str | None = None) -> list[Path]:
    """Restore the learner's copies of ``which`` lessons (or all) from the shipped ones.

    A lesson is named by its number (``07``), file stem or file name. The replaced copy
    is kept in ``my-notebooks/.before-reset/`` (hidden in JupyterLab), never lost.
    """
    shipped = _shipped_files(src)
    if all_:
        chosen = shipped
    else:
        chosen = []
        for name in which:
            key = name.replace("\\", "/").split("/")[-1]
            hits = [p for p in shipped if p.name == key or p.stem == key
                    or (p.suffix == ".ipynb" and p.name.split("_")[0] == key)]
            if len(hits) != 1:
                lessons = ", ".join(p.stem for p in shipped if p.suffix == ".ipynb")
                raise SetupError(f"reset {name!r}: {'no' if not hits else 'more than one'} "
                                 f"shipped lesson matches; the lessons are: {lessons}")
            chosen += hits
    backup = dst / ".before-reset"
    restored = []
    for p in chosen:
        target = dst / p.relative_to(src)
        if target.exists():
            fresh = backup / ".fresh"
            copy_lesson(p, fresh, version)
            same = target.read_bytes() == fresh.read_bytes()
            fresh.unlink()
            if same:
                continue
            keep = backup / p.relative_to(src)
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(target, keep)
        copy_lesson(p, target, version)
        restored.append(target)
    return restored


# ----------------------------------------------------------------- JupyterLab
def quiet_kernel_flags(system: str | None = None) -> list[str]:
    """Kernels talk to JupyterLab over local sockets (IPC) where the OS has them.

    Over TCP every kernel start prints a warning that the traffic is unencrypted; on
    a single-user lab bound to 127.0.0.1 the sound fix is not to use TCP at all.
    Windows has no IPC transport for ZeroMQ, so there the kernel keeps TCP (and
    its warning).
    """
    return [] if (system or _system()) == "Windows" else ["--KernelManager.transport=ipc"]


def trust(paths: list[Path], venv: Path) -> None:
    """Sign the learner's copies as trusted in their own Jupyter: they come from the
    course, so JupyterLab shows their outputs without a "not trusted" line."""
    notebooks = [str(p) for p in paths if p.suffix == ".ipynb"]
    if notebooks:
        subprocess.run([str(venv_python(venv)), "-m", "jupyter", "trust", *notebooks],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def jupyter_lab_command(venv: Path, workdir: Path, extra: list[str] | None = None,
                        system: str | None = None, is_root: bool | None = None) -> list[str]:
    """How JupyterLab is started: the one place for its flags.

    Served on 127.0.0.1 only, with a token (the link it prints), in the learner's
    working copy, opening lesson 00.
    """
    if is_root is None:
        is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    cmd = [str(venv_python(venv, system)), "-m", "jupyterlab",
           "--ServerApp.ip=127.0.0.1",
           *quiet_kernel_flags(system),
           f"--ServerApp.root_dir={workdir}",
           f"--LabApp.default_url=/lab/tree/{FIRST_LESSON}"]
    if is_root:
        cmd.append("--allow-root")
    return cmd + list(extra or [])


# ----------------------------------------------------------------- tests
def _baseline_env(py: Path, root: Path) -> dict:
    """NumPy's and torch's fast kernels off: the second numeric configuration."""
    features = subprocess.run([str(py), str(root / "tools" / "baseline_features.py")],
                              capture_output=True, text=True, check=True).stdout.strip()
    env = {"ATEN_CPU_CAPABILITY": "default"}
    if features:
        env["NPY_DISABLE_CPU_FEATURES"] = features
    return env


#: Where `test` puts what it generates (git ignores build/).
TEST_BUILD = Path("build") / "test"
#: The kernel the student editions run on in `test`: the venv's Python with the
#: baseline environment (a kernelspec's ``env``), so one pytest session can hold
#: kernels of both configurations.
BASELINE_KERNEL = "lrlessons-baseline"


#: The program that starts a test kernel on Linux: it forks the kernel from a process that
#: has imported torch already, instead of starting Python from nothing (see its docstring).
FORKED_KERNEL = Path("tests") / "pythonpath" / "forked_kernel.py"


def kernel_argv(py: Path, root: Path = ROOT, system: str | None = None) -> list[str]:
    """A test kernelspec's ``argv``: a forked kernel on Linux, ipykernel's usual start elsewhere."""
    if (system or _system()) == "Linux":
        return [str(py), str(root / FORKED_KERNEL), "-f", "{connection_file}"]
    return [str(py), "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def baseline_kernel(py: Path, root: Path, env: dict) -> Path:
    """Write the test kernelspecs under build/test/kernels; return that Jupyter path.

    Two specs: the baseline one (its ``env`` switches the fast kernels off) for the
    student editions, and ``python3``, which the lessons name, for the nbval pass. Both
    start kernels with ``kernel_argv``. Only the tests' pytest sees this path: `make lab`
    and the browser tests' JupyterLab start kernels the usual way.
    """
    where = root / TEST_BUILD / "kernels"
    shutil.rmtree(where / "kernels", ignore_errors=True)  # no stale spec from another checkout
    for name, display, spec_env in ((BASELINE_KERNEL, "Python 3 (baseline kernels)", env),
                                    ("python3", "Python 3 (ipykernel)", {})):
        spec = where / "kernels" / name
        spec.mkdir(parents=True, exist_ok=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": kernel_argv(py, root), "display_name": display, "language": "python",
            "env": spec_env}, indent=1))
    return where


def _student_editions(root: Path) -> Path:
    """The student editions as nbval checks them (tools/editions.py ``checked``)."""
    sys.path.insert(0, str(root / "tools"))
    try:
        import editions
    finally:
        sys.path.pop(0)
    dest = root / TEST_BUILD / "student-baseline"
    editions.checked(dest, BASELINE_KERNEL, root / "notebooks")
    return dest


#: The parts of `test`, by name: what pytest collects for each. All of them run in one
#: pytest session on two workers, each notebook on one worker, so that no core idles
#: between parts; `--only` picks some.
#: - unit: the tests, the website's build and browser test included;
#: - nbval: every lesson's stored outputs, on this machine's fast kernels;
#: - nbval-baseline: the student editions (solutions removed, shipped outputs kept)
#:   on NumPy's and torch's baseline kernels, so every machine checks both numeric
#:   paths, and the student edition is proven to run, with "Not yet" for each
#:   placeholder answer.
PARTS = ("unit", "nbval", "nbval-baseline")
PYTEST = ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder", "-q",
          "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "--nbval-cell-timeout", "300"]
#: OMP_NUM_THREADS=1: each of the two workers (and the kernels and processes it starts)
#: computes on one thread, so that two workers share two cores without oversubscribing
#: them; the lessons' outputs do not depend on the number of threads.
TEST_ENV = {"LRLESSONS_PROGRESS": "0", "KERAS_BACKEND": "torch", "OMP_NUM_THREADS": "1"}
#: Left out of the tests' environment. With PYTHONDONTWRITEBYTECODE set (some machines set
#: it for everything), each of the three pytest processes rewrote the asserts of every
#: plugin again (about 3 s each) and every kernel compiled the course's modules again.
TEST_UNSET = ("PYTHONDONTWRITEBYTECODE",)
#: First on the tests' PYTHONPATH: its sitecustomize.py spares every process the tests
#: start the 1.3 s import of an optional jsonschema checker no notebook schema uses.
TEST_PYTHONPATH = Path("tests") / "pythonpath"


def test_command(py: Path, root: Path = ROOT, only: list[str] | None = None) -> tuple[list[str], dict]:
    """The pytest command and its extra environment for the chosen parts of `test`."""
    parts = [p for p in PARTS if not only or p in only]
    paths, env = [], dict(TEST_ENV)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(root / TEST_PYTHONPATH)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))
    if "unit" in parts:
        paths.append("tests")
    if "nbval" in parts:
        paths.append("notebooks")
    if any(p.startswith("nbval") for p in parts):
        baseline = _baseline_env(py, root)
        where = baseline_kernel(py, root, baseline)
        env["JUPYTER_PATH"] = os.pathsep.join(
            [str(where)] + ([os.environ["JUPYTER_PATH"]] if os.environ.get("JUPYTER_PATH") else []))
    if "nbval-baseline" in parts:
        paths.append(Path(os.path.relpath(_student_editions(root), root)).as_posix())
        say("nbval-baseline: the student editions on kernels with "
            + " ".join(f"{k}={v}" for k, v in sorted(baseline.items())))
    flags = list(PYTEST) if any(p.startswith("nbval") for p in parts) else ["-n", "2", "-q"]
    if any(p.startswith("nbval") for p in parts):
        flags.insert(0, "--nbval")
    return [str(py), "-m", "pytest", *paths, *flags], env


def run_tests(py: Path, root: Path = ROOT, only: list[str] | None = None) -> int:
    """Run the chosen parts of `test` in one pytest session; print how long it took."""
    cmd, extra = test_command(py, root, only)
    say("pytest " + " ".join(cmd[3:]))
    started = time.monotonic()
    env = {k: v for k, v in dict(os.environ, **extra).items() if k not in TEST_UNSET}
    status = subprocess.run(cmd, cwd=root, env=env).returncode
    say(f"tests took {time.monotonic() - started:.0f} s{'' if status == 0 else ' (failed)'}")
    return status


def ensure_chromium() -> None:
    """Debian's chromium for the browser tests (root only; the tests skip otherwise)."""
    if _system() != "Linux" or os.path.exists("/usr/bin/chromium"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Debian's chromium for the browser tests")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        ok = subprocess.run("apt-get update -qq && apt-get install -y -qq chromium >/dev/null",
                            shell=True, env=env).returncode == 0
        if not ok:
            say("could not install chromium: the browser tests will be skipped")
    else:
        say("chromium missing and not root: the browser tests will be skipped")


# ----------------------------------------------------------------- the wheelhouse
def _manylinux(arch: str) -> list[str]:
    # pip expands manylinux2014 and macOS tags itself, but not manylinux_2_x: list them.
    return [f"manylinux_2_{n}_{arch}" for n in range(28, 4, -1)] + \
        [f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}"]


#: Platforms a wheelhouse can be built for: pip's --platform tags, and the environment
#: markers packages' dependencies are evaluated with.
PLATFORMS = {
    "linux_x86_64": (_manylinux("x86_64"), {"sys_platform": "linux", "platform_system": "Linux",
                                            "platform_machine": "x86_64", "os_name": "posix"}),
    "linux_aarch64": (_manylinux("aarch64"), {"sys_platform": "linux", "platform_system": "Linux",
                                              "platform_machine": "aarch64", "os_name": "posix"}),
    "macos_arm64": (["macosx_14_0_arm64"], {"sys_platform": "darwin", "platform_system": "Darwin",
                                            "platform_machine": "arm64", "os_name": "posix"}),
    "windows_amd64": (["win_amd64"], {"sys_platform": "win32", "platform_system": "Windows",
                                      "platform_machine": "AMD64", "os_name": "nt"}),
}

#: pip evaluates environment markers (``; sys_platform == "linux"``) against the
#: machine it runs on, even with ``--platform``: a Linux machine would fetch CUDA
#: wheels for a Mac. This runs pip with the target's markers instead.
PIP_FOR_TARGET = r"""
import json, sys
target = json.loads(sys.argv[1])
from pip._vendor.packaging import markers
_default = markers.default_environment
def _target():
    env = _default()
    env.update(target)
    return env
markers.default_environment = _target
from pip._internal.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def lowest_patch(python_version: str, root: Path = ROOT) -> str:
    """The oldest supported release of a minor version: 3.11 -> 3.11.5, 3.12 -> 3.12.0.

    The wheelhouse is resolved for it, so a pin whose Requires-Python needs more fails there.
    """
    minor = tuple(int(x) for x in python_version.split(".")[:2])
    low, _ = supported_range(root)
    return ".".join(map(str, low)) if minor == tuple(low[:2]) else f"{minor[0]}.{minor[1]}.0"


def target_markers(platform_name: str, python_version: str) -> dict:
    major, minor = python_version.split(".")[:2]
    markers = dict(PLATFORMS[platform_name][1])
    markers.update({"python_version": f"{major}.{minor}",
                    "python_full_version": lowest_patch(python_version),
                    "implementation_name": "cpython", "platform_python_implementation": "CPython"})
    return markers


def wheelhouse_command(pip_python: list[str], platform_name: str, python_version: str, dest: Path,
                       root: Path = ROOT, resolve_only: bool = False) -> list[str]:
    """The pip command that fills ``dest`` with every wheel the learner's set-up needs."""
    if platform_name not in PLATFORMS:
        raise SetupError(f"--platform {platform_name!r}: must be one of {', '.join(PLATFORMS)}")
    if not re.fullmatch(r"3\.\d+", python_version):
        raise SetupError(f"--python-version {python_version!r}: must look like 3.12")
    tags, _ = PLATFORMS[platform_name]
    cmd = [*pip_python, "-c", PIP_FOR_TARGET, json.dumps(target_markers(platform_name, python_version))]
    if resolve_only:
        cmd += ["install", "--dry-run", "--ignore-installed", "--target", str(dest / ".resolve"),
                "--report", str(dest / f"resolve-{platform_name}-{python_version}.json")]
    else:
        cmd += ["download", "-d", str(dest)]
    cmd += ["--disable-pip-version-check", "--only-binary=:all:", "--implementation", "cp",
            "--python-version", lowest_patch(python_version, root)]
    for tag in tags:
        cmd += ["--platform", tag]
    cmd += ["-r", str(root / "requirements.txt"), "-c", str(root / "requirements-lock.txt"),
            *BUILD_REQUIREMENTS]
    return cmd


def unpinned(report: dict, lock_text: str) -> list[str]:
    """Packages a pip ``--report`` would install that the lock does not pin (name version).

    The lock is a freeze of a Linux environment: packages only another platform needs
    (appnope on macOS, colorama on Windows) float unless they are added to it.
    """
    norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731
    locked = {norm(line.split("==")[0]) for line in lock_text.splitlines() if "==" in line}
    locked |= {norm(r.split("==")[0]) for r in BUILD_REQUIREMENTS}
    return sorted(f"{i['metadata']['name']} {i['metadata']['version']}" for i in report["install"]
                  if norm(i["metadata"]["name"]) not in locked)


def build_wheelhouse(platform_name: str, versions: list[str], dest: Path, python: str | None,
                     resolve_only: bool = False) -> None:
    command, info = find_python(python)
    if subprocess.run([*command, "-m", "pip", "--version"], capture_output=True).returncode != 0:
        raise SetupError(f"{info['executable']} has no pip: install pip, or pass --python")
    dest.mkdir(parents=True, exist_ok=True)
    for version in versions:
        say(f"{'resolving' if resolve_only else 'downloading'} the learner's wheels for "
            f"{platform_name}, Python {version}, into {dest}")
        run(wheelhouse_command(command, platform_name, version, dest, resolve_only=resolve_only))
    if resolve_only:
        shutil.rmtree(dest / ".resolve", ignore_errors=True)
        for version in versions:
            report = json.loads((dest / f"resolve-{platform_name}-{version}.json").read_text(encoding="utf-8"))
            loose = unpinned(report, (ROOT / "requirements-lock.txt").read_text(encoding="utf-8"))
            say(f"{platform_name}, Python {version}: {len(report['install'])} packages resolve"
                + (f"; not pinned by requirements-lock.txt: {', '.join(loose)}" if loose else ""))
        return
    size = sum(p.stat().st_size for p in dest.glob("*.whl"))
    (dest / "README.txt").write_text(
        f"Wheels for the lrlessons course: {platform_name}, Python {', '.join(versions)}.\n"
        "Copy this folder next to the course, then, with no network needed:\n"
        f"    python tools/course.py lab --wheelhouse PATH/TO/{dest.name}\n", encoding="utf-8")
    say(f"{len(list(dest.glob('*.whl')))} wheels, {size / 1e6:.0f} MB in {dest}")


# ----------------------------------------------------------------- command line
def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--python", default=os.environ.get("PYTHON") or None,
                        help="the interpreter to build the environment with")
    common.add_argument("--venv", type=Path, default=Path(os.environ.get("LRLESSONS_VENV", ROOT / ".venv")),
                        help="the environment's folder (default .venv)")
    common.add_argument("--wheelhouse", type=Path, default=None,
                        help="install from this folder of wheels, with no network")
    p = argparse.ArgumentParser(prog="course.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("lab", parents=[common], help="set up and open the course in JupyterLab "
                   "(extra arguments go to JupyterLab, e.g. --no-browser --port 8899)")
    s = sub.add_parser("setup", parents=[common], help="set up the environment only")
    s.add_argument("--dev", action="store_true", help="the developer's environment (with tests)")
    sub.add_parser("check", parents=[common], help="the pre-flight check (python -m lrlessons.check)")
    t = sub.add_parser("test", parents=[common], help="the developer's set-up, then every test")
    t.add_argument("--only", action="append", choices=PARTS,
                   help="run only this part (repeatable)")
    r = sub.add_parser("reset", parents=[common], help="restore your working copy of lessons to the shipped version")
    r.add_argument("lessons", nargs="*", help="lesson numbers or names, e.g. 07 or 07_explorer")
    r.add_argument("--all", action="store_true", help="every lesson")
    sub.add_parser("find-python", parents=[common], help="which Python the set-up would use")
    w = sub.add_parser("wheelhouse", parents=[common], help="download every wheel for offline set-up")
    w.add_argument("--platform", required=True, choices=sorted(PLATFORMS))
    w.add_argument("--python-version", action="append", default=None,
                   help="3.11, 3.12 or 3.13 (repeatable; default: the version set-up would use)")
    w.add_argument("--dest", type=Path, default=None, help="default wheelhouse/<platform>")
    w.add_argument("--resolve-only", action="store_true",
                   help="check that everything resolves for the platform, download nothing big")
    e = sub.add_parser("editions", help="student and instructor editions of the lessons")
    e.add_argument("--dest", type=Path, default=ROOT / "build" / "editions")
    sub.add_parser("cheatsheet", help="docs/cheatsheet.md and docs/cheatsheet.html from the lessons")
    sub.add_parser("guide", help="the agenda tables and learner errors in docs/facilitator.md")
    return p


def main(argv: list[str] | None = None) -> int:
    args, extra = _parser().parse_known_args(argv)
    if extra and args.cmd != "lab":
        _parser().error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return _dispatch(args, extra)
    except SetupError as e:
        print(e.message, file=sys.stderr)
        return 2


def _dispatch(args, extra: list[str]) -> int:
    if args.cmd == "find-python":
        if not args.python:
            for command, info, problem in survey(candidate_commands()):
                shown = info["executable"] if isinstance(info, dict) else " ".join(command)
                version = ".".join(map(str, info["version"])) if isinstance(info, dict) else "-"
                print(f"  {shown}  {version}  {problem or 'suitable'}")
        command, info = find_python(args.python)
        print("the set-up uses: ", end="")
        print(f"{info['executable']}  Python {'.'.join(map(str, info['version']))}"
              f"  ({' '.join(command)})")
        return 0
    if args.cmd == "reset":
        if not args.all and not args.lessons:
            raise SetupError("reset: name the lessons (e.g. reset 07) or say --all")
        venv = args.venv.resolve()
        restored = reset(args.lessons, args.all, version=kernel_version(venv) if venv.exists() else None)
        if venv.exists():
            trust(restored, venv)
        for p in restored:
            say(f"restored {p.relative_to(ROOT)}")
        say(f"{len(restored)} restored; the copies they replaced are in "
            f"{(WORKING_COPY / '.before-reset').relative_to(ROOT)}" if restored
            else "nothing to restore: your copies are the shipped ones")
        return 0
    if args.cmd == "editions":
        return subprocess.call([sys.executable, str(ROOT / "tools" / "editions.py"), str(args.dest)])
    if args.cmd in ("cheatsheet", "guide"):
        return subprocess.call([sys.executable, str(ROOT / "tools" / "workshop.py"), args.cmd])
    if args.cmd == "wheelhouse":
        versions = args.python_version
        if not versions:
            _, info = find_python(args.python)
            versions = [f"{info['version'][0]}.{info['version'][1]}"]
        dest = args.dest or ROOT / "wheelhouse" / args.platform
        build_wheelhouse(args.platform, versions, dest, args.python, args.resolve_only)
        return 0
    venv = args.venv.resolve()
    wheelhouse = args.wheelhouse.resolve() if args.wheelhouse else None
    kind = "dev" if args.cmd == "test" or getattr(args, "dev", False) else "learner"
    py = ensure_env(kind, venv, args.python, wheelhouse)
    if args.cmd == "setup":
        return 0
    if args.cmd == "check":
        return subprocess.call([str(py), "-m", "lrlessons.check"], cwd=ROOT)
    lab_settings(venv)
    if args.cmd == "test":
        ensure_chromium()
        return run_tests(py, ROOT, args.only)
    # lab
    copied = sync_working_copy(version=kernel_version(venv))
    trust(copied, venv)
    if copied:
        say(f"copied {len(copied)} files into {WORKING_COPY.name}/, your working copy "
            "(yours to edit; `python tools/course.py reset 07` restores lesson 07)")
    cmd = jupyter_lab_command(venv, WORKING_COPY, extra)
    say("opening JupyterLab at lesson 00 (stop it with Ctrl+C)")
    try:
        return subprocess.call(cmd, cwd=WORKING_COPY)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
