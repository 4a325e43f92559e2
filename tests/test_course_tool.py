"""tools/course.py: the Python finder, the environments, the working copy, the test phases,
the wheelhouse. Windows and macOS are simulated (paths, launchers, platform facts)."""
from __future__ import annotations

import ast
import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("course", ROOT / "tools" / "course.py")
course = importlib.util.module_from_spec(spec)
spec.loader.exec_module(course)

LINUX = {"executable": "/usr/bin/python3.12", "version": [3, 12, 3], "has_venv": True, "bits": 64,
         "system": "Linux", "machine": "x86_64", "mac_ver": ""}


def facts(**changes) -> dict:
    return {**LINUX, **changes}


# ----------------------------------------------------------------- which Python
def test_supported_range_comes_from_pyproject():
    assert course.supported_range() == ((3, 11, 5), (3, 14))
    assert course.describe_range(*course.supported_range()) == "Python 3.11.5 to 3.13"


@pytest.mark.parametrize("version, verdict", [
    ((3, 9, 6), "too old"), ((3, 11, 2), "too old"), ((3, 11, 4), "too old"),
    ((3, 11, 5), None), ((3, 12, 0), None), ((3, 13, 9), None), ((3, 14, 0), "too new"),
])
def test_judge_versions(version, verdict):
    got = course.judge(facts(version=list(version)))
    assert (got is None) if verdict is None else got.startswith(verdict)


@pytest.mark.parametrize("changes, words", [
    ({"has_venv": False}, "apt install python3.12-venv"),
    ({"bits": 32}, "32-bit"),
    ({"system": "Darwin", "machine": "x86_64", "mac_ver": "14.4"}, "Apple silicon only"),
    ({"system": "Darwin", "machine": "arm64", "mac_ver": "13.6"}, "macOS 14 or newer"),
    ({"system": "Windows", "machine": "ARM64"}, "x86_64 only"),
    ({"system": "Linux", "machine": "ppc64le"}, "x86_64 and aarch64 only"),
    ({"system": "FreeBSD", "machine": "amd64"}, "no wheels"),
])
def test_judge_refuses_what_cannot_install_torch(changes, words):
    assert words in course.judge(facts(**changes))


@pytest.mark.parametrize("changes", [
    {"system": "Darwin", "machine": "arm64", "mac_ver": "14.0"},
    {"system": "Darwin", "machine": "arm64", "mac_ver": "15.3.1"},
    {"system": "Windows", "machine": "AMD64"},
    {"system": "Linux", "machine": "aarch64"},
])
def test_judge_accepts_the_supported_platforms(changes):
    assert course.judge(facts(**changes)) is None


def fake_prober(table: dict):
    return lambda command: table[" ".join(command)]


def test_find_python_takes_the_newest_suitable_one():
    table = {"python3.13": facts(executable="/a/3.13", version=[3, 13, 1]),
             "python3.12": "does not run (exit status 127: pyenv: python3.12: command not found)",
             "python3.11": facts(executable="/b/3.11", version=[3, 11, 2]),
             "python3": facts(executable="/c/3.12", version=[3, 12, 4]),
             "py -3.11": facts(executable="/d/3.11", version=[3, 11, 9])}
    command, info = course.find_python(candidates=[c.split() for c in table],
                                       prober=fake_prober(table))
    assert command == ["python3.13"] and info["version"] == [3, 13, 1]


def test_the_same_interpreter_found_twice_is_probed_once_in_the_report():
    same = facts(executable="/usr/bin/python3.12")
    tried = course.survey([["python3.12"], ["python3"]], prober=lambda c: same)
    assert len(tried) == 1


