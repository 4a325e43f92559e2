"""The test kernels forked from a warm process (tests/pythonpath/forked_kernel.py).

nbval runs every lesson on them in `make test`, so they must behave as the kernels
Jupyter starts the usual way: same working directory, environment, ``sys.path`` and
``sys.argv``; interrupt, restart and kill work; nothing is left running.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402

sys.path.pop(0)
sys.path.insert(0, str(ROOT / course.TEST_PYTHONPATH))
import forked_kernel  # noqa: E402

sys.path.pop(0)
alive = forked_kernel._alive  # running (a zombie counts as gone): the server's own test

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="test kernels are forked on Linux only")

PROBE = ("import json, os, sys\n"
         "print(json.dumps({'cwd': os.getcwd(), 'var': os.environ.get('PROBE_VAR'), 'path': sys.path,\n"
         "                  'argv0': sys.argv[0], 'pid': os.getpid(), 'ppid': os.getppid(),\n"
         "                  'torch': 'torch' in sys.modules}))")


def write_spec(where: Path, name: str, argv: list[str], env: dict) -> Path:
    (where / "kernels" / name).mkdir(parents=True, exist_ok=True)
    (where / "kernels" / name / "kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": name, "language": "python", "env": env}))
    return where


class Kernel:
    """A kernel started by jupyter_client from a spec, as nbval starts one."""

    def __init__(self, specs: Path, name: str, cwd: Path, env: dict | None = None):
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager

        self.km = KernelManager(kernel_name=name,
                                kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs / "kernels")]))
        self.km.start_kernel(cwd=str(cwd), **({} if env is None else {"env": env}))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code: str) -> str:
        out: list[str] = []
        self.kc.execute_interactive(code, timeout=60,
                                    output_hook=lambda m: out.append(m["content"].get("text", "")))
        return "".join(out)

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def own_env(**extra: str) -> dict:
    """The tests' environment with a variable of its own, so these tests get a server of
    their own (preloading only ``json``, to start fast)."""
    return with_test_path(dict(os.environ, **{"LRLESSONS_FORK_TEST": uuid.uuid4().hex,
                                              "LRLESSONS_FORK_PRELOAD": "json", **extra}))


def with_test_path(env: dict) -> dict:
    """``env`` with the tests' folder first on PYTHONPATH, as `make test` sets it."""
    entries = [str(ROOT / course.TEST_PYTHONPATH)] + [e for e in env.get("PYTHONPATH", "").split(os.pathsep) if e]
    return dict(env, PYTHONPATH=os.pathsep.join(dict.fromkeys(entries)))


def test_a_forked_kernel_matches_one_started_the_usual_way(tmp_path):
    py = Path(sys.executable)
    specs = write_spec(tmp_path, "forked", course.kernel_argv(py, ROOT, "Linux"), {"PROBE_VAR": "spec"})
    write_spec(tmp_path, "usual", course.kernel_argv(py, ROOT, "Darwin"), {"PROBE_VAR": "spec"})
    seen = {}
    for name in ("forked", "usual"):
        k = Kernel(specs, name, tmp_path, env=own_env())
        try:
            seen[name] = json.loads(k.run(PROBE))
        finally:
            k.close()
    forked, usual = seen["forked"], seen["usual"]
    assert forked["cwd"] == usual["cwd"] == str(tmp_path)
    assert forked["var"] == usual["var"] == "spec"
    assert forked["path"] == usual["path"]
    assert forked["argv0"] == usual["argv0"] and forked["argv0"].endswith("ipykernel_launcher.py")
    assert not alive(forked["pid"]) and not alive(usual["pid"])


