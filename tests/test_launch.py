"""lrlessons._launch: a multi-process launch on loopback that always comes back."""
from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest

from lrlessons import _launch


def test_workers_talk_over_loopback_only():
    env = _launch.environment()
    assert env["OMP_NUM_THREADS"] == "1" and env["LRLESSONS_PROGRESS"] == "0"
    assert _launch.PACKAGE_ROOT in env["PYTHONPATH"].split(os.pathsep)
    if os.name == "posix" and _launch.loopback_interface():
        assert env.get("GLOO_SOCKET_IFNAME", os.environ.get("GLOO_SOCKET_IFNAME")) in ("lo", "lo0")


def test_a_hung_launch_is_stopped_with_every_worker(tmp_path):
    """Both workers start and sleep; at the timeout the launch stops, and so do they.

    A machine too busy to start both workers within 8 s (the launcher imports torch) gets
    a second try with 24 s, so that the workers are there to be stopped.
    """
    sleep = "import os, time; print('worker', os.getpid(), flush=True); time.sleep(120)"
    for timeout in (8, 24):
        started = time.monotonic()
        with pytest.raises(RuntimeError, match=fr"2-process run did not finish within {timeout} s and was stopped"):
            _launch.launch(["timeit", "-n", "1", sleep], 2, cwd=str(tmp_path), timeout=timeout)
        assert time.monotonic() - started < timeout + 50
        pids = [int(line.split()[1]) for line in (tmp_path / "launch.log").read_text().splitlines()
                if line.startswith("worker ")]
        if len(pids) == 2 or os.name != "posix":
            break
    if os.name == "posix":  # no worker left sleeping
        assert len(pids) == 2
        time.sleep(0.5)
        assert not [pid for pid in pids if running(pid)]


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit status waits for its new parent to read it)."""
    stat = f"/proc/{pid}/stat"
    if os.path.exists(stat):
        with open(stat) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    return subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode == 0


def test_a_taken_port_is_retried_and_a_failure_is_named(tmp_path, monkeypatch):
    """The first port offered is taken: the launch fails on it, and the retry on a new port runs.

    A failure for any other reason is not retried (one port offered, one run), and its
    error names the exit status.
    """
    free, offered = _launch.free_port, []

    def offer(ports):
        monkeypatch.setattr(_launch, "free_port", lambda: offered.append(next(ports)) or offered[-1])

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        offer(iter([taken.getsockname()[1], free()]))
        _launch.launch(["timeit", "-n", "1", "pass"], 1, cwd=str(tmp_path), timeout=120)
    assert len(offered) == 2 and "loop" in (tmp_path / "launch.log").read_text()
    offered.clear()
    offer(iter([free(), free()]))
    with pytest.raises(RuntimeError, match=r"^the 1-process run failed \(exit code 1\):"):
        _launch.launch(["timeit", "-n", "1", "raise SystemExit(3)"], 1, cwd=str(tmp_path), timeout=120)
    assert len(offered) == 1