def test_no_suitable_python_stops_with_what_was_found_and_how_to_get_one():
    table = {"python3": facts(executable="/usr/bin/python3.11", version=[3, 11, 2]),
             "python3.12": "does not run (exit status 127: pyenv: python3.12: command not found)",
             "/opt/py39/python": facts(executable="/opt/py39/python", version=[3, 9, 18])}
    with pytest.raises(course.SetupError) as e:
        course.find_python(candidates=[[c] for c in table], prober=fake_prober(table))
    msg = e.value.message
    assert "No suitable Python" in msg and "Python 3.11.5 to 3.13" in msg
    assert "/usr/bin/python3.11  3.11.2  too old (needs 3.11.5 or newer)" in msg
    assert "python3.12  -  does not run" in msg and "3.9.18  too old" in msg
    assert "python.org" in msg and "winget" in msg and "brew" in msg and "Colab" in msg
    assert e.value.code == 2


def test_an_explicit_python_is_used_or_refused():
    ok = facts(executable="/x/python3.13", version=[3, 13, 0])
    assert course.find_python("python3.13", prober=lambda c: ok)[1] is ok
    with pytest.raises(course.SetupError, match="asked for /usr/bin/python3.11"):
        course.find_python("/usr/bin/python3.11", prober=lambda c: facts(version=[3, 11, 2]))


def test_main_prints_the_message_and_exits_2(monkeypatch, capsys):
    monkeypatch.setattr(course, "candidate_commands", lambda: [["python3"]])
    monkeypatch.setattr(course, "probe", lambda c, timeout=30: facts(version=[3, 10, 1]))
    assert course.main(["find-python"]) == 2
    err = capsys.readouterr().err
    assert "No suitable Python" in err and "Traceback" not in err


def _exe(path: Path, body: str = "#!/bin/sh\nexit 0\n") -> Path:
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_candidates_on_posix_search_every_path_folder(tmp_path):
    a, b = tmp_path / "shims", tmp_path / "usr"
    a.mkdir(), b.mkdir()
    _exe(a / "python3.12"), _exe(b / "python3.12"), _exe(b / "python3")
    (b / "python3.13").write_text("not executable")
    found = course.candidate_commands(path_env=f"{a}{os.pathsep}{b}", system="Linux")
    assert found[:3] == [[str(a / "python3.12")], [str(b / "python3.12")], [str(b / "python3")]]
    assert found[-1] == [sys.executable] and [str(b / "python3.13")] not in found


def test_candidates_on_windows_use_pathext_and_the_py_launcher_but_not_the_store_alias(tmp_path):
    folder, store = tmp_path / "Python312", tmp_path / "WindowsApps"
    folder.mkdir(), store.mkdir()
    (folder / "python.exe").write_text("")
    (store / "python.exe").write_text("")
    (folder / "py.exe").write_text("")  # the launcher
    found = course.candidate_commands(path_env=f"{folder};{store}", system="Windows",
                                      pathext=".COM;.EXE")
    assert [str(folder / "python.exe")] in found
    assert not any("WindowsApps" in c[0] for c in found)
    launcher = str(folder / "py.exe")
    assert [[launcher, "-3.13"], [launcher, "-3.12"], [launcher, "-3.11"]] == \
        [c for c in found if c[0] == launcher]


def test_probe_reports_facts_or_why_not(tmp_path):
    info = course.probe([sys.executable])
    assert info["version"] == list(sys.version_info[:3]) and info["bits"] == 64 and info["has_venv"]
    shim = _exe(tmp_path / "python3.12", "#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n")
    assert course.probe([str(shim)]) == \
        "does not run (exit status 127: pyenv: python3.12: command not found)"
    assert course.probe([str(tmp_path / "missing")]).startswith("does not start")


def test_the_script_runs_on_python_3_8():
    """Any Python 3.8+ starts the script (it then finds a suitable one)."""
    ast.parse((ROOT / "tools" / "course.py").read_text(), feature_version=(3, 8))


# ----------------------------------------------------------------- the environment
def test_venv_python_on_each_system():
    assert course.venv_python(Path("v"), "Windows") == Path("v") / "Scripts" / "python.exe"
    assert course.venv_python(Path("v"), "Darwin") == Path("v") / "bin" / "python"
    assert course.venv_python(Path("v"), "Linux") == Path("v") / "bin" / "python"