def test_the_kernels_of_make_test_start_with_torch_imported_and_random_seeds_of_their_own(tmp_path):
    """With the real preload (torch, its compiler, ipykernel), as nbval's kernels get it:
    nothing a lesson imports in a given order is loaded, each kernel draws its own
    seeds (as a fresh process does), and importing warned nothing (the server's log)."""
    py = Path(sys.executable)
    specs = write_spec(tmp_path, "forked", course.kernel_argv(py, ROOT, "Linux"), {})
    env = with_test_path({k: v for k, v in os.environ.items() if k != "LRLESSONS_FORK_PRELOAD"})
    draws = []
    for _ in range(2):
        k = Kernel(specs, "forked", tmp_path, env=env)
        try:
            probe = json.loads(k.run(PROBE))
            assert probe["torch"] and k.run("import sys; print('torch._dynamo' in sys.modules)").strip() == "True"
            assert k.run("import matplotlib, sys; print('lrlessons' in sys.modules, 'keras' in sys.modules, "
                         "matplotlib.get_backend())").split() == ["False", "False",
                                                                "module://matplotlib_inline.backend_inline"]
            draws.append(k.run("import random, numpy; print(random.random(), numpy.random.random())").split())
        finally:
            k.close()
    assert draws[0][0] != draws[1][0] and draws[0][1] != draws[1][1]
    log = Path(forked_kernel.socket_path(env) + ".log")
    assert not log.exists() or log.read_text() == ""