def test_hash_is_the_shells_and_the_shared_venv_stays_valid():
    shell = subprocess.run("cat requirements.txt requirements-dev.txt requirements-lock.txt"
                           " | sha256sum | cut -c1-16", shell=True, cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
    assert course.stamps()["dev"] == f".installed-{shell}"
    if (ROOT / ".venv").exists():  # the developer's environment these tests run in
        assert course.env_state(ROOT / ".venv") == "dev"


@pytest.fixture
def repo(tmp_path):
    for name in ("requirements.txt", "requirements-dev.txt", "requirements-lock.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_env_state_follows_the_pins(repo):
    venv = repo / ".venv"
    assert course.env_state(venv, repo) == "absent"
    (venv / "bin").mkdir(parents=True)
    assert course.env_state(venv, repo) == "stale"  # no python in it
    (venv / "bin" / "python").touch()
    assert course.env_state(venv, repo) == "stale"  # no stamp: half-built
    (venv / course.stamps(repo)["learner"]).touch()
    assert course.env_state(venv, repo) == "learner"
    (venv / course.stamps(repo)["dev"]).touch()
    assert course.env_state(venv, repo) == "dev"
    with open(repo / "requirements-dev.txt", "a") as f:
        f.write("six==1.17.0\n")
    assert course.env_state(venv, repo) == "learner"  # dev pins changed: the tools are added again
    with open(repo / "requirements.txt", "a") as f:
        f.write("six==1.17.0\n")
    assert course.env_state(venv, repo) == "stale"  # learner pins changed: rebuild


@pytest.fixture
def recorded(monkeypatch, repo):
    calls = []

    def run(cmd, env=None, cwd=None):
        calls.append([str(c) for c in cmd])
        if cmd[1:3] == ["-m", "venv"]:
            course.venv_python(Path(cmd[3])).parent.mkdir(parents=True)
            course.venv_python(Path(cmd[3])).touch()

    monkeypatch.setattr(course, "run", run)
    monkeypatch.setattr(course, "find_python", lambda python, root: (["python3.12"], facts()))
    monkeypatch.setattr(course, "venv_python", lambda venv, system=None: venv / "bin" / "python")
    return calls


def test_learner_set_up_then_developer_tools_on_top(repo, recorded):
    venv = repo / ".venv"
    py = course.ensure_env("learner", venv, root=repo)
    assert recorded[0] == ["python3.12", "-m", "venv", str(venv)]
    assert recorded[1][-4:] == ["-r", str(repo / "requirements.txt"), "-c", str(repo / "requirements-lock.txt")]
    assert recorded[2][-3:] == ["--no-deps", "-e", str(repo)]
    assert py == venv / "bin" / "python" and course.env_state(venv, repo) == "learner"
    recorded.clear()
    course.ensure_env("learner", venv, root=repo)
    assert recorded == []  # current: nothing to do
    course.ensure_env("dev", venv, root=repo)
    assert len(recorded) == 1 and "requirements-dev.txt" in recorded[0][-3]
    assert course.env_state(venv, repo) == "dev"
    recorded.clear()
    course.ensure_env("learner", venv, root=repo)  # a developer's venv serves a learner
    assert recorded == []


def test_changed_pins_rebuild_and_old_stamps_go(repo, recorded):
    venv = repo / ".venv"
    course.ensure_env("dev", venv, root=repo)
    (venv / "leftover").touch()
    with open(repo / "requirements.txt", "a") as f:
        f.write("six==1.17.0\n")
    recorded.clear()
    course.ensure_env("dev", venv, root=repo)
    assert recorded[0][1:3] == ["-m", "venv"] and not (venv / "leftover").exists()
    assert sorted(p.name for p in venv.glob(".installed-*")) == sorted(course.stamps(repo).values())


def test_wheelhouse_install_uses_no_index(repo, recorded, tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    course.ensure_env("learner", repo / ".venv", wheelhouse=wheels, root=repo)
    for pip in recorded[1:]:
        assert pip[pip.index("--no-index") + 1:pip.index("--no-index") + 3] == ["--find-links", str(wheels)]
    with pytest.raises(course.SetupError, match="no such folder"):
        course.ensure_env("learner", repo / "other", wheelhouse=tmp_path / "nope", root=repo)


def test_lab_settings_are_copied_into_the_venv(tmp_path):
    course.lab_settings(tmp_path)
    target = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert target.read_bytes() == (ROOT / "tools" / "jupyterlab-overrides.json").read_bytes()


# ----------------------------------------------------------------- the working copy
@pytest.fixture
def shipped(tmp_path):
    src = tmp_path / "notebooks"
    (src / "appendix").mkdir(parents=True)
    (src / ".ipynb_checkpoints").mkdir()
    for name in ("00_start_here.ipynb", "01_basics.ipynb", "appendix/05_timm_appendix.ipynb",
                 ".ipynb_checkpoints/01_basics-checkpoint.ipynb"):
        (src / name).write_text(f"shipped {name}")
    return src, tmp_path / "my-notebooks"


def test_working_copy_is_made_once_and_never_overwritten(shipped):
    src, dst = shipped
    copied = course.sync_working_copy(src, dst)
    assert sorted(p.relative_to(dst).as_posix() for p in copied) == \
        ["00_start_here.ipynb", "01_basics.ipynb", "appendix/05_timm_appendix.ipynb"]
    (dst / "01_basics.ipynb").write_text("my work")
    (src / "02_new.ipynb").write_text("shipped 02")
    (src / "01_basics.ipynb").write_text("shipped, updated")
    assert course.sync_working_copy(src, dst) == [dst / "02_new.ipynb"]
    assert (dst / "01_basics.ipynb").read_text() == "my work"


def test_reset_one_lesson_keeps_the_old_copy(shipped):
    src, dst = shipped
    course.sync_working_copy(src, dst)
    (dst / "01_basics.ipynb").write_text("my work")
    (dst / "00_start_here.ipynb").write_text("my notes")
    assert course.reset(["01"], False, src, dst) == [dst / "01_basics.ipynb"]
    assert (dst / "01_basics.ipynb").read_text() == "shipped 01_basics.ipynb"
    assert (dst / ".before-reset" / "01_basics.ipynb").read_text() == "my work"
    assert (dst / "00_start_here.ipynb").read_text() == "my notes"
    assert course.reset(["00_start_here"], False, src, dst) == [dst / "00_start_here.ipynb"]


def test_reset_all_and_unknown_lessons(shipped):
    src, dst = shipped
    course.sync_working_copy(src, dst)
    (dst / "appendix" / "05_timm_appendix.ipynb").unlink()
    (dst / "01_basics.ipynb").write_text("mine")
    restored = course.reset([], True, src, dst)
    assert sorted(p.name for p in restored) == ["01_basics.ipynb", "05_timm_appendix.ipynb"]
    with pytest.raises(course.SetupError, match="no shipped lesson matches; the lessons are: 00_start_here"):
        course.reset(["42"], False, src, dst)


# ----------------------------------------------------------------- JupyterLab and tests
def test_jupyterlab_serves_localhost_with_a_token_at_lesson_00(tmp_path):
    cmd = course.jupyter_lab_command(tmp_path / ".venv", tmp_path / "my-notebooks", ["--no-browser"],
                                     system="Linux", is_root=True)
    assert cmd[:3] == [str(tmp_path / ".venv" / "bin" / "python"), "-m", "jupyterlab"]
    assert "--ServerApp.ip=127.0.0.1" in cmd and f"--ServerApp.root_dir={tmp_path / 'my-notebooks'}" in cmd
    assert "--LabApp.default_url=/lab/tree/00_start_here.ipynb" in cmd and "--allow-root" in cmd
    assert cmd[-1] == "--no-browser"
    assert not any("token=" in c or "0.0.0.0" in c for c in cmd)
    win = course.jupyter_lab_command(Path("C:/course/.venv"), Path("C:/course/my-notebooks"),
                                     system="Windows", is_root=False)
    assert win[0].endswith(os.path.join("Scripts", "python.exe")) and "--allow-root" not in win
    # kernels over local sockets, so no "unencrypted TCP" warning; Windows has no IPC for ZeroMQ
    assert "--KernelManager.transport=ipc" in cmd and "--KernelManager.transport=ipc" not in win


def test_one_pytest_session_holds_every_part_with_its_environment(monkeypatch, capsys, tmp_path):
    ran = []

    class Done:
        returncode = 0

    def fake_run(cmd, cwd=None, env=None, **kw):
        ran.append((cmd, env))
        return Done()

    monkeypatch.setattr(course, "_baseline_env", lambda py, root: {"ATEN_CPU_CAPABILITY": "default",
                                                                   "NPY_DISABLE_CPU_FEATURES": "AVX512F"})
    monkeypatch.setattr(course, "TEST_BUILD", tmp_path.relative_to(ROOT) if tmp_path.is_relative_to(ROOT)
                        else Path(os.path.relpath(tmp_path, ROOT)))
    monkeypatch.setattr(course.subprocess, "run", fake_run)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    assert course.run_tests(Path("/venv/bin/python"), ROOT) == 0
    (cmd, env), = ran
    assert cmd[:3] == ["/venv/bin/python", "-m", "pytest"]
    student = (ROOT / course.TEST_BUILD / "student-baseline").resolve()
    paths = cmd[3:6]
    assert paths[:2] == ["tests", "notebooks"] and (ROOT / paths[2]).resolve() == student
    assert ["-n", "2"] == cmd[cmd.index("-n"):cmd.index("-n") + 2] and "loadfile" in cmd and "--nbval" in cmd
    assert env["LRLESSONS_PROGRESS"] == "0" and env["KERAS_BACKEND"] == "torch"
    assert env["OMP_NUM_THREADS"] == "1" and "PYTHONDONTWRITEBYTECODE" not in env
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(ROOT / course.TEST_PYTHONPATH)
    # the baseline configuration reaches only the student editions' kernels, through their kernelspec
    assert "ATEN_CPU_CAPABILITY" not in env or env["ATEN_CPU_CAPABILITY"] == os.environ.get("ATEN_CPU_CAPABILITY")
    spec_dir = Path(env["JUPYTER_PATH"].split(os.pathsep)[0])
    spec = json.loads((spec_dir / "kernels" / course.BASELINE_KERNEL / "kernel.json").read_text())
    assert spec["env"] == {"ATEN_CPU_CAPABILITY": "default", "NPY_DISABLE_CPU_FEATURES": "AVX512F"}
    assert spec["argv"] == course.kernel_argv(Path("/venv/bin/python"), ROOT)
    # the lessons name "python3": in the tests that is the same start, without the baseline env
    lessons_spec = json.loads((spec_dir / "kernels" / "python3" / "kernel.json").read_text())
    assert lessons_spec["argv"] == spec["argv"] and lessons_spec["env"] == {}
    lessons = sorted(p.relative_to(ROOT / "notebooks") for p in (ROOT / "notebooks").rglob("*.ipynb"))
    copies = sorted(p.relative_to(student) for p in student.rglob("*.ipynb"))
    assert copies == lessons
    nb = json.loads((student / lessons[1]).read_text())
    assert nb["metadata"]["kernelspec"]["name"] == course.BASELINE_KERNEL
    out = capsys.readouterr().out
    assert "NPY_DISABLE_CPU_FEATURES=AVX512F" in out and "tests took" in out


def test_the_tests_sitecustomize_skips_only_the_iri_checker(tmp_path):
    """With the tests' PYTHONPATH, jsonschema loads without rfc3987_syntax and still checks
    notebooks; a sitecustomize further along the path still runs."""
    other = tmp_path / "sitecustomize.py"
    other.write_text("import builtins\nbuiltins.OTHER_SITECUSTOMIZE_RAN = True\n")
    code = ("import builtins, sys, jsonschema, nbformat\n"
            "nbformat.validate(nbformat.read(sys.argv[1], as_version=4))\n"
            "checks = jsonschema.FormatChecker().checkers\n"
            "print('rfc3987_syntax' in sys.modules and sys.modules['rfc3987_syntax'] is not None,\n"
            "      'iri' in checks, 'uri-reference' in checks or 'date' in checks,\n"
            "      getattr(builtins, 'OTHER_SITECUSTOMIZE_RAN', False))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / course.TEST_PYTHONPATH), str(tmp_path)]))
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "notebooks" / "00_start_here.ipynb")],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True", "True"]


def test_only_picks_parts_and_a_failure_is_reported(monkeypatch, capsys, tmp_path):
    class Failed:
        returncode = 1

    seen = []
    monkeypatch.setattr(course.subprocess, "run", lambda cmd, **k: seen.append(cmd) or Failed())
    assert course.run_tests(Path("py"), ROOT, only=["unit"]) == 1
    assert seen[0][3:] == ["tests", "-n", "2", "-q"]
    assert "(failed)" in capsys.readouterr().out
    cmd, env = course.test_command(Path("py"), ROOT, only=["unit"])
    assert "JUPYTER_PATH" not in env  # the test kernels are for nbval only
    monkeypatch.setattr(course, "_baseline_env", lambda py, root: {"ATEN_CPU_CAPABILITY": "default"})
    monkeypatch.setattr(course, "TEST_BUILD", Path(os.path.relpath(tmp_path, ROOT)))
    stale = tmp_path / "kernels" / "kernels" / "old-name" / "kernel.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    cmd, env = course.test_command(Path("py"), ROOT, only=["nbval"])
    assert cmd[3:5] == ["notebooks", "--nbval"]
    specs = Path(env["JUPYTER_PATH"].split(os.pathsep)[0]) / "kernels"
    assert sorted(p.name for p in specs.iterdir()) == sorted(["python3", course.BASELINE_KERNEL])


def test_baseline_environment_leaves_out_an_empty_feature_list(monkeypatch):
    class Out:
        stdout = "\n"

    monkeypatch.setattr(course.subprocess, "run", lambda *a, **k: Out())
    assert course._baseline_env(Path("py"), ROOT) == {"ATEN_CPU_CAPABILITY": "default"}
    Out.stdout = "AVX512F AVX512CD\n"
    assert course._baseline_env(Path("py"), ROOT)["NPY_DISABLE_CPU_FEATURES"] == "AVX512F AVX512CD"


# ----------------------------------------------------------------- the wheelhouse
@pytest.mark.parametrize("platform_name, tag, marker", [
    ("linux_x86_64", "manylinux_2_28_x86_64", {"sys_platform": "linux", "platform_machine": "x86_64"}),
    ("macos_arm64", "macosx_14_0_arm64", {"sys_platform": "darwin", "platform_system": "Darwin"}),
    ("windows_amd64", "win_amd64", {"sys_platform": "win32", "os_name": "nt"}),
])
def test_wheelhouse_command_targets_the_platform(platform_name, tag, marker, tmp_path):
    cmd = course.wheelhouse_command(["python3"], platform_name, "3.11", tmp_path)
    assert cmd[cmd.index("download") + 1:cmd.index("download") + 3] == ["-d", str(tmp_path)]
    assert "--only-binary=:all:" in cmd and tag in cmd
    assert cmd[cmd.index("--python-version") + 1] == "3.11.5"  # the lowest supported 3.11
    markers = json.loads(cmd[3])
    assert markers.items() >= {**marker, "python_version": "3.11", "python_full_version": "3.11.5"}.items()
    assert "setuptools==80.9.0" in cmd  # lrlessons' own install needs its build backend offline
    later = course.wheelhouse_command(["python3"], platform_name, "3.13", tmp_path, resolve_only=True)
    assert "--dry-run" in later and later[later.index("--python-version") + 1] == "3.13.0"


def test_wheelhouse_refuses_unknown_platforms_and_versions(tmp_path):
    with pytest.raises(course.SetupError, match="must be one of linux_x86_64"):
        course.wheelhouse_command(["python3"], "macos_x86_64", "3.12", tmp_path)
    with pytest.raises(course.SetupError, match="must look like 3.12"):
        course.wheelhouse_command(["python3"], "macos_arm64", "312", tmp_path)


def test_pip_sees_the_target_platforms_markers():
    """The wrapper makes pip evaluate `; sys_platform == ...` for the target, not this machine."""
    prelude = course.PIP_FOR_TARGET.split("from pip._internal.cli.main")[0]
    check = ("from pip._vendor.packaging.markers import Marker\n"
             "print(Marker('sys_platform == \"darwin\" and platform_machine == \"arm64\"').evaluate(),"
             " Marker('platform_system == \"Linux\"').evaluate())")
    markers = json.dumps(course.target_markers("macos_arm64", "3.12"))
    out = subprocess.run([sys.executable, "-c", prelude + check, markers], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["True", "False"]


def test_working_copies_carry_the_learners_python_version_and_nothing_else_changes(tmp_path):
    src, dst = tmp_path / "notebooks", tmp_path / "my-notebooks"
    src.mkdir()
    shutil.copy(ROOT / "notebooks" / "00_start_here.ipynb", src / "00_start_here.ipynb")
    course.sync_working_copy(src, dst, version="3.13.1")
    shipped = json.loads((src / "00_start_here.ipynb").read_text(encoding="utf-8"))
    copy = json.loads((dst / "00_start_here.ipynb").read_text(encoding="utf-8"))
    assert copy["metadata"]["language_info"]["version"] == "3.13.1"
    copy["metadata"]["language_info"]["version"] = shipped["metadata"]["language_info"]["version"]
    assert copy == shipped
    (dst / "00_start_here.ipynb").write_text("mine")
    assert course.reset(["00"], False, src, dst, version="3.13.1") == [dst / "00_start_here.ipynb"]
    assert course.reset(["00"], False, src, dst, version="3.13.1") == []  # already as shipped
    assert not (dst / ".before-reset" / ".fresh").exists()
    course.copy_lesson(src / "00_start_here.ipynb", tmp_path / "same.ipynb",
                       shipped["metadata"]["language_info"]["version"])
    assert (tmp_path / "same.ipynb").read_bytes() == (src / "00_start_here.ipynb").read_bytes()


def test_unpinned_names_what_the_lock_leaves_floating():
    report = {"install": [{"metadata": {"name": "torch", "version": "2.14.1"}},
                          {"metadata": {"name": "appnope", "version": "1.0.0"}},
                          {"metadata": {"name": "setuptools", "version": "80.9.0"}},
                          {"metadata": {"name": "Jinja2", "version": "3.1.6"}}]}
    assert course.unpinned(report, "torch==2.14.1\njinja2==3.1.6\n") == ["appnope 1.0.0"]


def test_the_baseline_kernel_runs_without_the_fast_kernels(monkeypatch, tmp_path):
    """The kernelspec `test` writes really switches NumPy's and torch's fast kernels off."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    monkeypatch.setattr(course, "TEST_BUILD", Path(os.path.relpath(tmp_path, ROOT)))
    py = Path(sys.executable)
    where = course.baseline_kernel(py, ROOT, course._baseline_env(py, ROOT))
    specs = KernelSpecManager(kernel_dirs=[str(where / "kernels")])
    km = KernelManager(kernel_name=course.BASELINE_KERNEL, kernel_spec_manager=specs)
    km.start_kernel(cwd=str(ROOT / "tools"))
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        code = ("import torch; from baseline_features import above_baseline; "
                "print(above_baseline(), torch.backends.cpu.get_cpu_capability())")
        out = []
        kc.execute_interactive(code, timeout=60, output_hook=lambda m: out.append(m["content"].get("text", "")))
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    assert "".join(out).split() == ["[]", "DEFAULT"]