def test_two_kernels_asked_for_at_once_share_one_server(tmp_path):
    """As the two pytest workers do at the start of `make test`: one server starts, both
    kernels fork from it."""
    import threading

    py = Path(sys.executable)
    specs = write_spec(tmp_path, "forked", course.kernel_argv(py, ROOT, "Linux"), {})
    env = own_env()
    kernels: list = []
    threads = [threading.Thread(target=lambda: kernels.append(Kernel(specs, "forked", tmp_path, env=env)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        assert len(kernels) == 2
        parents = {json.loads(k.run(PROBE))["ppid"] for k in kernels}
        assert len(parents) == 1
    finally:
        for k in kernels:
            k.close()


def test_a_broken_request_leaves_the_server_serving(tmp_path):
    """A client that dies before it asks, or sends nonsense, costs the server nothing."""
    import socket

    py = Path(sys.executable)
    specs = write_spec(tmp_path, "forked", course.kernel_argv(py, ROOT, "Linux"), {})
    env = own_env()
    k = Kernel(specs, "forked", tmp_path, env=env)
    try:
        server = json.loads(k.run(PROBE))["ppid"]
        path = forked_kernel.socket_path(env)
        for junk in (b"", b"not json\n"):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.connect(path)
                if junk:
                    socket.send_fds(sock, [junk], [0, 1, 2])
                sock.shutdown(socket.SHUT_WR)
                assert sock.recv(100) == b""  # turned away
        other = Kernel(specs, "forked", tmp_path, env=env)
        try:
            assert json.loads(other.run(PROBE))["ppid"] == server
        finally:
            other.close()
    finally:
        k.close()
    log = Path(path + ".log")
    assert log.read_text().count("a request failed") == 2
    log.unlink()


def test_interrupt_restart_and_kill_reach_the_forked_kernel(tmp_path):
    py = Path(sys.executable)
    specs = write_spec(tmp_path, "forked", course.kernel_argv(py, ROOT, "Linux"), {})
    k = Kernel(specs, "forked", tmp_path, env=own_env())
    try:
        first = int(k.run("import os; print(os.getpid())"))
        started = time.monotonic()
        k.kc.execute("import time; print('asleep', flush=True); time.sleep(60)")
        # interrupt the cell once it runs (not the kernel on its way to running it)
        while "asleep" not in k.kc.get_iopub_msg(timeout=20)["content"].get("text", ""):
            pass
        time.sleep(0.3)  # past the print's flush, into the sleep
        k.km.interrupt_kernel()
        reply = k.kc.get_shell_msg(timeout=20)
        assert reply["content"]["ename"] == "KeyboardInterrupt" and time.monotonic() - started < 20
        # and the kernel goes on. After an error ipykernel aborts the requests that reach it
        # for a moment ("aborted", no output): ask again until one runs.
        for _ in range(50):
            reply = k.kc.execute_interactive("answer = 6 * 7", user_expressions={"a": "answer"}, timeout=60)
            if reply["content"]["status"] != "aborted":
                break
            time.sleep(0.1)
        assert reply["content"]["status"] == "ok", reply["content"]
        assert reply["content"]["user_expressions"]["a"]["data"]["text/plain"] == "42"
        k.km.restart_kernel(now=True)
        k.kc.wait_for_ready(timeout=60)
        second = int(k.run("import os; print(os.getpid())"))
        assert second != first and not alive(first)
        os.kill(k.km.provisioner.pid, signal.SIGKILL)  # the process Jupyter started: the kernel goes too
        deadline = time.monotonic() + 10
        while alive(second) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(second)
    finally:
        k.close()


def test_a_kernel_dies_with_its_owner_and_the_server_leaves_after_them(tmp_path):
    """The process that started a kernel is killed outright: its kernel exits (as the usual
    kernel does when its parent dies), then the server exits and removes its socket."""
    py = Path(sys.executable)
    write_spec(tmp_path, "forked", course.kernel_argv(py, ROOT, "Linux"), {})
    env = own_env()
    script = (f"import sys, time; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
              "from pathlib import Path\n"
              "from test_forked_kernel import Kernel\n"
              f"k = Kernel(Path({str(tmp_path)!r}), 'forked', Path({str(tmp_path)!r}))\n"
              "print(k.run('import os; print(os.getpid())').strip(), flush=True)\n"
              "time.sleep(120)\n")
    owner = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
    try:
        kernel = int(owner.stdout.readline())
        assert alive(kernel)
    finally:
        owner.kill()
        owner.wait()
    path = forked_kernel.socket_path(env)
    deadline = time.monotonic() + 15
    while (alive(kernel) or os.path.exists(path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(kernel) and not os.path.exists(path)
    assert not [p for p in ("lock", "log") if os.path.exists(f"{path}.{p}")]  # it tidied up


def test_no_kernel_outlives_its_server(tmp_path):
    """The server is killed outright: its kernel dies with it, and the process Jupyter
    started exits, so Jupyter sees a dead kernel instead of waiting for a live one."""
    py = Path(sys.executable)
    specs = write_spec(tmp_path, "forked", course.kernel_argv(py, ROOT, "Linux"), {})
    env = own_env()
    k = Kernel(specs, "forked", tmp_path, env=env)
    try:
        probe = json.loads(k.run(PROBE))
        os.kill(probe["ppid"], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while (alive(probe["pid"]) or k.km.is_alive()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(probe["pid"]) and not k.km.is_alive()
    finally:
        k.close()
    path = forked_kernel.socket_path(env)
    for leftover in (path, path + ".lock", path + ".log"):  # a killed server cannot tidy up
        if os.path.exists(leftover):
            os.unlink(leftover)


def test_a_server_that_cannot_start_falls_back_to_the_usual_start(tmp_path):
    py = Path(sys.executable)
    specs = write_spec(tmp_path, "forked", course.kernel_argv(py, ROOT, "Linux"), {})
    log = tmp_path / "kernel.err"
    env = own_env(LRLESSONS_FORK_PRELOAD="no_such_module_anywhere")
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="forked", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs / "kernels")]))
    with open(log, "w") as err:
        km.start_kernel(cwd=str(tmp_path), env=env, stderr=err)
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            out: list[str] = []
            kc.execute_interactive("print('ran')", timeout=60,
                                   output_hook=lambda m: out.append(m["content"].get("text", "")))
            assert "".join(out).strip() == "ran"
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    assert "the kernel server exited with status 1" in log.read_text()
    path = forked_kernel.socket_path(env)
    assert "no_such_module_anywhere" in Path(path + ".log").read_text()
    for leftover in (path + ".log", path + ".lock"):
        os.unlink(leftover)


def test_kernel_argv_forks_on_linux_only():
    py = Path("/venv/bin/python")
    assert course.kernel_argv(py, ROOT, "Linux") == [str(py), str(ROOT / course.FORKED_KERNEL), "-f",
                                                     "{connection_file}"]
    for system in ("Darwin", "Windows"):
        assert course.kernel_argv(py, ROOT, system)[1:3] == ["-m", "ipykernel_launcher"]
